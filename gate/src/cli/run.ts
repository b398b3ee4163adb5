/**
 * The offline policy gate: `pulumi preview --policy-pack` semantics without the cloud or the CLI, then the same
 * program as `pulumi up` would deploy it, simulated with synthetic outputs. Each run has its program host and its
 * policy pack processes (Analyzer gRPC), started concurrently (cli/analysis.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { readPackConfig, type PackConfigFile } from "../packs/config";
import { checkPackDir } from "../packs/dir";
import { annotate, pulumiUp } from "../report/attribution";
import { classify, type GateReport, type SimulationReport } from "../report/verdict";
import { GateError, usageError } from "../shared/errors";
import type { PackInfo, ProgramNote, RecordedResource } from "../shared/types";
import { AnalysisRun, type PackModules, type RunParams, type RunResult } from "./analysis";
import { RerunNeeded, withReruns } from "./typecheck";
import { newProgress, type GateProgress } from "./progress";
import { readProject, readProjectPlugins, readRuntimeOptions, readStack, selectStack, type StackInfo } from "./project";

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
    /** Run the simulated deployment after the preview (default true; `--no-simulate` turns it off). */
    readonly simulate?: boolean;
}

/** Waiting Analyze calls that make the gate start another process for a pack (PULUMI_GATE_PACK_BACKLOG overrides). */
export const BACKLOG = 1000;

function backlog(): number {
    const v = Number(process.env["PULUMI_GATE_PACK_BACKLOG"]);
    return Number.isInteger(v) && v >= 0 ? v : BACKLOG;
}

// concurrency: Analyze calls in flight per pack (docs/gate.md, "Performance", for how the default was chosen).
export const DEFAULTS = { organization: "organization", timeoutMs: 120_000, concurrency: 256 } as const;

/** A note naming the secure values that stay undecrypted, and why (none when every secure value was decrypted). */
export function secretsNotes(stack: StackInfo): ProgramNote[] {
    if (stack.secretsNote === undefined || stack.secureKeys.length === 0) return [];
    return [{ level: "info", message: `secure config ${stack.secureKeys.join(", ")} stays undecrypted (an unknown secret to the program, no value for the packs): ${stack.secretsNote}` }];
}

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
export function runGate(opts: GateOptions, onProgress?: (p: GateProgress) => void): Promise<GateReport> {
    return withReruns(() => runGateOnce(opts, onProgress));
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
    const simulate = opts.simulate !== false;
    const progress = newProgress(dirs.length, simulate);
    const changed = (): void => onProgress?.(progress);
    changed();

    const params = (kind: RunParams["kind"]): RunParams => ({
        kind,
        host: {
            programDir: cwd,
            main: project.main,
            project: project.name,
            stack: stackName,
            organization: opts.organization,
            config: stack.config,
            secureKeys: stack.secureKeys,
            secretKeys: stack.secretKeys,
            ...(stack.secretsNote !== undefined ? { secretsNote: stack.secretsNote } : {}),
            typescript: project.typescript,
            timeoutMs: opts.timeoutMs,
            projectPlugins: readProjectPlugins(cwd),
            runtimeOptions: readRuntimeOptions(cwd),
        },
        // Packs get the decrypted values with every secure key listed as secret, as the CLI configures analyzers.
        ctx: { project: project.name, stack: stackName, organization: opts.organization, config: stack.config, secureKeys: [...stack.secureKeys, ...stack.secretKeys].sort() },
        packDirs: dirs,
        configFiles,
        configPaths: dirs.map((_, i) => opts.policyPackConfigs[i]),
        timeoutMs: opts.timeoutMs,
        concurrency: opts.concurrency,
        packTypecheck: opts.packTypecheck === true,
        packProcesses: opts.packProcesses ?? 1,
        backlog: backlog(),
        progress: kind === "preview" ? progress : (progress.simulation as NonNullable<GateProgress["simulation"]>),
        changed,
        t0,
    });
    // Both programs start first, before the gate loads gRPC and protobuf: they are the longest steps. The
    // simulated deployment runs alongside the preview, so the two overlap as far as the machine's cores allow.
    const preview = new AnalysisRun(params("preview"));
    const deploy = simulate ? new AnalysisRun(params("deploy")) : undefined;
    preview.startProgram();
    deploy?.startProgram();
    try {
        // The pack side (gRPC, protobuf) loads while the programs already run.
        const A: PackModules = { ...(await import("../packs/engine")), ...(await import("../packs/process")), ...(await import("../packs/queue")), ...(await import("../packs/messages")) };
        preview.startPacks(A);
        deploy?.startPacks(A);
        const deployResult = deploy !== undefined ? settle(deploy.finish()) : undefined;
        const p = await preview.finish();
        checkPackNames(p.packs);
        preview.stop(); // the preview's packs are done; the simulation's may still be working
        const resources = withRemoteSources(p.resources, p.notes);
        const { violations, waived, undecided } = classify(p.diagnostics, [...resources, ...p.defaultProviders], "preview");
        let simulation: SimulationReport | undefined;
        if (deployResult !== undefined) {
            simulation = simulationReport(await deployResult, { violations, waived, undecided });
            if (simulation.status === "stopped") progress.simulation = { ...(progress.simulation as NonNullable<GateProgress["simulation"]>), stopped: true };
            changed();
        }
        const timings: Record<string, number> = { ...p.timings };
        if (deploy !== undefined) for (const [k, v] of Object.entries((await deployResult)?.result?.timings ?? {})) timings[`deploy.${k}`] = v;
        timings["totalMs"] = Date.now() - t0;
        return {
            project: project.name,
            stack: stackName,
            projectDir: cwd,
            resources,
            defaultProviders: p.defaultProviders,
            packs: p.packs,
            violations,
            waived,
            undecided,
            notes: [...secretsNotes(stack), ...p.notes],
            packLogs: p.packLogs,
            timings,
            ...(simulation !== undefined ? { simulation } : {}),
        };
    } finally {
        preview.stop();
        deploy?.stop();
    }
}

