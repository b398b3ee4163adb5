/**
 * A policy pack process started exactly as the Pulumi CLI starts one (`node
 * node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine-address> .` in the pack's directory: the launcher registers
 * ts-node with type-checking and the pack's own tsconfig.json), and the engine's side of the Analyzer gRPC protocol
 * with the client @pulumi/pulumi generates: GetAnalyzerInfo, Configure (with the config reconciled as the engine
 * reconciles it), Analyze and AnalyzeStack.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import type * as analyzerpbT from "@pulumi/pulumi/proto/analyzer_pb";
import { cleanEnv } from "./offline";

/* eslint-disable @typescript-eslint/no-require-imports */
const analyzerpb = require("@pulumi/pulumi/proto/analyzer_pb") as typeof analyzerpbT;
const analyzerrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb") as {
    AnalyzerClient: new (addr: string, creds: grpc.ChannelCredentials) => grpc.Client & Record<string, Unary>;
};
const emptypb = require("google-protobuf/google/protobuf/empty_pb") as { Empty: new () => unknown };
type Struct = analyzerpbT.AnalyzeRequest["getProperties"] extends () => infer S ? Exclude<S, undefined> : never;
const structpb = require("google-protobuf/google/protobuf/struct_pb") as { Struct: { fromJavaScript(o: Record<string, unknown>): Struct } };
/* eslint-enable @typescript-eslint/no-require-imports */

type Unary = (req: unknown, cb: (err: grpc.ServiceError | null, resp: unknown) => void) => grpc.ClientUnaryCall;

export type Level = "advisory" | "mandatory" | "disabled" | "remediate";
const LEVELS: Record<number, Level> = { 0: "advisory", 1: "mandatory", 2: "disabled", 3: "remediate" };
const TO_PROTO: Record<Level, number> = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 };
const SEVERITIES: Record<number, string> = { 0: "", 1: "low", 2: "medium", 3: "high", 4: "critical" };

export interface PolicyMeta {
    readonly name: string;
    readonly kind: "resource" | "stack";
    readonly description: string;
    readonly enforcementLevel: Level;
    readonly severity: string;
    readonly remediationSteps: string;
    readonly tags: readonly string[];
    readonly framework: { readonly name: string; readonly version: string; readonly reference: string; readonly specification: string };
    readonly configSchema: { readonly properties: Record<string, unknown>; readonly required: readonly string[] } | undefined;
}

export interface AnalyzerInfo {
    readonly name: string;
    readonly version: string;
    readonly policies: readonly PolicyMeta[];
}

export interface Diag {
    readonly policy: string;
    readonly enforcementLevel: Level;
    readonly message: string;
    readonly urn: string;
}

export interface Resource {
    readonly type: string;
    readonly name: string;
    readonly props: Record<string, unknown>;
}

/** A URN as the engine writes it for a top-level resource of stack `dev` of project `e2ee-pipeline`. */
export function urnOf(type: string, name: string): string {
    return `urn:pulumi:dev::e2ee-pipeline::${type}::${name}`;
}

/** Policy name -> config, in the CLI's policy pack config format (`all` included). */
export type PackConfig = Readonly<Record<string, { readonly enforcementLevel?: Level; readonly [property: string]: unknown }>>;

/**
 * What the engine sends in Configure (pkg/resource/analyzer/config.go, ReconcilePolicyPackConfig): every policy
 * with its own level and its schema's defaults, then `all`'s level for every policy, then each policy's own entry.
 */
export function reconcile(info: AnalyzerInfo, config: PackConfig): Record<string, { enforcementLevel: Level; properties: Record<string, unknown> }> {
    const out: Record<string, { enforcementLevel: Level; properties: Record<string, unknown> }> = {};
    for (const p of info.policies) {
        const defaults = Object.entries(p.configSchema?.properties ?? {}).filter(([, s]) => typeof s === "object" && s !== null && "default" in s);
        out[p.name] = { enforcementLevel: p.enforcementLevel, properties: Object.fromEntries(defaults.map(([k, s]) => [k, (s as { default: unknown }).default])) };
    }
    const all = config["all"]?.enforcementLevel;
    if (all !== undefined) {
        for (const k of Object.keys(out)) {
            out[k].enforcementLevel = all;
        }
    }
    for (const [name, given] of Object.entries(config)) {
        if (name === "all") {
            continue;
        }
        if (out[name] === undefined) {
            throw new Error(`reconcile: the pack has no policy '${name}'`);
        }
        const { enforcementLevel, ...properties } = given;
        out[name] = { enforcementLevel: enforcementLevel ?? out[name].enforcementLevel, properties: { ...out[name].properties, ...properties } };
    }
    return out;
}

function options(): analyzerpbT.AnalyzerResourceOptions {
    const o = new analyzerpb.AnalyzerResourceOptions();
    o.setProtect(false);
    return o;
}

function diags(resp: analyzerpbT.AnalyzeResponse, urn = ""): Diag[] {
    return resp.getDiagnosticsList().map((d) => ({
        policy: d.getPolicyname(),
        enforcementLevel: LEVELS[d.getEnforcementlevel()],
        message: d.getMessage(),
        // A resource policy reports without a URN; the engine fills in the analyzed resource's.
        urn: d.getUrn() === "" ? urn : d.getUrn(),
    }));
}

