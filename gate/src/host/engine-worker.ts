/**
 * Runs in the engine-side worker thread (engine-thread.ts starts it): what lives in the Pulumi engine's process
 * rather than in the language host's, so that none of it keeps the program from draining.
 *
 * - The gRPC server a component provider plugin calls back (its engine address and Construct's
 *   `monitorEndpoint`), on 127.0.0.1 at a free port, serving the ResourceMonitor and Engine methods the main
 *   thread lists. Requests and responses stay serialized protobuf: each call is passed to the main thread as
 *   bytes and answered with the bytes the main thread returns, so this thread needs no message classes.
 * - The plugin processes: started as the engine starts them, their first stdout line read as their port, the
 *   rest of their output kept for error messages, then a gRPC connection to them, over which the main thread's
 *   calls (already serialized) are sent.
 *
 * gRPC here is the gate's own @grpc/grpc-js (the root lock file's version), used through its public API only;
 * the program's @pulumi/pulumi (and its grpc-js) stays in the main thread, where its messages are built and read.
 */
import { spawn, type ChildProcess } from "child_process";
import { parentPort } from "worker_threads";
import * as grpc from "@grpc/grpc-js";
import { outputRead } from "../shared/output-read";
import type { FromWorker, PluginSpawn, RpcError, ServiceSpec, ToWorker, WorkerFailure } from "./engine-thread";

const MAX_MESSAGE = 400 * 1024 * 1024;

/** The plugin's port line, as the engine parses it (`parsePort`). */
export function parsePort(line: string): number | undefined {
    const s = line.replaceAll("\x1b]9;4;3;\x1b\\", "").replaceAll("\x1b]9;4;0;\x1b\\", "").trim();
    if (!/^[+-]?\d+$/.test(s)) return undefined;
    const port = Number(s);
    return port > 0 && port <= 65535 ? port : undefined;
}

function tail(s: string, lines = 20): string {
    return s.trimEnd().split("\n").slice(-lines).join("\n");
}

const passThrough = (b: Buffer): Buffer => b;

class Failure extends Error {
    constructor(readonly failure: WorkerFailure) {
        super(failure.message);
    }
}

/** A running plugin process and the connection to it. */
class PluginProcess {
    private child: ChildProcess | undefined;
    private client: grpc.Client | undefined;
    private output = "";
    private exit: string | undefined;

    constructor(
        private readonly spec: PluginSpawn,
        private readonly post: (m: FromWorker) => void,
    ) {}

    /** What the plugin printed so far (after its port line), for error messages. */
    get printed(): string {
        return this.output.trim() === "" ? "" : `\nplugin output:\n${tail(this.output)}`;
    }

    /** Keeps the last 64 KiB the plugin printed. */
    private keep(text: string): void {
        this.output = (this.output + text).slice(-65536);
    }

    private fail(message: string): Failure {
        return new Failure({ message, ...(this.exit !== undefined ? { exit: this.exit } : {}), printed: this.printed });
    }

    /** Starts the process, reads its port, connects (the engine's wait: 10 s for the connection). */
    async start(): Promise<void> {
        const o = this.spec;
        const child = spawn(o.file, [...o.args], { cwd: o.cwd, env: o.env, stdio: ["pipe", "pipe", "pipe"] });
        this.child = child;
        child.stderr?.on("data", (d: Buffer) => this.keep(d.toString()));
        child.on("exit", (code, signal) => {
            this.exit = signal !== null ? `killed by ${signal}` : `exited with code ${String(code)}`;
            if (child.pid !== undefined) this.post({ kind: "exited", pid: child.pid });
        });
        try {
            const port = await new Promise<number>((resolve, reject) => {
                let line = "";
                let done = false;
                const finish = (err: Error | undefined, p?: number): void => {
                    if (done) return;
                    done = true;
                    clearTimeout(timer);
                    if (err !== undefined) reject(err);
                    else resolve(p as number);
                };
                const timer = setTimeout(() => finish(this.fail(`${o.label} did not print its port within the run's ${o.timeoutSeconds} s (--timeout)${this.printed}`)), o.timeoutMs);
                child.on("error", (e) => finish(this.fail(`cannot start ${o.label}: ${e.message}`)));
                child.on("spawn", () => this.post({ kind: "pid", pid: child.pid as number }));
                // The message carries the rest of what it printed.
                child.on("exit", () => void outputRead(child).then(() => finish(this.fail(`${o.label} ${this.exit ?? "exited"} before printing its port${this.printed}`))));
                child.stdout?.on("data", (d: Buffer) => {
                    if (done) {
                        this.keep(d.toString());
                        return;
                    }
                    line += d.toString();
                    const nl = line.indexOf("\n");
                    if (nl < 0) return;
                    this.keep(line.slice(nl + 1));
                    const p = parsePort(line.slice(0, nl));
                    if (p === undefined) finish(this.fail(`${o.label} wrote an invalid port to stdout: '${line.slice(0, nl).trim()}'${this.printed}`));
                    else finish(undefined, p);
                });
            });
            const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
                "grpc.max_receive_message_length": MAX_MESSAGE,
                "grpc.max_send_message_length": MAX_MESSAGE,
            });
            this.client = client;
            await new Promise<void>((resolve, reject) =>
                client.waitForReady(Date.now() + 10_000, (err) => (err ? reject(this.fail(`${o.label} did not begin responding to RPC connections: ${err.message}${this.printed}`)) : resolve())),
            );
        } catch (e) {
            // As the engine closes a plugin that failed to start.
            this.stop();
            throw e;
        }
    }

    /** A unary call with an already serialized request. */
    call(path: string, request: Uint8Array): Promise<Uint8Array> {
        const client = this.client;
        if (client === undefined) return Promise.reject(this.fail(`${this.spec.label} is not running`));
        return new Promise((resolve, reject) => {
            client.makeUnaryRequest(path, passThrough, passThrough, Buffer.from(request.buffer, request.byteOffset, request.byteLength), new grpc.Metadata(), {}, (err, resp) => {
                if (err) {
                    const rpc: RpcError = { code: err.code, details: err.details, message: err.message };
                    reject(new Failure({ message: err.details || err.message, rpc, ...(this.exit !== undefined ? { exit: this.exit } : {}), printed: this.printed }));
                } else resolve(new Uint8Array(resp as Buffer));
            });
        });
    }

    /** Closes the connection and kills the process. */
    stop(): void {
        this.client?.close();
        const c = this.child;
        if (c !== undefined && c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    }
}

