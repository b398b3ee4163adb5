/**
 * Policy packs, served the way the Pulumi CLI serves them: each pack runs in its own process
 * (`node @pulumi/pulumi/cmd/run-policy-pack <engine-address> .` in the pack's directory, with PULUMI_CONFIG,
 * PULUMI_NODEJS_PROJECT/STACK/DRY_RUN in the environment), prints its gRPC port on stdout, and the gate talks
 * to it with the generated Analyzer client from @pulumi/pulumi/proto. The gate never loads the policies itself.
 */
import { spawn, type ChildProcess } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import type * as analyzerpbT from "@pulumi/pulumi/proto/analyzer_pb";
import { packLaunchArgs } from "./bootstrap";
import { gcFlags } from "./runner";
import { GateError } from "./errors";
import type { Diagnostic, EnforcementLevel, Json, PackInfo, PolicyInfo, RecordedResource, Severity } from "./types";

/* eslint-disable @typescript-eslint/no-require-imports */
const analyzerpb = require("@pulumi/pulumi/proto/analyzer_pb") as typeof analyzerpbT;
const analyzerrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb") as {
    AnalyzerClient: new (addr: string, creds: grpc.ChannelCredentials, opts: grpc.ClientOptions) => AnalyzerClient;
};
const enginerpc = require("@pulumi/pulumi/proto/engine_grpc_pb") as { EngineService: grpc.ServiceDefinition };
const emptypb = require("google-protobuf/google/protobuf/empty_pb") as { Empty: new () => unknown };
const structpb = require("google-protobuf/google/protobuf/struct_pb") as {
    Struct: { fromJavaScript(o: Record<string, Json>): analyzerpbT.AnalyzeRequest["getProperties"] extends () => infer S ? S : never };
};

type Unary<Req, Resp> = (req: Req, md: grpc.Metadata, opts: Partial<grpc.CallOptions>, cb: (err: grpc.ServiceError | null, resp: Resp) => void) => grpc.ClientUnaryCall;
interface AnalyzerClient extends grpc.Client {
    getAnalyzerInfo: Unary<unknown, analyzerpbT.AnalyzerInfo>;
    configure: Unary<analyzerpbT.ConfigureAnalyzerRequest, unknown>;
    configureStack: Unary<analyzerpbT.AnalyzerStackConfigureRequest, unknown>;
    analyze: Unary<analyzerpbT.AnalyzeRequest, analyzerpbT.AnalyzeResponse>;
    analyzeStack: Unary<analyzerpbT.AnalyzeStackRequest, analyzerpbT.AnalyzeResponse>;
}

const MAX_MESSAGE = 400 * 1024 * 1024;

/** A log line the pack sent (Engine.Log or its stdout/stderr). */
export interface PackLog {
    readonly pack: string;
    readonly severity: "debug" | "info" | "warning" | "error";
    readonly message: string;
}

/**
 * The minimal Engine service a pack may call back (Log, Get/SetRootResource). The address is passed to
 * the pack as the CLI passes its own; log messages are collected for the report.
 */
export class EngineServer {
    private server = new grpc.Server();
    readonly logs: PackLog[] = [];
    address = "";

    async start(): Promise<string> {
        const severities = ["debug", "info", "warning", "error"] as const;
        this.server.addService(enginerpc.EngineService, {
            log: (call: grpc.ServerUnaryCall<{ getSeverity(): number; getMessage(): string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
                this.logs.push({ pack: "", severity: severities[call.request.getSeverity()] ?? "info", message: call.request.getMessage() });
                cb(null, new emptypb.Empty());
            },
            getRootResource: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => {
                const enginepb = require("@pulumi/pulumi/proto/engine_pb") as { GetRootResourceResponse: new () => unknown };
                cb(null, new enginepb.GetRootResourceResponse());
            },
            setRootResource: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => {
                const enginepb = require("@pulumi/pulumi/proto/engine_pb") as { SetRootResourceResponse: new () => unknown };
                cb(null, new enginepb.SetRootResourceResponse());
            },
        });
        const port = await new Promise<number>((resolve, reject) =>
            this.server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
        );
        this.address = `127.0.0.1:${port}`;
        return this.address;
    }

    stop(): void {
        this.server.forceShutdown();
    }
}

export interface StackContext {
    readonly project: string;
    readonly stack: string;
    readonly organization: string;
    /** Plaintext stack config (fully-qualified keys). */
    readonly config: Record<string, string>;
    readonly secureKeys: string[];
}

const LEVELS: Record<number, EnforcementLevel> = {
    [0]: "advisory",
    [1]: "mandatory",
    [2]: "disabled",
    [3]: "remediate",
};
const SEVERITIES: Record<number, Severity> = { [0]: "", [1]: "low", [2]: "medium", [3]: "high", [4]: "critical" };
export const LEVEL_TO_PROTO: Record<EnforcementLevel, number> = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 };

