/**
 * Pure parts of the program host: asset hashes as the engine's monitor adds them, declaring-statement locations
 * for classes named like the provider classes they wrap, the entry point as the language host finds it, and
 * how a failure is worded.
 */
import { strict as assert } from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { failureText } from "../../gate/src/cli/program";
import { withAssetHashes } from "../../gate/src/host/assets";
import { resolveEntryPoint } from "../../gate/src/host/entry";
import { describeException, labelResource } from "../../gate/src/host/failures";
import { callerLocation, callsiteLocation, constructorChain } from "../../gate/src/host/locations";
import type { Json } from "../../gate/src/shared/types";

const SIG = "4dabf18193072939515e22adb298388d";
const ASSET = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE = "0def7320c3a5731c473e5ecbe6d01bc7";
const sha = (b: string | Buffer) => createHash("sha256").update(b).digest("hex");

function tmp(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-host-"));
    for (const [f, c] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), c);
    }
    return dir;
}

describe("gate program host parts", () => {
    describe("asset hashes (the engine's monitor)", () => {
        const dir = tmp({ "code/index.js": "exports.h = 1;", "bundle.zip": "PK-not-really", "dist/a.js": "x" });
        const rows: [string, Json, Json][] = [
            ["a text asset: the SHA-256 of its text", { a: { [SIG]: ASSET, text: "hello" } }, { a: { [SIG]: ASSET, text: "hello", hash: sha("hello") } }],
            ["a file asset: of the file, relative to the program", { a: { [SIG]: ASSET, path: "code/index.js" } }, { a: { [SIG]: ASSET, path: "code/index.js", hash: sha("exports.h = 1;") } }],
            ["an archive file: of its bytes", { z: { [SIG]: ARCHIVE, path: "bundle.zip" } }, { z: { [SIG]: ARCHIVE, path: "bundle.zip", hash: sha("PK-not-really") } }],
            ["a directory archive: not computed offline", { d: { [SIG]: ARCHIVE, path: "dist" } }, { d: { [SIG]: ARCHIVE, path: "dist" } }],
            [
                "assets inside an archive's map are hashed, the map archive itself is not",
                { m: { [SIG]: ARCHIVE, assets: { "i.js": { [SIG]: ASSET, text: "x" } } } },
                { m: { [SIG]: ARCHIVE, assets: { "i.js": { [SIG]: ASSET, text: "x", hash: sha("x") } } } },
            ],
            ["a remote asset: not computed offline", { r: { [SIG]: ASSET, uri: "https://example.com/a" } }, { r: { [SIG]: ASSET, uri: "https://example.com/a" } }],
            ["no assets: the same object", { a: 1 }, { a: 1 }],
        ];
        for (const [what, props, want] of rows) {
            it(what, () => assert.deepEqual(withAssetHashes(props as Record<string, Json>, dir), want));
        }
        it("a missing file fails the registration, naming the property and the file", () => {
            assert.throws(() => withAssetHashes({ code: { [SIG]: ASSET, path: "missing.js" } }, dir), {
                message: `failed to compute asset hash for "code": open ${path.join(dir, "missing.js")}: no such file or directory`,
            });
        });
    });

    describe("declaring statements of same-named classes", () => {
        const site = (fn: string | null, file: string, line: number, ctor: boolean): NodeJS.CallSite =>
            ({ getFunctionName: () => fn, getFileName: () => file, getLineNumber: () => line, getColumnNumber: () => 5, isConstructor: () => ctor }) as unknown as NodeJS.CallSite;
        const nm = "/p/node_modules/@pulumi";
        it("the provider's Vpc inside the user's component Vpc: the line in the component", () => {
            const sites = [
                site("Resource", `${nm}/pulumi/resource.js`, 1, true),
                site("CustomResource", `${nm}/pulumi/resource.js`, 2, true),
                site("Vpc", `${nm}/aws/ec2/vpc.js`, 3, true),
                site("Vpc", "/p/vpc.ts", 9, true),
                site(null, "/p/index.ts", 22, false),
            ];
            assert.deepEqual(callsiteLocation(sites, ["Resource", "CustomResource", "Vpc"]), { file: "/p/vpc.ts", line: 9, column: 5 });
        });
        it("the user's component Vpc: the statement that constructs it", () => {
            const sites = [
                site("Resource", `${nm}/pulumi/resource.js`, 1, true),
                site("ComponentResource", `${nm}/pulumi/resource.js`, 2, true),
                site("Vpc", "/p/vpc.ts", 8, true),
                site(null, "/p/index.ts", 22, false),
            ];
            assert.deepEqual(callsiteLocation(sites, ["Resource", "ComponentResource", "Vpc"]), { file: "/p/index.ts", line: 22, column: 5 });
        });
        it("a base class with an implicit constructor (no frame) is skipped over", () => {
            const sites = [site("Resource", `${nm}/pulumi/resource.js`, 1, true), site("Store", "/p/store.ts", 4, true), site(null, "/p/index.ts", 3, false)];
            assert.deepEqual(callsiteLocation(sites, ["Resource", "ComponentResource", "Base", "Store"]), { file: "/p/index.ts", line: 3, column: 5 });
        });
        it("ES modules: frames name file:// URLs, reported as paths", () => {
            assert.deepEqual(callsiteLocation([site(null, "file:///p/index.ts", 8, false)]), { file: "/p/index.ts", line: 8, column: 5 });
            assert.deepEqual(callerLocation("Error: x\n    at file:///p/index.ts:3:7\n    at ModuleJob.run (node:internal/modules/esm/module_job:1:1)", undefined, true), { file: "/p/index.ts", line: 3, column: 7 });
        });
        it("the chain of an object's classes, base first", () => {
            class A {}
            class B extends A {}
            class C extends B {}
            assert.deepEqual(constructorChain(new C()), ["A", "B", "C"]);
            assert.deepEqual(constructorChain(undefined), []);
        });
    });

    describe("entry point (the language host's rules)", () => {
        it("Pulumi.yaml main wins", () => {
            const dir = tmp({ "package.json": JSON.stringify({ main: "other.js" }), "src/index.ts": "" });
            assert.equal(resolveEntryPoint(dir, "src"), path.join(dir, "src"));
        });
        it("without main: package.json exports, exports['.'] (string or default/require/import), then main, when the file exists", () => {
            const cases: [unknown, string][] = [
                [{ exports: "./a.ts", main: "b.ts" }, "a.ts"],
                [{ exports: { ".": "./b.ts" } }, "b.ts"],
                [{ exports: { ".": { require: "./a.ts" } } }, "a.ts"],
                [{ main: "b.ts" }, "b.ts"],
                [{ main: "missing.ts" }, "."],
            ];
            for (const [pkg, want] of cases) {
                const dir = tmp({ "package.json": JSON.stringify(pkg), "a.ts": "", "b.ts": "" });
                assert.equal(resolveEntryPoint(dir, "."), want === "." ? dir : path.join(dir, want), JSON.stringify(pkg));
            }
        });
        it("the nearest package.json above the program counts (a program without one runs its parent package's main)", () => {
            const dir = tmp({ "package.json": JSON.stringify({ main: "infra/index.ts" }), "infra/index.ts": "", "sub/Pulumi.yaml": "" });
            assert.equal(resolveEntryPoint(path.join(dir, "sub"), "."), path.join(dir, "infra", "index.ts"));
        });
    });

    describe("failure messages", () => {
        it("the exception's name unless a plain Error, and non-errors as strings", () => {
            assert.equal(describeException(new Error("boom")), "boom");
            assert.equal(describeException(new SyntaxError("bad json")), "SyntaxError: bad json");
            assert.equal(describeException("thrown string"), "thrown string");
        });
        it("the runtime's serialization labels name the resource", () => {
            assert.deepEqual(labelResource("resource:cb[aws:lambda/function:Function]"), { name: "cb", type: "aws:lambda/function:Function" });
            assert.deepEqual(labelResource("resource:a-b[x:index:Y]#..."), { name: "a-b", type: "x:index:Y" });
            assert.equal(labelResource("monitor.registerResourceOutputs(u)"), undefined);
        });
        it("the program's line and the resource's statement relative to the program, then the offline answers", () => {
            const text = failureText(
                { message: "SyntaxError: bad", location: { file: "/p/src/index.ts", line: 4, column: 2 }, resource: { type: "aws:s3/bucket:Bucket", name: "b", location: { file: "/p/src/lib/b.ts", line: 9, column: 1 } } },
                [
                    { level: "info", message: "a read" },
                    { level: "warning", message: "invoke aws:ssm/getParameter:getParameter has no offline answer; it returned its own arguments" },
                ],
                "/p",
            );
            assert.equal(
                text,
                "SyntaxError: bad (at src/index.ts:4; inputs of aws:s3/bucket:Bucket 'b', declared at src/lib/b.ts:9)\n" +
                    "offline answers before the failure:\n  - invoke aws:ssm/getParameter:getParameter has no offline answer; it returned its own arguments",
            );
            assert.equal(failureText({ message: "m" }, [], "/p"), "m");
        });
    });
});
