/**
 * Where `pipeline:local` runs the handlers: the same handler code over one of two sets of adapters.
 *
 * - `in-process` (default): files stand in for Kinesis and S3, memory for DynamoDB (through a Powertools
 *   persistence layer), a local key-wrapping provider for KMS. Fast; no network.
 * - `emulators`: the AWS adapters, through the real SDK v3 clients, against s3rver, kinesalite, dynalite and the
 *   local KMS endpoint on 127.0.0.1 (emulators.ts), each caller with its own clients, every request recorded in a
 *   RequestLog.
 *
 * Both give the pipeline the same hooks for injecting the faults it recovers from: failing uploads of chosen keys,
 * KMS throttling at the recipient, and a stream that refuses every k-th put.
 */
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import type { BasePersistenceLayer } from "@aws-lambda-powertools/idempotency/persistence";
import * as fs from "node:fs";
import * as path from "node:path";
import { DynamoDbStoreLedger } from "../adapters/aws-dynamodb";
import { KinesisStreamSink, KinesisStreamSource } from "../adapters/aws-kinesis";
import { S3ObjectStore } from "../adapters/aws-s3";
import { FileStreamSink, FileStreamSource, FsObjectStore, MemoryPersistenceLayer, MemoryStoreLedger } from "../adapters/local";
import { ListResult, ObjectStore, StoreLedger, StreamRecordInput, StreamSink, StreamSource } from "../adapters/ports";
import { EncryptionContext } from "../envelope/header";
import { DataKeyMaterial, KeyProvider, KmsKeyProvider, LocalKeyProvider } from "../envelope/keys";
import { dedupPersistence } from "../handlers/ingest";
import { Emulators, Endpoints, LOCAL_ACCOUNT_ID, LOCAL_REGION } from "./emulators";
import { S3_SLOW_DOWN } from "./fault-proxy";
import { RequestLog } from "./request-log";

export const BACKENDS = ["in-process", "emulators"] as const;
export type Backend = (typeof BACKENDS)[number];

/** The names of the emulated resources the requests address (emulators only). */
export interface LocalResources {
    readonly region: string;
    readonly accountId: string;
    readonly bucket: string;
    readonly recordsKeyArn: string;
    readonly storageKeyArn: string;
    readonly tableArn: string;
    readonly streamArn: string;
}

export interface PipelineBackend {
    readonly name: Backend;
    /** The protocol servers' endpoints (emulators only). */
    readonly endpoints?: Endpoints;
    /** The emulated resources' names (emulators only). */
    readonly resources?: LocalResources;
    readonly region: string;
    readonly streamArn: string;
    readonly requestLog?: RequestLog;
    readonly ingestIdempotency: BasePersistenceLayer;
    readonly streamSink: StreamSink;
    streamSource(caller: string): StreamSource;
    store(caller: string): ObjectStore;
    ledger(caller: string): StoreLedger;
    readonly producerKeys: KeyProvider;
    readonly recipientKeys: KeyProvider;
    /** Uploads of keys matching `match` fail (S3 SlowDown) until cleared. */
    failUploads(match: (key: string) => boolean): void;
    clearUploadFaults(): void;
    /** After `skip` more Decrypt calls, the next `n` are throttled (beyond the SDK's retries). */
    throttleDecrypt(n: number, skip: number): void;
    /** The ingest stream refuses every `k`-th put (0: never). */
    refuseEveryNthPut(k: number): void;
    /** Everything the pipeline stored at rest outside keys/: for the plaintext scan. */
    atRest(): AsyncGenerator<{ readonly where: string; readonly bytes: Buffer }>;
    close(): Promise<void>;
}

/** A stream sink that refuses every k-th put with a throughput error (what ingest answers 503 to). */
class FlakySink implements StreamSink {
    every = 0;
    private puts = 0;
    constructor(private readonly inner: StreamSink) {}
    async put(records: readonly StreamRecordInput[]): Promise<void> {
        if (this.every > 0 && ++this.puts % this.every === 0) {
            throw Object.assign(new Error("Rate exceeded for shard"), { name: "ProvisionedThroughputExceededException" });
        }
        return this.inner.put(records);
    }
}

/** An object store whose uploads of chosen keys fail (in-process stand-in for S3 SlowDown). */
class FaultyStore implements ObjectStore {
    constructor(
        private readonly inner: ObjectStore,
        private readonly faults: { match?: (key: string) => boolean },
    ) {}
    async put(key: string, body: Buffer, metadata?: Readonly<Record<string, string>>): Promise<void> {
        if (this.faults.match?.(key)) {
            throw Object.assign(new Error("Please reduce your request rate."), { name: "SlowDown", $metadata: { httpStatusCode: 503 } });
        }
        return this.inner.put(key, body, metadata);
    }
    get(key: string): Promise<Buffer> {
        return this.inner.get(key);
    }
    exists(key: string): Promise<boolean> {
        return this.inner.exists(key);
    }
    list(prefix: string, startAfter?: string, maxKeys?: number): Promise<ListResult> {
        return this.inner.list(prefix, startAfter, maxKeys);
    }
}

