/**
 * The program host: a child process (forked by the gate with ts-node transpile-only preloaded) that runs a
 * Pulumi program under the Pulumi Node.js runtime with mocks in preview mode, and sends every registered
 * resource back to the gate over IPC. It uses the @pulumi/pulumi instance that the PROGRAM resolves, so the
 * program's resources register with the runtime we configure.
 *
 * What a preview would know and what it would not:
 * - inputs are what the program passed (the mock monitor answers each registration with its own inputs);
 * - IDs and every output that is not an input (ARNs, computed attributes) are unknown, as in a real preview;
 * - `secure:` config values are never decrypted: getSecret/requireSecret give an unknown secret output, and
 *   the plain getters (get/require/...) fail with a message naming the key;
 * - invokes get fixed mock answers (see `invokeMock`).
 */
import * as path from "path";
import { registerTsHook } from "../shared/ts-hook";
import type { HostMessage, HostRequest, Json, ProgramNote, RecordedResource, SourceLocation } from "../shared/types";
import { parseDuration } from "./duration";
import { invokeMock } from "./invokes";
import { callerLocation, callsiteLocation, captureCallsites } from "./locations";
import { installRemoteComponents } from "./remote";
import { patchSecureConfig } from "./secure-config";

/* eslint-disable @typescript-eslint/no-require-imports */

export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

type Callback = (err: Error | null, resp?: unknown) => void;

/** The subset of the generated RegisterResourceRequest we read. */
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getObject(): { toJavaScript(): Record<string, Json> } | undefined;
    getProtect(): boolean;
    getDependenciesList(): string[];
    getProvider(): string;
    getPropertydependenciesMap(): { forEach(cb: (v: { getUrnsList(): string[] }, k: string) => void): void };
    getDeletebeforereplace(): boolean;
    getDeletebeforereplacedefined(): boolean;
    getIgnorechangesList(): string[];
    getAdditionalsecretoutputsList(): string[];
    getAliasurnsList(): string[];
    getAliasesList(): { getUrn(): string }[];
    getImportid(): string;
    getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
    getReplaceonchangesList(): string[];
    getRetainondelete?(): boolean;
    hasRetainondelete?(): boolean;
    getVersion(): string;
}

interface ReadRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getId(): string;
    getProperties(): { toJavaScript(): Record<string, Json> } | undefined;
    getDependenciesList(): string[];
    getProvider(): string;
    getAdditionalsecretoutputsList(): string[];
    getVersion(): string;
}

function send(msg: HostMessage): Promise<void> {
    return new Promise((resolve) => {
        if (process.send === undefined) {
            process.stdout.write(JSON.stringify(msg) + "\n");
            resolve();
            return;
        }
        process.send(msg, undefined, {}, () => resolve());
    });
}

function fail(message: string, notes: ProgramNote[], location?: SourceLocation): Promise<void> {
    return send(location === undefined ? { kind: "failed", message, notes } : { kind: "failed", message, location, notes });
}

