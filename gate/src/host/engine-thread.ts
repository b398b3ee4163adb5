/**
 * The engine side of remote components, kept out of the program's event loop. Under Pulumi, the ResourceMonitor
 * a component provider plugin calls back, and the plugin processes themselves, live in the engine's process: they
 * never keep the language host alive; only the program's own pending work does (while a `Construct` is in
 * flight, the program is waiting for the answer to its registration). The program host ends a run when the
 * program drains (drain.ts), so the engine side runs in a worker thread (engine-worker.ts) that the main thread
 * does not wait for (`worker.unref()`): the gRPC server (ResourceMonitor and Engine services), the plugin
 * processes with their stdio, and the gRPC connections to them.
 *
 * The two threads exchange serialized protobuf messages. The worker forwards each call a plugin makes to the
 * main thread, where the program host's own monitor handles it (monitor-server.ts), and sends the plugin what the
 * main thread asks (Handshake, Configure, Construct...: provider-plugin.ts). The main thread refs the worker only
 * while something it waits for is in flight: a request to the worker (a plugin's start, a call to it, a whole
 * Construct: `hold`) or the answer to a plugin's callback. So a run with remote components drains like any
 * other, and late registrations (inside an `apply`, from a `beforeExit` hook) are still constructed.
 *
 * Plugin processes are stopped (SIGKILL, by process id) when the program host exits; the gate stops them too
 * if the host dies (it is told each process id).
 */
import * as path from "path";
import { Worker } from "worker_threads";
import { gateTsHookSource } from "../shared/launch";

/** gRPC status codes (the protocol's numbers) the host tells apart. */
export const GrpcStatus = { UNKNOWN: 2, UNIMPLEMENTED: 12, UNAVAILABLE: 14 } as const;

/** A failed gRPC call, as it crosses between the threads. */
export interface RpcError {
    readonly code: number;
    /** The peer's message (grpc-js `details`). */
    readonly details: string;
    /** grpc-js's full message (`<code> <STATUS>: <details>`), for a call that failed. */
    readonly message?: string;
}

/** The unary methods of a service, by name (as the generated service definition keys them) and path. */
export interface ServiceSpec {
    readonly service: string;
    readonly methods: readonly { readonly name: string; readonly path: string }[];
}

/** How to start a plugin process (the engine's way: see provider-plugin.ts). */
export interface PluginSpawn {
    readonly file: string;
    readonly args: readonly string[];
    readonly cwd: string;
    /** The whole environment of the process. */
    readonly env: Record<string, string>;
    /** The plugin, as messages name it. */
    readonly label: string;
    /** How long to wait for the port line, ms. */
    readonly timeoutMs: number;
    /** The run's --timeout, seconds, for the message when the wait runs out. */
    readonly timeoutSeconds: number;
}

/** Main thread to worker. */
export type ToWorker =
    | { readonly kind: "serve"; readonly id: number; readonly services: readonly ServiceSpec[] }
    | { readonly kind: "start"; readonly id: number; readonly plugin: number; readonly spawn: PluginSpawn }
    | { readonly kind: "call"; readonly id: number; readonly plugin: number; readonly path: string; readonly request: Uint8Array }
    | { readonly kind: "answer"; readonly id: number; readonly response?: Uint8Array; readonly error?: RpcError };

/** A call's failure from the worker: the gRPC error, and for a plugin the way its process ended and what it printed. */
export interface WorkerFailure {
    readonly message: string;
    readonly rpc?: RpcError;
    /** How the plugin process ended ("exited with code 1", "killed by SIGKILL"), if it has. */
    readonly exit?: string;
    /** What the plugin printed (after its port line), formatted for messages ("" when nothing). */
    readonly printed?: string;
}

/** Worker to main thread. */
export type FromWorker =
    | { readonly kind: "reply"; readonly id: number; readonly result?: string | Uint8Array; readonly failure?: WorkerFailure }
    | { readonly kind: "callback"; readonly id: number; readonly service: string; readonly method: string; readonly request: Uint8Array }
    | { readonly kind: "pid"; readonly pid: number }
    | { readonly kind: "exited"; readonly pid: number };

/** A failure of a request to the worker. */
export class EngineCallError extends Error {
    constructor(readonly failure: WorkerFailure) {
        super(failure.message);
    }
}

/** Handles a plugin's call: the request's bytes in, the response's bytes out (or an RpcError thrown). */
export type CallbackHandler = (service: string, method: string, request: Uint8Array) => Promise<Uint8Array>;

/** The worker's code: the gate's `.ts` hook for its own modules (as for its child processes), then engine-worker.ts. */
function workerSource(): string {
    const entry = path.join(__dirname, `engine-worker${path.extname(__filename)}`);
    const hook = gateTsHookSource() ?? `require(${JSON.stringify(require.resolve("ts-node/register/transpile-only"))});`;
    return `${hook}\nrequire(${JSON.stringify(entry)}).engineWorkerMain();`;
}

