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
 *
 * The process and the connection to it live in the engine-side worker thread (engine-thread.ts), as plugins
 * live in the engine's process: they never keep the program from draining. Here, in the program host's main
 * thread, the messages are built and read with the program's own generated classes and cross to the worker
 * serialized.
 */
import * as path from "path";
import type * as grpcT from "@grpc/grpc-js";
import type * as provpbT from "@pulumi/pulumi/proto/provider_pb";
import { EngineCallError, GrpcStatus, type EngineThread } from "./engine-thread";
import type { FoundPlugin } from "./plugins";
import type { Json } from "../shared/types";

/* eslint-disable @typescript-eslint/no-require-imports */

type Struct = NonNullable<ReturnType<provpbT.ConstructRequest["getInputs"]>>;

/** The requests and responses of the calls the host makes. */
interface ProviderCalls {
    handshake: [provpbT.ProviderHandshakeRequest, provpbT.ProviderHandshakeResponse];
    getPluginInfo: [unknown, { getVersion(): string }];
    checkConfig: [provpbT.CheckRequest, provpbT.CheckResponse];
    configure: [provpbT.ConfigureRequest, provpbT.ConfigureResponse];
    construct: [provpbT.ConstructRequest, provpbT.ConstructResponse];
}

/** The gRPC service definition and protobuf modules of the @pulumi/pulumi the program uses (the plugin's messages are built with them). */
export interface ProviderProtos {
    readonly service: Partial<Record<string, grpcT.MethodDefinition<unknown, unknown>>>;
    readonly provpb: typeof provpbT;
    readonly Struct: { fromJavaScript(o: Record<string, Json>): Struct };
    readonly Empty: new () => unknown;
}

export function loadProviderProtos(pulumiDir: string): ProviderProtos {
    const rpc = require(path.join(pulumiDir, "proto", "provider_grpc_pb.js")) as { ResourceProviderService: ProviderProtos["service"] };
    return {
        service: rpc.ResourceProviderService,
        provpb: require(path.join(pulumiDir, "proto", "provider_pb.js")) as typeof provpbT,
        Struct: (require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [pulumiDir] })) as { Struct: ProviderProtos["Struct"] }).Struct,
        Empty: (require(require.resolve("google-protobuf/google/protobuf/empty_pb", { paths: [pulumiDir] })) as { Empty: new () => unknown }).Empty,
    };
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
}

/** A running resource plugin. */
export class ProviderPlugin {
    private handle: number | undefined;
    private output = "";
    protocol: PluginProtocol | undefined;
    /** The version the plugin reports (GetPluginInfo), "" when it reports none. */
    version = "";

    constructor(
        readonly plugin: FoundPlugin,
        private readonly protos: ProviderProtos,
        private readonly engine: EngineThread,
    ) {}

    /** The plugin, as messages name it. */
    get label(): string {
        return `resource plugin ${this.plugin.name}${this.plugin.version !== "" ? ` ${this.plugin.version}` : ""} (${this.plugin.run.kind === "executable" ? this.plugin.run.path : this.plugin.dir})`;
    }

    /** What the plugin printed (after its port line) by its last failed call, for error messages. */
    get printed(): string {
        return this.output;
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
        const env: Record<string, string> = {};
        for (const [k, v] of Object.entries({ ...process.env, ...cmd.env })) if (v !== undefined) env[k] = v;
        try {
            this.handle = await this.engine.start({ file: cmd.file, args: cmd.args, cwd: o.cwd, env, label: this.label, timeoutMs: o.timeoutMs, timeoutSeconds: o.timeoutSeconds });
        } catch (e) {
            throw e instanceof EngineCallError ? new Error(e.message) : e;
        }
        // Older @pulumi/pulumi versions have no Handshake (nor some of its fields): the engine's fallback applies.
        const Handshake = (this.protos.provpb as Partial<typeof provpbT>).ProviderHandshakeRequest;
        if (Handshake !== undefined && this.protos.service["handshake"] !== undefined) {
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
                if ((e as { code?: number }).code !== GrpcStatus.UNIMPLEMENTED) throw e;
            }
        }
        this.version = (await this.call("getPluginInfo", new this.protos.Empty())).getVersion();
    }

    /** A unary call; a failure names the plugin and the call, and carries what the plugin printed. */
    async call<K extends keyof ProviderCalls>(method: K, req: ProviderCalls[K][0]): Promise<ProviderCalls[K][1]> {
        const definition = this.protos.service[method];
        if (this.handle === undefined || definition === undefined) throw new Error(`${this.label} is not running`);
        let bytes: Uint8Array;
        try {
            bytes = await this.engine.call(this.handle, definition.path, new Uint8Array(definition.requestSerialize(req)));
        } catch (e) {
            if (!(e instanceof EngineCallError)) throw e;
            const f = e.failure;
            this.output = f.printed ?? this.output;
            const message = f.rpc?.code === GrpcStatus.UNAVAILABLE && f.exit !== undefined ? `${this.label} ${f.exit}${this.printed}` : f.rpc !== undefined ? f.rpc.details || (f.rpc.message ?? f.message) : f.message;
            throw Object.assign(new Error(message), f.rpc !== undefined ? { code: f.rpc.code } : {});
        }
        return definition.responseDeserialize(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) as ProviderCalls[K][1];
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
            if ((e as { code?: number }).code !== GrpcStatus.UNIMPLEMENTED) throw e;
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
