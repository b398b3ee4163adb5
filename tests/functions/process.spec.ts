import type { KinesisStreamEvent } from "aws-lambda";
import { strict as assert } from "node:assert";
import { DynamoDbStoreLedger } from "../../functions/src/adapters/aws-dynamodb";
import { S3ObjectStore } from "../../functions/src/adapters/aws-s3";
import { MemoryStoreLedger } from "../../functions/src/adapters/local";
import { ObjectStore } from "../../functions/src/adapters/ports";
import { decodeBatch } from "../../functions/src/batch";
import { parseEnvelope } from "../../functions/src/envelope";
import { createProcessHandler, normalisePrefix, partitionOf, ProcessDeps } from "../../functions/src/handlers/process";
import { S3_SLOW_DOWN } from "../../functions/src/local/fault-proxy";
import { StoreResult, storeEnvelopes } from "../../functions/src/store";
import { context, envelopeOf, HEADER, kinesisEvent, LogRecorder, MemoryStore, useEmulators } from "./helpers";

const id = (i: number): string => `record-${String(i).padStart(10, "0")}`;

/** Every envelope stored under `prefix`, by record id (a duplicate shows as a count above 1). */
async function storedRecordIds(store: ObjectStore, prefix = ""): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (let after: string | undefined; ; ) {
        const page = await store.list(prefix, after, 1000);
        for (const key of page.keys) {
            for (const e of decodeBatch(await store.get(key))) {
                const rid = parseEnvelope(e).header.recordId;
                counts.set(rid, (counts.get(rid) ?? 0) + 1);
            }
            after = key;
        }
        if (!page.truncated) {
            return counts;
        }
    }
}

/** A slice of a Kinesis event, as Lambda delivers it when it retries from a sequence number or bisects. */
function slice(event: KinesisStreamEvent, from: number, to = event.Records.length): KinesisStreamEvent {
    return { Records: event.Records.slice(from, to) };
}

type TestDeps = ProcessDeps & { ledger: MemoryStoreLedger; results: StoreResult[]; log: LogRecorder; emf: string[] };

function deps(store: ObjectStore, extra: Partial<ProcessDeps> = {}): TestDeps {
    const results: StoreResult[] = [];
    const log = new LogRecorder();
    const emf: string[] = [];
    return { store, ledger: new MemoryStoreLedger(), prefix: "records/", metrics: (l) => emf.push(l), logger: log, onResult: (r) => results.push(r), results, log, emf, ...extra } as TestDeps;
}

