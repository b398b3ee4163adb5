/**
 * The program's type check, as Pulumi's Node.js language host has ts-node do it, kept off the gate's critical
 * path. The program host runs the program with ts-node transpiling and, when the language host would have it
 * type-check, reports the configuration and every file ts-node compiles, in order (host/compile.ts). Here:
 * - a stored verdict for that configuration (shared/typecheck-verdict.ts) whose inputs are all unchanged and
 *   whose loads the run followed (same files, same code, the outputs or errors it replayed) decides: the run was
 *   exactly the language host's, with no TypeScript loaded;
 * - otherwise the checker process (host/typecheck.ts) runs ts-node's own type check on the loaded files while
 *   the program runs, and its results become the new verdict. When ts-node, type-checking, would have thrown at
 *   a file (a type error) or emitted another output than the one the program ran, the run did not run what the
 *   language host runs: it is run again (`RerunNeeded`), and the program host then replays the verdict (the
 *   same error at the same load, the type-checked output). Only loads before the program's first failure count:
 *   a file loaded after it changes nothing the run reports.
 */
import { spawn, type ChildProcess } from "child_process";
import * as path from "path";
import type { CheckerInput, CheckerOutput } from "../host/typecheck";
import { GateError } from "../shared/errors";
import { tsEntryArgs } from "../shared/launch";
import type { TypecheckRequest } from "../shared/types";
import { changedInput, readVerdict, readVerdictInputs, sha256, writeVerdict, type CheckedLoad, type CheckedResult, type CompilerInputs, type Verdict } from "../shared/typecheck-verdict";

const CHECKER = path.join(__dirname, "..", "host", "typecheck.ts");

/** The run did not run what the language host runs (see the file comment): run it again, replaying the verdict. */
export class RerunNeeded extends Error {
    constructor(readonly file: string) {
        super(`the program ran ${file} as transpiled, and ts-node, type-checking as under the language host, handles it differently`);
        this.name = "RerunNeeded";
    }
}

/** Runs at most: the first, and reruns replaying the type check's verdict. */
export const MAX_RUNS = 3;

/**
 * `once()`, run again while it asks for it (`RerunNeeded`) and `rerun` allows it, at most `MAX_RUNS` times in
 * all; then the error says the runs did not converge (the verdict and the program's runs keep differing).
 */
export async function withReruns<T>(once: () => Promise<T>, rerun = true): Promise<T> {
    for (let run = 1; ; run++) {
        try {
            return await once();
        } catch (e) {
            if (!(e instanceof RerunNeeded) || !rerun) throw e;
            if (run >= MAX_RUNS) throw new GateError(`after ${MAX_RUNS} runs, ${e.message}`, "program");
        }
    }
}

/** A load the program host reported. */
export interface HostLoad {
    readonly file: string;
    readonly code: string;
    readonly output: string | null;
    readonly replayed: boolean;
}

function sameError(a: CheckedResult | undefined, b: CheckedResult): boolean {
    if (a === undefined || !("error" in a) || !("error" in b)) return false;
    return a.error.name === b.error.name && a.error.message === b.error.message && a.error.diagnosticText === b.error.diagnosticText;
}

export class TypeCheck {
    private setup: { key: string; request: TypecheckRequest } | undefined;
    /** The verdict the program host read (it replays from it). */
    private stored: Verdict | undefined;
    /** `stored`, when its inputs are unchanged. */
    private valid: Verdict | undefined;
    private readonly loads: HostLoad[] = [];
    private cut = false;
    private checker: ChildProcess | undefined;
    private checkerOutput = "";
    private readonly results: CheckedResult[] = [];
    private inputs: CompilerInputs | undefined;
    private checkerError: Error | undefined;
    private wake: (() => void) | undefined;
    private mismatch: string | undefined;
    /** The checker exited (`exit`) and its channel closed (`disconnect`: every message it sent has arrived). */
    private exited = false;
    private exitStatus = "";
    private channelClosed = false;

    constructor(
        private readonly timeoutMs: number,
        /** Called once, as soon as a checked load shows that the run must be run again. */
        private readonly onMismatch: (e: RerunNeeded) => void,
    ) {}

    /** The language host would type-check: look for a verdict that still holds. */
    configure(key: string, request: TypecheckRequest): void {
        this.setup = { key, request };
        this.stored = readVerdict(request.cacheDir, key);
        if (this.stored !== undefined) {
            const inputs = readVerdictInputs(request.cacheDir, this.stored);
            const refreshed = { count: 0 };
            if (inputs !== undefined && changedInput(inputs, refreshed) === undefined) {
                this.valid = this.stored;
                // The same contents under new stat signatures (e.g. after `npm ci`): keep the new ones.
                if (refreshed.count > 0) writeVerdict(request.cacheDir, key, this.stored.loads, inputs);
            }
        }
        if (this.valid === undefined) this.startChecker();
        for (let i = 0; i < this.loads.length; i++) this.follow(i);
    }

    /** A file the program loaded (reported in order); none counts once `finish` has begun. */
    loaded(l: HostLoad): void {
        if (this.cut) return;
        this.loads.push(l);
        if (this.setup !== undefined) this.follow(this.loads.length - 1);
    }

    /** The program failed: loads after this change nothing the run reports. */
    failed(): void {
        this.cut = true;
    }

