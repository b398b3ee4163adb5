/**
 * ingest: the entry point's function. Accepts one envelope per request (API Gateway REST proxy event; the body is
 * the binary envelope, base64-encoded by API Gateway for the binary media type application/octet-stream),
 * validates its structure, version and size without any key, deduplicates by record id, and forwards the
 * ciphertext unchanged to the stream. It has no decrypt permission and never sees plaintext.
 *
 * Replay protection is Powertools idempotency on DynamoDB, keyed by the record id: forwarding runs inside an
 * idempotent section, whose record is IN_PROGRESS while forwarding (expiring with this invocation's remaining time)
 * and COMPLETED once the stream has the record. So a replay of a forwarded record gets 409 for 7 days, while a
 * record whose forwarding failed is never refused as a duplicate: its record is deleted, and if the delete fails
 * too, the in-progress record expires when this invocation would have timed out, and the retry is accepted.
 *
 * Responses (JSON): 202 accepted | 400 not an envelope / malformed (with code and reason) | 409 duplicate record id
 * | 413 too large | 503 retry later (with Retry-After): the stream failed (`forward-failed`), the same record id is
 * being accepted right now (`in-progress`), or the deduplication table is unavailable (`dedup-unavailable`).
 */
import { IdempotencyAlreadyInProgressError, IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { BasePersistenceLayer } from "@aws-lambda-powertools/idempotency/persistence";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import * as crypto from "node:crypto";
import { KinesisStreamSink } from "../adapters/aws-kinesis";
import { MetricsSink, stdoutMetrics, StreamSink } from "../adapters/ports";
import { DEDUP_TABLE_KEY, DEDUP_TABLE_TTL_ATTRIBUTE, DEFAULT_MAX_ENVELOPE_BYTES, ENV, INGEST_DEDUP_TTL_SECONDS, INGEST_IDEMPOTENCY_KEY_PREFIX } from "../contract";
import { EnvelopeError, EnvelopeErrorCode } from "../envelope/errors";
import { parseEnvelope } from "../envelope/format";
import { errorFields } from "../errors";
import { json } from "../http";
import { createLogger, Log, publishMetrics } from "../telemetry";

/** Kinesis accepts 1 MiB per record including the partition key (at most 256 bytes). */
export const MAX_ENVELOPE_BYTES_CEILING = 1024 * 1024 - 256;
/** Retry-After (seconds) when the same record id is being accepted by another request. */
export const RETRY_AFTER_IN_PROGRESS_SECONDS = 2;
/** Retry-After (seconds) when the stream or the deduplication table is unavailable. */
export const RETRY_AFTER_UNAVAILABLE_SECONDS = 5;

export interface IngestDeps {
    /** Powertools idempotency persistence (DynamoDBPersistenceLayer on the dedup table when deployed). */
    readonly idempotency: BasePersistenceLayer;
    readonly stream: StreamSink;
    readonly maxEnvelopeBytes: number;
    /** How long a forwarded record id is refused as a replay. Default INGEST_DEDUP_TTL_SECONDS (7 days). */
    readonly dedupTtlSeconds?: number;
    readonly metrics?: MetricsSink;
    readonly logger?: Log;
}

export type IngestOutcome = "accepted" | "duplicate" | "forward-failed" | "in-progress" | "dedup-unavailable" | EnvelopeErrorCode | "empty-body";

export type IngestHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

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

/** The Powertools DynamoDB persistence layer on the deduplication table (contract.ts key and TTL attribute). */
export function dedupPersistence(table: string, client?: DynamoDBClient): DynamoDBPersistenceLayer {
    return new DynamoDBPersistenceLayer({
        tableName: table,
        keyAttr: DEDUP_TABLE_KEY,
        expiryAttr: DEDUP_TABLE_TTL_ATTRIBUTE,
        ...(client ? { awsSdkV3Client: client } : {}),
    });
}

export function createIngestHandler(deps: IngestDeps): IngestHandler {
    const metrics = deps.metrics ?? stdoutMetrics;
    const logger = deps.logger ?? createLogger("ingest");
    const max = deps.maxEnvelopeBytes;
    const ttl = deps.dedupTtlSeconds ?? INGEST_DEDUP_TTL_SECONDS;
    const emit = (outcome: IngestOutcome, bytes: number): void => {
        publishMetrics(metrics, "ingest", { Outcome: outcome }, { Requests: { value: 1, unit: "Count" }, Bytes: { value: bytes, unit: "Bytes" } });
    };
    const reject = (status: number, code: IngestOutcome, reason: string, bytes: number): APIGatewayProxyResult => {
        emit(code, bytes);
        return json(status, { status: code === "duplicate" ? "duplicate" : "rejected", code, reason });
    };
    const retry = (code: IngestOutcome, reason: string, seconds: number, bytes: number): APIGatewayProxyResult => {
        emit(code, bytes);
        return json(503, { status: "retry", code, reason }, { "retry-after": String(seconds) });
    };

    return async (event, context) => {
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

        // The idempotent section: what it returns is stored with the COMPLETED record, so a replay gets the first
        // request's token back instead of running it, which is how a replay is told apart from a first acceptance.
        const token = crypto.randomUUID();
        let started = false;
        let forwarded = false;
        const forward = makeIdempotent(
            async (request: { readonly recordId: string }): Promise<{ token: string }> => {
                started = true;
                await deps.stream.put([{ data: bytes, partitionKey: request.recordId }]);
                forwarded = true;
                return { token };
            },
            {
                persistenceStore: deps.idempotency,
                keyPrefix: INGEST_IDEMPOTENCY_KEY_PREFIX,
                config: new IdempotencyConfig({
                    eventKeyJmesPath: "recordId",
                    expiresAfterSeconds: ttl,
                    hashFunction: "sha256",
                    throwOnNoIdempotencyKey: true,
                    lambdaContext: context,
                }),
            },
        );
        try {
            const result = await forward({ recordId });
            if (result.token !== token) {
                return reject(409, "duplicate", `record id ${recordId} was already accepted (replay or duplicate)`, bytes.length);
            }
        } catch (err) {
            if (forwarded) {
                // The stream has the record; only marking it COMPLETED failed. Its in-progress record expires with
                // this invocation, after which a replay would be forwarded again (process stores each record once).
                logger.warn("record forwarded but its idempotency record was not completed", { recordId, ...errorFields(err) });
            } else if (err instanceof IdempotencyAlreadyInProgressError) {
                return retry("in-progress", `record id ${recordId} is being accepted by another request; retry shortly`, RETRY_AFTER_IN_PROGRESS_SECONDS, bytes.length);
            } else if (started) {
                logger.error("forwarding to the stream failed", { recordId, ...errorFields(err) });
                return retry("forward-failed", "the stream is unavailable; retry later", RETRY_AFTER_UNAVAILABLE_SECONDS, bytes.length);
            } else {
                logger.error("the deduplication table is unavailable", { recordId, ...errorFields(err) });
                return retry("dedup-unavailable", "replay protection is unavailable; retry later", RETRY_AFTER_UNAVAILABLE_SECONDS, bytes.length);
            }
        }
        emit("accepted", bytes.length);
        return json(202, { status: "accepted", recordId });
    };
}

let deployed: IngestHandler | undefined;

/** Lambda entry point: AWS adapters configured from the environment (contract.ts ENV.ingest). */
export async function handler(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
    if (!deployed) {
        const stream = process.env[ENV.ingest.STREAM_NAME];
        const table = process.env[ENV.ingest.DEDUP_TABLE];
        if (!stream || !table) {
            throw new Error(`ingest: environment variables ${ENV.ingest.STREAM_NAME} and ${ENV.ingest.DEDUP_TABLE} are required`);
        }
        deployed = createIngestHandler({
            idempotency: dedupPersistence(table),
            stream: new KinesisStreamSink(stream),
            maxEnvelopeBytes: parseMaxEnvelopeBytes(process.env[ENV.ingest.MAX_ENVELOPE_BYTES]),
        });
    }
    return deployed(event, context);
}
