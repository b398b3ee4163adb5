/**
 * The program host: a child process (started by cli/program.ts) that runs a Pulumi program as the Node.js
 * language host runs it, under the runtime's mocks, and tells the gate every resource it registers. Each step
 * has its module:
 * - runtime.ts: the @pulumi/pulumi the program resolves, and the parts of it the host works with;
 * - compile.ts (with compile-cache.ts, esm-hooks.ts, source-maps.ts): the program's TypeScript, compiled as
 *   the language host compiles it, each file reported when the language host would type-check it (the gate's
 *   checker, typecheck.ts, runs in a process of its own);
 * - entry.ts: finding and loading the program's entry point;
 * - monitor.ts (with answers.ts, urn.ts, assets.ts, locations.ts, recorder.ts, default-providers.ts): the mock
 *   resource monitor that records each registration in the engine's terms and answers it (a preview: no IDs,
 *   inputs as outputs), and the default providers the engine registers;
 * - failures.ts: the program's first failure, as the language host captures it;
 * - drain.ts: the end of the run, when the program has drained (beforeExit registrations included);
 * - remote.ts (with plugins.ts, provider-plugin.ts, monitor-server.ts, engine-thread.ts): remote components,
 *   constructed by their provider plugins as the engine constructs them (the engine side in a worker thread
 *   that does not keep the program from draining);
 * - secure-config.ts, invokes.ts: `secure:` config and offline invoke answers;
 * - simulation.ts (with synthetic.ts): a simulated deployment (`req.dryRun` false): synthetic outputs, values
 *   from outside the program traced to their source.
 */
import * as path from "path";
import { dropGateTsHook, gateTsHookSource } from "../shared/launch";
import type { HostRequest, ProgramFailure, ProgramNote, RecordedResource } from "../shared/types";
import { previewAnswers, type MonitorAnswers } from "./answers";
import { CompileSetupError, setupCompile, type ProgramCompile } from "./compile";
import { DefaultProviders } from "./default-providers";
import { whenDrained } from "./drain";
import { loadProgram, resolveEntryPoint } from "./entry";
import { describeException, Failures } from "./failures";
import { captureDeclarations, DeclaredLocations, installMonitor } from "./monitor";
import { Recorder, send } from "./recorder";
import { installRemoteComponents } from "./remote";
import { loadRuntime, RuntimeNotFound, startClosureInspectorOnDemand, trackPromisesWithoutDecoration, type PulumiRuntime } from "./runtime";
import { patchSecureConfig } from "./secure-config";
import { MissingOutputs, outsideUrn, outsideValue, patchOutsideInvokes, simulationAnswers } from "./simulation";
import { loadArnTemplates } from "./synthetic";


/** The cache directory for compiled TypeScript when the gate passes none. */
function defaultCacheDir(programDir: string): string {
    return path.join(programDir, ".pulumi-gate", "compile-cache");
}

/** The runtime's own account of promises still pending when the program drained (its exit-time leak check). */
function unfinished(rt: PulumiRuntime, settled: boolean): ProgramFailure | undefined {
    const [leaks, message] = rt.debuggable.leakedPromises?.() ?? [new Set(), ""];
    if (leaks.size > 0) return { message: `the program ended with work still pending: ${message}` };
    if (!settled) return { message: "the program ended before its main module finished (its top-level promise never settled)" };
    return undefined;
}

function duplicateUrn(resources: readonly RecordedResource[]): ProgramFailure | undefined {
    const seen = new Set<string>();
    for (const r of resources) {
        if (seen.has(r.urn)) return { message: `Duplicate resource URN '${r.urn}'; try giving it a unique name`, ...(r.source !== undefined ? { location: r.source } : {}) };
        seen.add(r.urn);
    }
    return undefined;
}

async function finish(failure: ProgramFailure | undefined, notes: ProgramNote[], recorder?: Recorder, compile?: ProgramCompile): Promise<never> {
    compile?.drainLoads();
    recorder?.flush();
    await send(failure !== undefined ? { kind: "failed", failure, notes } : { kind: "done", notes });
    // A failed run exits 1: the runtime's exit-time promise-leak report (noise after a failure) is then skipped.
    process.exit(failure !== undefined ? 1 : 0);
}

/**
 * Runs the program in this process and reports to the gate. `answersFor`: what the monitor answers (default: a
 * preview's, host/answers.ts; with `req.dryRun` false, a simulated deployment's, host/simulation.ts).
 */
