/**
 * shared/output-read.ts: after a child process exits, the wait for the rest of its output, with real processes.
 */
import { strict as assert } from "assert";
import { spawn } from "child_process";
import { OUTPUT_WAIT_MS, outputRead } from "../../gate/src/shared/output-read";

/** Runs `script` in Node; resolves at its `exit` with what it printed by then and `outputRead`'s promise. */
function run(script: string): Promise<{ atExit: string; read: Promise<void>; output: () => string; exitedAt: number }> {
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    return new Promise((resolve) => child.on("exit", () => resolve({ atExit: output, read: outputRead(child), output: () => output, exitedAt: Date.now() })));
}

describe("gate: the output of an exited process (outputRead)", function () {
    this.timeout(30_000);

    it("settles when the pipes close, with everything the process wrote read, even what comes after its exit", async () => {
        // A process it started writes to the shared stderr 300 ms after the exit, then closes it.
        const r = await run(`require("child_process").spawn(process.execPath, ["-e", "setTimeout(() => console.error('last words'), 300)"], { stdio: ["ignore", "ignore", "inherit"] }); console.log("first"); process.exit(3);`);
        assert.ok(!r.atExit.includes("last words"), r.atExit);
        await r.read;
        assert.equal(r.output(), "first\nlast words\n");
        assert.ok(Date.now() - r.exitedAt < OUTPUT_WAIT_MS, `${Date.now() - r.exitedAt} ms`);
    });

    it("settles after OUTPUT_WAIT_MS when another process holds the pipes open longer", async () => {
        const r = await run(`const c = require("child_process").spawn(process.execPath, ["-e", "setTimeout(() => {}, 5000)"], { stdio: ["ignore", "ignore", "inherit"] }); console.log(c.pid); process.exit(0);`);
        await r.read;
        const waited = Date.now() - r.exitedAt;
        process.kill(Number(r.output().trim()), "SIGKILL");
        assert.ok(waited >= OUTPUT_WAIT_MS - 20 && waited < OUTPUT_WAIT_MS + 1000, `${waited} ms`);
    });
});
