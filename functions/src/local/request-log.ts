/**
 * A log of the AWS requests the functions make, as IAM would evaluate them: for each request the calling function,
 * the IAM action, the resource ARN, and the request's condition-key values (the SSE-KMS headers of an S3 upload,
 * the encryption context of a KMS call, the prefix of an S3 listing). It is filled by a middleware on the real
 * SDK v3 clients (so it sees exactly what the adapters send), plus the KMS requests S3 makes on the caller's behalf
 * for SSE-KMS objects (`via: "s3"`), which need the caller's permission too.
 *
 * Identical requests are counted, not repeated, so the log stays small (DynamoDB and Kinesis requests collapse to
 * one entry per caller, action and table or stream; S3 requests are one entry per object).
 *
 * `aws:SecureTransport` is recorded as "true": the adapters use the SDK's default HTTPS endpoints when deployed;
 * only the local harness points them at plain HTTP on 127.0.0.1.
 */
import * as fs from "node:fs";

export type AwsService = "s3" | "kms" | "dynamodb" | "kinesis";

export type ConditionValue = string | readonly string[];

export interface RecordedRequest {
    /** Function (or principal) that made the request: ingest, process, recipient, replay, producer. */
    readonly caller: string;
    readonly service: AwsService;
    /** IAM action, e.g. `s3:PutObject`. */
    readonly action: string;
    /** Resource ARN the action applies to. */
    readonly resource: string;
    /** Condition keys and the values this request carries (global, service and encryption-context keys). */
    readonly conditions: Readonly<Record<string, ConditionValue>>;
    /** The SSE and checksum headers of an S3 request (lower-case names), for reference. */
    readonly headers?: Readonly<Record<string, string>>;
    /** KMS requests only. */
    readonly encryptionContext?: Readonly<Record<string, string>>;
    /** Set on requests an AWS service makes on the caller's behalf (e.g. S3 calling KMS for SSE-KMS). */
    readonly via?: "s3";
    /** The request that implied this one (with `via`). */
    readonly impliedBy?: string;
    /** How many identical requests were made. */
    count: number;
}

export interface RequestLogOptions {
    readonly region: string;
    readonly accountId: string;
    /** SSE-KMS key of each bucket (the default encryption key), for the KMS requests S3 makes on reads. */
    readonly bucketKeys?: Readonly<Record<string, string>>;
}

/** The structural subset of an SDK v3 client the log attaches to. */
export interface MiddlewareClient {
    readonly middlewareStack: {
        add(
            middleware: (
                next: (args: { input: object; request?: unknown }) => Promise<unknown>,
                context: { commandName?: string },
            ) => (args: { input: object; request?: unknown }) => Promise<unknown>,
            options: { step: "finalizeRequest"; name: string; priority: "low" },
        ): void;
    };
}

const S3_ACTIONS: Readonly<Record<string, string>> = {
    PutObject: "s3:PutObject",
    GetObject: "s3:GetObject",
    HeadObject: "s3:GetObject",
    ListObjectsV2: "s3:ListBucket",
    DeleteObject: "s3:DeleteObject",
};

function headerMap(request: unknown): Record<string, string> {
    const h = (request as { headers?: Record<string, string> } | undefined)?.headers ?? {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(h)) {
        out[k.toLowerCase()] = String(v);
    }
    return out;
}

export class RequestLog {
    private readonly byKey = new Map<string, RecordedRequest>();
    private readonly bucketKeys: Map<string, string>;
    /**
     * The stream each Kinesis shard iterator and pagination token reads: GetRecords names only an iterator and a
     * ListShards page only a token, but IAM authorises them on the stream.
     */
    private readonly streamOfToken = new Map<string, string>();

    constructor(readonly options: RequestLogOptions) {
        this.bucketKeys = new Map(Object.entries(options.bucketKeys ?? {}));
    }

    /** Names the SSE-KMS key of a bucket (S3 then calls KMS Decrypt with it on reads). */
    setBucketKey(bucket: string, keyArn: string): void {
        this.bucketKeys.set(bucket, keyArn);
    }

    /** Records every request `client` sends from now on, as made by `caller`. */
    attach(client: MiddlewareClient, caller: string, service: AwsService): void {
        client.middlewareStack.add(
            (next, context) => async (args) => {
                const command = (context.commandName ?? "").replace(/Command$/, "");
                const described = this.describe(caller, service, command, args.input as Record<string, unknown>, headerMap(args.request));
                for (const r of described) {
                    this.add(r);
                }
                const result = await next(args);
                if (service === "kinesis" && described.length > 0) {
                    const output = ((result as { output?: Record<string, unknown> } | undefined)?.output ?? {}) as Record<string, unknown>;
                    for (const k of ["ShardIterator", "NextShardIterator", "NextToken"]) {
                        if (typeof output[k] === "string") this.streamOfToken.set(output[k] as string, described[0].resource);
                    }
                }
                return result;
            },
            { step: "finalizeRequest", name: `e2eeRequestLog-${caller}`, priority: "low" },
        );
    }

    entries(): RecordedRequest[] {
        return [...this.byKey.values()];
    }

    /** Total requests recorded (identical ones counted). */
    get total(): number {
        let n = 0;
        for (const r of this.byKey.values()) {
            n += r.count;
        }
        return n;
    }

