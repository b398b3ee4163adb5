/**
 * One resource (provider) plugin process, started and spoken to as the Pulumi engine does
 * (pulumi/pulumi `sdk/go/common/resource/plugin/plugin.go` and `provider_plugin.go`):
 *
 * - started with one argument, the engine's address, in the program's directory, with the environment plus
 *   `PULUMI_PROJECT`, `PULUMI_CONFIG` (the stack's config of the plugin's package, `{ key: value }` as JSON) and
 *   `PULUMI_RUNTIME_<OPTION>` for each Pulumi.yaml runtime option; a `PulumiPlugin.yaml` plugin with runtime
 *   `nodejs` as the Node.js language host runs it (`node @pulumi/pulumi/cmd/run-plugin <dir> <engine>`);
 * - the first line it prints on stdout is its port; the rest of its output is kept for error messages;
 * - then, over the ResourceProvider gRPC protocol: `Handshake` (UNIMPLEMENTED is fine: the Node.js SDK's
 *   provider does not implement it), `GetPluginInfo`, `CheckConfig` (UNIMPLEMENTED: the inputs as they are),
 *   `Configure`, and `Construct` per component.
 */
import { spawn, type ChildProcess } from "child_process";
import * as path from "path";
import type * as grpcT from "@grpc/grpc-js";
import type * as provpbT from "@pulumi/pulumi/proto/provider_pb";
import type { FoundPlugin } from "./plugins";
import type { Json } from "../shared/types";

/* eslint-disable @typescript-eslint/no-require-imports */

type Struct = NonNullable<ReturnType<provpbT.ConstructRequest["getInputs"]>>;
type Callback<R> = (err: grpcT.ServiceError | null, resp: R) => void;
type Unary<Q, R> = (req: Q, md: grpcT.Metadata, opts: Partial<grpcT.CallOptions>, cb: Callback<R>) => grpcT.ClientUnaryCall;

interface ProviderClient extends grpcT.Client {
    handshake: Unary<provpbT.ProviderHandshakeRequest, provpbT.ProviderHandshakeResponse>;
    getPluginInfo: Unary<unknown, { getVersion(): string }>;
    checkConfig: Unary<provpbT.CheckRequest, provpbT.CheckResponse>;
    configure: Unary<provpbT.ConfigureRequest, provpbT.ConfigureResponse>;
    construct: Unary<provpbT.ConstructRequest, provpbT.ConstructResponse>;
}

/** The gRPC and protobuf modules of the @pulumi/pulumi the program uses (the plugin's messages are built with them). */
export interface ProviderProtos {
    readonly grpc: typeof grpcT;
    readonly provpb: typeof provpbT;
    readonly Client: new (addr: string, creds: grpcT.ChannelCredentials, opts: grpcT.ClientOptions) => ProviderClient;
    readonly Struct: { fromJavaScript(o: Record<string, Json>): Struct };
    readonly Empty: new () => unknown;
}

export function loadProviderProtos(pulumiDir: string): ProviderProtos {
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] })) as typeof grpcT;
    const rpc = require(path.join(pulumiDir, "proto", "provider_grpc_pb.js")) as { ResourceProviderClient: ProviderProtos["Client"] };
    return {
        grpc,
        provpb: require(path.join(pulumiDir, "proto", "provider_pb.js")) as typeof provpbT,
        Client: rpc.ResourceProviderClient,
        Struct: (require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [pulumiDir] })) as { Struct: ProviderProtos["Struct"] }).Struct,
        Empty: (require(require.resolve("google-protobuf/google/protobuf/empty_pb", { paths: [pulumiDir] })) as { Empty: new () => unknown }).Empty,
    };
}

/** The plugin's port line, as the engine parses it (`parsePort`). */
export function parsePort(line: string): number | undefined {
    const s = line.replaceAll("\x1b]9;4;3;\x1b\\", "").replaceAll("\x1b]9;4;0;\x1b\\", "").trim();
    if (!/^[+-]?\d+$/.test(s)) return undefined;
    const port = Number(s);
    return port > 0 && port <= 65535 ? port : undefined;
}

/** What the plugin accepts, from Handshake or else Configure. */
export interface PluginProtocol {
    readonly acceptSecrets: boolean;
    readonly acceptResources: boolean;
    readonly acceptOutputs: boolean;
}

export interface StartOptions {
    /** The engine address passed as the plugin's argument (our Engine + ResourceMonitor server). */
    readonly engineAddress: string;
    /** The program's directory: the plugin's working directory. */
    readonly cwd: string;
    /** Variables added to the environment. */
    readonly env: Record<string, string>;
    /** How long to wait for the port line, ms. */
    readonly timeoutMs: number;
    /** The run's --timeout, seconds, for the message when the wait runs out. */
    readonly timeoutSeconds: number;
    /** Told the plugin's process id once it runs (the gate stops it if the program host dies). */
    readonly onPid?: (pid: number) => void;
}

function tail(s: string, lines = 20): string {
    return s.trimEnd().split("\n").slice(-lines).join("\n");
}

