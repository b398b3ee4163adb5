import { strict as assert } from "node:assert";
import { MemoryDedupStore } from "../../functions/src/adapters/local";
import { StreamRecordInput, StreamSink } from "../../functions/src/adapters/ports";
import { createIngestHandler, IngestDeps, MAX_ENVELOPE_BYTES_CEILING, parseMaxEnvelopeBytes } from "../../functions/src/handlers/ingest";
import { ApiGatewayProxyEvent } from "../../functions/src/lambda-types";
import { envelopeOf, regions } from "./helpers";

class MemoryStream implements StreamSink {
    readonly records: StreamRecordInput[] = [];
    failNext = false;
    async put(records: readonly StreamRecordInput[]): Promise<void> {
        if (this.failNext) {
            this.failNext = false;
            throw new Error("ProvisionedThroughputExceededException");
        }
        this.records.push(...records);
    }
}

function setup(max = 4096): { deps: IngestDeps; stream: MemoryStream; dedup: MemoryDedupStore; metrics: string[] } {
    const stream = new MemoryStream();
    const dedup = new MemoryDedupStore();
    const metrics: string[] = [];
    return { deps: { dedup, stream, maxEnvelopeBytes: max, metrics: (l) => metrics.push(l) }, stream, dedup, metrics };
}

/** Envelope bytes around the plaintext for helpers.HEADER with the local provider (asserted below). */
const OVERHEAD = 288;

const binary = (b: Buffer): ApiGatewayProxyEvent => ({ body: b.toString("base64"), isBase64Encoded: true });