describe("functions/process handler", () => {
    it("partitions by tenant, schema and date; objects hold exactly the envelopes, in order; no partial failures", async () => {
        const envs = [
            await envelopeOf("a1", { recordId: id(1) }),
            await envelopeOf("b1", { recordId: id(2), tenant: "globex" }),
            await envelopeOf("a2", { recordId: id(3) }),
            await envelopeOf("a3", { recordId: id(4), time: "2026-11-24T00:00:00.000Z" }),
            await envelopeOf("c1", { recordId: id(5), schema: "clicks.v2" }),
        ];
        const store = new MemoryStore();
        const d = deps(store);
        const response = await createProcessHandler(d)(kinesisEvent(envs), context("process"));
        assert.deepEqual(response, { batchItemFailures: [] });
        const byPartition = new Map([...store.objects].map(([k, v]) => [k.slice(0, k.lastIndexOf("/") + 1), decodeBatch(v)]));
        assert.deepEqual([...byPartition.keys()].sort(), [
            "records/tenant=acme/schema=clicks.v2/date=2026-11-23/",
            "records/tenant=acme/schema=orders.v1/date=2026-11-23/",
            "records/tenant=acme/schema=orders.v1/date=2026-11-24/",
            "records/tenant=globex/schema=orders.v1/date=2026-11-23/",
        ]);
        assert.deepEqual(byPartition.get("records/tenant=acme/schema=orders.v1/date=2026-11-23/"), [envs[0], envs[2]]);
        for (const key of store.objects.keys()) {
            assert.match(key, /\/\d{8}T\d{9}Z-[0-9a-f]{12}-0000\.e2eb$/);
        }
        const m = JSON.parse(d.emf[0]) as Record<string, number>;
        assert.deepEqual([m["RecordsIn"], m["RecordsWritten"], m["Duplicates"], m["InvalidRecords"], m["FailedRecords"], m["ObjectsWritten"]], [5, 5, 0, 0, 0, 4]);
        assert.equal((m as unknown as Record<string, string>)["service"], "process");
        // No plaintext in any object.
        for (const body of store.objects.values()) {
            for (const p of ["a1", "b1", "a2", "a3", "c1"]) {
                assert.equal(body.includes(Buffer.from(`"${p}"`)), false);
            }
        }
    });

    it("a retried batch stores nothing again (every record is a duplicate of the first delivery)", async () => {
        const envs = [await envelopeOf("a", { recordId: id(1) }), await envelopeOf("b", { recordId: id(2) })];
        const store = new MemoryStore();
        const d = deps(store);
        const handler = createProcessHandler(d);
        await handler(kinesisEvent(envs), context("process"));
        await handler(kinesisEvent(envs), context("process"));
        assert.equal(store.puts, 1);
        assert.equal(store.objects.size, 1);
        assert.deepEqual(
            d.results[1].outcomes.map((o) => o.kind),
            ["duplicate", "duplicate"],
        );
        // The same records delivered again from another shard and sequence (they entered the stream twice).
        await handler(kinesisEvent(envs, "shardId-000000000001", 900), context("process"));
        assert.equal(store.objects.size, 1);
        assert.deepEqual([...(await storedRecordIds(store)).values()], [1, 1]);
    });

    it("a record repeated within one batch is stored once", async () => {
        const env = await envelopeOf("twice", { recordId: id(7) });
        const store = new MemoryStore();
        const d = deps(store);
        assert.deepEqual(await createProcessHandler(d)(kinesisEvent([env, env]), context("process")), { batchItemFailures: [] });
        assert.deepEqual(
            d.results[0].outcomes.map((o) => o.kind),
            ["stored", "duplicate"],
        );
        assert.deepEqual([...(await storedRecordIds(store)).values()], [1]);
    });

    it("splits a partition into chunks of at most maxObjectBytes", async () => {
        const envs = await Promise.all([0, 1, 2, 3, 4].map((i) => envelopeOf("z".repeat(500), { recordId: id(i) })));
        const store = new MemoryStore();
        await createProcessHandler(deps(store, { prefix: "", maxObjectBytes: 9 + 2 * (envs[0].length + 4) }))(kinesisEvent(envs), context("process"));
        const keys = [...store.objects.keys()].sort();
        assert.deepEqual(keys.map((k) => k.slice(-10)), ["-0000.e2eb", "-0001.e2eb", "-0002.e2eb"]);
        assert.deepEqual(keys.map((k) => decodeBatch(store.objects.get(k) as Buffer).length), [2, 2, 1]);
        assert.ok(keys.every((k) => k.startsWith("tenant=acme/schema=orders.v1/date=2026-11-23/")));
    });

    it("drops, logs and counts an invalid envelope without failing the batch", async () => {
        const store = new MemoryStore();
        const d = deps(store);
        const r = await createProcessHandler(d)(kinesisEvent([Buffer.from("plaintext that slipped through"), await envelopeOf("ok", { recordId: id(9) })]), context("process"));
        assert.deepEqual(r, { batchItemFailures: [] });
        assert.equal(store.objects.size, 1);
        assert.equal((JSON.parse(d.emf[0]) as Record<string, number>)["InvalidRecords"], 1);
        assert.deepEqual(d.log.lines[0], {
            level: "ERROR",
            message: "dropped invalid envelope",
            eventID: "shardId-000000000000:00000000000000000001",
            code: "not-an-envelope",
            reason: "input does not start with the envelope magic bytes 0xE2 0xEE (plaintext?)",
        });
    });

    it("an upload that fails reports exactly that object's records (partial batch response); the retry from the lowest failed sequence stores each record once", async () => {
        const envs = [
            await envelopeOf("a1", { recordId: id(1) }),
            await envelopeOf("g1", { recordId: id(2), tenant: "globex" }),
            await envelopeOf("a2", { recordId: id(3) }),
            await envelopeOf("g2", { recordId: id(4), tenant: "globex" }),
        ];
        const store = new MemoryStore();
        const put = store.put.bind(store);
        let failGlobex = true;
        store.put = async (key, body) => {
            if (failGlobex && key.includes("tenant=globex/")) {
                throw Object.assign(new Error("Please reduce your request rate."), { name: "SlowDown" });
            }
            return put(key, body);
        };
        const d = deps(store);
        const handler = createProcessHandler(d);
        const event = kinesisEvent(envs);
        const first = await handler(event, context("process"));
        assert.deepEqual(first, { batchItemFailures: [{ itemIdentifier: "00000000000000000002" }, { itemIdentifier: "00000000000000000004" }] });
        assert.equal(d.ledger.entries.size, 2, "the failed upload released its claims");
        // Lambda retries from the lowest failed sequence number: records 2..4, of which 3 is already stored.
        failGlobex = false;
        assert.deepEqual(await handler(slice(event, 1), context("process")), { batchItemFailures: [] });
        assert.deepEqual(
            d.results[1].outcomes.map((o) => o.kind),
            ["stored", "duplicate", "stored"],
        );
        assert.deepEqual([...(await storedRecordIds(store)).entries()].sort(), [id(1), id(2), id(3), id(4)].map((r) => [r, 1]));
    });

    it("bisected retries (halves of a failed batch, again and again) never store a record twice", async () => {
        const envs = await Promise.all(Array.from({ length: 16 }, (_, i) => envelopeOf(`r${i}`, { recordId: id(i), tenant: i % 2 ? "globex" : "acme" })));
        const store = new MemoryStore();
        const handler = createProcessHandler(deps(store));
        const event = kinesisEvent(envs);
        await handler(event, context("process"));
        for (const [from, to] of [
            [0, 8],
            [8, 16],
            [0, 4],
            [4, 8],
            [12, 16],
            [3, 11],
        ]) {
            await handler(slice(event, from, to), context("process"));
        }
        const counts = await storedRecordIds(store);
        assert.equal(counts.size, 16);
        assert.ok([...counts.values()].every((c) => c === 1));
    });

    it("every record failing throws (Powertools' full batch failure), so Lambda retries the whole batch", async () => {
        const store = new MemoryStore();
        store.put = async () => {
            throw Object.assign(new Error("Please reduce your request rate."), { name: "SlowDown" });
        };
        await assert.rejects(createProcessHandler(deps(store))(kinesisEvent([await envelopeOf("x")]), context("process")), { name: "FullBatchFailureError" });
    });

    it("a ledger outage fails the records, not the batch's other records", async () => {
        const store = new MemoryStore();
        const d = deps(store);
        d.ledger.failNext = 1;
        const r = await createProcessHandler(d)(kinesisEvent([await envelopeOf("a", { recordId: id(1) }), await envelopeOf("b", { recordId: id(2) })]), context("process"));
        assert.equal(r.batchItemFailures.length, 1);
        assert.equal((await storedRecordIds(store)).size, 1);
    });

    describe("a crash between the claims and the bookkeeping", () => {
        it("after the upload: the retry finds the claimed object and skips the records", async () => {
            const envs = [await envelopeOf("a", { recordId: id(1) }), await envelopeOf("b", { recordId: id(2) })];
            const store = new MemoryStore();
            const ledger = new MemoryStoreLedger();
            // The attempt that "crashed": claimed and uploaded, then the function was stopped (no response).
            await storeEnvelopes({ store, ledger, prefix: "records/" }, envs.map((data, i) => ({ id: String(i), data })), Date.now() + 60_000);
            const d = deps(store, { ledger });
            assert.deepEqual(await createProcessHandler(d)(kinesisEvent(envs), context("process")), { batchItemFailures: [] });
            assert.deepEqual(
                d.results[0].outcomes.map((o) => o.kind),
                ["duplicate", "duplicate"],
            );
            assert.equal(store.objects.size, 1);
        });

        it("before the upload: the records are retried while the lock holds, then taken over and stored once", async () => {
            const env = await envelopeOf("a", { recordId: id(1) });
            const store = new MemoryStore();
            const ledger = new MemoryStoreLedger();
            let now = 1_000_000;
            await ledger.claim(id(1), "records/tenant=acme/schema=orders.v1/date=2026-11-23/never-written.e2eb", now + 60_000);
            const d = deps(store, { ledger, now: () => now });
            const handler = createProcessHandler(d);
            const busy = await handler(kinesisEvent([env, await envelopeOf("b", { recordId: id(2) })]), context("process"));
            assert.deepEqual(busy, { batchItemFailures: [{ itemIdentifier: "00000000000000000001" }] });
            assert.equal(d.log.lines[0].message, "records not stored now; reported for retry");
            now += 60_001;
            assert.deepEqual(await handler(kinesisEvent([env]), context("process")), { batchItemFailures: [] });
            assert.deepEqual([...(await storedRecordIds(store)).values()], [1, 1]);
        });

        it("a lock that expires soon (Lambda's retry right after a timeout) is waited for, then taken over", async () => {
            const env = await envelopeOf("a", { recordId: id(1) });
            const store = new MemoryStore();
            const ledger = new MemoryStoreLedger();
            await ledger.claim(id(1), "records/tenant=acme/schema=orders.v1/date=2026-11-23/never-written.e2eb", Date.now() + 300);
            const started = Date.now();
            assert.deepEqual(await createProcessHandler(deps(store, { ledger }))(kinesisEvent([env]), context("process")), { batchItemFailures: [] });
            assert.ok(Date.now() - started >= 300);
            assert.deepEqual([...(await storedRecordIds(store)).values()], [1]);
        });
    });

    const prefixes: [string | undefined, string][] = [
        [undefined, "records/"],
        ["", ""],
        ["data", "data/"],
        ["data/lake/", "data/lake/"],
        ["/abs", 'DATA_PREFIX must be a relative key prefix without empty or ".." segments; got "/abs"'],
        ["a/../b", 'DATA_PREFIX must be a relative key prefix without empty or ".." segments; got "a/../b"'],
        ["a//b", 'DATA_PREFIX must be a relative key prefix without empty or ".." segments; got "a//b"'],
    ];
    for (const [raw, expected] of prefixes) {
        it(`normalisePrefix(${JSON.stringify(raw)}) -> ${expected}`, () => {
            if (expected.startsWith("DATA_PREFIX")) {
                assert.throws(() => normalisePrefix(raw), { message: expected });
            } else {
                assert.equal(normalisePrefix(raw), expected);
            }
        });
    }

    it("partitionOf uses the UTC date of the header time", () => {
        assert.equal(partitionOf({ ...HEADER, time: "2026-12-31T23:59:59.999Z" }), "tenant=acme/schema=orders.v1/date=2026-12-31/");
    });

    it("the deployed handler refuses to start without its environment", async () => {
        const { handler } = await import("../../functions/src/handlers/process");
        const saved = { ...process.env };
        delete process.env.DATA_BUCKET_KEY_ARN;
        process.env.DATA_BUCKET_NAME = "bucket";
        process.env.DEDUP_TABLE_NAME = "table";
        try {
            await assert.rejects(handler({ Records: [] }, context("process")), {
                message: "process: environment variables DATA_BUCKET_NAME, DATA_BUCKET_KEY_ARN and DEDUP_TABLE_NAME are required",
            });
        } finally {
            process.env = saved;
        }
    });

    describe("against S3 (s3rver) and DynamoDB (dynalite) through the SDK", () => {
        const emu = useEmulators();
        const awsDeps = (): ProcessDeps & { log: LogRecorder } => {
            const log = new LogRecorder();
            return {
                store: new S3ObjectStore(emu.current.bucket, emu.current.s3("process"), { sseKmsKeyId: emu.current.storageKeyArn }),
                ledger: new DynamoDbStoreLedger(emu.current.table, emu.current.dynamodb("process")),
                prefix: "batches/",
                metrics: () => undefined,
                logger: log,
                log,
            };
        };

        it("uploads with SSE-KMS headers naming the storage key; a SlowDown beyond the SDK's retries is a partial failure; the retry stores each record once", async () => {
            const d = awsDeps();
            const handler = createProcessHandler(d);
            const envs = await Promise.all(Array.from({ length: 6 }, (_, i) => envelopeOf(`r${i}`, { recordId: `emu-record-${String(i).padStart(6, "0")}`, tenant: i < 3 ? "acme" : "globex" })));
            const event = kinesisEvent(envs);
            const proxy = emu.current.proxies.s3;
            proxy.record = true;
            proxy.inject({ match: (r) => r.method === "PUT" && decodeURIComponent(r.url).includes("/tenant=globex/"), times: 20, response: S3_SLOW_DOWN });
            const first = await handler(event, context("process"));
            proxy.clearFaults();
            assert.deepEqual(
                first.batchItemFailures.map((f) => f.itemIdentifier),
                ["00000000000000000004", "00000000000000000005", "00000000000000000006"],
            );
            const puts = proxy.seen.filter((r) => r.method === "PUT");
            assert.ok(puts.length > 0);
            for (const put of puts) {
                assert.equal(put.headers["x-amz-server-side-encryption"], "aws:kms");
                assert.equal(put.headers["x-amz-server-side-encryption-aws-kms-key-id"], emu.current.storageKeyArn);
                assert.equal(put.headers["x-amz-server-side-encryption-bucket-key-enabled"], "true");
            }
            proxy.record = false;
            assert.deepEqual(await handler(slice(event, 3), context("process")), { batchItemFailures: [] });
            assert.deepEqual(await handler(event, context("process")), { batchItemFailures: [] });
            const counts = await storedRecordIds(d.store, "batches/");
            assert.equal(counts.size, 6);
            assert.ok([...counts.values()].every((c) => c === 1), JSON.stringify([...counts]));
        });
    });
});
