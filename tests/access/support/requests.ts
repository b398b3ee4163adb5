/**
 * The requests the functions really make, recorded as IAM sees them: the real handlers (ingest, process, replay,
 * recipient) and the producer's key provider run over their AWS adapters and the real SDK v3 clients, whose HTTP
 * handler is an in-memory stand-in for S3, KMS, DynamoDB and Kinesis on the program's own names; the request log
 * (functions/src/local/request-log.ts) records each request at the point where it would be signed and sent, with
 * its SSE headers and encryption context. Nothing leaves the process.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import * as crypto from "node:crypto";
import { Readable } from "node:stream";
import { DynamoDbStoreLedger } from "../../../functions/src/adapters/aws-dynamodb";
import { KinesisStreamSink, KinesisStreamSource } from "../../../functions/src/adapters/aws-kinesis";
import { S3ObjectStore } from "../../../functions/src/adapters/aws-s3";
import { EnvelopeDecryptor, EnvelopeEncryptor, KmsKeyProvider } from "../../../functions/src/envelope";
import { createIngestHandler, dedupPersistence } from "../../../functions/src/handlers/ingest";
import { createProcessHandler } from "../../../functions/src/handlers/process";
import { cognitoAuthenticator, createRecipientHandler } from "../../../functions/src/handlers/recipient";
import { createReplayHandler } from "../../../functions/src/handlers/replay";
import { LocalUserPool } from "../../../functions/src/local/cognito";
import { kinesisEvent, lambdaContext, restApiEvent } from "../../../functions/src/local/events";
import { RecordedRequest, RequestLog } from "../../../functions/src/local/request-log";
import type { Log } from "../../../functions/src/telemetry";
import type { ProgramNames } from "./program";

interface StubRequest {
    readonly method: string;
    readonly path: string;
    readonly query?: Record<string, string | string[] | null>;
    readonly headers: Record<string, string>;
    readonly body?: unknown;
}

type StubResponse = { readonly status?: number; readonly headers?: Record<string, string>; readonly body?: Buffer | string };

async function bodyOf(b: unknown): Promise<Buffer> {
    if (b === undefined || b === null) return Buffer.alloc(0);
    if (typeof b === "string") return Buffer.from(b);
    // The SDK's JSON bodies are Uint8Array subclasses whose valueOf() is their text: copy the bytes.
    if (b instanceof Uint8Array) return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    const chunks: Buffer[] = [];
    for await (const c of b as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(c));
    return Buffer.concat(chunks);
}

/** An SDK v3 request handler answering from `serve`. */
function handler(serve: (req: StubRequest, body: Buffer) => StubResponse) {
    return {
        handle: async (request: StubRequest) => {
            const r = serve(request, await bodyOf(request.body));
            const headers = { ...(r.headers ?? {}) };
            return { response: { statusCode: r.status ?? 200, headers, body: Readable.from([Buffer.from(r.body ?? "")]) } };
        },
        updateHttpClientConfig: () => undefined,
        httpHandlerConfigs: () => ({}),
    };
}

const json = (v: unknown, status = 200): StubResponse => ({ status, headers: { "content-type": "application/x-amz-json-1.0" }, body: JSON.stringify(v) });

