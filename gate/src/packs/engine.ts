/**
 * The minimal Engine service a policy pack may call back (Log, Get/SetRootResource), served by the gate process
 * at the address the pack is started with, as the CLI serves its own.
 */
import * as grpc from "@grpc/grpc-js";
import { emptypb } from "./proto";

/* eslint-disable @typescript-eslint/no-require-imports */
const enginerpc = require("@pulumi/pulumi/proto/engine_grpc_pb") as { EngineService: grpc.ServiceDefinition };

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
