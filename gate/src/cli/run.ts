/**
 * The offline policy gate: `pulumi preview --policy-pack` semantics without the cloud or the CLI.
 * Runs the program (mocks, preview mode) and the policy packs (separate processes, Analyzer gRPC)
 * concurrently, then analyzes every resource and the stack.
 */
import * as fs from "fs";
import * as path from "path";
import type { AnalyzeRequest } from "@pulumi/pulumi/proto/analyzer_pb";
import { readPackConfig, resolvePackConfig, type PackConfigFile, type ResolvedConfig } from "../packs/config";
import { checkPackDir } from "../packs/dir";
import type { PackLog } from "../packs/engine";
import type { PolicyPackProcess, StackContext } from "../packs/process";
import type { AnalyzeQueue } from "../packs/queue";
import { classify, type GateReport } from "../report/verdict";
import { GateError, usageError } from "../shared/errors";
import type { Diagnostic, PackInfo, ProgramNote, RecordedResource } from "../shared/types";
import { compileCacheDir, MAX_RUNS, rerunsExhausted, runProgram, type ProgramRun } from "./program";
import { RerunNeeded } from "./typecheck";
import { newProgress, type GateProgress } from "./progress";
import { readProject, readProjectPlugins, readRuntimeOptions, readStack, selectStack } from "./project";

export interface GateOptions {
    /** The Pulumi project directory (default: current directory). */
    readonly cwd: string;
    readonly stack?: string;
    /** Policy pack directories; default `<cwd>/policies`. */
    readonly policyPacks: readonly string[];
    /** Config files, matched to packs by position (as the CLI does). */
    readonly policyPackConfigs: readonly string[];
    readonly organization: string;
    /** Per-step time limit (program run, pack start, each RPC), ms. */
    readonly timeoutMs: number;
    /** Analyze calls in flight per pack. */
    readonly concurrency: number;
    /** Type-check the packs as the CLI's launcher does (slower). Default: transpile-only. */
    readonly packTypecheck?: boolean;
    /**
     * Processes per pack: 1 (default) = the CLI's one process; 2 = a second process is started when more than
     * BACKLOG Analyze calls wait, and calls are spread over both (see docs/gate.md).
     */
    readonly packProcesses?: number;
}

/** Waiting Analyze calls that make the gate start another process for a pack (PULUMI_GATE_PACK_BACKLOG overrides). */
export const BACKLOG = 1000;

function backlog(): number {
    const v = Number(process.env["PULUMI_GATE_PACK_BACKLOG"]);
    return Number.isInteger(v) && v >= 0 ? v : BACKLOG;
}

// concurrency: Analyze calls in flight per pack. On the 10,000-resource benchmark the analysis left after the program
// ended took 8.0-9.6 s with 64, 7.8-8.0 s with 256, 7.0-7.5 s with 1024 (the pack reads more requests per turn).
export const DEFAULTS = { organization: "organization", timeoutMs: 120_000, concurrency: 256 } as const;

/**
 * Children of a remote component that its plugin constructed have no declaring statement in the program: they
 * get the statement that declared the component, as the engine attributes a Construct's registrations to the
 * remote registration's source position. Other resources are returned unchanged.
 */
export function withRemoteSources(resources: readonly RecordedResource[], notes: readonly ProgramNote[]): RecordedResource[] {
    const constructed = new Set(notes.flatMap((n) => (n.remoteComponent?.constructed === true ? [n.remoteComponent.urn] : [])));
    if (constructed.size === 0) return [...resources];
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const inherited = (r: RecordedResource): RecordedResource["source"] => {
        for (let p = byUrn.get(r.parent), guard = 0; p !== undefined && guard < resources.length; p = byUrn.get(p.parent), guard++) {
            if (constructed.has(p.urn) && p.source !== undefined) return p.source;
        }
        return undefined;
    };
    return resources.map((r) => {
        if (r.source !== undefined) return r;
        const source = inherited(r);
        return source === undefined ? r : { ...r, source };
    });
}

/**
 * Runs the gate; `onProgress` gets the run's progress object whenever it changes (the same object each time).
 * A run whose program did not run what the language host runs (its type check, cli/typecheck.ts) is run again,
 * packs included.
 */
export async function runGate(opts: GateOptions, onProgress?: (p: GateProgress) => void): Promise<GateReport> {
    for (let run = 1; ; run++) {
        try {
            return await runGateOnce(opts, onProgress);
        } catch (e) {
            if (!(e instanceof RerunNeeded)) throw e;
            if (run >= MAX_RUNS) throw rerunsExhausted(e);
        }
    }
}