/** A key provider whose unwraps can be throttled (in-process stand-in for KMS ThrottlingException). */
class ThrottledKeys implements KeyProvider {
    readonly name: string;
    throttle = { n: 0, skip: 0 };
    constructor(private readonly inner: KeyProvider) {
        this.name = `throttled(${inner.name})`;
    }
    generateDataKey(context: EncryptionContext): Promise<DataKeyMaterial> {
        return this.inner.generateDataKey(context);
    }
    unwrapDataKey(wrapped: Uint8Array, context: EncryptionContext): Promise<Buffer> {
        if (this.throttle.n > 0) {
            if (this.throttle.skip > 0) {
                this.throttle.skip--;
            } else {
                this.throttle.n--;
                return Promise.reject(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } }));
            }
        }
        return this.inner.unwrapDataKey(wrapped, context);
    }
}

function* filesUnder(dir: string): Generator<string> {
    if (!fs.existsSync(dir)) {
        return;
    }
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
            yield* filesUnder(p);
        } else {
            yield p;
        }
    }
}

export interface BackendDirs {
    /** Root of the run; keys/ holds the local wrapping key, which neither ingest nor process can see. */
    readonly root: string;
    /** Metric and log files (scanned too). */
    readonly logs: string;
}

export async function startBackend(name: Backend, dirs: BackendDirs, shards = 4): Promise<PipelineBackend> {
    if (!(BACKENDS as readonly string[]).includes(name)) {
        throw new Error(`backend must be one of ${BACKENDS.join(", ")}; got ${JSON.stringify(name)}`);
    }
    const keysDir = path.join(dirs.root, "keys");
    fs.mkdirSync(keysDir, { recursive: true });
    return name === "in-process" ? inProcessBackend(dirs, keysDir, shards) : await emulatorsBackend(dirs, shards);
}

/** Files for Kinesis and S3, memory for DynamoDB, a local wrapping key (under keys/) for KMS. */
function inProcessBackend(dirs: BackendDirs, keysDir: string, shards: number): PipelineBackend {
    const uploadFaults: { match?: (key: string) => boolean } = {};
    const streamDir = path.join(dirs.root, "stream");
    const bucketDir = path.join(dirs.root, "s3", "data-bucket");
    const tableDir = path.join(dirs.root, "dynamodb");
    fs.mkdirSync(tableDir, { recursive: true });
    const sink = new FileStreamSink(streamDir, shards);
    const flaky = new FlakySink(sink);
    const store = new FaultyStore(new FsObjectStore(bucketDir), uploadFaults);
    const ledger = new MemoryStoreLedger();
    const idempotency = new MemoryPersistenceLayer();
    const wrapping = LocalKeyProvider.fromFile(path.join(keysDir, "records-wrapping.key"), { create: true });
    const recipientKeys = new ThrottledKeys(wrapping);
    return {
        name: "in-process",
        region: LOCAL_REGION,
        streamArn: `arn:aws:kinesis:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stream/local`,
        ingestIdempotency: idempotency,
        streamSink: flaky,
        streamSource: () => new FileStreamSource(streamDir),
        store: () => store,
        ledger: () => ledger,
        producerKeys: wrapping,
        recipientKeys,
        failUploads: (match) => (uploadFaults.match = match),
        clearUploadFaults: () => delete uploadFaults.match,
        throttleDecrypt: (n, skip) => (recipientKeys.throttle = { n, skip }),
        refuseEveryNthPut: (k) => (flaky.every = k),
        async *atRest() {
            // The in-memory table, as DynamoDB would hold it.
            const table = path.join(tableDir, "dedup-table.json");
            fs.writeFileSync(table, JSON.stringify({ idempotency: [...idempotency.records.values()], ledger: [...ledger.entries.entries()] }));
            for (const dir of [streamDir, bucketDir, tableDir, dirs.logs]) {
                for (const f of filesUnder(dir)) {
                    yield { where: path.relative(dirs.root, f), bytes: fs.readFileSync(f) };
                }
            }
        },
        async close() {
            sink.close();
        },
    };
}