    /** One JSON object per line. */
    writeJsonl(file: string): void {
        fs.writeFileSync(file, this.entries().map((e) => JSON.stringify(e)).join("\n") + "\n");
    }

    add(r: Omit<RecordedRequest, "count"> & { count?: number }): void {
        const key = JSON.stringify([r.caller, r.action, r.resource, r.conditions, r.via ?? "", r.impliedBy ?? ""]);
        const prev = this.byKey.get(key);
        if (prev) {
            prev.count += r.count ?? 1;
        } else {
            this.byKey.set(key, { ...r, count: r.count ?? 1 });
        }
    }

    private describe(caller: string, service: AwsService, command: string, input: Record<string, unknown>, headers: Record<string, string>): Omit<RecordedRequest, "count">[] {
        const { region, accountId } = this.options;
        const secure = { "aws:SecureTransport": "true" };
        switch (service) {
            case "s3": {
                const bucket = String(input["Bucket"] ?? "");
                const action = S3_ACTIONS[command] ?? `s3:${command}`;
                const bucketArn = `arn:aws:s3:::${bucket}`;
                if (action === "s3:ListBucket") {
                    const conditions: Record<string, string> = { ...secure, "s3:prefix": String(input["Prefix"] ?? "") };
                    if (input["MaxKeys"] !== undefined) {
                        conditions["s3:max-keys"] = String(input["MaxKeys"]);
                    }
                    return [{ caller, service, action, resource: bucketArn, conditions }];
                }
                const objectArn = `${bucketArn}/${String(input["Key"] ?? "")}`;
                const sse = Object.fromEntries(Object.entries(headers).filter(([k]) => k.startsWith("x-amz-server-side-encryption")));
                const conditions: Record<string, string> = { ...secure };
                for (const [k, v] of Object.entries(sse)) {
                    if (k === "x-amz-server-side-encryption" || k === "x-amz-server-side-encryption-aws-kms-key-id") {
                        conditions[`s3:${k}`] = v;
                    }
                }
                const out: Omit<RecordedRequest, "count">[] = [{ caller, service, action, resource: objectArn, conditions, headers: sse }];
                const viaS3 = { "aws:SecureTransport": "true", "kms:ViaService": `s3.${region}.amazonaws.com`, "kms:CallerAccount": accountId };
                const bucketKey = sse["x-amz-server-side-encryption-bucket-key-enabled"] === "true";
                if (action === "s3:PutObject" && sse["x-amz-server-side-encryption"] === "aws:kms" && sse["x-amz-server-side-encryption-aws-kms-key-id"]) {
                    out.push({
                        caller,
                        service: "kms",
                        action: "kms:GenerateDataKey",
                        resource: sse["x-amz-server-side-encryption-aws-kms-key-id"],
                        conditions: { ...viaS3, "kms:EncryptionContext:aws:s3:arn": bucketKey ? bucketArn : objectArn },
                        via: "s3",
                        impliedBy: "s3:PutObject",
                    });
                }
                const readKey = this.bucketKeys.get(bucket);
                if (command === "GetObject" && readKey) {
                    out.push({
                        caller,
                        service: "kms",
                        action: "kms:Decrypt",
                        resource: readKey,
                        conditions: { ...viaS3, "kms:EncryptionContext:aws:s3:arn": bucketArn },
                        via: "s3",
                        impliedBy: "s3:GetObject",
                    });
                }
                return out;
            }
            case "kms": {
                const context = (input["EncryptionContext"] ?? {}) as Record<string, string>;
                const conditions: Record<string, ConditionValue> = { ...secure, "kms:CallerAccount": accountId, "kms:EncryptionContextKeys": Object.keys(context).sort() };
                for (const [k, v] of Object.entries(context)) {
                    conditions[`kms:EncryptionContext:${k}`] = v;
                }
                if (command === "Decrypt") {
                    conditions["kms:EncryptionAlgorithm"] = String(input["EncryptionAlgorithm"] ?? "SYMMETRIC_DEFAULT");
                }
                return [{ caller, service, action: `kms:${command}`, resource: String(input["KeyId"] ?? ""), conditions, encryptionContext: { ...context } }];
            }
            case "dynamodb": {
                const table = String(input["TableName"] ?? "");
                return [{ caller, service, action: `dynamodb:${command}`, resource: `arn:aws:dynamodb:${region}:${accountId}:table/${table}`, conditions: secure }];
            }
            case "kinesis": {
                const token = typeof input["ShardIterator"] === "string" ? input["ShardIterator"] : typeof input["NextToken"] === "string" ? input["NextToken"] : undefined;
                const arn =
                    typeof input["StreamARN"] === "string"
                        ? input["StreamARN"]
                        : typeof input["StreamName"] === "string"
                          ? `arn:aws:kinesis:${region}:${accountId}:stream/${input["StreamName"]}`
                          : ((token !== undefined ? this.streamOfToken.get(token) : undefined) ?? `arn:aws:kinesis:${region}:${accountId}:stream/(unknown: ${command} names no stream)`);
                return [{ caller, service, action: `kinesis:${command}`, resource: arn, conditions: secure }];
            }
        }
    }
}
