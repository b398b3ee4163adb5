/**
 * Runs a Pulumi program in a child process (the program host) and collects its resources.
 */
import { spawn } from "child_process";
import * as path from "path";
import { tsEntryArgs } from "../shared/launch";
import { GateError } from "../shared/errors";
import { outputRead } from "../shared/output-read";
import type { HostMessage, HostRequest, ProgramFailure, ProgramNote, RecordedResource, SourceLocation } from "../shared/types";
import { TypeCheck, withReruns } from "./typecheck";

export interface ProgramRun {
    /** The program's registrations (and reads), in order: what `pulumi preview` counts. */
    readonly resources: RecordedResource[];
    /** The default providers the engine registered for them (analyzed too; host/default-providers.ts). */
    readonly defaultProviders: RecordedResource[];
    /** Both, in the order they were registered (a default provider before the first resource that uses it). */
    readonly registered: RecordedResource[];
    readonly notes: ProgramNote[];
    /** Everything the program printed (stdout and stderr), for the report. */
    readonly output: string;
}

const HOST = path.join(__dirname, "..", "host", "main.ts");

/**
 * V8 young-generation size for the program host (MB per semi-space). A Pulumi program keeps nearly everything
 * it allocates (resources, outputs, their promises and stack traces) until it ends, so with the default
 * (16 MB) a large program spends most of its time in scavenges that copy survivors; a larger young generation
 * runs far fewer of them (docs/gate.md, "Performance"). GC tuning only; the program runs unchanged.
 * PULUMI_GATE_SEMI_SPACE_MB overrides (0: Node's default).
 */
export function gcFlags(defaultMb = 64): string[] {
    const v = process.env["PULUMI_GATE_SEMI_SPACE_MB"];
    const mb = v !== undefined && /^\d+$/.test(v) ? Number(v) : defaultMb;
    return mb > 0 ? [`--max-semi-space-size=${mb}`] : [];
}

/**
 * V8 flags for the program host: the young generation (`gcFlags`) and the old generation's initial size (MB).
 * The program keeps what it allocates until it ends, so the mark-compact collections V8 runs as the old
 * generation grows from its small initial size free little, and a large program's heap ends as large either
 * way. Starting the old generation at 1,536 MB defers them (it is
 * a limit, not an allocation: a small program's heap stays small). PULUMI_GATE_INITIAL_OLD_SPACE_MB overrides
 * (0: Node's default). GC tuning only; the program runs unchanged.
 */
export function programHeapFlags(defaultOldMb = 1536): string[] {
    const v = process.env["PULUMI_GATE_INITIAL_OLD_SPACE_MB"];
    const mb = v !== undefined && /^\d+$/.test(v) ? Number(v) : defaultOldMb;
    return [...gcFlags(), ...(mb > 0 ? [`--initial-old-space-size=${mb}`] : [])];
}

/**
 * Runs the program; `onResources` sees registrations in batches while the program runs, default providers
 * included, each before the first resource that uses it (the same objects end up in the result). `signal` ends
 * the run early (the host is killed and the promise rejects). When the language host would have ts-node
 * type-check, the program's loads are checked as it does (cli/typecheck.ts); a run that did not run what the
 * language host runs is run again: here when nobody saw its resources yet, else by the caller (`RerunNeeded`,
 * after the program host ended).
 */
export function runProgram(
    req: HostRequest,
    timeoutMs: number,
    onResources?: (batch: RecordedResource[]) => void,
    onProgress?: (constructed: number) => void,
    signal?: AbortSignal,
): Promise<ProgramRun> {
    return withReruns(() => runProgramOnce(req, timeoutMs, onResources, onProgress, signal), onResources === undefined);
}