export async function runHost(req: HostRequest, answersFor?: (notes: ProgramNote[]) => MonitorAnswers): Promise<void> {
    const simulate = req.dryRun === false;
    // The ARN templates load while the runtime and the compiler are set up.
    const templates = simulate && answersFor === undefined ? loadArnTemplates() : undefined;
    templates?.catch(() => undefined); // awaited below
    process.chdir(req.programDir);
    process.env["PULUMI_CONFIG"] = JSON.stringify(req.config);
    // Secure values the gate decrypted are secrets to the program, as the CLI tells the language host.
    process.env["PULUMI_CONFIG_SECRET_KEYS"] = JSON.stringify(req.secretKeys ?? []);
    // The run ends when the program drains, not when the gate's IPC channel closes.
    process.channel?.unref();

    const notes: ProgramNote[] = [];
    const recorder = new Recorder();
    const locations = new DeclaredLocations();
    let compile: ProgramCompile | undefined;
    const failures = new Failures(
        (type, name) => locations.peek(type, name),
        (failure) => {
            // The files compiled before the failure reach the gate before it (the type check counts only those).
            compile?.drainLoads();
            void send({ kind: "failure", failure });
        },
    );
    failures.listen();

    let rt: PulumiRuntime;
    try {
        rt = loadRuntime(req.programDir);
    } catch (e) {
        if (e instanceof RuntimeNotFound) return finish({ message: e.message }, notes);
        throw e;
    }
    // Every module of the host is loaded by now: from here on `.ts` files are the program's, compiled as the
    // language host compiles them.
    dropGateTsHook();
    try {
        compile = setupCompile({
            programDir: req.programDir,
            pulumiDir: rt.dir,
            typescript: req.typescript,
            cacheDir: req.cacheDir ?? defaultCacheDir(req.programDir),
            tsLoader: gateTsHookSource(),
            onLoad: (l) => void send({ kind: "loaded", file: l.file, code: l.code, output: l.output, replayed: l.replayed }),
        });
    } catch (e) {
        return finish({ message: e instanceof CompileSetupError ? e.message : `cannot compile the program's TypeScript: ${describeException(e)}` }, notes);
    }
    // The language host would have ts-node type-check: the gate's checker does, on the files reported as loaded.
    if (compile.typecheck !== undefined) void send({ kind: "typecheck", key: compile.typecheck.key, request: compile.typecheck.request });
    const compiled = compile;
    trackPromisesWithoutDecoration(rt);
    failures.tagSerializationErrors(rt);
    const region = req.config["aws:region"] ?? process.env["AWS_REGION"] ?? "us-east-1";
    const missing = simulate ? new MissingOutputs() : undefined;
    let answers: MonitorAnswers;
    if (answersFor !== undefined) answers = answersFor(notes);
    else if (templates !== undefined) answers = simulationAnswers({ region, notes, templates: await templates, ...(missing !== undefined ? { missing } : {}) });
    else answers = previewAnswers(region, notes);
    await rt.pulumi.runtime.setMocks(
        {
            newResource: (a: { inputs: Record<string, unknown> }) => ({ id: undefined, state: a.inputs }), // unused: the monitor is ours
            call: (a: { token: string; inputs: Record<string, unknown> }) => answers.invoke(a.token, a.inputs),
        },
        req.project,
        req.stack,
        req.dryRun ?? true,
        req.organization,
    );
    const defaultProviders = new DefaultProviders({ stack: req.stack, project: req.project, programDir: req.programDir, config: req.config, secureKeys: req.secureKeys, secretKeys: req.secretKeys ?? [], answers, recorder });
    const ctx = { stack: req.stack, project: req.project, programDir: req.programDir, answers, recorder, notes, locations, defaultProviders, fail: (f: ProgramFailure) => failures.fail(f) };
    captureDeclarations(rt, ctx);
    installMonitor(rt, ctx);
    if (missing !== undefined) {
        missing.install(rt);
        failures.missingOutputOf = (e) => missing.outputOf(e);
    }
    // Remote components (remote.ts): a `remote: true` registration is constructed by its provider plugin, whose
    // registrations come back through the handlers installed above.
    installRemoteComponents({ monitor: rt.settings.getMonitor(), pulumiDir: rt.dir, request: req, notes, defaultProviders });
    patchSecureConfig(
        rt.pulumi,
        new Set(req.secureKeys),
        req.secretsNote ?? "no passphrase secrets provider",
        simulate ? (key) => outsideValue(rt, outsideUrn(req.stack, req.project, "secret-config", key), true) : undefined,
    );
    if (simulate) patchOutsideInvokes(rt, req.stack, req.project, notes);
    startClosureInspectorOnDemand(rt);
    let settled = false;
    whenDrained(() => {
        const logErrors = rt.state.getStore().logErrorCount ?? 0;
        const failure =
            failures.first ??
            (logErrors > 0 ? { message: `the program logged ${logErrors} error(s) with pulumi.log.error (see above)` } : undefined) ??
            unfinished(rt, settled) ??
            duplicateUrn(recorder.resources);
        void finish(failure, notes, recorder, compiled);
    });
    const entry = resolveEntryPoint(req.programDir, req.main);
    rt.stack.runInPulumiStack(() => loadProgram(entry, compiled.esm)).then(
        () => {
            settled = true;
        },
        (e: unknown) => {
            settled = true;
            failures.capture(e);
        },
    );
}

/** Entry point (called by the inline bootstrap that shared/launch.ts builds). */
export function hostMain(): void {
    const req = JSON.parse(process.argv[2] ?? "{}") as HostRequest;
    runHost(req).catch(async (e: unknown) => {
        await send({ kind: "failed", failure: { message: `the program host failed: ${describeException(e)}` }, notes: [] });
        process.exit(1);
    });
}