/** The main thread's end of the engine side (one per program host, started with the first remote component that has a plugin). */
export class EngineThread {
    private readonly worker: Worker;
    private readonly pending = new Map<number, { resolve(v: string | Uint8Array | undefined): void; reject(e: Error): void }>();
    private readonly pids = new Set<number>();
    private next = 0;
    private plugins = 0;
    private holds = 0;
    private dead: Error | undefined;
    private handler: CallbackHandler | undefined;

    /** `onPid`: told each plugin process id once it runs. */
    constructor(private readonly onPid: (pid: number) => void) {
        this.worker = new Worker(workerSource(), { eval: true, execArgv: [] });
        this.worker.unref();
        this.worker.on("message", (m: FromWorker) => this.receive(m));
        this.worker.on("error", (e: Error) => this.die(new Error(`the engine side of remote components failed: ${e.stack ?? e.message}`)));
        this.worker.on("exit", (code) => this.die(new Error(`the engine side of remote components stopped (exit code ${code})`)));
        process.on("exit", () => this.killPlugins());
    }

    /**
     * Keeps the program host running until the returned function is called: for work the program waits for (a
     * Construct in flight). Holds nest; the worker is referenced while at least one is held.
     */
    hold(): () => void {
        if (this.holds++ === 0) this.worker.ref();
        let released = false;
        return () => {
            if (released) return;
            released = true;
            if (--this.holds === 0) this.worker.unref();
        };
    }

    /** Starts the gRPC server with these services (their calls go to `handler`); resolves to its address. */
    async serve(services: readonly ServiceSpec[], handler: CallbackHandler): Promise<string> {
        this.handler = handler;
        return (await this.request((id) => ({ kind: "serve", id, services }))) as string;
    }

    /** Starts a plugin process, reads its port and connects; resolves to the plugin's handle for `call`. */
    async start(spawn: PluginSpawn): Promise<number> {
        const plugin = ++this.plugins;
        await this.request((id) => ({ kind: "start", id, plugin, spawn }));
        return plugin;
    }

    /** A unary call to a plugin: the request's bytes, the response's bytes; fails with an EngineCallError. */
    async call(plugin: number, method: string, request: Uint8Array): Promise<Uint8Array> {
        return (await this.request((id) => ({ kind: "call", id, plugin, path: method, request }))) as Uint8Array;
    }

    private post(m: ToWorker): void {
        if (this.dead === undefined) this.worker.postMessage(m);
    }

    private request(make: (id: number) => ToWorker): Promise<string | Uint8Array | undefined> {
        if (this.dead !== undefined) return Promise.reject(this.dead);
        const id = ++this.next;
        const release = this.hold();
        return new Promise<string | Uint8Array | undefined>((resolve, reject) => {
            this.pending.set(id, { resolve, reject });
            this.worker.postMessage(make(id));
        }).finally(release);
    }

    private receive(m: FromWorker): void {
        switch (m.kind) {
            case "reply": {
                const p = this.pending.get(m.id);
                this.pending.delete(m.id);
                if (m.failure !== undefined) p?.reject(new EngineCallError(m.failure));
                else p?.resolve(m.result);
                return;
            }
            case "callback": {
                // The plugin waits for this answer (and the Construct that made the call, for the plugin).
                const release = this.hold();
                const handler = this.handler;
                new Promise<Uint8Array>((resolve, reject) => {
                    if (handler === undefined) reject({ code: GrpcStatus.UNIMPLEMENTED, details: `${m.service} is not served` });
                    else handler(m.service, m.method, m.request).then(resolve, reject);
                })
                    .then(
                        (response) => this.post({ kind: "answer", id: m.id, response }),
                        (e: unknown) => this.post({ kind: "answer", id: m.id, error: rpcError(e) }),
                    )
                    .finally(release);
                return;
            }
            case "pid":
                this.pids.add(m.pid);
                this.onPid(m.pid);
                return;
            case "exited":
                this.pids.delete(m.pid);
                return;
        }
    }

    private die(e: Error): void {
        if (this.dead !== undefined) return;
        this.dead = e;
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
        this.killPlugins();
    }

    /** Synchronously stops every plugin process still running (at the host's exit, or when the worker died). */
    private killPlugins(): void {
        for (const pid of this.pids) {
            try {
                process.kill(pid, "SIGKILL");
            } catch {
                // already gone
            }
        }
        this.pids.clear();
    }
}

/** An error from a monitor handler as the gRPC status the plugin receives (grpc-js: no code is UNKNOWN). */
export function rpcError(e: unknown): RpcError {
    const o = (typeof e === "object" && e !== null ? e : {}) as { code?: unknown; details?: unknown; message?: unknown };
    const details = typeof o.details === "string" && o.details !== "" ? o.details : typeof o.message === "string" ? o.message : String(e);
    return { code: typeof o.code === "number" ? o.code : GrpcStatus.UNKNOWN, details };
}
