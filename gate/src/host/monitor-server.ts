/**
 * The engine side that a component provider plugin talks to while it runs `Construct`: the ResourceMonitor
 * service (`@pulumi/pulumi/proto/resource_grpc_pb`) and the Engine service (`engine_grpc_pb`). Their gRPC server
 * runs in the engine-side worker thread (engine-thread.ts, engine-worker.ts), on 127.0.0.1 at a free port; the
 * plugin gets its address as the engine address (its argument) and as `monitorEndpoint` in ConstructRequest.
 * Each call arrives here serialized and is read and answered with the program's own generated messages (the
 * services' definitions deserialize requests and serialize responses).
 *
 * Registrations, reads, invokes and outputs are handed to the program host's own resource monitor (the one the
 * program's resources go through), so a component's children are recorded exactly like the program's own
 * resources: same URN building, same options, same analysis. Features are those of the program's monitor
 * (secrets, resource references, alias specs, deletedWith, replaceWith, replacement triggers,
 * parameterization; not output values, so children's inputs are serialized as the program's are).
 * Transforms and hooks, which the engine would call back into the plugin for, are refused with a message
 * rather than ignored.
 */
import * as path from "path";
import type * as grpcT from "@grpc/grpc-js";
import type * as enginepbT from "@pulumi/pulumi/proto/engine_pb";
import type * as resourcepbT from "@pulumi/pulumi/proto/resource_pb";
import { GrpcStatus, type EngineThread, type RpcError, type ServiceSpec } from "./engine-thread";

/* eslint-disable @typescript-eslint/no-require-imports */

type Reply = (err: Error | RpcError | null, resp?: unknown) => void;
type Handler = (request: unknown, cb: Reply) => void;
type MonitorMethod = (req: unknown, cb: (err: Error | null, resp?: unknown) => void) => unknown;
type Service = Record<string, grpcT.MethodDefinition<unknown, unknown>>;

/** What the engine tells a provider plugin about the run (ConstructRequest, the Engine service). */
export interface RunInfo {
    readonly project: string;
    readonly stack: string;
    readonly organization: string;
    /** Plaintext stack config (fully-qualified keys). */
    readonly config: Record<string, string>;
    /** The secret config keys (decrypted or not). */
    readonly secureKeys: readonly string[];
    /** The run's dry-run flag: true in a preview, false in a (simulated) update. */
    readonly dryRun: boolean;
    readonly parallel: number;
}

export interface MonitorServerOptions extends RunInfo {
    /** The engine-side thread that runs the gRPC server. */
    readonly engine: EngineThread;
    /** The @pulumi/pulumi package directory the program resolves. */
    readonly pulumiDir: string;
    /** The program host's resource monitor (the runtime's mock monitor with the host's handlers). */
    readonly monitor: Record<string, unknown>;
    /** The root stack resource's URN (Engine.GetRootResource). */
    readonly stackUrn: string;
    /** Engine.Log from a plugin (debug messages are not passed on, as the CLI shows them only with --debug). */
    readonly onLog: (severity: "info" | "warning" | "error", message: string, urn: string) => void;
}

/** The ResourceMonitor features the program host's monitor has (ids for SupportsFeature, enum for GetDeploymentInfo). */
const FEATURES: readonly [string, keyof typeof resourcepbT.ResourceMonitorFeature][] = [
    ["secrets", "RESOURCE_MONITOR_FEATURE_SECRETS"],
    ["resourceReferences", "RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES"],
    ["aliasSpecs", "RESOURCE_MONITOR_FEATURE_ALIAS_SPECS"],
    ["replacementTrigger", "RESOURCE_MONITOR_FEATURE_REPLACEMENT_TRIGGER"],
    ["deletedWith", "RESOURCE_MONITOR_FEATURE_DELETED_WITH"],
    ["replaceWith", "RESOURCE_MONITOR_FEATURE_REPLACE_WITH"],
    ["parameterization", "RESOURCE_MONITOR_FEATURE_PARAMETERIZATION"],
];

export class MonitorServer {
    address = "";

    constructor(private readonly o: MonitorServerOptions) {}

