import type { APIGatewayProxyEvent } from "aws-lambda";
import { strict as assert } from "node:assert";
import { KinesisStreamSink } from "../../functions/src/adapters/aws-kinesis";
import { MemoryPersistenceLayer } from "../../functions/src/adapters/local";
import { StreamRecordInput, StreamSink } from "../../functions/src/adapters/ports";
import { awsJsonError } from "../../functions/src/local/fault-proxy";
import { restApiEvent } from "../../functions/src/local/events";
import { createIngestHandler, dedupPersistence, IngestDeps, MAX_ENVELOPE_BYTES_CEILING, parseMaxEnvelopeBytes } from "../../functions/src/handlers/ingest";
import { context, envelopeOf, LogRecorder, regions, sleep, useEmulators } from "./helpers";

class MemoryStream implements StreamSink {
    readonly records: StreamRecordInput[] = [];
    failNext = 0;
    async put(records: readonly StreamRecordInput[]): Promise<void> {
        if (this.failNext > 0) {
            this.failNext--;
            throw Object.assign(new Error("Rate exceeded for shard"), { name: "ProvisionedThroughputExceededException" });
        }
        this.records.push(...records);
    }
}

function setup(max = 4096): { deps: IngestDeps; stream: MemoryStream; dedup: MemoryPersistenceLayer; metrics: string[]; log: LogRecorder } {
    const stream = new MemoryStream();
    const dedup = new MemoryPersistenceLayer();
    const metrics: string[] = [];
    const log = new LogRecorder();
    return { deps: { idempotency: dedup, stream, maxEnvelopeBytes: max, metrics: (l) => metrics.push(l), logger: log }, stream, dedup, metrics, log };
}

/** Envelope bytes around the plaintext for helpers.HEADER with the local provider (asserted below). */
const OVERHEAD = 288;

const binary = (b: Buffer): APIGatewayProxyEvent => restApiEvent({ body: b.toString("base64"), isBase64Encoded: true });
const text = (body: string | null, isBase64Encoded = false): APIGatewayProxyEvent => restApiEvent({ body, isBase64Encoded });