/** One running policy pack. */
export class PolicyPackProcess {
    private child: ChildProcess | undefined;
    private client: AnalyzerClient | undefined;
    private stderr = "";
    private exited: { code: number | null; signal: string | null } | undefined;
    private exitWaiters: ((e: Error) => void)[] = [];
    name: string;
    info: PackInfo | undefined;

    constructor(
        readonly dir: string,
        private readonly timeoutMs: number,
        private readonly logs: PackLog[],
        /** Keep the CLI's ts-node type-check of the pack (slower); default transpile-only. */
        private readonly typecheck = false,
        /** V8 compile cache directory for the pack process (NODE_COMPILE_CACHE). */
        private readonly compileCache?: string,
    ) {
        this.name = path.basename(dir);
    }

    /** Starts the pack process and connects. Resolves once the pack printed its port. */
    async start(engineAddress: string, ctx: StackContext): Promise<void> {
        let runner: string;
        try {
            runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [this.dir] });
        } catch {
            throw new GateError(
                `it looks like the policy pack's dependencies are not installed; try running npm install in ${this.dir}`,
                "policy pack",
            );
        }
        const config: Record<string, string> = { ...ctx.config };
        const preload = path.join(__dirname, "pack-preload.ts");
        const fast = this.typecheck ? undefined : packLaunchArgs(preload, runner, [engineAddress, "."]);
        const nodeArgs = this.typecheck
            ? [runner, engineAddress, "."]
            : (fast ?? ["-r", require.resolve("ts-node/register/transpile-only"), "-r", preload, runner, engineAddress, "."]);
        // The same young-generation size as the program host (runner.ts): GC tuning only, the launcher runs unchanged.
        const child = spawn(process.execPath, [...gcFlags(), ...nodeArgs], {
            cwd: this.dir,
            env: {
                ...process.env,
                PULUMI_CONFIG: JSON.stringify(config),
                PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(ctx.secureKeys),
                PULUMI_NODEJS_PROJECT: ctx.project,
                PULUMI_NODEJS_STACK: ctx.stack,
                PULUMI_NODEJS_ORGANIZATION: ctx.organization,
                PULUMI_NODEJS_DRY_RUN: "true",
                FORCE_COLOR: "0",
                NO_COLOR: "1",
                ...(this.compileCache !== undefined ? { NODE_COMPILE_CACHE: this.compileCache } : {}),
            },
            stdio: ["ignore", "pipe", "pipe"],
        });
        this.child = child;
        child.stderr?.on("data", (d: Buffer) => {
            const s = d.toString();
            this.stderr += s;
            if (this.stderr.length > 64 * 1024) this.stderr = this.stderr.slice(-32 * 1024);
            if (this.info !== undefined) {
                for (const line of s.split("\n").filter((l) => l.trim() !== "")) {
                    this.logs.push({ pack: this.name, severity: "warning", message: line });
                }
            }
        });
        child.on("exit", (code, signal) => {
            this.exited = { code, signal };
            const err = this.crashError();
            for (const w of this.exitWaiters.splice(0)) w(err);
        });
        const port = await new Promise<number>((resolve, reject) => {
            let buf = "";
            let gotPort = false;
            const timer = setTimeout(() => {
                reject(new GateError(`policy pack ${this.dir} did not start within ${this.timeoutMs / 1000} s (--timeout)${this.stderrTail()}`, "timeout"));
            }, this.timeoutMs);
            child.stdout?.on("data", (d: Buffer) => {
                buf += d.toString();
                let nl: number;
                while ((nl = buf.indexOf("\n")) >= 0) {
                    const line = buf.slice(0, nl).trim();
                    buf = buf.slice(nl + 1);
                    if (!gotPort) {
                        if (/^\d+$/.test(line)) {
                            gotPort = true;
                            clearTimeout(timer);
                            resolve(Number(line));
                        } else if (line !== "") {
                            this.logs.push({ pack: this.name, severity: "info", message: line });
                        }
                    } else if (line !== "") {
                        this.logs.push({ pack: this.name, severity: "info", message: line });
                    }
                }
            });
            child.on("error", (e) => {
                clearTimeout(timer);
                reject(new GateError(`policy pack ${this.dir} failed to start: ${e.message}`, "policy pack"));
            });
            child.on("exit", () => {
                clearTimeout(timer);
                if (!gotPort) reject(new GateError(`policy pack ${this.dir} failed to start: ${this.describeExit()}${this.stderrTail()}`, "policy pack"));
            });
        });
        this.client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
            "grpc.max_receive_message_length": MAX_MESSAGE,
            "grpc.max_send_message_length": MAX_MESSAGE,
        });
    }

    private describeExit(): string {
        if (this.exited === undefined) return "still running";
        return this.exited.signal !== null ? `killed by ${this.exited.signal}` : `exited with code ${this.exited.code}`;
    }

    private stderrTail(): string {
        const lines = stripAnsi(this.stderr).trim().split("\n").filter((l) => l.trim() !== "");
        return lines.length === 0 ? "" : `:\n${lines.slice(-25).join("\n")}`;
    }

    private crashError(): GateError {
        return new GateError(`policy pack '${this.name}' (${this.dir}) crashed: ${this.describeExit()}${this.stderrTail()}`, "policy pack");
    }

    private call<Req, Resp>(what: string, fn: Unary<Req, Resp>, req: Req): Promise<Resp> {
        const client = this.client;
        if (client === undefined) {
            return Promise.reject(new Error("policy pack not started"));
        }
        if (this.exited !== undefined) {
            return Promise.reject(this.crashError());
        }
        return new Promise<Resp>((resolve, reject) => {
            let done = false;
            const onExit = (e: Error): void => {
                if (!done) {
                    done = true;
                    reject(e);
                }
            };
            this.exitWaiters.push(onExit);
            fn.call(client, req, new grpc.Metadata(), { deadline: Date.now() + this.timeoutMs }, (err, resp) => {
                if (done) return;
                done = true;
                const i = this.exitWaiters.indexOf(onExit);
                if (i >= 0) this.exitWaiters.splice(i, 1);
                if (err === null) {
                    resolve(resp);
                } else if (err.code === grpc.status.DEADLINE_EXCEEDED) {
                    reject(new GateError(`policy pack '${this.name}' did not answer ${what} within ${this.timeoutMs / 1000} s (--timeout)`, "timeout"));
                } else if (this.exited !== undefined || err.code === grpc.status.UNAVAILABLE) {
                    // Give the exit event a moment so the message can name the exit code.
                    setTimeout(() => reject(this.exited !== undefined ? this.crashError() : new GateError(`policy pack '${this.name}' became unavailable during ${what}: ${err.details}${this.stderrTail()}`, "policy pack")), 50);
                } else {
                    reject(new GateError(`policy pack '${this.name}' failed in ${what}: ${shortenTrace(err.details || err.message)}`, "policy pack"));
                }
            });
        });
    }

    async getInfo(): Promise<PackInfo> {
        const c = this.client as AnalyzerClient;
        const resp = await this.call("GetAnalyzerInfo", c.getAnalyzerInfo, new emptypb.Empty());
        const policies: PolicyInfo[] = resp.getPoliciesList().map((p) => {
            const schema = p.getConfigschema();
            const fw = p.getFramework();
            const type = p.getPolicyType();
            return {
                name: p.getName(),
                displayName: p.getDisplayname(),
                description: p.getDescription(),
                enforcementLevel: LEVELS[p.getEnforcementlevel()] ?? "advisory",
                severity: SEVERITIES[p.getSeverity()] ?? "",
                remediationSteps: p.getRemediationSteps(),
                tags: p.getTagsList(),
                url: p.getUrl(),
                ...(fw !== undefined ? { framework: { name: fw.getName(), version: fw.getVersion(), reference: fw.getReference(), specification: fw.getSpecification() } } : {}),
                ...(schema !== undefined
                    ? { configSchema: { properties: (schema.getProperties()?.toJavaScript() ?? {}) as Record<string, Json>, required: schema.getRequiredList() } }
                    : {}),
                kind: type === 1 ? "resource" : type === 2 ? "stack" : "unknown",
            };
        });
        this.name = resp.getName();
        for (const l of this.logs) if (l.pack === path.basename(this.dir)) (l as { pack: string }).pack = this.name;
        this.info = { name: resp.getName(), version: resp.getVersion(), displayName: resp.getDisplayname(), policies, dir: this.dir };
        return this.info;
    }

    async configure(config: Record<string, { enforcementLevel: EnforcementLevel; properties: Record<string, Json> }>): Promise<void> {
        const req = new analyzerpb.ConfigureAnalyzerRequest();
        const map = req.getPolicyconfigMap();
        for (const [name, c] of Object.entries(config)) {
            const pc = new analyzerpb.PolicyConfig();
            pc.setEnforcementlevel(LEVEL_TO_PROTO[c.enforcementLevel] as analyzerpbT.EnforcementLevel);
            pc.setProperties(structpb.Struct.fromJavaScript(c.properties));
            map.set(name, pc);
        }
        await this.call("Configure", (this.client as AnalyzerClient).configure, req);
    }

    async configureStack(ctx: StackContext): Promise<void> {
        const req = new analyzerpb.AnalyzerStackConfigureRequest();
        req.setStack(ctx.stack);
        req.setProject(ctx.project);
        req.setOrganization(ctx.organization);
        req.setDryRun(true);
        req.setConfigSecretKeysList(ctx.secureKeys);
        const m = req.getConfigMap();
        for (const [k, v] of Object.entries(ctx.config)) m.set(k, v);
        try {
            await this.call("ConfigureStack", (this.client as AnalyzerClient).configureStack, req);
        } catch (e) {
            // Packs built with an older @pulumi/policy do not implement ConfigureStack; the CLI carries on.
            if (!(e instanceof GateError && /unimplemented/i.test(e.message))) throw e;
        }
    }

    async analyze(req: analyzerpbT.AnalyzeRequest): Promise<Diagnostic[]> {
        return toDiagnostics(await this.call(`Analyze(${req.getUrn()})`, (this.client as AnalyzerClient).analyze, req));
    }

    async analyzeStack(req: analyzerpbT.AnalyzeStackRequest): Promise<Diagnostic[]> {
        return toDiagnostics(await this.call("AnalyzeStack", (this.client as AnalyzerClient).analyzeStack, req));
    }

    stop(): void {
        this.client?.close();
        if (this.child !== undefined && this.exited === undefined) {
            this.child.removeAllListeners("exit");
            this.child.kill("SIGKILL");
        }
    }
}