/** S3: objects in memory; PUT, HEAD, GET and ListObjectsV2 on one bucket (virtual-hosted: the path is the key). */
function s3Stub(objects: Map<string, Buffer>) {
    return handler((req, body): StubResponse => {
        const key = decodeURIComponent(req.path.replace(/^\//, ""));
        if (req.method === "PUT") {
            objects.set(key, body);
            return { headers: { etag: '"0"' } };
        }
        if (req.method === "HEAD") return objects.has(key) ? { headers: { "content-length": String(objects.get(key)?.length ?? 0) } } : { status: 404 };
        if (req.method === "GET" && key !== "") {
            const o = objects.get(key);
            return o === undefined ? { status: 404, body: "<Error><Code>NoSuchKey</Code></Error>" } : { headers: { "content-length": String(o.length) }, body: o };
        }
        const q = req.query ?? {};
        const prefix = String(q["prefix"] ?? "");
        const after = String(q["start-after"] ?? "");
        const keys = [...objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
        const contents = keys.map((k) => `<Contents><Key>${k}</Key><Size>${objects.get(k)?.length ?? 0}</Size></Contents>`).join("");
        return { headers: { "content-type": "application/xml" }, body: `<ListBucketResult><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>` };
    });
}

/** KMS: one data key; GenerateDataKey returns it with a blob, Decrypt returns it for that blob. */
function kmsStub(keyArn: string, dataKey: Buffer, blob: Buffer) {
    return handler((req) => {
        const action = req.headers["x-amz-target"]?.split(".")[1];
        if (action === "GenerateDataKey") return json({ KeyId: keyArn, Plaintext: dataKey.toString("base64"), CiphertextBlob: blob.toString("base64") });
        return json({ KeyId: keyArn, Plaintext: dataKey.toString("base64"), EncryptionAlgorithm: "SYMMETRIC_DEFAULT" });
    });
}

/** DynamoDB: items by key; `attribute_not_exists` conditions hold only for new keys, other conditions always. */
function dynamodbStub(items: Map<string, Record<string, unknown>>) {
    return handler((req, body) => {
        const action = req.headers["x-amz-target"]?.split(".")[1];
        const input = JSON.parse(body.toString() || "{}") as { Key?: Record<string, { S: string }>; Item?: Record<string, { S: string }>; ConditionExpression?: string };
        const key = JSON.stringify(input.Key ?? { recordId: input.Item?.["recordId"] });
        if (action === "PutItem") {
            if (input.ConditionExpression === "attribute_not_exists(#k)" && items.has(key)) {
                return json({ __type: "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", message: "The conditional request failed", Item: items.get(key) }, 400);
            }
            items.set(key, input.Item ?? {});
            return json({});
        }
        if (action === "GetItem") return json(items.has(key) ? { Item: items.get(key) } : {});
        if (action === "DeleteItem") {
            items.delete(key);
            return json({});
        }
        return json({});
    });
}

/** Kinesis: one shard; PutRecords appends (optionally refusing), the shard iterator reads from a sequence number. */
function kinesisStub(records: { seq: string; data: string; pk: string; at: number }[], refuse: { next: boolean }) {
    return handler((req, body) => {
        const action = req.headers["x-amz-target"]?.split(".")[1];
        const input = JSON.parse(body.toString() || "{}") as { Records?: { Data: string; PartitionKey: string }[]; StartingSequenceNumber?: string; ShardIteratorType?: string; ShardIterator?: string };
        if (action === "PutRecords") {
            if (refuse.next) {
                refuse.next = false;
                return json({ FailedRecordCount: 1, Records: (input.Records ?? []).map(() => ({ ErrorCode: "ProvisionedThroughputExceededException", ErrorMessage: "Rate exceeded" })) });
            }
            const out = (input.Records ?? []).map((r) => {
                const s = `4965${String(records.length + 1).padStart(52, "0")}`;
                records.push({ seq: s, data: r.Data, pk: r.PartitionKey, at: Date.now() / 1000 });
                return { SequenceNumber: s, ShardId: "shardId-000000000000" };
            });
            return json({ FailedRecordCount: 0, Records: out });
        }
        if (action === "ListShards") return json({ Shards: [{ ShardId: "shardId-000000000000", HashKeyRange: { StartingHashKey: "0", EndingHashKey: "1" }, SequenceNumberRange: { StartingSequenceNumber: "0" } }] });
        if (action === "GetShardIterator") {
            const start = input.StartingSequenceNumber ?? "0";
            const from = records.findIndex((r) => (input.ShardIteratorType === "AFTER_SEQUENCE_NUMBER" ? r.seq > start : r.seq >= start));
            return json({ ShardIterator: `it-${from === -1 ? records.length : from}` });
        }
        if (action === "GetRecords") {
            const from = Number((input.ShardIterator ?? "it-0").slice(3));
            const page = records.slice(from);
            return json({
                Records: page.map((r) => ({ SequenceNumber: r.seq, Data: r.data, PartitionKey: r.pk, ApproximateArrivalTimestamp: r.at })),
                NextShardIterator: `it-${records.length}`,
                MillisBehindLatest: 0,
            });
        }
        return json({});
    });
}

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Log;

/**
 * Runs the pipeline once through its handlers on `names`: a producer encrypts records of two tenants, ingest accepts
 * them (once with the stream refusing, so the claim is released), process stores them, a replay re-reads the range
 * (its records are duplicates: claims held, objects found), the recipient serves a partition. Returns the log.
 */
export async function pipelineRequests(names: ProgramNames): Promise<RecordedRequest[]> {
    const { region, account, dataBucket } = names;
    const streamName = names.streamArn.split("/").pop() as string;
    const table = names.dedupTableArn.split("/").pop() as string;
    const log = new RequestLog({ region, accountId: account, bucketKeys: { [dataBucket]: names.keys.storage } });
    const credentials = { accessKeyId: "AKIAEXAMPLEACCESS", secretAccessKey: "example" };
    const objects = new Map<string, Buffer>();
    const items = new Map<string, Record<string, unknown>>();
    const stream: { seq: string; data: string; pk: string; at: number }[] = [];
    const refuse = { next: false };
    const dataKey = crypto.randomBytes(32);
    const blob = crypto.randomBytes(96);
    const track = <C>(client: C, caller: string, service: "s3" | "kms" | "dynamodb" | "kinesis"): C => {
        log.attach(client as never, caller, service);
        return client;
    };
    const s3 = (caller: string) => track(new S3Client({ region, credentials, requestHandler: s3Stub(objects) as never }), caller, "s3");
    const kms = (caller: string) => track(new KMSClient({ region, credentials, requestHandler: kmsStub(names.keys.records, dataKey, blob) as never }), caller, "kms");
    const ddb = (caller: string) => track(new DynamoDBClient({ region, credentials, requestHandler: dynamodbStub(items) as never }), caller, "dynamodb");
    const kinesis = (caller: string) => track(new KinesisClient({ region, credentials, requestHandler: kinesisStub(stream, refuse) as never }), caller, "kinesis");
    const store = (caller: string) => new S3ObjectStore(dataBucket, s3(caller), { sseKmsKeyId: names.keys.storage });

    // The producer: data keys under the records key, with the envelope's encryption context.
    const encryptor = new EnvelopeEncryptor(new KmsKeyProvider(names.keys.records, kms("producer")));
    const time = new Date(Date.now() - 3600_000).toISOString();
    const envelopes: Buffer[] = [];
    for (const [i, tenant] of ["acme", "globex", "acme"].entries()) {
        const recordId = `access-test-record-${String(i).padStart(4, "0")}`;
        envelopes.push(await encryptor.encrypt({ tenant, schema: "orders.v1", classification: "confidential", recordId, producer: "access-test", time }, Buffer.from(`record ${i}`)));
    }

    // ingest: Powertools idempotency on the dedup table, then the stream; once the stream refuses (the claim is released).
    const ingest = createIngestHandler({ idempotency: dedupPersistence(table, ddb("ingest")), stream: new KinesisStreamSink(streamName, kinesis("ingest")), maxEnvelopeBytes: 262144, logger: quiet, metrics: () => undefined });
    const submit = (e: Buffer) => ingest(restApiEvent({ path: "/records", body: e.toString("base64"), isBase64Encoded: true }), lambdaContext("ingest", 10_000));
    refuse.next = true;
    const refused = await submit(envelopes[0]);
    if (refused.statusCode !== 503) throw new Error(`ingest answered ${refused.statusCode} to a refused put`);
    for (const e of envelopes) {
        const r = await submit(e);
        if (r.statusCode !== 202) throw new Error(`ingest answered ${r.statusCode}: ${r.body}`);
    }

    // process: the stream's records, stored once.
    const shardRecords = stream.map((r) => ({ sequenceNumber: r.seq, partitionKey: r.pk, data: Buffer.from(r.data, "base64"), arrivalMs: r.at * 1000 }));
    const processHandler = createProcessHandler({ store: store("process"), ledger: new DynamoDbStoreLedger(table, ddb("process")), prefix: names.dataPrefix, logger: quiet, metrics: () => undefined });
    const processed = await processHandler(kinesisEvent("shardId-000000000000", shardRecords, names.streamArn, region), lambdaContext("process", 60_000));
    if (processed.batchItemFailures.length > 0) throw new Error("process failed records");

    // replay: the same range again, through the store (every record is a duplicate: claims held, objects found).
    const replay = createReplayHandler({
        store: store("replay"),
        ledger: new DynamoDbStoreLedger(table, ddb("replay")),
        prefix: names.dataPrefix,
        source: new KinesisStreamSource(streamName, kinesis("replay")),
        streamName,
        logger: quiet,
    });
    await replay({ task: "plan", request: { mode: "range", from: new Date(Date.now() - 7200_000).toISOString(), to: new Date(Date.now() - 1).toISOString() } }, lambdaContext("replay", 900_000));
    const first = shardRecords[0].sequenceNumber;
    const last = shardRecords[shardRecords.length - 1].sequenceNumber;
    await replay(
        { task: "segment", segment: { shardId: "shardId-000000000000", position: { type: "AT_SEQUENCE_NUMBER", sequenceNumber: first }, until: { sequenceNumber: last } } },
        lambdaContext("replay", 900_000),
    );

    // recipient: one partition, with a Cognito ID token it verifies itself.
    const users = new LocalUserPool(region);
    const recipient = createRecipientHandler({
        store: store("recipient"),
        decryptor: new EnvelopeDecryptor(new KmsKeyProvider(names.keys.records, kms("recipient"))),
        prefix: names.dataPrefix,
        authenticate: cognitoAuthenticator({ userPoolId: users.userPoolId, clientId: users.clientId, jwks: users.jwks }),
        logger: quiet,
        metrics: () => undefined,
    });
    const date = time.slice(0, 10);
    const res = await recipient(
        restApiEvent({ method: "GET", path: "/records", query: { tenant: "acme", schema: "orders.v1", date }, headers: { Authorization: users.idToken({ tenants: "acme" }) } }),
        lambdaContext("recipient", 10_000),
    );
    const served = JSON.parse(res.body) as { records?: unknown[] };
    if (res.statusCode !== 200 || served.records?.length !== 2) throw new Error(`the recipient answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
    return log.entries();
}
