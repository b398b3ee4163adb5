import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FileDedupStore, FileStreamSink, FsObjectStore, readStreamEvents, shardFor } from "../../functions/src/adapters/local";
import { decodeBatch, encodeBatch } from "../../functions/src/batch";
import { emfLine } from "../../functions/src/metrics";

describe("functions batch format, local adapters, metrics", () => {
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

    it("FsObjectStore: put/get, S3-like listing with prefix, startAfter and maxKeys; refuses unsafe keys", async () => {
        const s = new FsObjectStore(dir);
        for (const k of ["p/b/2", "p/a/1", "p/a/2", "q/x", "p/ab"]) {
            await s.put(k, Buffer.from(k));
        }
        assert.deepEqual((await s.get("p/a/2")).toString(), "p/a/2");
        assert.deepEqual(await s.list("p/a"), { keys: ["p/a/1", "p/a/2", "p/ab"], truncated: false });
        assert.deepEqual(await s.list("p/", "p/a/1", 2), { keys: ["p/a/2", "p/ab"], truncated: true });
        assert.deepEqual(await s.list("nothing/"), { keys: [], truncated: false });
        for (const bad of ["../x", "/abs", "a//b", "a/./b", ""]) {
            await assert.rejects(s.put(bad, Buffer.from("x")), { message: `FsObjectStore: unsafe object key ${JSON.stringify(bad)}` });
        }
    });

    it("FileDedupStore persists claims and releases across instances", async () => {
        const f = path.join(dir, "dedup.log");
        const a = new FileDedupStore(f);
        assert.equal(await a.claim("id-1"), true);
        assert.equal(await a.claim("id-2"), true);
        assert.equal(await a.claim("id-1"), false);
        await a.release("id-2");
        a.close();
        const b = new FileDedupStore(f);
        assert.equal(b.size, 1);
        assert.equal(await b.claim("id-1"), false);
        assert.equal(await b.claim("id-2"), true);
        b.close();
    });

    it("FileStreamSink + readStreamEvents: every record comes back once, per shard, in order, in batches", async () => {
        const sink = new FileStreamSink(path.join(dir, "stream"), 3);
        const sent = Array.from({ length: 50 }, (_, i) => ({ data: Buffer.from(`data-${i}`), partitionKey: `key-${i}` }));
        await sink.put(sent);
        sink.close();
        const events = [...readStreamEvents(path.join(dir, "stream"), 7)];
        assert.ok(events.every((e) => e.Records.length <= 7));
        const got = events.flatMap((e) => e.Records);
        assert.equal(got.length, 50);
        assert.deepEqual(got.map((r) => Buffer.from(r.kinesis.data, "base64").toString()).sort(), sent.map((s) => s.data.toString()).sort());
        for (const r of got) {
            assert.equal(r.eventID, `shardId-${String(shardFor(r.kinesis.partitionKey, 3)).padStart(12, "0")}:${r.kinesis.sequenceNumber}`);
        }
        const shards = new Set(got.map((r) => r.eventID.split(":")[0]));
        assert.equal(shards.size, 3);
    });

    it("shardFor spreads keys over all shards and is stable", () => {
        const counts = [0, 0, 0, 0];
        for (let i = 0; i < 4000; i++) {
            counts[shardFor(`record-${i}`, 4)]++;
        }
        assert.ok(counts.every((c) => c > 800 && c < 1200), counts.join(","));
        assert.equal(shardFor("same", 4), shardFor("same", 4));
    });

    it("emfLine writes CloudWatch embedded metric format", () => {
        assert.deepEqual(JSON.parse(emfLine({ Function: "process" }, { RecordsIn: { value: 3, unit: "Count" } }, 1700000000000)), {
            _aws: { Timestamp: 1700000000000, CloudWatchMetrics: [{ Namespace: "E2eePipeline", Dimensions: [["Function"]], Metrics: [{ Name: "RecordsIn", Unit: "Count" }] }] },
            Function: "process",
            RecordsIn: 3,
        });
    });
});