/** A running resource plugin. */
export class ProviderPlugin {
    private child: ChildProcess | undefined;
    private client: ProviderClient | undefined;
    private output = "";
    private exit: string | undefined;
    protocol: PluginProtocol | undefined;
    /** The version the plugin reports (GetPluginInfo), "" when it reports none. */
    version = "";

    constructor(
        readonly plugin: FoundPlugin,
        private readonly protos: ProviderProtos,
    ) {}

    /** The plugin, as messages name it. */
    get label(): string {
        return `resource plugin ${this.plugin.name}${this.plugin.version !== "" ? ` ${this.plugin.version}` : ""} (${this.plugin.run.kind === "executable" ? this.plugin.run.path : this.plugin.dir})`;
    }

    /** Keeps the last 64 KiB the plugin printed (for error messages). */
    private keep(text: string): void {
        this.output = (this.output + text).slice(-65536);
    }

    /** What the plugin printed so far (after its port line), for error messages. */
    get printed(): string {
        return this.output.trim() === "" ? "" : `\nplugin output:\n${tail(this.output)}`;
    }

    private command(engineAddress: string, env: Record<string, string>): { file: string; args: string[]; env: Record<string, string> } {
        const run = this.plugin.run;
        if (run.kind === "executable") return { file: run.path, args: [engineAddress], env };
        if (run.runtime !== "nodejs") throw new Error(`${this.label} runs on the '${run.runtime}' runtime; the gate runs nodejs plugins and executables`);
        // As the Node.js language host's RunPlugin: node <run-plugin> [nodeargs] <plugin dir> <args>.
        const runPlugin = require.resolve("@pulumi/pulumi/cmd/run-plugin", { paths: [this.plugin.dir] });
        const o = run.options;
        const extra: Record<string, string> = {};
        if (o["typescript"] !== false) extra["PULUMI_NODEJS_TYPESCRIPT"] = "true";
        if (typeof o["tsconfig"] === "string") extra["PULUMI_NODEJS_TSCONFIG_PATH"] = o["tsconfig"];
        const nodeargs = typeof o["nodeargs"] === "string" ? o["nodeargs"].split(/\s+/).filter((a) => a !== "") : [];
        return { file: process.execPath, args: [runPlugin, ...nodeargs, this.plugin.dir, engineAddress], env: { ...env, ...extra } };
    }