async function runGateOnce(opts: GateOptions, onProgress?: (p: GateProgress) => void): Promise<GateReport> {
    const t0 = Date.now();
    const cwd = path.resolve(opts.cwd);
    if (!fs.existsSync(cwd) || !fs.statSync(cwd).isDirectory()) {
        throw usageError(`--cwd ${cwd} is not a directory`);
    }
    const project = readProject(cwd);
    const stackName = selectStack(cwd, opts.stack);
    const stack = readStack(project, stackName);
    let packDirs = opts.policyPacks;
    if (packDirs.length === 0) {
        const def = path.join(cwd, "policies");
        if (!fs.existsSync(path.join(def, "PulumiPolicy.yaml"))) {
            throw usageError(`no --policy-pack given and ${def} is not a policy pack (no PulumiPolicy.yaml): pass --policy-pack DIR`);
        }
        packDirs = [def];
    }
    const dirs = packDirs.map(checkPackDir);
    if (opts.policyPackConfigs.length > dirs.length) {
        throw usageError(`${opts.policyPackConfigs.length} --policy-pack-config files for ${dirs.length} --policy-pack(s): configs are matched to packs by position`);
    }
    const configFiles: (PackConfigFile | undefined)[] = dirs.map((_, i) => (opts.policyPackConfigs[i] !== undefined ? readPackConfig(opts.policyPackConfigs[i] as string) : undefined));
    const progress = newProgress(dirs.length);
    const changed = (): void => onProgress?.(progress);
    changed();

    const ctx: StackContext = { project: project.name, stack: stackName, organization: opts.organization, config: stack.config, secureKeys: stack.secureKeys };
    const logs: PackLog[] = [];
    const timings: Record<string, number> = {};
    // The program starts first, before the gate loads gRPC and protobuf: it is the longest step. Resources are
    // analyzed as they register (as the engine does), overlapping the program run; the first batches wait here
    // until the analyzer side is loaded.
    const route: { sink?: (batch: readonly RecordedResource[]) => void; progress?: (constructed: number) => void } = {};
    const early: RecordedResource[] = [];
    const programP: Promise<ProgramRun> = runProgram(
        {
            programDir: cwd,
            main: project.main,
            project: project.name,
            stack: stackName,
            organization: opts.organization,
            config: stack.config,
            secureKeys: stack.secureKeys,
            typescript: project.typescript,
            timeoutMs: opts.timeoutMs,
            projectPlugins: readProjectPlugins(cwd),
            runtimeOptions: readRuntimeOptions(cwd),
        },
        opts.timeoutMs,
        (batch) => (route.sink !== undefined ? route.sink(batch) : early.push(...batch)),
        (constructed) => route.progress?.(constructed),
    ).then((r) => {
        timings["programMs"] = Date.now() - t0;
        progress.programDone = true;
        changed();
        return r;
    });
    programP.catch(() => undefined); // settled below; keep an early failure from being "unhandled"

    // The pack side (gRPC, protobuf) loads while the program already runs.
    const A = { ...(await import("../packs/engine")), ...(await import("../packs/process")), ...(await import("../packs/queue")), ...(await import("../packs/messages")) };
    const engine = new A.EngineServer();
    const maxProcesses = Math.max(1, opts.packProcesses ?? 1);
    const newProcess = (d: string): PolicyPackProcess => new A.PolicyPackProcess(d, opts.timeoutMs, logs, opts.packTypecheck === true, compileCacheDir(cwd));
    // shards[i]: the processes serving pack i (the first, plus any started for a backlog).
    const shards: PolicyPackProcess[][] = dirs.map((d) => [newProcess(d)]);
    const extraStarts: Promise<void>[][] = dirs.map(() => []);
    const resolved: (ResolvedConfig | undefined)[] = dirs.map(() => undefined);
    let engineAddress = "";
    const analyzeWith = (p: PolicyPackProcess) => async (req: AnalyzeRequest) => {
        // The engine attributes a resource's diagnostics to that resource when the pack leaves the URN empty.
        const diags = (await p.analyze(req)).map((d) => (d.urn === "" ? { ...d, urn: req.getUrn() } : d));
        progress.analyzed++;
        changed();
        return diags;
    };
    const queues: AnalyzeQueue[] = dirs.map(
        (d, i) =>
            new A.AnalyzeQueue(opts.concurrency, maxProcesses > 1 ? backlog() : Number.POSITIVE_INFINITY, () => {
                // A long queue: one more process for this pack, configured the same, sharing the calls.
                const p = newProcess(d);
                (shards[i] as PolicyPackProcess[]).push(p);
                const started = (async () => {
                    await p.start(engineAddress, ctx);
                    await p.getInfo();
                    await p.configure(resolved[i] as ResolvedConfig);
                    await p.configureStack(ctx);
                    (queues[i] as AnalyzeQueue).start(analyzeWith(p));
                })();
                started.catch(() => undefined); // awaited before AnalyzeStack
                (extraStarts[i] as Promise<void>[]).push(started);
            }),
    );
    const messages = new A.ResourceMessages([], stack.config);
    route.sink = (batch) => {
        progress.registered += batch.filter((r) => r.isDefaultProvider !== true).length;
        changed();
        for (const r of batch) {
            messages.add(r);
            const req = messages.analyzeRequest(r);
            if (req === undefined) continue; // a read: the engine does not analyze it (AnalyzeStack still lists it)
            for (const q of queues) q.push(req);
        }
    };
    route.sink(early.splice(0));
    // The program constructs its resources long before they register: a large count starts the extra pack
    // process early (with --pack-processes 2).
    route.progress = (constructed) => {
        for (const q of queues) q.expect(constructed);
    };
    try {
        engineAddress = await engine.start();
        const packsP: Promise<PackInfo[]> = Promise.all(
            shards.map(async ([p], i) => {
                const first = p as PolicyPackProcess;
                await first.start(engineAddress, ctx);
                const info = await first.getInfo();
                resolved[i] = resolvePackConfig(info, configFiles[i], opts.policyPackConfigs[i]);
                await first.configure(resolved[i] as ResolvedConfig);
                await first.configureStack(ctx);
                (queues[i] as AnalyzeQueue).start(analyzeWith(first));
                progress.packsReady++;
                changed();
                return info;
            }),
        ).then((r) => {
            timings["packsReadyMs"] = Date.now() - t0;
            return r;
        });
        const [programR, packsR] = await Promise.allSettled([programP, packsP]);
        // A config error is reported before a program error, as the CLI validates config before running.
        if (packsR.status === "rejected" && packsR.reason instanceof GateError && packsR.reason.category === "config") throw packsR.reason;
        if (programR.status === "rejected") throw programR.reason;
        if (packsR.status === "rejected") throw packsR.reason;
        const run = programR.value;
        const infos = packsR.value;
        const names = new Map<string, string>();
        for (const i of infos) {
            const prev = names.get(i.name);
            if (prev !== undefined) throw usageError(`policy pack '${i.name}' given twice (${prev} and ${i.dir})`);
            names.set(i.name, i.dir);
        }

        const tA = Date.now();
        const stackRequest = messages.analyzeStackRequest();
        let stackStarted = 0;
        const diagLists = await Promise.all(
            shards.map(async (procs, i) => {
                const perResource = await (queues[i] as AnalyzeQueue).drain();
                await Promise.all(extraStarts[i] as Promise<void>[]);
                if (stackStarted++ === 0) {
                    progress.stackAnalysis = true;
                    changed();
                }
                // Every process of a pack gets AnalyzeStack: each reports what it saw (e.g. the waivers it
                // applied); identical stack-level findings are merged by `classify`.
                const stackDiags = await Promise.all(procs.map((p) => p.analyzeStack(stackRequest)));
                return [...perResource, ...stackDiags.flat()];
            }),
        );
        timings["packProcesses"] = shards.reduce((n, p) => n + p.length, 0);
        // Analysis still running after the program finished (most of it overlaps the program run).
        timings["analyzeTailMs"] = Date.now() - tA;
        const diags: Diagnostic[] = diagLists.flat();
        const resources = withRemoteSources(run.resources, run.notes);
        const { violations, waived, undecided } = classify(diags, [...resources, ...run.defaultProviders]);
        timings["totalMs"] = Date.now() - t0;
        for (const l of engine.logs) logs.push(l);
        return {
            project: project.name,
            stack: stackName,
            projectDir: cwd,
            resources,
            defaultProviders: run.defaultProviders,
            packs: infos,
            violations,
            waived,
            undecided,
            notes: run.notes,
            packLogs: logs,
            timings,
        };
    } finally {
        for (const procs of shards) for (const p of procs) p.stop();
        engine.stop();
    }
}
