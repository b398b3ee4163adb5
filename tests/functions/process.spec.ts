import { strict as assert } from "node:assert";
import { decodeBatch } from "../../functions/src/batch";
import { createProcessHandler, normalisePrefix, partitionOf } from "../../functions/src/handlers/process";
import { envelopeOf, HEADER, kinesisEvent, MemoryStore } from "./helpers";

describe("functions/process handler", () => {
    const id = (i: number): string => `record-${String(i).padStart(10, "0")}`;

    it("partitions by tenant, schema and date; objects hold exactly the envelopes, in order", async () => {
        const envs = [
            await envelopeOf("a1", { recordId: id(1) }),
            await envelopeOf("b1", { recordId: id(2), tenant: "globex" }),
            await envelopeOf("a2", { recordId: id(3) }),
            await envelopeOf("a3", { recordId: id(4), time: "2026-11-24T00:00:00.000Z" }),
            await envelopeOf("c1", { recordId: id(5), schema: "clicks.v2" }),
        ];
        const store = new MemoryStore();
        const metrics: string[] = [];
        const result = await createProcessHandler({ store, prefix: "records/", metrics: (l) => metrics.push(l) })(kinesisEvent(envs));
        assert.equal(result.records, 5);
        assert.equal(result.invalid, 0);
        const byPartition = new Map([...store.objects].map(([k, v]) => [k.slice(0, k.lastIndexOf("/") + 1), decodeBatch(v)]));
        assert.deepEqual([...byPartition.keys()].sort(), [
            "records/tenant=acme/schema=clicks.v2/date=2026-11-23/",
            "records/tenant=acme/schema=orders.v1/date=2026-11-23/",
            "records/tenant=acme/schema=orders.v1/date=2026-11-24/",
            "records/tenant=globex/schema=orders.v1/date=2026-11-23/",
        ]);
        assert.deepEqual(byPartition.get("records/tenant=acme/schema=orders.v1/date=2026-11-23/"), [envs[0], envs[2]]);
        for (const key of store.objects.keys()) {
            assert.match(key, /\/[0-9a-f]{32}-0000\.e2eb$/);
        }
        const m = JSON.parse(metrics[0]) as Record<string, number>;
        assert.deepEqual([m["RecordsIn"], m["RecordsWritten"], m["InvalidRecords"], m["ObjectsWritten"]], [5, 5, 0, 4]);
        // No plaintext in any object.
        for (const body of store.objects.values()) {
            for (const p of ["a1", "b1", "a2", "a3", "c1"]) {
                assert.equal(body.includes(Buffer.from(`"${p}"`)), false);
            }
        }
    });

    it("is idempotent: a retried batch overwrites the same objects", async () => {
        const envs = [await envelopeOf("a", { recordId: id(1) }), await envelopeOf("b", { recordId: id(2) })];
        const store = new MemoryStore();
        const handler = createProcessHandler({ store, prefix: "records/", metrics: () => undefined });
        await handler(kinesisEvent(envs));
        await handler(kinesisEvent(envs));
        assert.equal(store.puts, 2);
        assert.equal(store.objects.size, 1);
        await handler(kinesisEvent(envs, "shardId-000000000001"));
        assert.equal(store.objects.size, 2, "other events -> other object");
    });

    it("splits a partition into chunks of at most maxObjectBytes", async () => {
        const envs = await Promise.all([0, 1, 2, 3, 4].map((i) => envelopeOf("z".repeat(500), { recordId: id(i) })));
        const store = new MemoryStore();
        await createProcessHandler({ store, prefix: "", maxObjectBytes: 2 * (envs[0].length + 4), metrics: () => undefined })(kinesisEvent(envs));
        const keys = [...store.objects.keys()].sort();
        assert.deepEqual(keys.map((k) => k.slice(-10)), ["-0000.e2eb", "-0001.e2eb", "-0002.e2eb"]);
        assert.deepEqual(keys.map((k) => decodeBatch(store.objects.get(k) as Buffer).length), [2, 2, 1]);
        assert.ok(keys.every((k) => k.startsWith("tenant=acme/schema=orders.v1/date=2026-11-23/")));
    });

    it("drops, logs and counts an invalid envelope without failing the batch", async () => {
        const store = new MemoryStore();
        const metrics: string[] = [];
        const logged: string[] = [];
        const original = console.error;
        console.error = (l: string) => logged.push(l);
        try {
            const r = await createProcessHandler({ store, prefix: "records/", metrics: (l) => metrics.push(l) })(
                kinesisEvent([Buffer.from("plaintext that slipped through"), await envelopeOf("ok", { recordId: id(9) })]),
            );
            assert.deepEqual([r.records, r.invalid, r.objects.length], [1, 1, 1]);
        } finally {
            console.error = original;
        }
        assert.equal((JSON.parse(metrics[0]) as Record<string, number>)["InvalidRecords"], 1);
        assert.deepEqual(JSON.parse(logged[0]), {
            level: "error",
            message: "dropped invalid envelope",
            eventID: "shardId-000000000000:00000000000000000001",
            code: "not-an-envelope",
            reason: "input does not start with the envelope magic bytes 0xE2 0xEE (plaintext?)",
        });
    });

    it("propagates a storage failure so Lambda retries the batch", async () => {
        const store = new MemoryStore();
        store.put = async () => {
            throw new Error("SlowDown");
        };
        await assert.rejects(createProcessHandler({ store, prefix: "records/", metrics: () => undefined })(kinesisEvent([await envelopeOf("x")])), { message: "SlowDown" });
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
});