    /** Whether the program host's load `i` followed the valid stored verdict. */
    private covered(i: number): boolean {
        const l = this.loads[i] as HostLoad;
        const v = this.valid?.loads[i];
        if (v === undefined || v.file !== l.file || v.code !== sha256(l.code)) return false;
        if ("error" in v.result) return l.output === null && l.replayed;
        return l.output === v.result.output && l.replayed === v.result.differs;
    }

    private follow(i: number): void {
        if (this.checker === undefined) {
            if (this.valid !== undefined && this.covered(i)) return;
            this.startChecker();
        }
        this.forward(i + 1);
    }

    private forwarded = 0;

    /** Hands the checker the loads it has not seen, up to `n`. */
    private forward(n: number): void {
        for (; this.forwarded < n; this.forwarded++) {
            const l = this.loads[this.forwarded] as HostLoad;
            this.send({ kind: "load", file: l.file, code: l.code, ran: l.output });
        }
    }

    private send(m: CheckerInput): void {
        if (this.checker?.connected === true) this.checker.send(m);
    }

    private startChecker(): void {
        if (this.checker !== undefined || this.setup === undefined) return;
        const req = this.setup.request;
        const child = spawn(process.execPath, tsEntryArgs(CHECKER, "typecheckMain", [JSON.stringify(req)]), {
            cwd: req.programDir,
            env: { ...process.env, NODE_COMPILE_CACHE: req.cacheDir },
            stdio: ["ignore", "pipe", "pipe", "ipc"],
            serialization: "advanced",
        });
        this.checker = child;
        child.stdout?.on("data", (d: Buffer) => (this.checkerOutput += d.toString()));
        child.stderr?.on("data", (d: Buffer) => (this.checkerOutput += d.toString()));
        child.on("message", (m: CheckerOutput) => {
            if (m.kind === "checked") {
                this.results[m.index] = m.result;
                this.compare(m.index);
            } else if (m.kind === "inputs") {
                this.inputs = m.inputs;
            } else {
                this.checkerError = new GateError(`the type check (ts-node, as under the language host) could not run: ${m.message}`, "program");
            }
            this.wake?.();
        });
        child.on("error", (e) => {
            this.checkerError = new GateError(`cannot start the type check: ${e.message}`, "program");
            this.wake?.();
        });
        child.on("exit", (code, signal) => {
            this.exited = true;
            this.exitStatus = signal ?? `code ${code}`;
            this.wake?.();
        });
        child.on("disconnect", () => {
            this.channelClosed = true;
            this.wake?.();
        });
        this.forward(this.loads.length);
    }

    /** Whether the program host's load `i` ran what ts-node, type-checking, gives. */
    private matches(i: number): boolean {
        const l = this.loads[i] as HostLoad;
        const r = this.results[i] as CheckedResult;
        if ("error" in r) {
            if (!(l.output === null && l.replayed)) return false;
            const replayed = this.stored?.loads.find((x) => x.file === l.file && x.code === sha256(l.code))?.result;
            return sameError(replayed, r);
        }
        return l.output === r.output;
    }

    private compare(i: number): void {
        if (this.mismatch !== undefined || i >= this.loads.length || this.matches(i)) return;
        this.mismatch = (this.loads[i] as HostLoad).file;
        this.onMismatch(new RerunNeeded(this.mismatch));
    }

    /**
     * After the program host ended: whether the run was the language host's (`undefined`), or the load that makes
     * it run again. Stores the new verdict when the checker ran.
     */
    async finish(): Promise<RerunNeeded | undefined> {
        if (this.setup === undefined || this.checker === undefined) return undefined;
        // The checker is told to end after the loads so far: a load reported after this (the program host is
        // being stopped) would never be checked.
        this.cut = true;
        this.forward(this.loads.length);
        this.send({ kind: "end" });
        const deadline = Date.now() + this.timeoutMs;
        while (this.checkerError === undefined && (this.inputs === undefined || this.results.filter((r) => r !== undefined).length < this.loads.length)) {
            if (this.exited && this.channelClosed) {
                throw new GateError(`the type check (ts-node, as under the language host) ended (${this.exitStatus}) without finishing; its output:\n${this.checkerOutput.trim().split("\n").slice(-20).join("\n")}`, "program");
            }
            const left = deadline - Date.now();
            if (left <= 0) {
                this.stop();
                throw new GateError(`the type check (ts-node, as under the language host) did not finish within ${this.timeoutMs / 1000} s (--timeout)`, "timeout");
            }
            await new Promise<void>((resolve) => {
                const t = setTimeout(resolve, left);
                this.wake = () => {
                    clearTimeout(t);
                    resolve();
                };
            });
        }
        this.wake = undefined;
        if (this.checkerError !== undefined) throw this.checkerError;
        const loads: CheckedLoad[] = this.loads.map((l, i) => {
            const r = this.results[i] as CheckedResult;
            // `differs` is against the transpiled output; a replayed output stood in for one that differed.
            return { file: l.file, code: sha256(l.code), result: "error" in r ? r : { output: r.output, differs: l.replayed || r.output !== l.output } };
        });
        writeVerdict(this.setup.request.cacheDir, this.setup.key, loads, this.inputs as CompilerInputs);
        for (let i = 0; i < this.loads.length; i++) if (!this.matches(i)) return new RerunNeeded((this.loads[i] as HostLoad).file);
        return undefined;
    }

    stop(): void {
        if (this.checker !== undefined && !this.exited) this.checker.kill("SIGKILL");
    }
}