function runProgramOnce(
    req: HostRequest,
    timeoutMs: number,
    onResources?: (batch: RecordedResource[]) => void,
    onProgress?: (constructed: number) => void,
    signal?: AbortSignal,
): Promise<ProgramRun> {
    return new Promise((resolve, reject) => {
        const cacheDir = req.cacheDir ?? compileCacheDir(req.programDir);
        const child = spawn(process.execPath, [...programHeapFlags(), ...tsEntryArgs(HOST, "hostMain", [JSON.stringify({ ...req, cacheDir })])], {
            cwd: req.programDir,
            env: {
                ...process.env,
                // The language host's environment for a TypeScript project (its own switch, read by the runtime).
                PULUMI_NODEJS_TYPESCRIPT: req.typescript ? "true" : "false",
                NODE_COMPILE_CACHE: cacheDir,
            },
            stdio: ["ignore", "pipe", "pipe", "ipc"],
            serialization: "advanced",
        });
        let output = "";
        child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
        child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
        let result: HostMessage | undefined;
        let failure: ProgramFailure | undefined;
        const resources: RecordedResource[] = [];
        const defaultProviders: RecordedResource[] = [];
        const registered: RecordedResource[] = [];
        // Provider plugins the host started for remote components: stopped here too, should the host be killed
        // (on --timeout) or die before it stops them itself.
        const plugins = new Set<number>();
        const stopPlugins = (): void => {
            for (const pid of plugins) {
                try {
                    process.kill(pid, "SIGKILL");
                } catch {
                    // already gone
                }
            }
            plugins.clear();
        };
        const byUrn = new Map<string, RecordedResource>();
        let aborted = false;
        const check = new TypeCheck(timeoutMs, (rerun) => {
            // ts-node would not have run what the program runs: this run's outcome no longer matters. The check
            // of the loads so far is finished and stored, for the next run to replay.
            aborted = true;
            clearTimeout(timer);
            child.kill("SIGKILL");
            stopPlugins();
            check.finish().then(
                () => reject(rerun),
                (e: unknown) => reject(e),
            );
        });
        child.on("message", (m: HostMessage) => {
            if (m.kind === "typecheck") {
                check.configure(m.key, m.request);
            } else if (m.kind === "loaded") {
                check.loaded(m);
            } else if (m.kind === "plugin") {
                plugins.add(m.pid);
            } else if (m.kind === "resources") {
                for (const r of m.resources) {
                    (r.isDefaultProvider === true ? defaultProviders : resources).push(r);
                    registered.push(r);
                    byUrn.set(r.urn, r);
                }
                onResources?.(m.resources);
            } else if (m.kind === "progress") {
                onProgress?.(m.constructed);
            } else if (m.kind === "outputs") {
                const r = byUrn.get(m.urn);
                if (r !== undefined) r.outputs = m.outputs;
            } else if (m.kind === "failure") {
                check.failed();
                failure = m.failure;
            } else {
                if (m.kind === "failed") check.failed();
                result = m;
            }
        });
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            stopPlugins();
            check.stop();
            const cause = failure !== undefined ? `; it had failed: ${failureText(failure, [], req.programDir)}` : "";
            reject(new GateError(`the program did not finish within ${timeoutMs / 1000} s (--timeout)${cause}; output so far:\n${tail(output)}`, "timeout"));
        }, timeoutMs);
        child.on("error", (e) => {
            clearTimeout(timer);
            check.stop();
            reject(new GateError(`cannot start the program host: ${e.message}`, "program"));
        });
        const abort = (): void => {
            aborted = true;
            check.stop();
            clearTimeout(timer);
            child.kill("SIGKILL");
            stopPlugins();
            reject(new GateError("the program run was ended by the gate", "program"));
        };
        if (signal?.aborted === true) abort();
        else signal?.addEventListener("abort", abort, { once: true });
        child.on("exit", (code, exitSignal) => {
            signal?.removeEventListener("abort", abort);
            if (aborted) return;
            clearTimeout(timer);
            stopPlugins();
            // Messages the host sent before it exited may still be on their way: the channel closes after them.
            // So may its last output (for the message of a failed run): stdout and stderr close after it, unless
            // a process the program started holds them open.
            const disconnected = child.connected ? new Promise<void>((r) => child.once("disconnect", () => r())) : Promise.resolve();
            Promise.all([disconnected, outputRead(child)])
                .then(() => check.finish())
                .then(
                    (rerun) => (rerun !== undefined ? reject(rerun) : settle(code, exitSignal)),
                    (e: unknown) => reject(e),
                );
        });
        const settle = (code: number | null, exitSignal: NodeJS.Signals | null): void => {
            const printed = output.trim() !== "" ? `\nprogram output:\n${tail(output)}` : "";
            if (result === undefined) {
                const cause = failure !== undefined ? `, after it failed: ${failureText(failure, [], req.programDir)}` : "";
                reject(new GateError(`the program exited (${exitSignal ?? `code ${code}`}) without finishing${cause}${printed}`, "program"));
            } else if (result.kind === "failed") {
                reject(new GateError(`the program failed: ${failureText(result.failure, result.notes, req.programDir)}${printed}`, "program"));
            } else if (result.kind === "done") {
                resolve({ resources, defaultProviders, registered, notes: result.notes, output });
            }
        };
    });
}

/** A source location relative to the program's directory (`/`-separated), as `file:line`. */
export function relativeLocation(loc: SourceLocation, programDir: string): string {
    return `${path.relative(programDir, loc.file).split(path.sep).join("/")}:${loc.line}`;
}

/**
 * A program failure for the gate's message: the program's own exception and the program's line, the resource
 * whose inputs were being serialized, and the offline invoke answers that may have led to it (an invoke answered
 * with its own arguments gives the program a placeholder, e.g. to JSON.parse).
 */
export function failureText(f: ProgramFailure, notes: readonly ProgramNote[], programDir: string): string {
    const where: string[] = [];
    if (f.location !== undefined) where.push(`at ${relativeLocation(f.location, programDir)}`);
    if (f.resource !== undefined) {
        const declared = f.resource.location !== undefined ? `, declared at ${relativeLocation(f.resource.location, programDir)}` : "";
        where.push(`inputs of ${f.resource.type} '${f.resource.name}'${declared}`);
    }
    if (f.missingOutput !== undefined) where.push(`in an apply on ${f.missingOutput}, an output the simulated deployment does not synthesize (it has no value there)`);
    const invokes = notes.filter((n) => n.level === "warning").map((n) => `\n  - ${n.message}`);
    return `${f.message}${where.length > 0 ? ` (${where.join("; ")})` : ""}${invokes.length > 0 ? `\noffline answers before the failure:${invokes.join("")}` : ""}`;
}

/**
 * V8 code cache for the modules the program loads (@pulumi/aws alone is thousands of files): kept in
 * `<program>/.pulumi-gate/compile-cache` (add `.pulumi-gate/` to .gitignore), or PULUMI_GATE_CACHE_DIR.
 */
export function compileCacheDir(programDir: string): string {
    return process.env["PULUMI_GATE_CACHE_DIR"] ?? path.join(programDir, ".pulumi-gate", "compile-cache");
}

export function tail(s: string, lines = 20): string {
    const all = s.trimEnd().split("\n");
    return all.slice(-lines).join("\n");
}