/** A running pack process and an Analyzer client connected to it. */
export class PackProcess {
    private constructor(
        private readonly child: ChildProcess,
        private readonly client: grpc.Client & Record<string, Unary>,
        private readonly output: { stderr: string },
        /** Milliseconds from spawn to the port on stdout (the launcher's type-checking start). */
        readonly startMs: number,
    ) {}

    /** Starts `node node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine> .` in `dir`. */
    static async launch(dir: string, env: Record<string, string>, timeoutMs: number): Promise<PackProcess> {
        const t0 = Date.now();
        const child = spawn(process.execPath, [path.join("node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack"), "127.0.0.1:1", "."], {
            cwd: dir,
            env: cleanEnv(env),
            stdio: ["ignore", "pipe", "pipe"],
        });
        const output = { stderr: "" };
        child.stderr?.on("data", (d: Buffer) => (output.stderr += d.toString()));
        const port = await new Promise<number>((resolve, reject) => {
            let out = "";
            const timer = setTimeout(() => {
                child.kill();
                reject(new Error(`policy pack in ${dir} printed no port within ${timeoutMs / 1000} s:\n${out}\n${output.stderr}`));
            }, timeoutMs);
            child.stdout?.on("data", (d: Buffer) => {
                out += d.toString();
                const m = /^(\d+)\s*$/m.exec(out);
                if (m !== null) {
                    clearTimeout(timer);
                    resolve(Number(m[1]));
                }
            });
            child.on("exit", (code) => {
                clearTimeout(timer);
                reject(new Error(`policy pack in ${dir} exited with ${String(code)} before printing its port:\n${out}\n${output.stderr}`));
            });
        });
        const client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        return new PackProcess(child, client, output, Date.now() - t0);
    }

    get stderr(): string {
        return this.output.stderr;
    }

    private call<T>(method: string, req: unknown): Promise<T> {
        return new Promise((resolve, reject) => {
            const fn = this.client[method].bind(this.client) as Unary;
            fn(req, (err, resp) => (err !== null ? reject(new Error(`${method}: ${err.message}\n${this.output.stderr}`)) : resolve(resp as T)));
        });
    }

    async info(): Promise<AnalyzerInfo> {
        const r = await this.call<analyzerpbT.AnalyzerInfo>("getAnalyzerInfo", new emptypb.Empty());
        return {
            name: r.getName(),
            version: r.getVersion(),
            policies: r.getPoliciesList().map((p) => {
                const f = p.getFramework();
                const s = p.getConfigschema();
                return {
                    name: p.getName(),
                    kind: p.getPolicyType() === analyzerpb.PolicyType.POLICY_TYPE_STACK ? "stack" : "resource",
                    description: p.getDescription(),
                    enforcementLevel: LEVELS[p.getEnforcementlevel()],
                    severity: SEVERITIES[p.getSeverity()],
                    remediationSteps: p.getRemediationSteps(),
                    tags: p.getTagsList(),
                    framework: { name: f?.getName() ?? "", version: f?.getVersion() ?? "", reference: f?.getReference() ?? "", specification: f?.getSpecification() ?? "" },
                    configSchema: s === undefined ? undefined : { properties: s.getProperties()?.toJavaScript() ?? {}, required: s.getRequiredList() },
                };
            }),
        };
    }

    /** Configure with `config` reconciled as the engine does for `info`'s policies. */
    async configure(info: AnalyzerInfo, config: PackConfig): Promise<void> {
        const req = new analyzerpb.ConfigureAnalyzerRequest();
        const map = req.getPolicyconfigMap();
        for (const [name, c] of Object.entries(reconcile(info, config))) {
            const pc = new analyzerpb.PolicyConfig();
            pc.setEnforcementlevel(TO_PROTO[c.enforcementLevel] as analyzerpbT.EnforcementLevel);
            pc.setProperties(structpb.Struct.fromJavaScript(c.properties));
            map.set(name, pc);
        }
        await this.call("configure", req);
    }

    async analyze(r: Resource): Promise<Diag[]> {
        const req = new analyzerpb.AnalyzeRequest();
        req.setType(r.type);
        req.setName(r.name);
        req.setUrn(urnOf(r.type, r.name));
        req.setProperties(structpb.Struct.fromJavaScript(r.props));
        req.setOptions(options());
        return diags(await this.call<analyzerpbT.AnalyzeResponse>("analyze", req), urnOf(r.type, r.name));
    }

    async analyzeStack(resources: readonly Resource[]): Promise<Diag[]> {
        const req = new analyzerpb.AnalyzeStackRequest();
        req.setResourcesList(
            resources.map((r) => {
                const a = new analyzerpb.AnalyzerResource();
                a.setType(r.type);
                a.setName(r.name);
                a.setUrn(urnOf(r.type, r.name));
                a.setProperties(structpb.Struct.fromJavaScript(r.props));
                a.setOptions(options());
                return a;
            }),
        );
        return diags(await this.call<analyzerpbT.AnalyzeResponse>("analyzeStack", req));
    }

    /** Every resource analyzed, then the stack: what a preview sends for `resources`. */
    async preview(resources: readonly Resource[]): Promise<Diag[]> {
        const out: Diag[] = [];
        for (const r of resources) {
            out.push(...(await this.analyze(r)));
        }
        out.push(...(await this.analyzeStack(resources)));
        return out;
    }

    /** Ends the process (SIGTERM, then SIGKILL after 10 s) and resolves once it has exited. */
    async stop(): Promise<void> {
        this.client.close();
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
            return;
        }
        const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
        this.child.kill("SIGTERM");
        const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
    }
}