async function main(): Promise<boolean> {
    const req = JSON.parse(process.argv[2] ?? "{}") as HostRequest;
    const notes: ProgramNote[] = [];
    const resources: RecordedResource[] = [];
    // Stream registrations to the gate in batches so policy evaluation overlaps the program run.
    let batch: RecordedResource[] = [];
    let flushScheduled = false;
    let constructed = 0;
    let constructedSent = 0;
    const flush = (): void => {
        flushScheduled = false;
        if (constructed - constructedSent >= 100) {
            constructedSent = constructed;
            void send({ kind: "progress", constructed });
        }
        if (batch.length > 0) {
            const out = batch;
            batch = [];
            void send({ kind: "resources", resources: out });
        }
    };
    const record = (r: RecordedResource): void => {
        resources.push(r);
        batch.push(r);
        if (batch.length >= 250) flush();
        else if (!flushScheduled) {
            flushScheduled = true;
            setImmediate(flush);
        }
    };
    process.chdir(req.programDir);
    process.env["PULUMI_CONFIG"] = JSON.stringify(req.config);
    process.env["PULUMI_CONFIG_SECRET_KEYS"] = JSON.stringify([]);
    if (req.typescript) {
        registerTsHook();
    }

    let pulumiDir: string;
    try {
        pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [req.programDir] }));
    } catch {
        await fail(`the program in ${req.programDir} cannot resolve @pulumi/pulumi: run npm install (or npm ci) there first`, notes);
        return false;
    }
    const req2 = (m: string): unknown => require(path.join(pulumiDir, m));
    const pulumi = req2("index.js") as typeof import("@pulumi/pulumi");
    const settings = req2("runtime/settings.js") as {
        getMonitor(): Record<string, unknown> & { resources: Map<string, unknown> };
        waitForRPCs(): Promise<void>;
    };
    const runtimeResource = req2("runtime/resource.js") as Record<string, (...args: unknown[]) => unknown>;
    const stackMod = req2("runtime/stack.js") as { runInPulumiStack(init: () => Promise<unknown>): Promise<unknown> };
    const state = req2("runtime/state.js") as { getStore(): { logErrorCount?: number } };
    const resproto = req2("proto/resource_pb.js") as {
        RegisterResourceResponse: new () => { setUrn(u: string): void; setId(i: string): void; setObject(o: unknown): void };
        ReadResourceResponse: new () => { setUrn(u: string): void; setProperties(o: unknown): void };
    };
    const structproto = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [pulumiDir] })) as {
        Struct: { fromJavaScript(o: Record<string, Json>): unknown };
    };

    // The runtime decorates every promise it tracks with an id, a context and a formatted stack trace, which
    // only its leak debugging prints (PULUMI_DEBUG_PROMISE_LEAKS); with thousands of resources that was half
    // of the run. Unless that variable is set, track the same promises for leak detection without decoration.
    const debuggable = req2("runtime/debuggable.js") as { debugPromiseLeaks: boolean; debuggablePromise: (p: Promise<unknown>, ctx: unknown) => Promise<unknown> };
    const leakStore = req2("runtime/state.js") as { getStore(): { leakCandidates?: Set<Promise<unknown>> } };
    if (!debuggable.debugPromiseLeaks && typeof debuggable.debuggablePromise === "function") {
        const orig = debuggable.debuggablePromise;
        let first = true;
        debuggable.debuggablePromise = (p: Promise<unknown>, ctx: unknown) => {
            const store = leakStore.getStore();
            if (first || store.leakCandidates === undefined) {
                first = false; // the original also installs the runtime's exit-time leak check
                return orig(p, ctx);
            }
            const candidates = store.leakCandidates;
            candidates.add(p);
            return p.then(
                (v) => {
                    candidates.delete(p);
                    return v;
                },
                (err: unknown) => {
                    candidates.delete(p);
                    if (typeof err === "object" && err !== null) (err as { promise?: unknown }).promise = p;
                    throw err;
                },
            );
        };
    }

    const region = req.config["aws:region"] ?? process.env["AWS_REGION"] ?? "us-east-1";
    const answered = new Set<string>();
    const mocks = {
        newResource(args: { inputs: Record<string, unknown> }): { id: undefined; state: Record<string, unknown> } {
            return { id: undefined, state: args.inputs };
        },
        call(args: { token: string; inputs: Record<string, unknown> }): Record<string, unknown> {
            return invokeMock(args.token, args.inputs, region, (token) => {
                if (!answered.has(token)) {
                    answered.add(token);
                    notes.push({ level: "warning", message: `invoke ${token} has no offline answer; it returned its own arguments` });
                }
            });
        },
    };
    await pulumi.runtime.setMocks(mocks, req.project, req.stack, true, req.organization);

    // Source locations: capture the stack at the synchronous registration call (inside the Resource
    // constructor), keyed by type and name, and hand them to the monitor when the request arrives.
    const pending = new Map<string, SourceLocation[]>();
    for (const fn of ["registerResource", "readResource"]) {
        const orig = runtimeResource[fn];
        if (typeof orig !== "function") {
            continue;
        }
        const wrapper = function (this: unknown, ...args: unknown[]) {
            constructed++;
            if (!flushScheduled) {
                flushScheduled = true;
                setImmediate(flush);
            }
            const res = args[0] as { constructor?: { name?: string } } | undefined;
            // A deeper stack only for this capture: the runtime captures one per promise with the default limit.
            const loc = callsiteLocation(captureCallsites(40, wrapper), res?.constructor?.name);
            if (loc !== undefined) {
                const key = `${String(args[2])}\u0000${String(args[3])}`;
                const q = pending.get(key);
                if (q === undefined) {
                    pending.set(key, [loc]);
                } else {
                    q.push(loc);
                }
            }
            return orig.apply(this, args);
        };
        runtimeResource[fn] = wrapper;
    }
    const takeLocation = (type: string, name: string): SourceLocation | undefined => {
        const key = `${type}\u0000${name}`;
        const q = pending.get(key);
        const loc = q?.shift();
        if (q !== undefined && q.length === 0) {
            pending.delete(key);
        }
        return loc;
    };

    // URNs as the engine builds them: the parent's qualified type chain, the root stack excluded.
    const qualifiedTypes = new Map<string, string>();
    const stackType = "pulumi:pulumi:Stack";
    const newUrn = (parent: string, type: string, name: string): string => {
        const parentQT = parent === "" ? undefined : qualifiedTypes.get(parent);
        const qt = parentQT === undefined || parentQT === stackType ? type : `${parentQT}$${type}`;
        const urn = `urn:pulumi:${req.stack}::${req.project}::${qt}::${name}`;
        qualifiedTypes.set(urn, qt);
        return urn;
    };

    const monitor = settings.getMonitor();
    monitor["registerResource"] = (r: RegisterRequest, callback: Callback) => {
        try {
            const type = r.getType();
            const name = r.getName();
            const urn = newUrn(r.getParent(), type, name);
            const obj = r.getObject();
            const properties = obj === undefined ? {} : obj.toJavaScript();
            const propertyDependencies: Record<string, string[]> = {};
            r.getPropertydependenciesMap().forEach((v, k) => {
                propertyDependencies[k] = v.getUrnsList();
            });
            const ct = r.getCustomtimeouts();
            const toSeconds = (s: string): number | undefined => (s === "" ? undefined : parseDuration(s));
            const aliases = [...r.getAliasurnsList(), ...r.getAliasesList().map((a) => (typeof a.getUrn === "function" ? a.getUrn() : "")).filter((u) => u !== "")];
            const loc = takeLocation(type, name);
            const rec: RecordedResource = {
                urn,
                type,
                name,
                custom: r.getCustom(),
                parent: r.getParent(),
                dependencies: r.getDependenciesList(),
                propertyDependencies,
                provider: r.getProvider(),
                options: {
                    protect: r.getProtect(),
                    ignoreChanges: r.getIgnorechangesList(),
                    ...(r.getDeletebeforereplacedefined() ? { deleteBeforeReplace: r.getDeletebeforereplace() } : {}),
                    additionalSecretOutputs: r.getAdditionalsecretoutputsList(),
                    aliases,
                    ...(ct !== undefined
                        ? { customTimeouts: { create: toSeconds(ct.getCreate()), update: toSeconds(ct.getUpdate()), delete: toSeconds(ct.getDelete()) } }
                        : {}),
                    ...(r.hasRetainondelete?.() === true ? { retainOnDelete: r.getRetainondelete?.() === true } : {}),
                    replaceOnChanges: r.getReplaceonchangesList(),
                    ...(r.getImportid() !== "" ? { importId: r.getImportid() } : {}),
                    ...(r.getVersion() !== "" ? { version: r.getVersion() } : {}),
                },
                properties,
                read: false,
                ...(loc !== undefined ? { source: loc } : {}),
            };
            record(rec);
            monitor.resources.set(urn, { urn, id: null, state: properties });
            const resp = new resproto.RegisterResourceResponse();
            resp.setUrn(urn);
            // Preview: the ID is unknown (""), and the outputs are the inputs; anything else stays unknown.
            resp.setId("");
            resp.setObject(obj ?? structproto.Struct.fromJavaScript({}));
            // Answer on a later turn of the event loop, as a real resource monitor does: with mocks the whole
            // program would otherwise run in one chain of microtasks, and the streamed batches (IPC writes) would
            // only leave at the very end.
            setImmediate(() => callback(null, resp));
        } catch (e) {
            callback(e as Error);
        }
    };
    monitor["readResource"] = (r: ReadRequest, callback: Callback) => {
        try {
            const type = r.getType();
            const name = r.getName();
            const urn = newUrn(r.getParent(), type, name);
            const obj = r.getProperties();
            const properties = obj === undefined ? {} : obj.toJavaScript();
            const loc = takeLocation(type, name);
            record({
                urn,
                type,
                name,
                custom: true,
                parent: r.getParent(),
                dependencies: r.getDependenciesList(),
                propertyDependencies: {},
                provider: r.getProvider(),
                options: {
                    protect: false,
                    ignoreChanges: [],
                    additionalSecretOutputs: r.getAdditionalsecretoutputsList(),
                    aliases: [],
                    replaceOnChanges: [],
                    importId: r.getId(),
                    ...(r.getVersion() !== "" ? { version: r.getVersion() } : {}),
                },
                properties,
                read: true,
                ...(loc !== undefined ? { source: loc } : {}),
            });
            notes.push({ level: "info", message: `${urn} is read from the cloud (get/lookup); offline its state is only its ID and the arguments passed` });
            const resp = new resproto.ReadResourceResponse();
            resp.setUrn(urn);
            resp.setProperties(obj ?? structproto.Struct.fromJavaScript({}));
            callback(null, resp);
        } catch (e) {
            callback(e as Error);
        }
    };

    // ---- remote components (host/remote.ts): wraps monitor.registerResource so that a `remote: true`
    // registration is constructed by its provider plugin where installed (its children then come back through
    // the handlers above), else recorded as registered with a note. ----
    installRemoteComponents({ monitor, pulumiDir, request: req, notes });
    // ---- end remote components ----

    patchSecureConfig(pulumi, new Set(req.secureKeys));

    // Failures: a throw at load time, a rejected export, an unhandled rejection (e.g. in an apply),
    // or a pulumi.log.error call all fail the run, as they fail `pulumi preview`.
    let failure: { message: string; location?: SourceLocation } | undefined;
    const onFailure = (err: unknown): void => {
        if (failure !== undefined) {
            return;
        }
        const e = err instanceof Error ? err : new Error(String(err));
        const where = callerLocation(e.stack);
        failure = { message: `${e.name === "Error" ? "" : e.name + ": "}${e.message}`, ...(where !== undefined ? { location: where } : {}) };
    };
    process.on("unhandledRejection", onFailure);
    process.on("uncaughtException", onFailure);

    const program = path.isAbsolute(req.main) ? req.main : path.join(req.programDir, req.main);
    try {
        await stackMod.runInPulumiStack(async () => {
            const mod = require(program) as unknown;
            const result = typeof mod === "function" ? (mod as () => unknown)() : mod;
            return (await result) as unknown;
        });
        await settings.waitForRPCs();
    } catch (e) {
        onFailure(e);
    }
    // Let late rejections (applies resolved on the last turn) surface.
    await new Promise((r) => setImmediate(r));
    const logErrors = state.getStore().logErrorCount ?? 0;
    if (failure === undefined && logErrors > 0) {
        failure = { message: `the program logged ${logErrors} error(s) with pulumi.log.error (see above)` };
    }
    if (failure !== undefined) {
        await fail(failure.message, notes, failure.location);
        return false;
    }
    const seen = new Set<string>();
    for (const r of resources) {
        if (seen.has(r.urn)) {
            await fail(`Duplicate resource URN '${r.urn}'; try giving it a unique name`, notes, r.source);
            return false;
        }
        seen.add(r.urn);
    }
    flush();
    await send({ kind: "done", notes });
    return true;
}

/** Entry point (called by the inline bootstrap that shared/launch.ts builds). */
export function hostMain(): void {
    main().then(
        // A failed run exits 1: the runtime's exit-time promise-leak report (noise after a failure) is then skipped.
        (ok) => process.exit(ok ? 0 : 1),
        async (e: unknown) => {
            await fail(`the program host failed: ${e instanceof Error ? e.message : String(e)}`, []);
            process.exit(1);
        },
    );
}
