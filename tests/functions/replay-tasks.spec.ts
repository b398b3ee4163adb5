import { strict as assert } from "node:assert";
import { InvalidReplayRequest, MAX_SEGMENTS, ReplayRequest, Segment, SegmentResult, ZERO_TOTALS } from "../../functions/src/orchestration/tasks";
import { checkHorizon, parseTime, planReplay, validSegment } from "../../functions/src/replay/plan";
import { addTotals, inSegment, settledOutcomes } from "../../functions/src/replay/segment";
import { summarizeReplay } from "../../functions/src/replay/summary";
import { StoreOutcome } from "../../functions/src/store";

const NOW = Date.parse("2026-11-23T12:00:00.000Z");
const DAY = 86_400_000;
const SHARDS = ["shardId-000000000000", "shardId-000000000001"];
const deps = { source: { listShards: async () => SHARDS }, streamName: "records", now: () => NOW };
const SEG: Segment = { shardId: SHARDS[0], position: { type: "AT_SEQUENCE_NUMBER", sequenceNumber: "10" }, until: { sequenceNumber: "20" } };
const refusal = (message: string) => (err: unknown): boolean => {
    assert.ok(err instanceof InvalidReplayRequest, String(err));
    assert.equal(err.message, message);
    return true;
};

describe("functions/replay tasks (pure parts)", () => {
    describe("parseTime", () => {
        const cases: [unknown, number | string][] = [
            ["2026-11-23T09:30:00Z", Date.parse("2026-11-23T09:30:00Z")],
            ["2026-11-23T09:30:00.123Z", Date.parse("2026-11-23T09:30:00.123Z")],
            ["2026-11-23T09:30:00+01:00", '"from" must be an ISO 8601 UTC time such as 2026-11-23T09:30:00Z; got "2026-11-23T09:30:00+01:00"'],
            ["2026-13-45T09:30:00Z", '"from" must be an ISO 8601 UTC time such as 2026-11-23T09:30:00Z; got "2026-13-45T09:30:00Z"'],
            [1764000000000, '"from" must be an ISO 8601 UTC time such as 2026-11-23T09:30:00Z; got 1764000000000'],
            [undefined, '"from" must be an ISO 8601 UTC time such as 2026-11-23T09:30:00Z; got undefined'],
        ];
        for (const [raw, expected] of cases) {
            it(`${JSON.stringify(raw)} -> ${typeof expected === "number" ? expected : "refused"}`, () => {
                if (typeof expected === "number") {
                    assert.equal(parseTime("from", raw), expected);
                } else {
                    assert.throws(() => parseTime("from", raw), refusal(expected));
                }
            });
        }
    });

    describe("validSegment", () => {
        const cases: [string, unknown, readonly string[] | undefined, string | undefined][] = [
            ["a sequence range", SEG, SHARDS, undefined],
            ["after a sequence number, until a time", { ...SEG, position: { type: "AFTER_SEQUENCE_NUMBER", sequenceNumber: "10" }, until: { timestampMs: NOW } }, undefined, undefined],
            ["from a time", { ...SEG, position: { type: "AT_TIMESTAMP", timestampMs: NOW - 1 } }, undefined, undefined],
            ["from the trim horizon", { ...SEG, position: { type: "TRIM_HORIZON" } }, undefined, undefined],
            ["a bad shard id", { ...SEG, shardId: "shard-0" }, undefined, `not a replay segment: ${JSON.stringify({ ...SEG, shardId: "shard-0" })}`],
            ["a non-numeric sequence number", { ...SEG, position: { type: "AT_SEQUENCE_NUMBER", sequenceNumber: "1a" } }, undefined, `not a replay segment: ${JSON.stringify({ ...SEG, position: { type: "AT_SEQUENCE_NUMBER", sequenceNumber: "1a" } })}`],
            ["a fractional timestamp", { ...SEG, position: { type: "AT_TIMESTAMP", timestampMs: 1.5 } }, undefined, `not a replay segment: ${JSON.stringify({ ...SEG, position: { type: "AT_TIMESTAMP", timestampMs: 1.5 } })}`],
            ["no end", { ...SEG, until: {} }, undefined, `not a replay segment: ${JSON.stringify({ ...SEG, until: {} })}`],
            ["not an object", null, undefined, "not a replay segment: null"],
            ["a shard of another stream", { ...SEG, shardId: "shardId-000000000009" }, SHARDS, 'shard "shardId-000000000009" is not a shard of the stream'],
        ];
        for (const [name, segment, shards, message] of cases) {
            it(`${name}: ${message ?? "accepted"}`, () => {
                if (message === undefined) {
                    validSegment(segment as Segment, shards);
                } else {
                    assert.throws(() => validSegment(segment as Segment, shards), refusal(message));
                }
            });
        }
    });

    describe("checkHorizon", () => {
        it("accepts a start within the ledger's 7 days", () => checkHorizon(NOW - 7 * DAY, () => NOW));
        it("refuses an older start", () =>
            assert.throws(
                () => checkHorizon(NOW - 7 * DAY - 1, () => NOW),
                refusal("cannot replay from 2026-11-16T11:59:59.999Z: the store ledger remembers 7 days, so an older replay could store records twice"),
            ));
    });

    describe("planReplay", () => {
        const iso = (ms: number): string => new Date(ms).toISOString();
        const info = { shardId: SHARDS[1], startSequenceNumber: "100", endSequenceNumber: "200" };
        const accepted: [string, unknown, Segment[]][] = [
            [
                "a range over every shard",
                { mode: "range", from: iso(NOW - DAY), to: iso(NOW) },
                SHARDS.map((shardId) => ({ shardId, position: { type: "AT_TIMESTAMP", timestampMs: NOW - DAY }, until: { timestampMs: NOW } })),
            ],
            [
                "a range over one listed shard",
                { mode: "range", from: iso(NOW - DAY), to: iso(NOW), shards: [SHARDS[1]] },
                [{ shardId: SHARDS[1], position: { type: "AT_TIMESTAMP", timestampMs: NOW - DAY }, until: { timestampMs: NOW } }],
            ],
            [
                "a dead-letter message as an object",
                { mode: "deadLetter", message: { KinesisBatchInfo: { ...info, streamArn: "arn:aws:kinesis:eu-west-1:111122223333:stream/records" } } },
                [{ shardId: SHARDS[1], position: { type: "AT_SEQUENCE_NUMBER", sequenceNumber: "100" }, until: { sequenceNumber: "200" } }],
            ],
            [
                "a dead-letter message as JSON text",
                { mode: "deadLetter", message: JSON.stringify({ KinesisBatchInfo: { ...info, approximateArrivalOfFirstRecord: iso(NOW - DAY) } }) },
                [{ shardId: SHARDS[1], position: { type: "AT_SEQUENCE_NUMBER", sequenceNumber: "100" }, until: { sequenceNumber: "200" } }],
            ],
            ["segments to resume", { mode: "resume", segments: [SEG] }, [SEG]],
        ];
        for (const [name, request, segments] of accepted) {
            it(`${name}`, async () => {
                assert.deepEqual(await planReplay(deps, request as ReplayRequest), { segments });
            });
        }
        const many = Array.from({ length: MAX_SEGMENTS + 1 }, (_, i) => `shardId-${String(i).padStart(12, "0")}`);
        const refused: [string, unknown, string, typeof deps?][] = [
            ["no object", "range", "the execution input must be a replay request object"],
            ["an unknown mode", { mode: "all" }, 'unknown replay mode "all"; expected "range", "deadLetter" or "resume"'],
            ["a range that ends before it starts", { mode: "range", from: iso(NOW), to: iso(NOW - 1) }, `"from" (${iso(NOW)}) must be before "to" (${iso(NOW - 1)})`],
            ["a range that ends in the future", { mode: "range", from: iso(NOW - 1), to: iso(NOW + 1) }, `"to" (${iso(NOW + 1)}) must not be in the future`],
            ["a range of an unknown shard", { mode: "range", from: iso(NOW - 1), to: iso(NOW), shards: ["shardId-000000000007"] }, 'shard "shardId-000000000007" is not a shard of records'],
            [
                "a range over too many shards",
                { mode: "range", from: iso(NOW - 1), to: iso(NOW) },
                `the stream has ${MAX_SEGMENTS + 1} shards; one replay covers at most ${MAX_SEGMENTS}: pass "shards" to split it`,
                { ...deps, source: { listShards: async () => many } },
            ],
            ["a dead-letter message that is not JSON", { mode: "deadLetter", message: "{" }, "the dead-letter message is not JSON"],
            ["a dead-letter message without batch info", { mode: "deadLetter", message: {} }, "the dead-letter message has no KinesisBatchInfo with shardId, startSequenceNumber and endSequenceNumber"],
            ["a dead-letter message of another stream", { mode: "deadLetter", message: { KinesisBatchInfo: { ...info, streamArn: "arn:aws:kinesis:eu-west-1:1:stream/other" } } }, "the dead-letter message is about another stream (arn:aws:kinesis:eu-west-1:1:stream/other)"],
            ["a dead-letter message ending before it starts", { mode: "deadLetter", message: { KinesisBatchInfo: { ...info, startSequenceNumber: "300" } } }, "the dead-letter message's startSequenceNumber is after its endSequenceNumber"],
            ["no segments to resume", { mode: "resume", segments: [] }, `"segments" must list 1..${MAX_SEGMENTS} segments`],
            [
                "a segment to resume from beyond the horizon",
                { mode: "resume", segments: [{ ...SEG, position: { type: "AT_TIMESTAMP", timestampMs: NOW - 8 * DAY } }] },
                `cannot replay from ${iso(NOW - 8 * DAY)}: the store ledger remembers 7 days, so an older replay could store records twice`,
            ],
        ];
        for (const [name, request, message, d] of refused) {
            it(`refuses ${name}`, async () => {
                await assert.rejects(planReplay(d ?? deps, request as ReplayRequest), refusal(message));
            });
        }
    });

    describe("a segment's records", () => {
        const cases: [Segment["until"], string, number, boolean][] = [
            [{ sequenceNumber: "20" }, "20", NOW, true],
            [{ sequenceNumber: "20" }, "21", NOW, false],
            [{ sequenceNumber: "99999999999999999999999999" }, "99999999999999999999999998", NOW, true],
            [{ timestampMs: NOW }, "1", NOW - 1, true],
            [{ timestampMs: NOW }, "1", NOW, false],
            [{ sequenceNumber: "20", timestampMs: NOW }, "19", NOW, false],
        ];
        for (const [until, seq, arrival, expected] of cases) {
            it(`until ${JSON.stringify(until)}: ${seq} arrived at ${arrival - NOW} -> ${expected}`, () => assert.equal(inSegment(until, seq, arrival), expected));
        }

        const stored = (recordId: string): StoreOutcome => ({ kind: "stored", object: "o", recordId });
        const failed: StoreOutcome = { kind: "failed", error: new Error("SlowDown"), recordId: "f" };
        const outcomes: [string, StoreOutcome[], number, number][] = [
            ["none failed", [stored("a"), { kind: "duplicate", object: "o", recordId: "b" }, { kind: "invalid", code: "truncated", reason: "r" }], 3, -1],
            ["the second failed", [stored("a"), failed, stored("c")], 1, 1],
            ["the first failed", [failed, stored("b")], 0, 0],
            ["nothing", [], 0, -1],
        ];
        for (const [name, list, settledCount, firstFailed] of outcomes) {
            it(`settled outcomes: ${name}`, () => {
                const s = settledOutcomes(list);
                assert.deepEqual(s, { settled: list.slice(0, settledCount), firstFailed });
            });
        }
        it("totals add the settled outcomes by kind", () => {
            const settled: StoreOutcome[] = [stored("a"), stored("b"), { kind: "duplicate", object: "o", recordId: "c" }, { kind: "invalid", code: "truncated", reason: "r" }];
            assert.deepEqual(addTotals({ read: 10, stored: 5, duplicates: 3, invalid: 0 }, settled), { read: 14, stored: 7, duplicates: 4, invalid: 1 });
            assert.deepEqual(addTotals(ZERO_TOTALS, []), ZERO_TOTALS);
        });
    });

    describe("summarizeReplay", () => {
        const r = (status: SegmentResult["status"], read: number, stored: number): SegmentResult => ({ status, segment: SEG, totals: { read, stored, duplicates: read - stored, invalid: 0 } });
        it("adds every segment's totals and counts the outcomes", () =>
            assert.deepEqual(summarizeReplay([r("replayed", 10, 7), r("dead-lettered", 4, 1), r("replayed", 0, 0)]), {
                segments: 3,
                replayed: 2,
                deadLettered: 1,
                read: 14,
                stored: 8,
                duplicates: 6,
                invalid: 0,
            }));
        it("a result without totals counts nothing", () =>
            assert.deepEqual(summarizeReplay([{ status: "replayed", segment: SEG } as unknown as SegmentResult]), { segments: 1, replayed: 1, deadLettered: 0, read: 0, stored: 0, duplicates: 0, invalid: 0 }));
        it("no results", () => assert.deepEqual(summarizeReplay([]), { segments: 0, replayed: 0, deadLettered: 0, read: 0, stored: 0, duplicates: 0, invalid: 0 }));
    });
});