    /** Starts the plugin, reads its port, connects and shakes hands. */
    async start(o: StartOptions): Promise<void> {
        const cmd = this.command(o.engineAddress, o.env);
        const child = spawn(cmd.file, cmd.args, { cwd: o.cwd, env: { ...process.env, ...cmd.env }, stdio: ["pipe", "pipe", "pipe"] });
        this.child = child;
        child.stderr?.on("data", (d: Buffer) => this.keep(d.toString()));
        child.on("exit", (code, signal) => (this.exit = signal !== null ? `killed by ${signal}` : `exited with code ${String(code)}`));
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
            const timer = setTimeout(() => finish(new Error(`${this.label} did not print its port within the run's ${o.timeoutSeconds} s (--timeout)${this.printed}`)), o.timeoutMs);
            child.on("error", (e) => finish(new Error(`cannot start ${this.label}: ${e.message}`)));
            child.on("spawn", () => o.onPid?.(child.pid as number));
            child.on("exit", () => setImmediate(() => finish(new Error(`${this.label} ${this.exit ?? "exited"} before printing its port${this.printed}`))));
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
                if (p === undefined) finish(new Error(`${this.label} wrote an invalid port to stdout: '${line.slice(0, nl).trim()}'${this.printed}`));
                else finish(undefined, p);
            });
        });
        const { grpc } = this.protos;
        this.client = new this.protos.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
            "grpc.max_receive_message_length": 400 * 1024 * 1024,
            "grpc.max_send_message_length": 400 * 1024 * 1024,
        });
        await new Promise<void>((resolve, reject) =>
            (this.client as ProviderClient).waitForReady(Date.now() + 10_000, (err) =>
                err ? reject(new Error(`${this.label} did not begin responding to RPC connections: ${err.message}${this.printed}`)) : resolve(),
            ),
        );
        // Older @pulumi/pulumi versions have no Handshake (nor some of its fields): the engine's fallback applies.
        const Handshake = (this.protos.provpb as Partial<typeof provpbT>).ProviderHandshakeRequest;
        if (Handshake !== undefined && typeof (this.client as Partial<ProviderClient>).handshake === "function") {
            const hs = new Handshake();
            hs.setEngineAddress(o.engineAddress);
            hs.setRootDirectory(this.plugin.dir);
            hs.setProgramDirectory(this.plugin.dir);
            const flags = hs as unknown as Record<string, ((v: boolean) => unknown) | undefined>;
            for (const m of ["setConfigureWithUrn", "setSupportsViews", "setSupportsRefreshBeforeUpdate", "setInvokeWithPreview", "setAcceptsByteString"]) flags[m]?.call(hs, true);
            try {
                const r = await this.call("handshake", hs);
                this.protocol = { acceptSecrets: r.getAcceptSecrets(), acceptResources: r.getAcceptResources(), acceptOutputs: r.getAcceptOutputs() };
            } catch (e) {
                if ((e as grpcT.ServiceError).code !== grpc.status.UNIMPLEMENTED) throw e;
            }
        }
        this.version = (await this.call("getPluginInfo", new this.protos.Empty())).getVersion();
    }

    /** A unary call; a failure names the plugin and the call, and carries what the plugin printed. */
    call<K extends "handshake" | "getPluginInfo" | "checkConfig" | "configure" | "construct">(
        method: K,
        req: Parameters<ProviderClient[K]>[0],
    ): Promise<Parameters<Parameters<ProviderClient[K]>[3]>[1]> {
        const client = this.client;
        if (client === undefined) return Promise.reject(new Error(`${this.label} is not running`));
        return new Promise((resolve, reject) => {
            const fn = client[method] as unknown as Unary<unknown, unknown>;
            fn.call(client, req, new this.protos.grpc.Metadata(), {}, (err, resp) => {
                if (err !== null) {
                    const e = new Error(err.code === this.protos.grpc.status.UNAVAILABLE && this.exit !== undefined ? `${this.label} ${this.exit}${this.printed}` : err.details || err.message) as Error & {
                        code?: number;
                    };
                    e.code = err.code;
                    reject(e);
                } else resolve(resp as Parameters<Parameters<ProviderClient[K]>[3]>[1]);
            });
        });
    }

    /**
     * `CheckConfig` then `Configure`, as the engine's provider registry runs them for a provider created in a
     * preview. Returns false, without calling Configure, when a configuration value is unknown: the engine then
     * leaves the provider unconfigured and does not run Construct either.
     */
    async configure(urn: string, type: string, name: string, id: string, inputs: Record<string, Json>, pkg: string): Promise<boolean> {
        const { provpb, Struct } = this.protos;
        const check = new provpb.CheckRequest();
        check.setUrn(urn);
        check.setName(name);
        check.setType(type);
        check.setOlds(Struct.fromJavaScript({}));
        // CheckConfig sees plain values (secrets unwrapped), as the engine marshals them.
        check.setNews(Struct.fromJavaScript(unwrapSecrets(inputs) as Record<string, Json>));
        let checked = inputs;
        try {
            const r = await this.call("checkConfig", check);
            const failures = r.getFailuresList();
            if (failures.length > 0) throw new Error(`${this.label}: CheckConfig of ${urn} failed: ${failures.map((f) => `${f.getProperty()}: ${f.getReason()}`).join("; ")}`);
            const got = r.getInputs()?.toJavaScript() as Record<string, Json> | undefined;
            if (got !== undefined) checked = { ...got, ...("version" in inputs && !("version" in got) ? { version: inputs["version"] as Json } : {}) };
        } catch (e) {
            if ((e as { code?: number }).code !== this.protos.grpc.status.UNIMPLEMENTED) throw e;
        }
        if (Object.entries(checked).some(([k, v]) => k !== "version" && containsUnknowns(v))) return false;
        const req = new provpb.ConfigureRequest();
        req.setUrn(urn);
        req.setName(name);
        req.setType(type);
        req.setId(id);
        req.setAcceptsecrets(true);
        req.setAcceptresources(true);
        req.setSendsOldInputs(true);
        req.setSendsOldInputsToDelete(true);
        const vars = req.getVariablesMap();
        for (const [k, v] of Object.entries(configVariables(pkg, checked))) vars.set(k, v);
        req.setArgs(Struct.fromJavaScript(checked));
        const r = await this.call("configure", req);
        if (this.protocol === undefined) {
            this.protocol = { acceptSecrets: r.getAcceptsecrets(), acceptResources: r.getAcceptresources(), acceptOutputs: r.getAcceptoutputs() };
        }
        return true;
    }

    /** Stops the plugin (its gRPC channel, then the process). */
    stop(): void {
        this.client?.close();
        if (this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    }
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function isSecret(v: Json): v is { [k: string]: Json } {
    return typeof v === "object" && v !== null && !Array.isArray(v) && v[SECRET_SIG] === SECRET;
}

/** The value with every secret replaced by its plain value (the engine's `removeSecrets`). */
export function unwrapSecrets(v: Json): Json {
    if (isSecret(v)) return unwrapSecrets(v["value"] ?? null);
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v as Record<string, Json>).map(([k, x]): [string, Json] => [k, unwrapSecrets(x)]));
    return v;
}

/** true when the value is or contains an unknown. */
export function containsUnknowns(v: Json): boolean {
    if (v === UNKNOWN) return true;
    if (Array.isArray(v)) return v.some(containsUnknowns);
    if (typeof v === "object" && v !== null) return Object.values(v).some(containsUnknowns);
    return false;
}

/** Configure's deprecated `variables`: `<pkg>:config:<key>` to the value, non-strings as JSON, `version` left out. */
export function configVariables(pkg: string, inputs: Record<string, Json>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(inputs)) {
        if (k === "version") continue;
        const plain = unwrapSecrets(v);
        out[`${pkg}:config:${k}`] = typeof plain === "string" ? plain : JSON.stringify(plain);
    }
    return out;
}
