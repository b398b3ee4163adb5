/** The program's @pulumi/pulumi: found where the program resolves it, or a clear error naming what is missing. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadRuntime, RuntimeNotFound } from "../../gate/src/host/runtime";

describe("gate host: the program's runtime", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-runtime-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("a program without @pulumi/pulumi: install its dependencies first", () => {
        assert.throws(() => loadRuntime(dir), (e: unknown) => e instanceof RuntimeNotFound && e.message === `the program in ${dir} cannot resolve @pulumi/pulumi: run npm install (or npm ci) there first`);
    });

    it("a runtime that lacks a module the gate drives is named with its version and the module", () => {
        const pkg = path.join(dir, "node_modules", "@pulumi", "pulumi");
        fs.mkdirSync(pkg, { recursive: true });
        fs.writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "@pulumi/pulumi", version: "3.17.1", main: "index.js" }));
        fs.writeFileSync(path.join(pkg, "index.js"), "module.exports = {};\n");
        const real = fs.realpathSync(pkg);
        assert.throws(
            () => loadRuntime(dir),
            (e: unknown) =>
                e instanceof RuntimeNotFound &&
                e.message ===
                    `the program's @pulumi/pulumi 3.17.1 (${real}) has no runtime/settings.js, which the gate needs to run it under the runtime's mocks: ` +
                        "it runs programs with the @pulumi/pulumi they bring, and this one is older than the runtimes it knows; upgrade @pulumi/pulumi in the program",
        );
    });
});
