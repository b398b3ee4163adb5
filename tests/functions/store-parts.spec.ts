import { strict as assert } from "node:assert";
import { encodeBatch } from "../../functions/src/batch";
import { chunkByPartition, followerOutcome, Parsed, parseItems, StoreOutcome } from "../../functions/src/store";
import { envelopeOf } from "./helpers";

const WRITTEN = Date.parse("2026-11-23T09:30:00.000Z");
const naming = (maxObjectBytes: number) => ({ prefix: "records/", maxObjectBytes, writtenAt: WRITTEN, attempt: "a1b2c3d4e5f6" });
const key = (partition: string, chunk: number): string => `records/${partition}20261123T093000000Z-a1b2c3d4e5f6-${String(chunk).padStart(4, "0")}.e2eb`;
const ACME = "tenant=acme/schema=orders.v1/date=2026-11-23/";
const GLOBEX = "tenant=globex/schema=orders.v1/date=2026-11-23/";

describe("functions/store parts (pure logic)", () => {
    describe("parseItems", () => {
        it("the first envelope of each record id leads; later copies follow it; what is not an envelope is invalid", async () => {
            const a = await envelopeOf("a", { recordId: "record-a-00000001" });
            const b = await envelopeOf("b", { recordId: "record-b-00000001" });
            const aAgain = await envelopeOf("a re-encrypted", { recordId: "record-a-00000001" });
            const items = [
                { id: "0", data: a },
                { id: "1", data: Buffer.from("plaintext") },
                { id: "2", data: b },
                { id: "3", data: aAgain },
                { id: "4", data: a },
                { id: "5", data: a.subarray(0, 40) },
            ];
            const parsed = parseItems(items);
            assert.deepEqual(
                parsed.primaries.map((p) => [p.index, p.item.id, p.header.recordId]),
                [
                    [0, "0", "record-a-00000001"],
                    [2, "2", "record-b-00000001"],
                ],
            );
            assert.deepEqual(parsed.followers, [
                { index: 3, primary: 0 },
                { index: 4, primary: 0 },
            ]);
            assert.deepEqual(
                parsed.invalid.map((i) => [i.index, i.outcome.kind, i.outcome.code]),
                [
                    [1, "invalid", "not-an-envelope"],
                    [5, "invalid", "truncated"],
                ],
            );
        });
        it("nothing to parse", () => assert.deepEqual(parseItems([]), { primaries: [], followers: [], invalid: [] }));
    });

    describe("chunkByPartition", () => {
        const parsedOf = async (spec: [string, number][]): Promise<Parsed[]> => {
            const items = await Promise.all(spec.map(([tenant, bytes], i) => envelopeOf("x".repeat(bytes), { tenant, recordId: `record-${String(i).padStart(10, "0")}` })));
            return parseItems(items.map((data, i) => ({ id: String(i), data }))).primaries as Parsed[];
        };
        it("one object per partition, in order of first arrival, members in arrival order", async () => {
            const primaries = await parsedOf([
                ["globex", 10],
                ["acme", 10],
                ["globex", 10],
            ]);
            const chunks = chunkByPartition(primaries, naming(8 * 1024 * 1024));
            assert.deepEqual(
                chunks.map((c) => [c.key, c.members.map((m) => m.index)]),
                [
                    [key(GLOBEX, 0), [0, 2]],
                    [key(ACME, 0), [1]],
                ],
            );
        });
        it("splits a partition so that no object passes the limit, counting the batch framing exactly", async () => {
            const primaries = await parsedOf([
                ["acme", 100],
                ["acme", 100],
                ["acme", 100],
            ]);
            const size = primaries[0].item.data.length;
            assert.ok(primaries.every((p) => p.item.data.length === size));
            // Two envelopes fit exactly (9 bytes of header, 4 of length per envelope); a byte less and each gets its own.
            const exact = encodeBatch([primaries[0].item.data, primaries[1].item.data]).length;
            assert.deepEqual(
                chunkByPartition(primaries, naming(exact)).map((c) => [c.key, c.members.map((m) => m.index)]),
                [
                    [key(ACME, 0), [0, 1]],
                    [key(ACME, 1), [2]],
                ],
            );
            assert.deepEqual(
                chunkByPartition(primaries, naming(exact - 1)).map((c) => c.members.map((m) => m.index)),
                [[0], [1], [2]],
            );
        });
        it("an envelope larger than the limit gets an object of its own", async () => {
            const primaries = await parsedOf([
                ["acme", 10],
                ["acme", 5000],
                ["acme", 10],
            ]);
            assert.deepEqual(
                chunkByPartition(primaries, naming(1000)).map((c) => c.members.map((m) => m.index)),
                [[0], [1], [2]],
            );
        });
        it("no envelopes, no objects", () => assert.deepEqual(chunkByPartition([], naming(1000)), []));
    });

    describe("followerOutcome", () => {
        const cases: [StoreOutcome, StoreOutcome][] = [
            [{ kind: "stored", object: "o", recordId: "r" }, { kind: "duplicate", object: "o", recordId: "r" }],
            [{ kind: "duplicate", object: "o", recordId: "r" }, { kind: "duplicate", object: "o", recordId: "r" }],
        ];
        for (const [primary, follower] of cases) {
            it(`a copy of a ${primary.kind} record is a duplicate`, () => assert.deepEqual(followerOutcome(primary), follower));
        }
        it("a copy of a failed record fails the same way", () => {
            const failed: StoreOutcome = { kind: "failed", error: new Error("SlowDown"), recordId: "r" };
            assert.equal(followerOutcome(failed), failed);
        });
    });
});