/** A run's outcome without rejecting (the simulated deployment's failure is reported, not thrown, when it is the program's). */
async function settle(p: Promise<RunResult>): Promise<{ result?: RunResult; error?: unknown }> {
    try {
        return { result: await p };
    } catch (error) {
        return { error };
    }
}

function checkPackNames(infos: readonly PackInfo[]): void {
    const names = new Map<string, string>();
    for (const i of infos) {
        const prev = names.get(i.name);
        if (prev !== undefined) throw usageError(`policy pack '${i.name}' given twice (${prev} and ${i.dir})`);
        names.set(i.name, i.dir);
    }
}

/**
 * The simulated deployment's report. When its program failed (it needed a value the simulation cannot invent,
 * or it failed for another reason, or did not finish in time) the simulation stopped: the reason is reported and
 * the preview's verdict stands. A pack that fails in it fails the gate, as in the preview.
 */
function simulationReport(
    d: { result?: RunResult; error?: unknown },
    preview: { readonly violations: ReturnType<typeof classify>["violations"]; readonly waived: ReturnType<typeof classify>["waived"]; readonly undecided: ReturnType<typeof classify>["undecided"] },
): SimulationReport {
    if (d.error !== undefined) {
        const e = d.error;
        if (e instanceof RerunNeeded) throw e; // the whole gate runs again
        if (e instanceof GateError && (e.category === "program" || (e.category === "timeout" && /^the program /.test(e.message)))) {
            return { status: "stopped", reason: e.message, resources: [], violations: [], waived: [], undecided: [], notes: [], packLogs: [] };
        }
        if (e instanceof GateError) throw new GateError(`in the simulated deployment: ${e.message}`, e.category);
        throw e;
    }
    const r = d.result as RunResult;
    const resources = withRemoteSources(r.resources, r.notes);
    const analyzed = [...resources, ...r.defaultProviders];
    const found = annotate(classify(r.diagnostics, analyzed, "deploy"), preview, analyzed);
    const previewMandatory = preview.violations.filter((v) => v.enforcementLevel === "mandatory").length;
    return { status: "completed", resources, ...found, notes: r.notes, packLogs: r.packLogs, up: pulumiUp(previewMandatory, found.violations, r.registered) };
}