export function stripAnsi(s: string): string {
    return s.replace(/\u001b\[[0-9;]*m/g, "");
}

/** Keeps an error's message and its first stack frame outside node_modules (where the rule failed). */
export function shortenTrace(details: string): string {
    const lines = stripAnsi(details).split("\n");
    const firstFrame = lines.findIndex((l) => /^\s+at /.test(l));
    if (firstFrame < 0) return lines.join("\n");
    const own = lines.slice(firstFrame).find((l) => /^\s+at /.test(l) && !l.includes("node_modules") && !l.includes("(node:") && !l.includes("<anonymous>"));
    return [...lines.slice(0, firstFrame), ...(own !== undefined ? [own] : [])].join("\n");
}

function toDiagnostics(resp: analyzerpbT.AnalyzeResponse): Diagnostic[] {
    return resp.getDiagnosticsList().map((d) => ({
        policyPack: d.getPolicypackname(),
        policyPackVersion: d.getPolicypackversion(),
        policy: d.getPolicyname(),
        description: d.getDescription(),
        message: d.getMessage(),
        enforcementLevel: LEVELS[d.getEnforcementlevel()] ?? "advisory",
        severity: SEVERITIES[d.getSeverity()] ?? "",
        urn: d.getUrn(),
    }));
}

/** Protobuf messages for every resource, built once and shared by Analyze and AnalyzeStack. */
export class ResourceMessages {
    private readonly structs = new Map<string, ReturnType<typeof structpb.Struct.fromJavaScript>>();
    private readonly byUrn = new Map<string, RecordedResource>();
    readonly resources: RecordedResource[] = [];

    constructor(
        resources: readonly RecordedResource[],
        private readonly stackConfig: Record<string, string>,
    ) {
        for (const r of resources) this.add(r);
    }

    /** Adds a resource (registrations arrive while the program runs; providers before their users). */
    add(r: RecordedResource): void {
        this.resources.push(r);
        this.byUrn.set(r.urn, r);
    }

    private props(r: RecordedResource): ReturnType<typeof structpb.Struct.fromJavaScript> {
        let s = this.structs.get(r.urn);
        if (s === undefined) {
            s = structpb.Struct.fromJavaScript(r.properties);
            this.structs.set(r.urn, s);
        }
        return s;
    }

    private options(r: RecordedResource): analyzerpbT.AnalyzerResourceOptions {
        const o = new analyzerpb.AnalyzerResourceOptions();
        o.setProtect(r.options.protect);
        o.setIgnorechangesList(r.options.ignoreChanges);
        if (r.options.deleteBeforeReplace !== undefined) {
            o.setDeletebeforereplace(r.options.deleteBeforeReplace);
            o.setDeletebeforereplacedefined(true);
        }
        o.setAdditionalsecretoutputsList(r.options.additionalSecretOutputs);
        o.setAliasesList(r.options.aliases);
        o.setParent(r.parent);
        const ct = r.options.customTimeouts;
        if (ct !== undefined) {
            const t = new analyzerpb.AnalyzerResourceOptions.CustomTimeouts();
            if (ct.create !== undefined) t.setCreate(ct.create);
            if (ct.update !== undefined) t.setUpdate(ct.update);
            if (ct.delete !== undefined) t.setDelete(ct.delete);
            o.setCustomtimeouts(t);
        }
        return o;
    }

    /**
     * The resource's provider as the engine describes it: the explicit provider resource, or for a custom
     * resource without one, the default provider `pulumi:providers:<pkg>::default[_<version>]` whose
     * properties are the stack's `<pkg>:*` config.
     */
    private provider(r: RecordedResource): analyzerpbT.AnalyzerProviderResource | undefined {
        if (r.provider !== "") {
            const urn = r.provider.slice(0, r.provider.lastIndexOf("::"));
            const p = this.byUrn.get(urn);
            if (p === undefined) return undefined;
            const m = new analyzerpb.AnalyzerProviderResource();
            m.setUrn(p.urn);
            m.setType(p.type);
            m.setName(p.name);
            m.setProperties(this.props(p));
            return m;
        }
        if (!r.custom || r.type.startsWith("pulumi:providers:")) return undefined;
        const pkg = r.type.split(":")[0] as string;
        const name = r.options.version !== undefined ? `default_${r.options.version.replace(/[.-]/g, "_")}` : "default";
        const [stack, project] = r.urn.split("::").slice(0, 2) as [string, string];
        const props: Record<string, Json> = {};
        for (const [k, v] of Object.entries(this.stackConfig)) {
            if (k.startsWith(`${pkg}:`)) props[k.slice(pkg.length + 1)] = v;
        }
        const m = new analyzerpb.AnalyzerProviderResource();
        m.setUrn(`${stack}::${project}::pulumi:providers:${pkg}::${name}`);
        m.setType(`pulumi:providers:${pkg}`);
        m.setName(name);
        m.setProperties(structpb.Struct.fromJavaScript(props));
        return m;
    }

    analyzeRequest(r: RecordedResource): analyzerpbT.AnalyzeRequest {
        const req = new analyzerpb.AnalyzeRequest();
        req.setUrn(r.urn);
        req.setType(r.type);
        req.setName(r.name);
        req.setProperties(this.props(r));
        req.setOptions(this.options(r));
        const p = this.provider(r);
        if (p !== undefined) req.setProvider(p);
        return req;
    }

    analyzeStackRequest(): analyzerpbT.AnalyzeStackRequest {
        const req = new analyzerpb.AnalyzeStackRequest();
        req.setResourcesList(
            this.resources.map((r) => {
                const m = new analyzerpb.AnalyzerResource();
                m.setUrn(r.urn);
                m.setType(r.type);
                m.setName(r.name);
                m.setProperties(this.props(r));
                m.setOptions(this.options(r));
                const p = this.provider(r);
                if (p !== undefined) m.setProvider(p);
                m.setParent(r.parent);
                m.setDependenciesList(r.dependencies);
                const pd = m.getPropertydependenciesMap();
                for (const [k, urns] of Object.entries(r.propertyDependencies)) {
                    const d = new analyzerpb.AnalyzerPropertyDependencies();
                    d.setUrnsList(urns);
                    pd.set(k, d);
                }
                return m;
            }),
        );
        return req;
    }
}

/**
 * Analyze requests for one pack, fed while the program runs and sent once the pack is ready, with at most
 * `limit` in flight. The first failure stops it and is rethrown by `drain`.
 */
export class AnalyzeQueue {
    private readonly items: analyzerpbT.AnalyzeRequest[] = [];
    private next = 0;
    private readonly workers: { fn: (req: analyzerpbT.AnalyzeRequest) => Promise<Diagnostic[]>; active: number }[] = [];
    private readonly results: Diagnostic[][] = [];
    private error: unknown;
    private failed = false;
    private waiters: (() => void)[] = [];
    private backlogSignalled = false;

    /**
     * @param limit calls in flight per worker (pack process)
     * @param onBacklog called once when more than `backlog` requests wait (the gate may add a worker)
     */
    constructor(
        private readonly limit: number,
        private readonly backlog = Number.POSITIVE_INFINITY,
        private readonly onBacklog?: () => void,
    ) {}

    push(req: analyzerpbT.AnalyzeRequest): void {
        this.items.push(req);
        this.pump();
    }

    /** Resources the program has constructed but not yet registered count as waiting work too. */
    expect(total: number): void {
        if (!this.backlogSignalled && total - this.next > this.backlog) {
            this.backlogSignalled = true;
            this.onBacklog?.();
        }
    }

    /** Adds a worker (one pack process); requests are spread over the workers. */
    start(fn: (req: analyzerpbT.AnalyzeRequest) => Promise<Diagnostic[]>): void {
        this.workers.push({ fn, active: 0 });
        this.pump();
    }

    private get active(): number {
        return this.workers.reduce((n, w) => n + w.active, 0);
    }

    private pump(): void {
        if (this.failed || this.workers.length === 0) return;
        for (const w of this.workers) {
            while (w.active < this.limit && this.next < this.items.length) {
                const req = this.items[this.next] as analyzerpbT.AnalyzeRequest;
                this.items[this.next++] = undefined as unknown as analyzerpbT.AnalyzeRequest;
                w.active++;
                w.fn(req)
                    .then(
                        (d) => {
                            this.results.push(d);
                        },
                        (e: unknown) => {
                            if (!this.failed) {
                                this.failed = true;
                                this.error = e;
                            }
                        },
                    )
                    .finally(() => {
                        w.active--;
                        this.pump();
                        if ((this.active === 0 && this.next >= this.items.length) || this.failed) {
                            for (const x of this.waiters.splice(0)) x();
                        }
                    });
            }
        }
        if (!this.backlogSignalled && this.items.length - this.next > this.backlog) {
            this.backlogSignalled = true;
            this.onBacklog?.();
        }
    }

    /** Resolves with every diagnostic once all pushed requests are answered (call after the last push). */
    async drain(): Promise<Diagnostic[]> {
        if (this.workers.length === 0) throw new Error("analysis queue drained before its pack was ready");
        while (!this.failed && (this.active > 0 || this.next < this.items.length)) {
            await new Promise<void>((r) => this.waiters.push(r));
        }
        if (this.failed) throw this.error;
        return this.results.flat();
    }
}
