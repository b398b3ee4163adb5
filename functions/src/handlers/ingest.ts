/**
 * ingest: the entry point's function. Accepts one envelope per request (API Gateway REST proxy event; the body is
 * the binary envelope, base64-encoded by API Gateway for the binary media type application/octet-stream),
 * validates its structure, version and size without any key, deduplicates by record id, and forwards the
 * ciphertext unchanged to the stream. It has no decrypt permission and never sees plaintext.
 *
 * Responses (JSON): 202 accepted | 400 not an envelope / malformed (with code and reason) | 409 duplicate record id
 * | 413 too large | 503 stream unavailable (the id is released so the producer can retry).
 */
import { DynamoDbDedupStore } from "../adapters/aws-dynamodb";
import { KinesisStreamSink } from "../adapters/aws-kinesis";
import { DedupStore, MetricsSink, stdoutMetrics, StreamSink } from "../adapters/ports";
import { DEFAULT_MAX_ENVELOPE_BYTES, ENV } from "../contract";
import { EnvelopeError, EnvelopeErrorCode } from "../envelope/errors";
import { parseEnvelope } from "../envelope/format";
import { ApiGatewayProxyEvent, ApiGatewayProxyResult, json } from "../lambda-types";
import { emfLine } from "../metrics";

/** Kinesis accepts 1 MiB per record including the partition key (at most 256 bytes). */
export const MAX_ENVELOPE_BYTES_CEILING = 1024 * 1024 - 256;

export interface IngestDeps {
    readonly dedup: DedupStore;
    readonly stream: StreamSink;
    readonly maxEnvelopeBytes: number;
    readonly metrics?: MetricsSink;
}

export type IngestOutcome = "accepted" | "duplicate" | "forward-failed" | EnvelopeErrorCode | "empty-body";

export type IngestHandler = (event: ApiGatewayProxyEvent) => Promise<ApiGatewayProxyResult>;

export function parseMaxEnvelopeBytes(raw: string | undefined): number {
    if (raw === undefined || raw === "") {
        return DEFAULT_MAX_ENVELOPE_BYTES;
    }
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 64 || n > MAX_ENVELOPE_BYTES_CEILING) {
        throw new Error(`${ENV.ingest.MAX_ENVELOPE_BYTES} must be an integer in 64..${MAX_ENVELOPE_BYTES_CEILING}; got ${JSON.stringify(raw)}`);
    }
    return n;
}

export function createIngestHandler(deps: IngestDeps): IngestHandler {
    const metrics = deps.metrics ?? stdoutMetrics;
    const max = deps.maxEnvelopeBytes;
    const emit = (outcome: IngestOutcome, bytes: number): void => {
        metrics(emfLine({ Function: "ingest", Outcome: outcome }, { Requests: { value: 1, unit: "Count" }, Bytes: { value: bytes, unit: "Bytes" } }));
    };
    const reject = (status: number, code: IngestOutcome, reason: string, bytes: number): ApiGatewayProxyResult => {
        emit(code, bytes);
        return json(status, { status: code === "duplicate" ? "duplicate" : "rejected", code, reason });
    };

    return async (event) => {
        const body = event.body;
        if (body === null || body === undefined || body.length === 0) {
            return reject(400, "empty-body", "request body is empty; send one binary envelope (application/octet-stream)", 0);
        }
        // Refuse obviously oversized bodies before decoding them.
        const upperBound = event.isBase64Encoded ? Math.floor((body.length * 3) / 4) : Buffer.byteLength(body, "utf8");
        if (upperBound - 2 > max) {
            return reject(413, "oversized", `envelope is larger than the limit of ${max} bytes`, upperBound);
        }
        const bytes = event.isBase64Encoded ? Buffer.from(body, "base64") : Buffer.from(body, "utf8");
        let recordId: string;
        try {
            recordId = parseEnvelope(bytes, max).header.recordId;
        } catch (err) {
            if (err instanceof EnvelopeError) {
                return reject(err.code === "oversized" ? 413 : 400, err.code, err.message, bytes.length);
            }
            throw err;
        }
        if (!(await deps.dedup.claim(recordId))) {
            return reject(409, "duplicate", `record id ${recordId} was already accepted (replay or duplicate)`, bytes.length);
        }
        try {
            await deps.stream.put([{ data: bytes, partitionKey: recordId }]);
        } catch (err) {
            await deps.dedup.release(recordId);
            console.error(JSON.stringify({ level: "error", message: "forwarding to the stream failed", recordId, error: String(err) }));
            emit("forward-failed", bytes.length);
            return json(503, { status: "retry", code: "forward-failed", reason: "the stream is unavailable; retry later" });
        }
        emit("accepted", bytes.length);
        return json(202, { status: "accepted", recordId });
    };
}

let deployed: IngestHandler | undefined;

/** Lambda entry point: AWS adapters configured from the environment (contract.ts ENV.ingest). */
export async function handler(event: ApiGatewayProxyEvent): Promise<ApiGatewayProxyResult> {
    if (!deployed) {
        const stream = process.env[ENV.ingest.STREAM_NAME];
        const table = process.env[ENV.ingest.DEDUP_TABLE];
        if (!stream || !table) {
            throw new Error(`ingest: environment variables ${ENV.ingest.STREAM_NAME} and ${ENV.ingest.DEDUP_TABLE} are required`);
        }
        deployed = createIngestHandler({
            dedup: new DynamoDbDedupStore(table),
            stream: new KinesisStreamSink(stream),
            maxEnvelopeBytes: parseMaxEnvelopeBytes(process.env[ENV.ingest.MAX_ENVELOPE_BYTES]),
        });
    }
    return deployed(event);
}
