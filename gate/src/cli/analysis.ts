/**
 * One analysis run: the program run by the program host and analyzed by the policy packs, each in its own
 * process, as the engine runs one operation. The gate runs a preview (`pulumi preview`: dry-run, the
 * monitor answering no ID and no computed output) and, unless `--no-simulate`, a simulated deployment (`pulumi
 * up`'s update: dry-run false, synthetic outputs), each with its own program host and its own pack processes,
 * as the engine loads its analyzers for each operation.
 *
 * Resources are analyzed as they register (the engine analyzes each registration before its step), pipelined
 * over one connection per pack process; AnalyzeStack follows the program's end with every resource's outputs.
 */
import { resolvePackConfig, type PackConfigFile, type ResolvedConfig } from "../packs/config";
import type { EngineServer, PackLog } from "../packs/engine";
import type { PolicyPackProcess, StackContext } from "../packs/process";
import type { AnalyzeQueue } from "../packs/queue";
import type { AnalyzeCall, ResourceMessages } from "../packs/messages";
import { GateError } from "../shared/errors";
import type { Diagnostic, HostRequest, PackInfo, ProgramNote, RecordedResource } from "../shared/types";
import { compileCacheDir, runProgram, type ProgramRun } from "./program";
import type { RunProgress } from "./progress";

/** The two kinds of run: `pulumi preview`, and the update of `pulumi up` simulated with synthetic outputs. */
export type RunKind = "preview" | "deploy";

/** A diagnostic with the call that produced it: Analyze (one resource, its inputs) or AnalyzeStack. */
export interface PhasedDiagnostic extends Diagnostic {
    readonly phase: "resource" | "stack";
}

export interface RunResult {
    readonly kind: RunKind;
    readonly resources: RecordedResource[];
    /** The default providers the engine registered for them (analyzed, counted apart). */
    readonly defaultProviders: RecordedResource[];
    /** Both, in the order they were registered. */
    readonly registered: RecordedResource[];
    readonly notes: ProgramNote[];
    readonly packs: PackInfo[];
    readonly diagnostics: PhasedDiagnostic[];
    readonly packLogs: PackLog[];
    readonly timings: Record<string, number>;
}

/** The gRPC side, loaded once by the gate (after the programs have started). */
export interface PackModules {
    readonly EngineServer: new () => EngineServer;
    readonly PolicyPackProcess: typeof PolicyPackProcess;
    readonly AnalyzeQueue: typeof AnalyzeQueue;
    readonly ResourceMessages: typeof ResourceMessages;
}

export interface RunParams {
    readonly kind: RunKind;
    /** The program host's request (its `dryRun` is set from `kind`). */
    readonly host: Omit<HostRequest, "dryRun">;
    readonly ctx: Omit<StackContext, "dryRun">;
    readonly packDirs: readonly string[];
    readonly configFiles: readonly (PackConfigFile | undefined)[];
    readonly configPaths: readonly (string | undefined)[];
    readonly timeoutMs: number;
    readonly concurrency: number;
    readonly packTypecheck: boolean;
    /** Processes per pack (1 or 2; see docs/gate.md). */
    readonly packProcesses: number;
    /** Waiting Analyze calls that start another process for a pack (with packProcesses 2). */
    readonly backlog: number;
    readonly progress: RunProgress;
    readonly changed: () => void;
    /** Start time of the gate (timings are measured from it). */
    readonly t0: number;
}

/** One run of the program and its analysis. Call `startProgram()`, then `startPacks()`, then `finish()`. */
export class AnalysisRun {
    private program: Promise<ProgramRun> | undefined;
    private readonly route: { sink?: (batch: readonly RecordedResource[]) => void; progress?: (constructed: number) => void } = {};
    private readonly early: RecordedResource[] = [];
    private readonly logs: PackLog[] = [];
    private readonly timings: Record<string, number> = {};
    private engine: EngineServer | undefined;
    private shards: PolicyPackProcess[][] = [];
    private queues: AnalyzeQueue[] = [];
    private extraStarts: Promise<void>[][] = [];
    private messages: ResourceMessages | undefined;
    private packsReady: Promise<PackInfo[]> | undefined;
    private stopped = false;
    private readonly abort = new AbortController();

    constructor(private readonly p: RunParams) {}

    get kind(): RunKind {
        return this.p.kind;
    }

    private get stackContext(): StackContext {
        return { ...this.p.ctx, dryRun: this.p.kind === "preview" };
    }

    /** Starts the program host; resources are buffered until the packs are started. */
    startProgram(): void {
        const progress = this.p.progress;
        this.program = runProgram(
            { ...this.p.host, dryRun: this.p.kind === "preview" },
            this.p.timeoutMs,
            (batch) => (this.route.sink !== undefined ? this.route.sink(batch) : this.early.push(...batch)),
            (constructed) => this.route.progress?.(constructed),
            this.abort.signal,
        ).then((r) => {
            this.timings["programMs"] = Date.now() - this.p.t0;
            progress.programDone = true;
            this.p.changed();
            return r;
        });
        this.program.catch(() => undefined); // settled in finish(); keep an early failure from being "unhandled"
    }

    /** The program's result (rejects with its failure). */
    programResult(): Promise<ProgramRun> {
        if (this.program === undefined) throw new Error("the program was not started");
        return this.program;
    }