describe("functions/ingest handler", () => {
    it("accepts a well-formed envelope: 202, forwards the exact bytes keyed by record id, emits a metric", async () => {
        const { deps, stream, metrics } = setup();
        const env = await envelopeOf("secret payload");
        const res = await createIngestHandler(deps)(binary(env));
        assert.equal(res.statusCode, 202);
        assert.deepEqual(JSON.parse(res.body), { status: "accepted", recordId: "rec-0000000000000001" });
        assert.equal(stream.records.length, 1);
        assert.deepEqual(stream.records[0].data, env);
        assert.equal(stream.records[0].partitionKey, "rec-0000000000000001");
        const m = JSON.parse(metrics[0]) as Record<string, unknown>;
        assert.equal(m["Function"], "ingest");
        assert.equal(m["Outcome"], "accepted");
        assert.equal(m["Requests"], 1);
        assert.deepEqual((m["_aws"] as { CloudWatchMetrics: unknown[] }).CloudWatchMetrics, [
            { Namespace: "E2eePipeline", Dimensions: [["Function", "Outcome"]], Metrics: [{ Name: "Requests", Unit: "Count" }, { Name: "Bytes", Unit: "Bytes" }] },
        ]);
    });

    const rejections: [string, () => Promise<ApiGatewayProxyEvent>, number, string, string][] = [
        ["empty body", async () => ({ body: "", isBase64Encoded: true }), 400, "empty-body", "request body is empty; send one binary envelope (application/octet-stream)"],
        ["null body", async () => ({ body: null, isBase64Encoded: false }), 400, "empty-body", "request body is empty; send one binary envelope (application/octet-stream)"],
        [
            "plaintext JSON (text body)",
            async () => ({ body: '{"name":"Ada","card":"4111111111111111"}', isBase64Encoded: false }),
            400,
            "not-an-envelope",
            "input does not start with the envelope magic bytes 0xE2 0xEE (plaintext?)",
        ],
        ["plaintext (binary body)", async () => binary(Buffer.from("hello plaintext")), 400, "not-an-envelope", "input does not start with the envelope magic bytes 0xE2 0xEE (plaintext?)"],
        [
            "unknown version",
            async () => {
                const e = await envelopeOf("x");
                e[2] = 7;
                return binary(e);
            },
            400,
            "unsupported-version",
            "unsupported envelope version 7; this reader supports version 1",
        ],
        [
            "truncated in the tag",
            async () => {
                const e = await envelopeOf("x");
                return binary(e.subarray(0, e.length - 1));
            },
            400,
            "truncated",
            "envelope truncated in tag: needs 289 bytes, has 288",
        ],
        [
            "trailing bytes",
            async () => binary(Buffer.concat([await envelopeOf("x"), Buffer.from("!")])),
            400,
            "malformed",
            "envelope has 1 trailing bytes after the tag",
        ],
        [
            "non-canonical header",
            async () => {
                const e = await envelopeOf("x");
                const r = regions(e);
                const h = e.subarray(...r.header).toString("latin1").replace('"schema"', ' "schema"');
                const len = Buffer.alloc(2);
                len.writeUInt16BE(h.length);
                return binary(Buffer.concat([e.subarray(0, 3), len, Buffer.from(h, "latin1"), e.subarray(r.header[1])]));
            },
            400,
            "bad-header",
            "header is not in canonical form (field order, whitespace or duplicates)",
        ],
        ["oversized (before decoding)", async () => binary(Buffer.alloc(8192, 0xe2)), 413, "oversized", "envelope is larger than the limit of 4096 bytes"],
        ["oversized (exact)", async () => binary(await envelopeOf("y".repeat(4096 - OVERHEAD + 1))), 413, "oversized", "envelope is 4097 bytes; the limit is 4096"],
    ];
    for (const [name, event, status, code, reason] of rejections) {
        it(`rejects ${name}: ${status} ${code}, nothing forwarded`, async () => {
            const { deps, stream, dedup, metrics } = setup();
            const res = await createIngestHandler(deps)(await event());
            assert.equal(res.statusCode, status);
            assert.deepEqual(JSON.parse(res.body), { status: "rejected", code, reason });
            assert.equal(stream.records.length, 0);
            assert.equal(dedup.ids.size, 0);
            assert.equal((JSON.parse(metrics[0]) as { Outcome: string }).Outcome, code);
        });
    }

    it("envelope overhead for the test header is 288 bytes (11 framing + 156 header + 61 wrapped key + 32 + 12 + 16)", async () => {
        assert.equal((await envelopeOf("")).length, OVERHEAD);
    });

    it("accepts an envelope of exactly the limit", async () => {
        const { deps } = setup();
        const env = await envelopeOf("y".repeat(4096 - OVERHEAD));
        assert.equal(env.length, 4096);
        assert.equal((await createIngestHandler(deps)(binary(env))).statusCode, 202);
    });

    it("rejects a replay (same bytes, or a new ciphertext with the same record id) with 409", async () => {
        const { deps, stream } = setup();
        const ingest = createIngestHandler(deps);
        const env = await envelopeOf("once");
        assert.equal((await ingest(binary(env))).statusCode, 202);
        for (const replay of [env, await envelopeOf("twice")]) {
            const res = await ingest(binary(replay));
            assert.equal(res.statusCode, 409);
            assert.deepEqual(JSON.parse(res.body), { status: "duplicate", code: "duplicate", reason: "record id rec-0000000000000001 was already accepted (replay or duplicate)" });
        }
        assert.equal(stream.records.length, 1);
    });

    it("when the stream fails: 503, and the record id is released so the producer's retry is accepted", async () => {
        const { deps, stream, dedup } = setup();
        const ingest = createIngestHandler(deps);
        const env = await envelopeOf("retry me");
        stream.failNext = true;
        const original = console.error;
        console.error = () => undefined;
        try {
            const res = await ingest(binary(env));
            assert.equal(res.statusCode, 503);
            assert.deepEqual(JSON.parse(res.body), { status: "retry", code: "forward-failed", reason: "the stream is unavailable; retry later" });
        } finally {
            console.error = original;
        }
        assert.equal(dedup.ids.size, 0);
        assert.equal((await ingest(binary(env))).statusCode, 202);
        assert.equal(stream.records.length, 1);
    });

    const maxTable: [string | undefined, number | string][] = [
        [undefined, 262144],
        ["", 262144],
        ["65536", 65536],
        [String(MAX_ENVELOPE_BYTES_CEILING), MAX_ENVELOPE_BYTES_CEILING],
        [String(MAX_ENVELOPE_BYTES_CEILING + 1), `MAX_ENVELOPE_BYTES must be an integer in 64..1048320; got "1048321"`],
        ["12kb", `MAX_ENVELOPE_BYTES must be an integer in 64..1048320; got "12kb"`],
        ["10", `MAX_ENVELOPE_BYTES must be an integer in 64..1048320; got "10"`],
    ];
    for (const [raw, expected] of maxTable) {
        it(`parseMaxEnvelopeBytes(${JSON.stringify(raw)}) -> ${expected}`, () => {
            if (typeof expected === "number") {
                assert.equal(parseMaxEnvelopeBytes(raw), expected);
            } else {
                assert.throws(() => parseMaxEnvelopeBytes(raw), { message: expected });
            }
        });
    }

    it("the deployed handler refuses to start without its environment", async () => {
        const { handler } = await import("../../functions/src/handlers/ingest");
        const saved = { ...process.env };
        delete process.env.INGEST_STREAM_NAME;
        delete process.env.DEDUP_TABLE_NAME;
        try {
            await assert.rejects(handler({ body: null, isBase64Encoded: false }), { message: "ingest: environment variables INGEST_STREAM_NAME and DEDUP_TABLE_NAME are required" });
        } finally {
            process.env = saved;
        }
    });
});
