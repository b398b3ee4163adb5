/**
 * The Pulumi Node.js runtime the PROGRAM resolves (its own @pulumi/pulumi, so the program's resources register
 * with the runtime we configure), and the internal modules of it the program host works with.
 */
import * as fs from "fs";
import * as path from "path";
import type { Json } from "../shared/types";

/* eslint-disable @typescript-eslint/no-require-imports */

/** A callback of the generated gRPC service interface the runtime's monitor implements. */
export type Callback = (err: Error | null, resp?: unknown) => void;

interface ProtoStruct {
    toJavaScript(): Record<string, Json>;
}

export interface PulumiRuntime {
    readonly dir: string;
    readonly pulumi: typeof import("@pulumi/pulumi");
    readonly settings: {
        getMonitor(): Record<string, unknown> & { resources: Map<string, unknown> };
        waitForRPCs(): Promise<void>;
    };
    /** runtime/resource.js: registerResource, readResource, ... (called through the module object). */
    readonly resource: Record<string, (...args: unknown[]) => unknown>;
    /** runtime/rpc.js: serializeProperties, ... (called through the module object). */
    readonly rpc: Record<string, (...args: unknown[]) => unknown>;
    readonly stack: { runInPulumiStack(init: () => Promise<unknown>): Promise<unknown> };
    readonly state: { getStore(): { logErrorCount?: number; leakCandidates?: Set<Promise<unknown>> } };
    readonly debuggable: {
        debugPromiseLeaks: boolean;
        debuggablePromise: (p: Promise<unknown>, ctx: unknown) => Promise<unknown>;
        leakedPromises?: () => [Set<Promise<unknown>>, string];
    };
    readonly resproto: {
        // setUnknown: runtimes since the engine can answer that a resource's outputs are unknown in an update.
        RegisterResourceResponse: new () => { setUrn(u: string): void; setId(i: string): void; setObject(o: unknown): void; setUnknown?(u: boolean): void };
        ReadResourceResponse: new () => { setUrn(u: string): void; setProperties(o: unknown): void; setUnknown?(u: boolean): void };
    };
    readonly struct: { fromJavaScript(o: Record<string, Json>): ProtoStruct };
    readonly emptyproto: { Empty: new () => unknown };
}

/** Thrown when the program's directory cannot resolve @pulumi/pulumi, or resolves one the gate cannot drive. */
export class RuntimeNotFound extends Error {}

export function loadRuntime(programDir: string): PulumiRuntime {
    let dir: string;
    try {
        dir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [programDir] }));
    } catch {
        throw new RuntimeNotFound(`the program in ${programDir} cannot resolve @pulumi/pulumi: run npm install (or npm ci) there first`);
    }
    const load = (m: string): unknown => {
        const file = path.join(dir, m);
        if (!fs.existsSync(file)) {
            const version = (JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version?: string }).version ?? "?";
            throw new RuntimeNotFound(
                `the program's @pulumi/pulumi ${version} (${dir}) has no ${m}, which the gate needs to run it under the runtime's mocks: ` +
                    `it runs programs with the @pulumi/pulumi they bring, and this one is older than the runtimes it knows; upgrade @pulumi/pulumi in the program`,
            );
        }
        return require(file);
    };
    return {
        dir,
        pulumi: load("index.js") as PulumiRuntime["pulumi"],
        settings: load("runtime/settings.js") as PulumiRuntime["settings"],
        resource: load("runtime/resource.js") as PulumiRuntime["resource"],
        rpc: load("runtime/rpc.js") as PulumiRuntime["rpc"],
        stack: load("runtime/stack.js") as PulumiRuntime["stack"],
        state: load("runtime/state.js") as PulumiRuntime["state"],
        debuggable: load("runtime/debuggable.js") as PulumiRuntime["debuggable"],
        resproto: load("proto/resource_pb.js") as PulumiRuntime["resproto"],
        struct: (require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [dir] })) as { Struct: PulumiRuntime["struct"] }).Struct,
        emptyproto: require(require.resolve("google-protobuf/google/protobuf/empty_pb", { paths: [dir] })) as PulumiRuntime["emptyproto"],
    };
}

/**
 * The runtime decorates every promise it tracks with an id, a context and a formatted stack trace, which only its
 * leak debugging prints (PULUMI_DEBUG_PROMISE_LEAKS); with thousands of resources that was half of the run.
 * Unless that variable is set, track the same promises for leak detection without the decoration.
 */
export function trackPromisesWithoutDecoration(rt: PulumiRuntime): void {
    const debuggable = rt.debuggable;
    if (debuggable.debugPromiseLeaks || typeof debuggable.debuggablePromise !== "function") return;
    const orig = debuggable.debuggablePromise;
    let first = true;
    debuggable.debuggablePromise = (p: Promise<unknown>, ctx: unknown) => {
        const store = rt.state.getStore();
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

interface InspectorSession {
    post(method: string, cb: (err: Error | null) => void): void;
}

/**
 * The closure serializer names a function's file from the `Debugger.scriptParsed` events its inspector session
 * has seen. The language host starts that session before it loads the program; started later, the session misses
 * the scripts already parsed (they are reported while the debugger is enabled, before its listener is attached).
 * Starting it early costs every program a debugger event per module it loads, so the session starts when the
 * serializer first asks for it, and is enabled once more then, which reports every script parsed so far to the
 * listener: the serializer knows the same files (in its messages) as under the language host.
 */
export function startClosureInspectorOnDemand(rt: PulumiRuntime): void {
    const hooks = require(path.join(rt.dir, "runtime", "closure", "v8Hooks.js")) as { getSessionAsync?: () => Promise<InspectorSession> };
    const orig = hooks.getSessionAsync;
    if (typeof orig !== "function") return;
    let ready: Promise<InspectorSession> | undefined;
    const post = (s: InspectorSession, method: string): Promise<void> => new Promise((resolve, reject) => s.post(method, (err) => (err ? reject(err) : resolve())));
    hooks.getSessionAsync = () =>
        (ready ??= orig().then(async (session) => {
            await post(session, "Debugger.disable");
            await post(session, "Debugger.enable");
            return session;
        }));
}
