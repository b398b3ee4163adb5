/**
 * The progress line: when it shows (a terminal, not CI, not --quiet), what it says, how it is drawn and
 * cleared, and the gate on a real pseudo-terminal (util-linux `script`).
 */
import { strict as assert } from "assert";
import { execFileSync, spawn } from "child_process";
import * as path from "path";
import { newProgress, progressDelay, progressEnabled, progressText, ProgressLine } from "../../gate/src/cli/progress";
import { BASIC_PACK, fixture, ROOT } from "./helpers";

function hasScript(): boolean {
    try {
        execFileSync("script", ["--version"], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
}

/** Runs the gate under a pseudo-terminal; resolves with everything the terminal showed. */
function gateOnTty(args: readonly string[], env: Record<string, string | undefined>): Promise<{ code: number | null; screen: string }> {
    const cmd = [process.execPath, require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(ROOT, "gate", "src", "cli", "main.ts"), ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    const e: NodeJS.ProcessEnv = { ...process.env, TERM: "xterm", ...env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete e[k];
    return new Promise((resolve, reject) => {
        const child = spawn("script", ["-q", "-f", "-e", "-c", cmd, "/dev/null"], { cwd: ROOT, env: e, stdio: ["ignore", "pipe", "pipe"] });
        let screen = "";
        child.stdout.on("data", (d: Buffer) => (screen += d.toString()));
        child.stderr.on("data", (d: Buffer) => (screen += d.toString()));
        child.on("error", reject);
        child.on("exit", (code) => resolve({ code, screen }));
    });
}

describe("gate progress line", function () {
    this.timeout(120_000);

    it("shows only on a terminal, outside CI, without --quiet, not on TERM=dumb", () => {
        const table: [boolean, NodeJS.ProcessEnv, boolean, boolean][] = [
            [true, {}, false, true],
            [false, {}, false, false],
            [true, {}, true, false],
            [true, { CI: "true" }, false, false],
            [true, { CI: "1" }, false, false],
            [true, { CI: "" }, false, true],
            [true, { CI: "false" }, false, true],
            [true, { CI: "0" }, false, true],
            [true, { TERM: "dumb" }, false, false],
        ];
        for (const [isTTY, env, quiet, want] of table) assert.equal(progressEnabled({ isTTY, env, quiet }), want, JSON.stringify({ isTTY, env, quiet }));
    });

    it("says what the run is doing: program, packs, resources registered and analyzed", () => {
        const p = newProgress(2);
        p.registered = 120;
        assert.equal(progressText(p, 2500), "policy gate (2.5 s): program running, 120 resources registered; packs starting (0/2 ready); 0/240 analyzed");
        p.packsReady = 2;
        p.analyzed = 95;
        p.programDone = true;
        assert.equal(progressText(p, 4000), "policy gate (4.0 s): program done, 120 resources; packs 2/2 ready; 95/240 analyzed");
        p.stackAnalysis = true;
        assert.equal(progressText(p, 4200), "policy gate (4.2 s): program done, 120 resources; packs 2/2 ready; 95/240 analyzed, analyzing the stack");
    });

    it("with the simulated deployment, its run follows the preview's; a stopped one says so", () => {
        const p = newProgress(1, true);
        p.registered = 10;
        const sim = p.simulation as NonNullable<typeof p.simulation>;
        sim.registered = 4;
        sim.packsReady = 1;
        sim.analyzed = 3;
        assert.equal(
            progressText(p, 1000),
            "policy gate (1.0 s): program running, 10 resources registered; packs starting (0/1 ready); 0/10 analyzed | simulated deployment: program running, 4 resources registered; packs 1/1 ready; 3/4 analyzed",
        );
        sim.stopped = true;
        assert.equal(progressText(p, 1000), "policy gate (1.0 s): program running, 10 resources registered; packs starting (0/1 ready); 0/10 analyzed | simulated deployment: stopped");
    });

    it("waits PULUMI_GATE_PROGRESS_AFTER_MS (default 2 s)", () => {
        assert.equal(progressDelay({}), 2000);
        assert.equal(progressDelay({ PULUMI_GATE_PROGRESS_AFTER_MS: "0" }), 0);
        assert.equal(progressDelay({ PULUMI_GATE_PROGRESS_AFTER_MS: "x" }), 2000);
    });

    it("draws one line in place after the delay, fits the terminal width, and clears it when stopped", async () => {
        const written: string[] = [];
        const stream = { columns: 40, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
        const line = new ProgressLine(stream, 50, 20);
        const p = newProgress(1);
        line.update(p);
        await new Promise((r) => setTimeout(r, 20));
        assert.equal(written.length, 0, "nothing before the delay");
        await new Promise((r) => setTimeout(r, 100));
        assert.ok(written.length >= 2, `redrawn: ${JSON.stringify(written)}`);
        for (const w of written) {
            assert.ok(w.startsWith("\r\x1b[2Kpolicy gate ("), JSON.stringify(w));
            assert.ok(w.length - "\r\x1b[2K".length <= 39, JSON.stringify(w));
        }
        line.stop();
        assert.equal(written[written.length - 1], "\r\x1b[2K");
        const n = written.length;
        await new Promise((r) => setTimeout(r, 60));
        assert.equal(written.length, n, "no redraw after stop");
        // A run faster than the delay leaves nothing on the terminal.
        const quick: string[] = [];
        const fast = new ProgressLine({ columns: 80, write: (s: string) => quick.push(s) } as unknown as NodeJS.WriteStream, 1000, 20);
        fast.update(newProgress(1));
        fast.stop();
        assert.deepEqual(quick, []);
    });

    it("on a pseudo-terminal the gate shows the line, then clears it before the report; --quiet and CI show none", async function () {
        if (!hasScript()) this.skip();
        const args = ["--cwd", fixture("compliant"), "--policy-pack", BASIC_PACK];
        const [shown, quiet, ci] = await Promise.all([
            gateOnTty(args, { CI: undefined, PULUMI_GATE_PROGRESS_AFTER_MS: "0" }),
            gateOnTty([...args, "--quiet"], { CI: undefined, PULUMI_GATE_PROGRESS_AFTER_MS: "0" }),
            gateOnTty(args, { CI: "true", PULUMI_GATE_PROGRESS_AFTER_MS: "0" }),
        ]);
        for (const r of [shown, quiet, ci]) {
            assert.equal(r.code, 0, r.screen);
            assert.ok(r.screen.includes("Policy gate passed: no mandatory violation."), r.screen);
        }
        assert.match(shown.screen, /\r\x1b\[2Kpolicy gate \(\d+\.\d s\): program (running|done)/);
        // Cleared before the report starts.
        const lastDraw = shown.screen.lastIndexOf("\r\x1b[2K");
        assert.ok(lastDraw >= 0 && lastDraw < shown.screen.indexOf("Policies:"), shown.screen);
        assert.equal(shown.screen.slice(lastDraw, lastDraw + 5), "\r\x1b[2K");
        assert.ok(!shown.screen.slice(lastDraw + 5, shown.screen.indexOf("Policies:")).includes("policy gate ("), shown.screen);
        for (const r of [quiet, ci]) assert.ok(!r.screen.includes("policy gate ("), r.screen);
    });
});
