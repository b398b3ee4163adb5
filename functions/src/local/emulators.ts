/**
 * The AWS protocol servers the AWS adapters are tested against, on 127.0.0.1 with free ports: s3rver (S3),
 * kinesalite (Kinesis), dynalite (DynamoDB) and the local KMS endpoint, plus a fault proxy in front of S3. It
 * creates the pipeline's bucket, stream, table and keys, hands out real SDK v3 clients configured for them (one set
 * per calling function, each recorded in a RequestLog when one is given), and stops everything in `stop()`.
 */
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from "@aws-sdk/client-kinesis";
import { KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
// The SDK's own HTTP/1.1 handler: kinesalite does not speak HTTP/2, which the Kinesis client uses by default.
import { NodeHttpHandler } from "@smithy/node-http-handler";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { DEDUP_TABLE_KEY } from "../contract";
import { FaultProxy } from "./fault-proxy";
import { LocalKmsEndpoint, LocalKmsOptions } from "./kms-endpoint";
import { AwsService, RequestLog } from "./request-log";
import { startServerProcess } from "./server-process";

/**
 * The retry decision of the SDK's standard mode (retry anything but a client error, three attempts in all) without
 * its back-off delays and token bucket: the emulators answer at once, and tests of exhausted retries stay fast.
 */
export class LocalRetryStrategy {
    constructor(
        readonly maxAttempts = 3,
        private readonly delayMs = 5,
    ) {}
    private token(count: number): { getRetryCount(): number; getRetryDelay(): number } {
        return { getRetryCount: () => count, getRetryDelay: () => this.delayMs * count };
    }
    async acquireInitialRetryToken(): Promise<{ getRetryCount(): number; getRetryDelay(): number }> {
        return this.token(0);
    }
    async refreshRetryTokenForRetry(previous: { getRetryCount(): number }, info: { errorType: string }): Promise<{ getRetryCount(): number; getRetryDelay(): number }> {
        const next = previous.getRetryCount() + 1;
        if (info.errorType === "CLIENT_ERROR" || next >= this.maxAttempts) {
            throw new Error("no retry");
        }
        return this.token(next);
    }
    recordSuccess(): void {
        // No token bucket.
    }
}

export const LOCAL_REGION = "eu-west-1";
export const LOCAL_ACCOUNT_ID = "111122223333";

export interface EmulatorOptions {
    readonly bucket?: string;
    readonly stream?: string;
    readonly shards?: number;
    readonly table?: string;
    /** Refuses chosen KMS requests with AccessDeniedException (see LocalKmsEndpoint). */
    readonly kmsAuthorize?: LocalKmsOptions["authorize"];
    /** Where s3rver keeps objects. Default a fresh temp directory, removed by stop(). */
    readonly s3Directory?: string;
    readonly log?: RequestLog;
    /** Put a fault proxy in front of dynalite and kinesalite too (S3 always has one). Default false (speed). */
    readonly proxyAll?: boolean;
}

export interface Endpoints {
    readonly s3: string;
    readonly kinesis: string;
    readonly dynamodb: string;
    readonly kms: string;
}

export class Emulators {
    readonly bucket: string;
    readonly stream: string;
    readonly table: string;
    readonly region = LOCAL_REGION;
    readonly accountId = LOCAL_ACCOUNT_ID;
    /** ARN of the records key (GenerateDataKey by producers, Decrypt by the recipient). */
    readonly recordsKeyArn: string;
    /** ARN of the bucket's SSE-KMS key (the storage key; never the records key). */
    readonly storageKeyArn: string;
    readonly log?: RequestLog;
    private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
    private readonly clients: { destroy(): void }[] = [];

    private constructor(
        readonly endpoints: Endpoints,
        /** The fault proxies the clients go through: always S3, DynamoDB and Kinesis with `proxyAll`. */
        readonly proxies: { readonly s3: FaultProxy; readonly dynamodb?: FaultProxy; readonly kinesis?: FaultProxy },
        readonly kms: LocalKmsEndpoint,
        private readonly stops: (() => Promise<void>)[],
        names: { bucket: string; stream: string; table: string },
        log: RequestLog | undefined,
    ) {
        this.bucket = names.bucket;
        this.stream = names.stream;
        this.table = names.table;
        this.recordsKeyArn = kms.keyArns[0];
        this.storageKeyArn = kms.keyArns[1];
        this.log = log;
    }

    static async start(options: EmulatorOptions = {}): Promise<Emulators> {
        const names = { bucket: options.bucket ?? "e2ee-data-lake", stream: options.stream ?? "e2ee-envelopes", table: options.table ?? "e2ee-dedup" };
        const stops: (() => Promise<void>)[] = [];
        try {
            const s3Directory = options.s3Directory ?? fs.mkdtempSync(path.join(os.tmpdir(), "e2ee-s3rver-"));
            const [s3, dynamo, kinesis] = await Promise.all([
                startServerProcess("s3rver", { directory: s3Directory, configureBuckets: [{ name: names.bucket }] }),
                startServerProcess("dynalite", { createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }),
                startServerProcess("kinesalite", { createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 64 }),
            ]);
            stops.push(async () => {
                await s3.stop();
                if (options.s3Directory === undefined) {
                    fs.rmSync(s3Directory, { recursive: true, force: true });
                }
            });
            stops.push(() => dynamo.stop(), () => kinesis.stop());
            const s3Proxy = await FaultProxy.start({ host: "127.0.0.1", port: s3.port });
            stops.push(() => s3Proxy.close());
            const dynamoPort = dynamo.port;
            const kinesisPort = kinesis.port;
            const dynamoProxy = options.proxyAll ? await FaultProxy.start({ host: "127.0.0.1", port: dynamoPort }) : undefined;
            if (dynamoProxy) {
                stops.push(() => dynamoProxy.close());
            }

            const kinesisProxy = options.proxyAll ? await FaultProxy.start({ host: "127.0.0.1", port: kinesisPort }) : undefined;
            if (kinesisProxy) {
                stops.push(() => kinesisProxy.close());
            }

            const kms = await LocalKmsEndpoint.start({ region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID, keys: 2, authorize: options.kmsAuthorize });
            stops.push(() => kms.close());

            const endpoints: Endpoints = {
                s3: s3Proxy.endpoint,
                kinesis: kinesisProxy?.endpoint ?? `http://127.0.0.1:${kinesisPort}`,
                dynamodb: dynamoProxy?.endpoint ?? `http://127.0.0.1:${dynamoPort}`,
                kms: kms.endpoint,
            };
            const emulators = new Emulators(endpoints, { s3: s3Proxy, dynamodb: dynamoProxy, kinesis: kinesisProxy }, kms, stops, names, options.log);
            const admin = "setup";
            const ddb = emulators.dynamodb(admin);
            await ddb.send(
                new CreateTableCommand({
                    TableName: names.table,
                    KeySchema: [{ AttributeName: DEDUP_TABLE_KEY, KeyType: "HASH" }],
                    AttributeDefinitions: [{ AttributeName: DEDUP_TABLE_KEY, AttributeType: "S" }],
                    BillingMode: "PAY_PER_REQUEST",
                }),
            );
            const kc = emulators.kinesis(admin);
            await kc.send(new CreateStreamCommand({ StreamName: names.stream, ShardCount: options.shards ?? 4 }));
            for (let i = 0; ; i++) {
                const s = await kc.send(new DescribeStreamSummaryCommand({ StreamName: names.stream }));
                if (s.StreamDescriptionSummary?.StreamStatus === "ACTIVE") {
                    break;
                }
                if (i > 200) {
                    throw new Error(`kinesalite: stream ${names.stream} did not become ACTIVE`);
                }
                await new Promise((r) => setTimeout(r, 10));
            }
            return emulators;
        } catch (err) {
            for (const stop of stops.reverse()) {
                await stop().catch(() => undefined);
            }
            throw err;
        }
    }

    private base(caller: string, endpoint: string, credentials = { accessKeyId: `local-${caller}`, secretAccessKey: "local" }, maxAttempts = 3) {
        return { endpoint, region: this.region, credentials, requestHandler: new NodeHttpHandler({ httpAgent: this.agent }), retryStrategy: new LocalRetryStrategy(maxAttempts) };
    }

    private track<C extends { destroy(): void }>(client: C, caller: string, service: AwsService): C {
        this.clients.push(client);
        if (this.log && caller !== "setup") {
            this.log.attach(client as unknown as Parameters<RequestLog["attach"]>[0], caller, service);
        }
        return client;
    }

    /** An S3 client for `caller` (path-style addressing; s3rver's signing credentials). */
    s3(caller: string): S3Client {
        const cfg = this.base(caller, this.endpoints.s3, { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
        return this.track(new S3Client({ ...cfg, forcePathStyle: true }), caller, "s3");
    }

    kinesis(caller: string): KinesisClient {
        return this.track(new KinesisClient(this.base(caller, this.endpoints.kinesis)), caller, "kinesis");
    }

    dynamodb(caller: string): DynamoDBClient {
        return this.track(new DynamoDBClient(this.base(caller, this.endpoints.dynamodb)), caller, "dynamodb");
    }

    kmsClient(caller: string, maxAttempts?: number): KMSClient {
        return this.track(new KMSClient(this.base(caller, this.endpoints.kms, undefined, maxAttempts)), caller, "kms");
    }

    async stop(): Promise<void> {
        for (const c of this.clients) {
            c.destroy();
        }
        this.agent.destroy();
        for (const stop of [...this.stops].reverse()) {
            await stop();
        }
    }
}
