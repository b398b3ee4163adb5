/**
 * The generated Analyzer and Engine protocol modules of @pulumi/pulumi and the protobuf well-known types, loaded
 * once for the gate process's side of the pack protocol, and the enum mappings between them and our types.
 */
import type * as grpc from "@grpc/grpc-js";
import type * as analyzerpbT from "@pulumi/pulumi/proto/analyzer_pb";
import type { EnforcementLevel, Json, Severity } from "../shared/types";

/* eslint-disable @typescript-eslint/no-require-imports */
export const analyzerpb = require("@pulumi/pulumi/proto/analyzer_pb") as typeof analyzerpbT;
export const emptypb = require("google-protobuf/google/protobuf/empty_pb") as { Empty: new () => unknown };
export type ProtoStruct = analyzerpbT.AnalyzeRequest["getProperties"] extends () => infer S ? Exclude<S, undefined> : never;
export const structpb = require("google-protobuf/google/protobuf/struct_pb") as {
    Struct: { fromJavaScript(o: Record<string, Json>): ProtoStruct };
};

export type Unary<Req, Resp> = (req: Req, md: grpc.Metadata, opts: Partial<grpc.CallOptions>, cb: (err: grpc.ServiceError | null, resp: Resp) => void) => grpc.ClientUnaryCall;

export const LEVELS: Record<number, EnforcementLevel> = {
    [0]: "advisory",
    [1]: "mandatory",
    [2]: "disabled",
    [3]: "remediate",
};
export const SEVERITIES: Record<number, Severity> = { [0]: "", [1]: "low", [2]: "medium", [3]: "high", [4]: "critical" };
export const LEVEL_TO_PROTO: Record<EnforcementLevel, number> = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 };
