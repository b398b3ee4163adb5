/**
 * How the gate's type check ends (gate/src/cli/typecheck.ts `TypeCheck.finish`), driving the real checker
 * process: loads the program host reports once the end has begun (a host being stopped after a mismatch still
 * has messages on their way) are not handed to a checker that was told to end, so the check finishes with the
 * loads before it.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RerunNeeded, TypeCheck } from "../../gate/src/cli/typecheck";
import { readVerdict, sha256 } from "../../gate/src/shared/typecheck-verdict";
import { ROOT } from "./helpers";

describe("gate type check: ending the checker", function () {
    this.timeout(120_000);
    let dir = "";
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-typecheck-finish-"));
        fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, target: "es2020", module: "commonjs" } }));
    });
    // The checker writes the compile cache as it exits, just after the check finished.
    // The checker may still be writing Node's compile cache as it exits, just after the check finished.
    after(async () => {
        for (let attempt = 1; ; attempt++) {
            try {
                fs.rmSync(dir, { recursive: true, force: true });
                return;
            } catch (e) {
                if (attempt === 20) throw e;
                await new Promise((r) => setTimeout(r, 100));
            }
        }
    });

    const load = (name: string, code: string) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, code);
        return { file, code, output: sha256("not what ts-node emits"), replayed: false };
    };

    it("a load reported after finish began is left out; the check finishes with the loads before it", async () => {
        const mismatches: RerunNeeded[] = [];
        const check = new TypeCheck(60_000, (e) => mismatches.push(e));
        const cacheDir = path.join(dir, ".cache");
        check.configure("finish-spec", {
            programDir: dir,
            cacheDir,
            tsnode: require.resolve("ts-node", { paths: [ROOT] }),
            options: { project: path.join(dir, "tsconfig.json") },
            undefinedOptions: [],
        });
        const first = load("index.ts", "export const a: number = 1;\n");
        check.loaded(first);
        const finished = check.finish();
        check.loaded(load("late.ts", "export const b: number = 2;\n"));
        const rerun = await finished;
        // The output the program "ran" is not ts-node's: the first load asks for a run again, the late one is not seen.
        assert.ok(rerun instanceof RerunNeeded, String(rerun));
        assert.equal(rerun.file, first.file);
        assert.deepEqual(
            mismatches.map((m) => m.file),
            [first.file],
        );
        // The stored verdict holds the loads the check was ended after, and only those.
        assert.deepEqual(
            readVerdict(cacheDir, "finish-spec")?.loads.map((l) => path.basename(l.file)),
            ["index.ts"],
        );
    });
});