/** The AWS adapters against the protocol servers (emulators.ts), each caller with its own clients, every request logged. */
async function emulatorsBackend(dirs: BackendDirs, shards: number): Promise<PipelineBackend> {
    const requestLog = new RequestLog({ region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID });
    const s3Directory = path.join(dirs.root, "s3rver");
    fs.mkdirSync(s3Directory, { recursive: true });
    const emu = await Emulators.start({ log: requestLog, s3Directory, shards });
    requestLog.setBucketKey(emu.bucket, emu.storageKeyArn);
    const sink = new FlakySink(new KinesisStreamSink(emu.stream, emu.kinesis("ingest")));
    const stores = new Map<string, ObjectStore>();
    const ledgers = new Map<string, StoreLedger>();
    const sources = new Map<string, StreamSource>();
    const memo = <T>(m: Map<string, T>, caller: string, make: () => T): T => {
        let v = m.get(caller);
        if (!v) {
            v = make();
            m.set(caller, v);
        }
        return v;
    };
    return {
        name: "emulators",
        endpoints: emu.endpoints,
        resources: {
            region: emu.region,
            accountId: emu.accountId,
            bucket: emu.bucket,
            recordsKeyArn: emu.recordsKeyArn,
            storageKeyArn: emu.storageKeyArn,
            tableArn: `arn:aws:dynamodb:${emu.region}:${emu.accountId}:table/${emu.table}`,
            streamArn: `arn:aws:kinesis:${emu.region}:${emu.accountId}:stream/${emu.stream}`,
        },
        region: emu.region,
        streamArn: `arn:aws:kinesis:${emu.region}:${emu.accountId}:stream/${emu.stream}`,
        requestLog,
        ingestIdempotency: dedupPersistence(emu.table, emu.dynamodb("ingest")),
        streamSink: sink,
        streamSource: (caller) => memo(sources, caller, () => new KinesisStreamSource(emu.stream, emu.kinesis(caller))),
        store: (caller) => memo(stores, caller, () => new S3ObjectStore(emu.bucket, emu.s3(caller), { sseKmsKeyId: emu.storageKeyArn })),
        ledger: (caller) => memo(ledgers, caller, () => new DynamoDbStoreLedger(emu.table, emu.dynamodb(caller))),
        producerKeys: new KmsKeyProvider(emu.recordsKeyArn, emu.kmsClient("producer")),
        recipientKeys: new KmsKeyProvider(emu.recordsKeyArn, emu.kmsClient("recipient")),
        failUploads: (match) => {
            emu.proxies.s3.clearFaults();
            emu.proxies.s3.inject({
                match: (r) => r.method === "PUT" && match(decodeURIComponent(r.url.split("?")[0]).replace(`/${emu.bucket}/`, "")),
                times: Number.MAX_SAFE_INTEGER,
                response: S3_SLOW_DOWN,
            });
        },
        clearUploadFaults: () => emu.proxies.s3.clearFaults(),
        throttleDecrypt: (n, skip) => emu.kms.throttle(n, "Decrypt", skip),
        refuseEveryNthPut: (k) => (sink.every = k),
        atRest: () => emulatorsAtRest(emu, s3Directory, dirs),
        close: () => emu.stop(),
    };
}

/** What the emulators hold at rest: s3rver's files, the stream and the table read back through the API, the log files. */
async function* emulatorsAtRest(emu: Emulators, s3Directory: string, dirs: BackendDirs): AsyncGenerator<{ readonly where: string; readonly bytes: Buffer }> {
    for (const f of filesUnder(s3Directory)) {
        yield { where: path.relative(dirs.root, f), bytes: fs.readFileSync(f) };
    }
    // Kinesis and DynamoDB hold their data in the emulators' memory: read it back through the API.
    const source = new KinesisStreamSource(emu.stream, emu.kinesis("setup"));
    for (const shard of await source.listShards()) {
        let position: Parameters<StreamSource["read"]>[1] = { type: "TRIM_HORIZON" };
        for (;;) {
            const r = await source.read(shard, position, 10000);
            if (r.records.length === 0) {
                break;
            }
            yield { where: `kinesis:${emu.stream}/${shard}`, bytes: Buffer.concat(r.records.map((x) => x.data)) };
            position = { type: "AFTER_SEQUENCE_NUMBER", sequenceNumber: r.records[r.records.length - 1].sequenceNumber };
        }
    }
    const ddb = emu.dynamodb("setup");
    let start: Record<string, never> | undefined;
    do {
        const page = await ddb.send(new ScanCommand({ TableName: emu.table, ...(start ? { ExclusiveStartKey: start } : {}) }));
        yield { where: `dynamodb:${emu.table}`, bytes: Buffer.from(JSON.stringify(page.Items ?? [])) };
        start = page.LastEvaluatedKey as Record<string, never> | undefined;
    } while (start);
    for (const f of filesUnder(dirs.logs)) {
        yield { where: path.relative(dirs.root, f), bytes: fs.readFileSync(f) };
    }
}