    async start(): Promise<string> {
        const dir = this.o.pulumiDir;
        const resrpc = require(path.join(dir, "proto", "resource_grpc_pb.js")) as { ResourceMonitorService: Service };
        const enginerpc = require(path.join(dir, "proto", "engine_grpc_pb.js")) as { EngineService: Service };
        const respb = require(path.join(dir, "proto", "resource_pb.js")) as typeof resourcepbT;
        const enginepb = require(path.join(dir, "proto", "engine_pb.js")) as typeof enginepbT;
        const { Empty } = require(require.resolve("google-protobuf/google/protobuf/empty_pb", { paths: [dir] })) as { Empty: new () => unknown };
        const monitor = this.o.monitor;

        const delegate =
            (name: string, reply?: () => unknown): Handler =>
            (request, cb) => {
                const fn = monitor[name] as MonitorMethod | undefined;
                if (typeof fn !== "function") {
                    cb({ code: GrpcStatus.UNIMPLEMENTED, details: `ResourceMonitor.${name} is not available offline` });
                    return;
                }
                try {
                    fn.call(monitor, request, (err, resp) => (err ? cb(err) : cb(null, reply !== undefined ? reply() : resp)));
                } catch (e) {
                    cb(e as Error);
                }
            };
        const refuse =
            (what: string): Handler =>
            (_request, cb) =>
                cb({ code: GrpcStatus.UNIMPLEMENTED, details: `${what} inside a remote component is not supported by the offline policy gate` });

        const supported = new Set(FEATURES.map(([id]) => id));
        const monitorImpl: Record<string, Handler> = {
            supportsFeature: (request, cb) => {
                const resp = new respb.SupportsFeatureResponse();
                resp.setHassupport(supported.has((request as resourcepbT.SupportsFeatureRequest).getId()));
                cb(null, resp);
            },
            getDeploymentInfo: (_request, cb) => {
                const resp = new respb.DeploymentInfo();
                resp.setProject(this.o.project);
                resp.setStack(this.o.stack);
                resp.setOrganization(this.o.organization);
                const cfg = resp.getConfigMap();
                for (const [k, v] of Object.entries(this.o.config)) cfg.set(k, v);
                resp.setConfigsecretkeysList([...this.o.secureKeys]);
                resp.setDryrun(this.o.dryRun);
                resp.setParallel(this.o.parallel);
                resp.setSupportedfeaturesList(FEATURES.map(([, e]) => respb.ResourceMonitorFeature[e]));
                cb(null, resp);
            },
            invoke: delegate("invoke"),
            readResource: delegate("readResource"),
            existsResource: delegate("existsResource"),
            registerResource: delegate("registerResource"),
            registerResourceOutputs: delegate("registerResourceOutputs", () => new Empty()),
            registerPackage: delegate("registerPackage"),
            call: refuse("calling a method of a resource (Call)"),
            registerStackTransform: refuse("a stack transform"),
            registerStackInvokeTransform: refuse("an invoke transform"),
            registerResourceHook: refuse("a resource hook"),
            registerErrorHook: refuse("an error hook"),
            signalAndWaitForShutdown: (_request, cb) => cb(null, new Empty()),
        };
        const levels = { 1: "info", 2: "warning", 3: "error" } as const;
        const engineImpl: Record<string, Handler> = {
            log: (request, cb) => {
                const r = request as enginepbT.LogRequest;
                const level = levels[r.getSeverity() as 1 | 2 | 3];
                if (level !== undefined) this.o.onLog(level, r.getMessage(), r.getUrn());
                cb(null, new Empty());
            },
            getRootResource: (_request, cb) => {
                const resp = new enginepb.GetRootResourceResponse();
                resp.setUrn(this.o.stackUrn);
                cb(null, resp);
            },
            setRootResource: (_request, cb) => cb(null, new enginepb.SetRootResourceResponse()),
            startDebugging: (_request, cb) => cb(null, new Empty()),
            requirePulumiVersion: (_request, cb) => {
                const R = (enginepb as unknown as { RequirePulumiVersionResponse?: new () => unknown }).RequirePulumiVersionResponse;
                cb(null, R !== undefined ? new R() : new Empty());
            },
        };
        const services: Record<string, { definition: Service; impl: Record<string, Handler> }> = {
            ResourceMonitor: { definition: resrpc.ResourceMonitorService, impl: monitorImpl },
            Engine: { definition: enginerpc.EngineService, impl: engineImpl },
        };
        // Only the methods this @pulumi/pulumi version defines and the host implements; others are UNIMPLEMENTED.
        const specs: ServiceSpec[] = Object.entries(services).map(([service, { definition, impl }]) => ({
            service,
            methods: Object.entries(definition)
                .filter(([name, m]) => impl[name] !== undefined && !m.requestStream && !m.responseStream)
                .map(([name, m]) => ({ name, path: m.path })),
        }));
        this.address = await this.o.engine.serve(specs, (service, method, bytes) => {
            const s = services[service];
            const definition = s?.definition[method];
            const handler = s?.impl[method];
            if (definition === undefined || handler === undefined) return Promise.reject({ code: GrpcStatus.UNIMPLEMENTED, details: `${service}.${method} is not implemented` });
            return new Promise<Uint8Array>((resolve, reject) => {
                const request = definition.requestDeserialize(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
                handler(request, (err, resp) => {
                    if (err !== null) reject(err);
                    else resolve(new Uint8Array(definition.responseSerialize(resp)));
                });
            });
        });
        return this.address;
    }
}
