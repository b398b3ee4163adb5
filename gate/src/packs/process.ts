/**
 * Policy packs, served the way the Pulumi CLI serves them: each pack runs in its own process
 * (`node @pulumi/pulumi/cmd/run-policy-pack <engine-address> .` in the pack's directory, with PULUMI_CONFIG,
 * PULUMI_NODEJS_PROJECT/STACK/DRY_RUN in the environment), prints its gRPC port on stdout, and the gate talks
 * to it with the generated Analyzer client from @pulumi/pulumi/proto. The gate never loads the policies itself.
 */
import { spawn, type ChildProcess } from "child_process";
import * as path from "path";
import { stripVTControlCharacters } from "util";
import * as grpc from "@grpc/grpc-js";
import type * as analyzerpbT from "@pulumi/pulumi/proto/analyzer_pb";
import { gcFlags } from "../cli/program";
import { GateError } from "../shared/errors";
import { packLaunchArgs } from "../shared/launch";
import { outputRead } from "../shared/output-read";
import type { Diagnostic, EnforcementLevel, Json, PackInfo, PolicyInfo } from "../shared/types";
import type { PackLog } from "./engine";
import type { AnalyzeCall } from "./messages";
import { analyzerpb, emptypb, LEVEL_TO_PROTO, LEVELS, SEVERITIES, structpb, type Unary } from "./proto";

/* eslint-disable @typescript-eslint/no-require-imports */
const analyzerrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb") as { AnalyzerService: grpc.ServiceDefinition };

/** Analyze and AnalyzeStack requests arrive already encoded (packs/wire.ts): their serializer only wraps the bytes. */
const encoded = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
/**
 * Most Analyze responses are empty (no diagnostic, nothing not applicable): zero bytes, which decode to the
 * empty message without building one per call. The shared message is only read.
 */
const EMPTY_RESPONSE = new analyzerpb.AnalyzeResponse();
const response = (bytes: Buffer): analyzerpbT.AnalyzeResponse => (bytes.length === 0 ? EMPTY_RESPONSE : analyzerpb.AnalyzeResponse.deserializeBinary(bytes));
const AnalyzerClient = grpc.makeGenericClientConstructor(
    {
        ...analyzerrpc.AnalyzerService,
        analyze: { ...(analyzerrpc.AnalyzerService["analyze"] as grpc.MethodDefinition<unknown, unknown>), requestSerialize: encoded, responseDeserialize: response },
        analyzeStack: { ...(analyzerrpc.AnalyzerService["analyzeStack"] as grpc.MethodDefinition<unknown, unknown>), requestSerialize: encoded, responseDeserialize: response },
    },
    "Analyzer",
) as unknown as new (addr: string, creds: grpc.ChannelCredentials, opts: grpc.ClientOptions) => AnalyzerClient;

interface AnalyzerClient extends grpc.Client {
    getAnalyzerInfo: Unary<unknown, analyzerpbT.AnalyzerInfo>;
    configure: Unary<analyzerpbT.ConfigureAnalyzerRequest, unknown>;
    configureStack: Unary<analyzerpbT.AnalyzerStackConfigureRequest, unknown>;
    analyze: Unary<Uint8Array, analyzerpbT.AnalyzeResponse>;
    analyzeStack: Unary<Uint8Array, analyzerpbT.AnalyzeResponse>;
}

const MAX_MESSAGE = 400 * 1024 * 1024;

export interface StackContext {
    readonly project: string;
    readonly stack: string;
    readonly organization: string;
    /** Plaintext stack config (fully-qualified keys). */
    readonly config: Record<string, string>;
    readonly secureKeys: string[];
    /**
     * The operation's dry-run flag: true for a preview (the default), false for an update (the gate's simulated
     * deployment). The engine loads a pack for each operation with it: `PULUMI_NODEJS_DRY_RUN` in the pack's
     * environment and `dryRun` in ConfigureStack.
     */
    readonly dryRun?: boolean;
}

/** One running policy pack. */
export class PolicyPackProcess {
    private child: ChildProcess | undefined;
    private client: AnalyzerClient | undefined;
    private stderr = "";
    /** How the pack exited, and `read`: settles when what it wrote has been read (shared/output-read.ts). */
    private exited: { code: number | null; signal: string | null; read: Promise<void> } | undefined;
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
        const preload = path.join(__dirname, "preload.ts");
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
                PULUMI_NODEJS_DRY_RUN: ctx.dryRun === false ? "false" : "true",
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
            this.exited = { code, signal, read: outputRead(child) };
            void this.exited.read.then(() => {
                const err = this.crashError();
                for (const w of this.exitWaiters.splice(0)) w(err);
            });
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
                if (!gotPort) void this.exited?.read.then(() => reject(new GateError(`policy pack ${this.dir} failed to start: ${this.describeExit()}${this.stderrTail()}`, "policy pack")));
            });
        });
        this.client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
            "grpc.max_receive_message_length": MAX_MESSAGE,
            "grpc.max_send_message_length": MAX_MESSAGE,
            // channelz (gRPC's introspection service, which the gate does not serve) keeps counters and traces
            // for every call, a noticeable share of the gate process's work when a program has thousands of resources.
            "grpc.enable_channelz": 0,
        });
    }

    private describeExit(): string {
        if (this.exited === undefined) return "still running";
        return this.exited.signal !== null ? `killed by ${this.exited.signal}` : `exited with code ${this.exited.code}`;
    }

    private stderrTail(): string {
        const lines = stripVTControlCharacters(this.stderr).trim().split("\n").filter((l) => l.trim() !== "");
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
            return this.exited.read.then(() => Promise.reject(this.crashError()));
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
                    // Give the exit event a moment so the message can name the exit code and the pack's last output.
                    setTimeout(() => {
                        if (this.exited === undefined) reject(new GateError(`policy pack '${this.name}' became unavailable during ${what}: ${err.details}${this.stderrTail()}`, "policy pack"));
                        else void this.exited.read.then(() => reject(this.crashError()));
                    }, 50);
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
        req.setDryRun(ctx.dryRun !== false);
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

    async analyze(req: AnalyzeCall): Promise<Diagnostic[]> {
        return toDiagnostics(await this.call(`Analyze(${req.urn})`, (this.client as AnalyzerClient).analyze, req.bytes));
    }

    /** `request`: the AnalyzeStack request's bytes (ResourceMessages.analyzeStackBytes). */
    async analyzeStack(request: Uint8Array): Promise<Diagnostic[]> {
        return toDiagnostics(await this.call("AnalyzeStack", (this.client as AnalyzerClient).analyzeStack, request));
    }

    stop(): void {
        this.client?.close();
        if (this.child !== undefined && this.exited === undefined) {
            this.child.removeAllListeners("exit");
            this.child.kill("SIGKILL");
        }
    }
}

/** Keeps an error's message and its first stack frame outside node_modules (where the rule failed). */
export function shortenTrace(details: string): string {
    const lines = stripVTControlCharacters(details).split("\n");
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