/** The worker's entry point. */
export function engineWorkerMain(): void {
    const port = parentPort;
    if (port === null) throw new Error("engine-worker.ts runs in a worker thread");
    const post = (m: FromWorker): void => port.postMessage(m);
    const plugins = new Map<number, PluginProcess>();
    const answers = new Map<number, grpc.sendUnaryData<Buffer>>();
    let server: grpc.Server | undefined;
    let callbacks = 0;

    const reply = (id: number, work: Promise<string | Uint8Array | undefined>): void => {
        work.then(
            (result) => post({ kind: "reply", id, ...(result !== undefined ? { result } : {}) }),
            (e: unknown) => post({ kind: "reply", id, failure: e instanceof Failure ? e.failure : { message: e instanceof Error ? e.message : String(e) } }),
        );
    };

    const serve = async (services: readonly ServiceSpec[]): Promise<string> => {
        const s = new grpc.Server({ "grpc.max_receive_message_length": MAX_MESSAGE, "grpc.max_send_message_length": MAX_MESSAGE });
        for (const spec of services) {
            if (spec.methods.length === 0) continue; // grpc-js refuses a service without methods
            const definition: grpc.ServiceDefinition = {};
            const impl: grpc.UntypedServiceImplementation = {};
            for (const m of spec.methods) {
                (definition as Record<string, grpc.MethodDefinition<Buffer, Buffer>>)[m.name] = {
                    path: m.path,
                    requestStream: false,
                    responseStream: false,
                    requestSerialize: passThrough,
                    requestDeserialize: passThrough,
                    responseSerialize: passThrough,
                    responseDeserialize: passThrough,
                };
                impl[m.name] = ((call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
                    const id = ++callbacks;
                    answers.set(id, cb);
                    // A copy of exactly the message (a received Buffer may be a view of a larger one).
                    post({ kind: "callback", id, service: spec.service, method: m.name, request: new Uint8Array(call.request) });
                }) as grpc.UntypedHandleCall;
            }
            s.addService(definition, impl);
        }
        const p = await new Promise<number>((resolve, reject) => s.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, n) => (err ? reject(err) : resolve(n))));
        server = s;
        return `127.0.0.1:${p}`;
    };

    port.on("message", (m: ToWorker) => {
        switch (m.kind) {
            case "serve":
                reply(m.id, server !== undefined ? Promise.reject(new Error("the engine's server is already running")) : serve(m.services));
                return;
            case "start": {
                const p = new PluginProcess(m.spawn, post);
                plugins.set(m.plugin, p);
                reply(m.id, p.start().then(() => undefined));
                return;
            }
            case "call": {
                const p = plugins.get(m.plugin);
                reply(m.id, p !== undefined ? p.call(m.path, m.request) : Promise.reject(new Error(`no plugin ${m.plugin}`)));
                return;
            }
            case "answer": {
                const cb = answers.get(m.id);
                answers.delete(m.id);
                if (cb === undefined) return;
                if (m.error !== undefined) cb({ code: m.error.code, details: m.error.details });
                else cb(null, Buffer.from((m.response as Uint8Array).buffer, (m.response as Uint8Array).byteOffset, (m.response as Uint8Array).byteLength));
                return;
            }
        }
    });
}