describe("functions/ingest handler", () => {
    it("accepts a well-formed envelope: 202, forwards the exact bytes keyed by record id, emits a Powertools EMF metric", async () => {
        const { deps, stream, metrics } = setup();
        const env = await envelopeOf("secret payload");
        const res = await createIngestHandler(deps)(binary(env), context("ingest"));
        assert.equal(res.statusCode, 202);
        assert.deepEqual(JSON.parse(res.body), { status: "accepted", recordId: "rec-0000000000000001" });
        assert.equal(stream.records.length, 1);
        assert.deepEqual(stream.records[0].data, env);
        assert.equal(stream.records[0].partitionKey, "rec-0000000000000001");
        const m = JSON.parse(metrics[0]) as Record<string, unknown>;
        assert.equal(m["service"], "ingest");
        assert.equal(m["Outcome"], "accepted");
        assert.equal(m["Requests"], 1);
        assert.deepEqual((m["_aws"] as { CloudWatchMetrics: unknown[] }).CloudWatchMetrics, [
            { Namespace: "E2eePipeline", Dimensions: [["service", "Outcome"]], Metrics: [{ Name: "Requests", Unit: "Count" }, { Name: "Bytes", Unit: "Bytes" }] },
        ]);
    });

    const rejections: [string, () => Promise<APIGatewayProxyEvent>, number, string, string][] = [
        ["empty body", async () => text("", true), 400, "empty-body", "request body is empty; send one binary envelope (application/octet-stream)"],
        ["null body", async () => text(null), 400, "empty-body", "request body is empty; send one binary envelope (application/octet-stream)"],
        [
            "plaintext JSON (text body)",
            async () => text('{"name":"Ada","card":"4111111111111111"}'),
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
            const res = await createIngestHandler(deps)(await event(), context("ingest"));
            assert.equal(res.statusCode, status);
            assert.deepEqual(JSON.parse(res.body), { status: "rejected", code, reason });
            assert.equal(stream.records.length, 0);
            assert.equal(dedup.records.size, 0);
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
        assert.equal((await createIngestHandler(deps)(binary(env), context("ingest"))).statusCode, 202);
    });

    it("rejects a replay (same bytes, or a new ciphertext with the same record id) with 409", async () => {
        const { deps, stream } = setup();
        const ingest = createIngestHandler(deps);
        const env = await envelopeOf("once");
        assert.equal((await ingest(binary(env), context("ingest"))).statusCode, 202);
        for (const replay of [env, await envelopeOf("twice")]) {
            const res = await ingest(binary(replay), context("ingest"));
            assert.equal(res.statusCode, 409);
            assert.deepEqual(JSON.parse(res.body), { status: "duplicate", code: "duplicate", reason: "record id rec-0000000000000001 was already accepted (replay or duplicate)" });
        }
        assert.equal(stream.records.length, 1);
    });

    it("when the stream fails: 503 with Retry-After, the idempotency record is deleted, the producer's retry is accepted", async () => {
        const { deps, stream, dedup, log } = setup();
        const ingest = createIngestHandler(deps);
        const env = await envelopeOf("retry me");
        stream.failNext = 1;
        const res = await ingest(binary(env), context("ingest"));
        assert.equal(res.statusCode, 503);
        assert.equal(res.headers?.["retry-after"], "5");
        assert.deepEqual(JSON.parse(res.body), { status: "retry", code: "forward-failed", reason: "the stream is unavailable; retry later" });
        assert.equal(log.lines[0].message, "forwarding to the stream failed");
        assert.equal(dedup.records.size, 0);
        assert.equal((await ingest(binary(env), context("ingest"))).statusCode, 202);
        assert.equal(stream.records.length, 1);
    });

    it("when the stream fails and releasing the claim fails too, the retry is never a 409: 503 in-progress until this invocation's time is up, then accepted", async () => {
        const { deps, stream, dedup } = setup();
        const ingest = createIngestHandler(deps);
        const env = await envelopeOf("never forwarded");
        stream.failNext = 1;
        dedup.failNext.delete = 1;
        const first = await ingest(binary(env), context("ingest", 300));
        assert.equal(first.statusCode, 503);
        assert.equal((JSON.parse(first.body) as { code: string }).code, "forward-failed");
        assert.equal(dedup.records.size, 1, "the in-progress record stayed");
        const early = await ingest(binary(env), context("ingest"));
        assert.equal(early.statusCode, 503);
        assert.deepEqual(JSON.parse(early.body), { status: "retry", code: "in-progress", reason: "record id rec-0000000000000001 is being accepted by another request; retry shortly" });
        assert.equal(early.headers?.["retry-after"], "2");
        await sleep(350);
        const later = await ingest(binary(env), context("ingest"));
        assert.equal(later.statusCode, 202);
        assert.equal(stream.records.length, 1);
        assert.equal((await ingest(binary(env), context("ingest"))).statusCode, 409);
    });

    it("a deduplication-table outage on the claim is a 503 dedup-unavailable, nothing forwarded", async () => {
        const { deps, stream, dedup } = setup();
        dedup.failNext.put = 1;
        const res = await createIngestHandler(deps)(binary(await envelopeOf("x")), context("ingest"));
        assert.equal(res.statusCode, 503);
        assert.deepEqual(JSON.parse(res.body), { status: "retry", code: "dedup-unavailable", reason: "replay protection is unavailable; retry later" });
        assert.equal(stream.records.length, 0);
    });

    it("a record forwarded whose idempotency record could not be completed is still 202 (the stream has it)", async () => {
        const { deps, stream, dedup, log } = setup();
        dedup.failNext.update = 1;
        const res = await createIngestHandler(deps)(binary(await envelopeOf("x")), context("ingest"));
        assert.equal(res.statusCode, 202);
        assert.equal(stream.records.length, 1);
        assert.equal(log.lines[0].message, "record forwarded but its idempotency record was not completed");
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
            await assert.rejects(handler(text(null), context("ingest")), { message: "ingest: environment variables INGEST_STREAM_NAME and DEDUP_TABLE_NAME are required" });
        } finally {
            process.env = saved;
        }
    });

    describe("against DynamoDB (dynalite) and Kinesis (kinesalite) through the SDK", () => {
        const emu = useEmulators({ proxyAll: true });
        const deps = (): IngestDeps => ({
            idempotency: dedupPersistence(emu.current.table, emu.current.dynamodb("ingest")),
            stream: new KinesisStreamSink(emu.current.stream, emu.current.kinesis("ingest")),
            maxEnvelopeBytes: 4096,
            metrics: () => undefined,
            logger: new LogRecorder(),
        });
        const target = (action: string) => (req: { headers: Record<string, unknown> }) => req.headers["x-amz-target"] === `DynamoDB_20120810.${action}`;
        const kinesisPut = (req: { headers: Record<string, unknown> }) => req.headers["x-amz-target"] === "Kinesis_20131202.PutRecords";

        it("accepts, refuses the replay with 409, and keeps the record id only as a hashed idempotency key", async () => {
            const ingest = createIngestHandler(deps());
            const env = await envelopeOf("via dynalite", { recordId: "dynalite-record-00001" });
            assert.equal((await ingest(binary(env), context("ingest"))).statusCode, 202);
            assert.equal((await ingest(binary(env), context("ingest"))).statusCode, 409);
        });

        it("stream down and the claim's release refused: the retry gets 503 in-progress, then 202 once the invocation's time is up", async () => {
            const ingest = createIngestHandler(deps());
            const env = await envelopeOf("never forwarded", { recordId: "dynalite-record-00002" });
            const { dynamodb, kinesis } = emu.current.proxies;
            // More faults than the SDK makes attempts, so its retries are exhausted; the rest are cleared afterwards.
            kinesis?.inject({ match: kinesisPut, times: 20, response: awsJsonError(500, "InternalFailure") });
            dynamodb?.inject({ match: target("DeleteItem"), times: 20, response: awsJsonError(500, "InternalServerError") });
            const first = await ingest(binary(env), context("ingest", 1500));
            kinesis?.clearFaults();
            dynamodb?.clearFaults();
            assert.equal(first.statusCode, 503);
            assert.equal((JSON.parse(first.body) as { code: string }).code, "forward-failed");
            const early = await ingest(binary(env), context("ingest"));
            assert.equal(early.statusCode, 503);
            assert.equal((JSON.parse(early.body) as { code: string }).code, "in-progress");
            await sleep(1600);
            assert.equal((await ingest(binary(env), context("ingest"))).statusCode, 202);
        });

        it("DynamoDB unavailable on the claim (after the SDK's retries): 503 dedup-unavailable, not an unhandled error", async () => {
            const ingest = createIngestHandler(deps());
            emu.current.proxies.dynamodb?.inject({ match: target("PutItem"), times: 20, response: awsJsonError(500, "InternalServerError") });
            const res = await ingest(binary(await envelopeOf("x", { recordId: "dynalite-record-00003" })), context("ingest"));
            emu.current.proxies.dynamodb?.clearFaults();
            assert.equal(res.statusCode, 503);
            assert.equal((JSON.parse(res.body) as { code: string }).code, "dedup-unavailable");
        });
    });
});
