import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FileStreamSink, FileStreamSource, FsObjectStore, MemoryPersistenceLayer, MemoryStoreLedger, shardFor } from "../../functions/src/adapters/local";
import { decodeBatch, encodeBatch } from "../../functions/src/batch";
import { ObjectNotFoundError, isTransient } from "../../functions/src/errors";
import { publishMetrics } from "../../functions/src/telemetry";
import { context, sleep } from "./helpers";

describe("functions batch format, local adapters, telemetry, error classes", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2ee-fn-"));
    });
    afterEach(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("batch objects round-trip and refuse corruption with a precise reason", () => {
        const items = [Buffer.from("a"), Buffer.alloc(0), Buffer.from("ccc")];
        const b = encodeBatch(items);
        assert.deepEqual(decodeBatch(b), items);
        assert.throws(() => decodeBatch(Buffer.from("XXXX\x01\x00\x00\x00\x00")), { message: "not a batch object (magic E2EB missing)" });
        const v2 = Buffer.from(b);
        v2[4] = 2;
        assert.throws(() => decodeBatch(v2), { message: "unsupported batch version 2; this reader supports 1" });
        assert.throws(() => decodeBatch(b.subarray(0, b.length - 1)), { message: "batch truncated in envelope 2 of 3" });
        assert.throws(() => decodeBatch(b.subarray(0, 9 + 5)), { message: "batch truncated at envelope 1 of 3" });
        assert.throws(() => decodeBatch(Buffer.concat([b, Buffer.from([1])])), { message: "batch has 1 trailing bytes" });
    });

    it("FsObjectStore: put/get/exists, S3-like listing with prefix, startAfter and maxKeys; refuses unsafe keys; a missing object is ObjectNotFoundError", async () => {
        const s = new FsObjectStore(dir);
        for (const k of ["p/b/2", "p/a/1", "p/a/2", "q/x", "p/ab"]) {
            await s.put(k, Buffer.from(k));
        }
        assert.deepEqual((await s.get("p/a/2")).toString(), "p/a/2");
        assert.equal(await s.exists("p/a/2"), true);
        assert.equal(await s.exists("p/a/3"), false);
        await assert.rejects(s.get("p/a/3"), (e: unknown) => e instanceof ObjectNotFoundError && e.key === "p/a/3");
        assert.deepEqual(await s.list("p/a"), { keys: ["p/a/1", "p/a/2", "p/ab"], truncated: false });
        assert.deepEqual(await s.list("p/", "p/a/1", 2), { keys: ["p/a/2", "p/ab"], truncated: true });
        assert.deepEqual(await s.list("nothing/"), { keys: [], truncated: false });
        for (const bad of ["../x", "/abs", "a//b", "a/./b", ""]) {
            await assert.rejects(s.put(bad, Buffer.from("x")), { message: `FsObjectStore: unsafe object key ${JSON.stringify(bad)}` });
        }
    });

    it("FileStreamSink + FileStreamSource: every record back once, per shard, in order, with Kinesis's iterator positions", async () => {
        let now = 1_000;
        const sink = new FileStreamSink(path.join(dir, "stream"), 3, () => now++);
        const sent = Array.from({ length: 50 }, (_, i) => ({ data: Buffer.from(`data-${i}`), partitionKey: `key-${i}` }));
        await sink.put(sent);
        sink.close();
        const source = new FileStreamSource(path.join(dir, "stream"));
        const shards = await source.listShards();
        assert.deepEqual(shards, ["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"]);
        const got: string[] = [];
        for (const [i, shard] of shards.entries()) {
            const all = await source.read(shard, { type: "TRIM_HORIZON" }, 1000);
            assert.equal(all.caughtUp, true);
            assert.ok(all.records.every((r) => shardFor(r.partitionKey, 3) === i));
            assert.deepEqual(all.records.map((r) => r.sequenceNumber), all.records.map((_, k) => String(k + 1).padStart(20, "0")));
            got.push(...all.records.map((r) => r.data.toString()));
            const page = await source.read(shard, { type: "TRIM_HORIZON" }, 2);
            assert.equal(page.caughtUp, false);
            assert.deepEqual((await source.read(shard, { type: "AFTER_SEQUENCE_NUMBER", sequenceNumber: page.records[1].sequenceNumber }, 1)).records[0], all.records[2]);
            assert.deepEqual((await source.read(shard, { type: "AT_SEQUENCE_NUMBER", sequenceNumber: page.records[1].sequenceNumber }, 1)).records[0], all.records[1]);
            assert.deepEqual((await source.read(shard, { type: "AT_TIMESTAMP", timestampMs: all.records[3].arrivalMs }, 1)).records[0], all.records[3]);
        }
        assert.deepEqual(got.sort(), sent.map((s) => s.data.toString()).sort());
    });

    it("shardFor spreads keys over all shards and is stable", () => {
        const counts = [0, 0, 0, 0];
        for (let i = 0; i < 4000; i++) {
            counts[shardFor(`record-${i}`, 4)]++;
        }
        assert.ok(counts.every((c) => c > 800 && c < 1200), counts.join(","));
        assert.equal(shardFor("same", 4), shardFor("same", 4));
    });

    it("MemoryPersistenceLayer has Powertools' DynamoDB semantics: completed records are returned, in-progress ones block until they expire", async () => {
        const store = new MemoryPersistenceLayer();
        let calls = 0;
        const fn = (timeoutMs: number) =>
            makeIdempotent(async (req: { id: string }) => ({ n: ++calls, id: req.id }), {
                persistenceStore: store,
                config: new IdempotencyConfig({ eventKeyJmesPath: "id", lambdaContext: context("t", timeoutMs) }),
            });
        assert.deepEqual(await fn(1000)({ id: "a" }), { n: 1, id: "a" });
        assert.deepEqual(await fn(1000)({ id: "a" }), { n: 1, id: "a" }, "a replay gets the stored result");
        store.failNext.delete = 1;
        const failing = makeIdempotent(
            async (_req: { id: string }): Promise<never> => {
                throw new Error("boom");
            },
            { persistenceStore: store, config: new IdempotencyConfig({ eventKeyJmesPath: "id", lambdaContext: context("t", 50) }) },
        );
        await assert.rejects(failing({ id: "b" }), { name: "IdempotencyPersistenceLayerError" });
        await assert.rejects(fn(1000)({ id: "b" }), { name: "IdempotencyAlreadyInProgressError" });
        await sleep(60);
        assert.deepEqual(await fn(1000)({ id: "b" }), { n: 2, id: "b" });
    });

    it("MemoryStoreLedger: claim, held, take-over only from the expected object, release only of the expected object", async () => {
        const l = new MemoryStoreLedger();
        assert.deepEqual(await l.claim("r", "o1", 10), { kind: "claimed" });
        assert.deepEqual(await l.claim("r", "o2", 20), { kind: "held", object: "o1", lockedUntilMs: 10 });
        assert.equal(await l.takeOver("r", "o9", "o2", 20), false);
        assert.equal(await l.takeOver("r", "o1", "o2", 20), true);
        await l.release("r", "o1");
        assert.equal(l.entries.get("r")?.object, "o2");
        await l.release("r", "o2");
        assert.equal(l.entries.size, 0);
    });

    it("publishMetrics writes one Powertools EMF line with the service dimension", () => {
        const lines: string[] = [];
        publishMetrics((l) => lines.push(l), "process", { Outcome: "ok" }, { RecordsIn: { value: 3, unit: "Count" }, BytesWritten: { value: 10, unit: "Bytes" } });
        const doc = JSON.parse(lines[0]) as { _aws: { CloudWatchMetrics: unknown[]; Timestamp: number }; [k: string]: unknown };
        assert.deepEqual(doc._aws.CloudWatchMetrics, [
            { Namespace: "E2eePipeline", Dimensions: [["service", "Outcome"]], Metrics: [{ Name: "RecordsIn", Unit: "Count" }, { Name: "BytesWritten", Unit: "Bytes" }] },
        ]);
        assert.deepEqual([doc["service"], doc["Outcome"], doc["RecordsIn"], doc["BytesWritten"]], ["process", "ok", 3, 10]);
    });

    const transient: [string, unknown, boolean][] = [
        ["S3 SlowDown", { name: "SlowDown", $metadata: { httpStatusCode: 503 } }, true],
        ["a 500 without a name", { name: "Unknown", $metadata: { httpStatusCode: 500 } }, true],
        ["KMS throttling", { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } }, true],
        ["a dropped connection", Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), true],
        ["a wrapped transient cause", Object.assign(new Error("Failed to save"), { cause: { name: "ProvisionedThroughputExceededException" } }), true],
        ["S3 access denied", { name: "AccessDenied", $fault: "client", $metadata: { httpStatusCode: 403 } }, false],
        ["KMS invalid ciphertext", { name: "InvalidCiphertextException", $fault: "client", $metadata: { httpStatusCode: 400 } }, false],
        ["a 501", { name: "NotImplemented", $metadata: { httpStatusCode: 501 } }, false],
        ["a programming error", new TypeError("x is undefined"), false],
    ];
    for (const [name, err, expected] of transient) {
        it(`isTransient: ${name} -> ${expected}`, () => {
            assert.equal(isTransient(err), expected);
        });
    }
});