    /** Starts the Engine service and the pack processes, and feeds them the resources registered so far. */
    startPacks(A: PackModules): void {
        const p = this.p;
        const ctx = this.stackContext;
        const engine = new A.EngineServer();
        this.engine = engine;
        const maxProcesses = Math.max(1, p.packProcesses);
        const newProcess = (d: string): PolicyPackProcess => new A.PolicyPackProcess(d, p.timeoutMs, this.logs, p.packTypecheck, compileCacheDir(p.host.programDir));
        this.shards = p.packDirs.map((d) => [newProcess(d)]);
        this.extraStarts = p.packDirs.map(() => []);
        const resolved: (ResolvedConfig | undefined)[] = p.packDirs.map(() => undefined);
        let engineAddress = "";
        const analyzeWith = (proc: PolicyPackProcess) => async (req: AnalyzeCall) => {
            // The engine attributes a resource's diagnostics to that resource when the pack leaves the URN empty.
            const diags = (await proc.analyze(req)).map((d): PhasedDiagnostic => ({ ...d, urn: d.urn === "" ? req.urn : d.urn, phase: "resource" }));
            p.progress.analyzed++;
            p.changed();
            return diags;
        };
        this.queues = p.packDirs.map(
            (d, i) =>
                new A.AnalyzeQueue(p.concurrency, maxProcesses > 1 ? p.backlog : Number.POSITIVE_INFINITY, () => {
                    // A long queue: one more process for this pack, configured the same, sharing the calls.
                    const proc = newProcess(d);
                    (this.shards[i] as PolicyPackProcess[]).push(proc);
                    const started = (async () => {
                        await proc.start(engineAddress, ctx);
                        await proc.getInfo();
                        await proc.configure(resolved[i] as ResolvedConfig);
                        await proc.configureStack(ctx);
                        (this.queues[i] as AnalyzeQueue).start(analyzeWith(proc));
                    })();
                    started.catch(() => undefined); // awaited before AnalyzeStack
                    (this.extraStarts[i] as Promise<void>[]).push(started);
                }),
        );
        // AnalyzeStack leaves reads out (messages.ts), as the engine keeps them apart from the resources it manages.
        const messages = new A.ResourceMessages([], p.ctx.config);
        this.messages = messages;
        this.route.sink = (batch) => {
            p.progress.registered += batch.filter((r) => r.isDefaultProvider !== true).length;
            p.changed();
            for (const r of batch) {
                messages.add(r);
                const req = messages.analyzeCall(r);
                if (req === undefined) continue; // a read: the engine does not analyze it
                for (const q of this.queues) q.push(req);
            }
        };
        this.route.sink(this.early.splice(0));
        // The program constructs its resources long before they register: a large count starts the extra pack
        // process early (with --pack-processes 2).
        this.route.progress = (constructed) => {
            for (const q of this.queues) q.expect(constructed);
        };
        this.packsReady = (async () => {
            engineAddress = await engine.start();
            return Promise.all(
                this.shards.map(async ([first], i) => {
                    const proc = first as PolicyPackProcess;
                    await proc.start(engineAddress, ctx);
                    const info = await proc.getInfo();
                    resolved[i] = resolvePackConfig(info, p.configFiles[i], p.configPaths[i]);
                    await proc.configure(resolved[i] as ResolvedConfig);
                    await proc.configureStack(ctx);
                    (this.queues[i] as AnalyzeQueue).start(analyzeWith(proc));
                    p.progress.packsReady++;
                    p.changed();
                    return info;
                }),
            );
        })().then((r) => {
            this.timings["packsReadyMs"] = Date.now() - p.t0;
            return r;
        });
        this.packsReady.catch(() => undefined); // settled in finish()
    }

    /**
     * Waits for the program and the packs, drains the Analyze calls and runs AnalyzeStack. A config error is
     * thrown before a program failure, as the CLI validates config before it runs the program.
     */
    async finish(): Promise<RunResult> {
        if (this.program === undefined || this.packsReady === undefined || this.messages === undefined) throw new Error("the run was not started");
        const [programR, packsR] = await Promise.allSettled([this.program, this.packsReady]);
        if (packsR.status === "rejected" && packsR.reason instanceof GateError && packsR.reason.category === "config") throw packsR.reason;
        if (programR.status === "rejected") throw programR.reason;
        if (packsR.status === "rejected") throw packsR.reason;
        const run = programR.value;
        const infos = packsR.value;
        const tA = Date.now();
        const stackRequest = this.messages.analyzeStackBytes();
        let stackStarted = 0;
        const lists = await Promise.all(
            this.shards.map(async (procs, i) => {
                const perResource = (await (this.queues[i] as AnalyzeQueue).drain()) as PhasedDiagnostic[];
                await Promise.all(this.extraStarts[i] as Promise<void>[]);
                if (stackStarted++ === 0) {
                    this.p.progress.stackAnalysis = true;
                    this.p.changed();
                }
                // Every process of a pack gets AnalyzeStack: each reports what it saw (e.g. the waivers it
                // applied); identical stack-level findings are merged when classified.
                const stackDiags = await Promise.all(procs.map((proc) => proc.analyzeStack(stackRequest)));
                return [...perResource, ...stackDiags.flat().map((d): PhasedDiagnostic => ({ ...d, phase: "stack" }))];
            }),
        );
        this.timings["packProcesses"] = this.shards.reduce((n, s) => n + s.length, 0);
        // Analysis still running after the program finished (most of it overlaps the program run).
        this.timings["analyzeTailMs"] = Date.now() - tA;
        this.timings["totalMs"] = Date.now() - this.p.t0;
        for (const l of this.engine?.logs ?? []) this.logs.push(l);
        return { kind: this.p.kind, resources: run.resources, defaultProviders: run.defaultProviders, registered: run.registered, notes: run.notes, packs: infos, diagnostics: lists.flat(), packLogs: this.logs, timings: this.timings };
    }

    /** Stops the pack processes, the Engine service, and the program host if it still runs. */
    stop(): void {
        if (this.stopped) return;
        this.stopped = true;
        this.abort.abort();
        for (const procs of this.shards) for (const proc of procs) proc.stop();
        this.engine?.stop();
    }
}
