/**
 * process: consumes the stream (Kinesis event source mapping) and works on ciphertext only. It reads the public
 * header of each envelope, groups by tenant, schema and date, and stores each record exactly once in batch objects
 * (store.ts: a ledger claim per record id, then the upload). It has no decrypt permission.
 *
 * Partial batch responses (`ReportBatchItemFailures`) through Powertools' batch utility: every record that could not
 * be stored now (an S3 or DynamoDB error, a record another attempt is still writing) is reported by sequence
 * number, and Lambda retries from the lowest one; records stored meanwhile are recognised by the ledger and skipped,
 * so a retry, a bisected batch or a replay never stores a record twice. If every record fails, Powertools throws
 * and Lambda retries the whole batch. An envelope that fails structural validation (ingest checked it, so it
 * cannot) is dropped, logged and counted: retrying it cannot help.
 *
 * Metrics (EMF, dimension service=process): RecordsIn, RecordsWritten, Duplicates, InvalidRecords, FailedRecords,
 * ObjectsWritten, BytesWritten, Duration.
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDbStoreLedger } from "../adapters/aws-dynamodb";
import { S3ObjectStore } from "../adapters/aws-s3";
import { MetricsSink, stdoutMetrics } from "../adapters/ports";
import { ENV } from "../contract";
import { describeError } from "../errors";
import { normalisePrefix } from "../layout";
import { DEFAULT_LOCK_MARGIN_MS, StoreDeps, storeEnvelopes, StoreOutcome, StoreResult } from "../store";
import { createLogger, Log, publishMetrics } from "../telemetry";

export { normalisePrefix, partitionOf } from "../layout";
export { DEFAULT_MAX_OBJECT_BYTES } from "../store";

export interface ProcessDeps extends StoreDeps {
    readonly metrics?: MetricsSink;
    readonly logger?: Log;
    /** Added to the invocation's remaining time for the claim lock. Default DEFAULT_LOCK_MARGIN_MS (10 s). */
    readonly lockMarginMs?: number;
    /** Called with every batch's storage result (local runs count with it). */
    readonly onResult?: (result: StoreResult) => void;
}

/** Time kept for the uploads after waiting for another attempt's lock. */
const WAIT_RESERVE_MS = 20_000;

export type ProcessHandler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;

/** Counts of a storage result by outcome. */
export function countOutcomes(outcomes: readonly StoreOutcome[]): Record<StoreOutcome["kind"], number> {
    const c = { stored: 0, duplicate: 0, invalid: 0, failed: 0 };
    for (const o of outcomes) {
        c[o.kind]++;
    }
    return c;
}

/** Stores a batch of stream records; returns the outcome of each, in order (process and replay share it). */
export async function storeStreamRecords(
    deps: StoreDeps & { readonly logger: Log },
    records: readonly { readonly id: string; readonly data: Buffer }[],
    lockedUntilMs: number,
    waitUntilMs = 0,
): Promise<StoreResult> {
    const result = await storeEnvelopes(deps, records, lockedUntilMs, waitUntilMs);
    result.outcomes.forEach((o, i) => {
        if (o.kind === "invalid") {
            deps.logger.error("dropped invalid envelope", { eventID: records[i].id, code: o.code, reason: o.reason });
        }
    });
    const failed = result.outcomes.flatMap((o, i) => (o.kind === "failed" ? [{ id: records[i].id, error: o.error }] : []));
    if (failed.length > 0) {
        deps.logger.warn("records not stored now; reported for retry", { count: failed.length, first: failed[0].id, error: describeError(failed[0].error) });
    }
    return result;
}

export function createProcessHandler(deps: ProcessDeps): ProcessHandler {
    const metrics = deps.metrics ?? stdoutMetrics;
    const logger = deps.logger ?? createLogger("process");
    const prefix = normalisePrefix(deps.prefix);
    const now = deps.now ?? Date.now;
    const margin = deps.lockMarginMs ?? DEFAULT_LOCK_MARGIN_MS;

    return async (event, context) => {
        const started = now();
        const records = event.Records.map((r) => ({ id: r.eventID, data: Buffer.from(r.kinesis.data, "base64") }));
        const remaining = context.getRemainingTimeInMillis();
        const result = await storeStreamRecords({ ...deps, prefix, logger }, records, now() + remaining + margin, now() + remaining - WAIT_RESERVE_MS);
        deps.onResult?.(result);
        const outcomeOf = new Map(event.Records.map((r, i) => [r.eventID, result.outcomes[i]]));
        const counts = countOutcomes(result.outcomes);
        publishMetrics(
            metrics,
            "process",
            {},
            {
                RecordsIn: { value: event.Records.length, unit: "Count" },
                RecordsWritten: { value: counts.stored, unit: "Count" },
                Duplicates: { value: counts.duplicate, unit: "Count" },
                InvalidRecords: { value: counts.invalid, unit: "Count" },
                FailedRecords: { value: counts.failed, unit: "Count" },
                ObjectsWritten: { value: result.objects.length, unit: "Count" },
                BytesWritten: { value: result.bytesWritten, unit: "Bytes" },
                Duration: { value: now() - started, unit: "Milliseconds" },
            },
        );
        // The batch utility turns each record's outcome into the partial batch response.
        const processor = new BatchProcessor(EventType.KinesisDataStreams);
        const response = await processPartialResponse(
            event,
            async (record: KinesisStreamRecord) => {
                const o = outcomeOf.get(record.eventID);
                if (o?.kind === "failed") {
                    throw o.error instanceof Error ? o.error : new Error(String(o.error));
                }
                return o?.kind;
            },
            processor,
            { context, processInParallel: false },
        );
        return { batchItemFailures: response.batchItemFailures };
    };
}

let deployed: ProcessHandler | undefined;

/** The store dependencies from the environment (process and replay read the same variables). */
export function storeDepsFromEnv(fn: "process" | "replay"): StoreDeps {
    const names = ENV[fn];
    const bucket = process.env[names.DATA_BUCKET];
    const keyArn = process.env[names.DATA_BUCKET_KEY_ARN];
    const table = process.env[names.DEDUP_TABLE];
    if (!bucket || !keyArn || !table) {
        throw new Error(`${fn}: environment variables ${names.DATA_BUCKET}, ${names.DATA_BUCKET_KEY_ARN} and ${names.DEDUP_TABLE} are required`);
    }
    return {
        store: new S3ObjectStore(bucket, new S3Client({}), { sseKmsKeyId: keyArn }),
        ledger: new DynamoDbStoreLedger(table, new DynamoDBClient({})),
        prefix: normalisePrefix(process.env[names.DATA_PREFIX], names.DATA_PREFIX),
    };
}

/** Lambda entry point: S3 and DynamoDB adapters configured from the environment (contract.ts ENV.process). */
export async function handler(event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> {
    if (!deployed) {
        deployed = createProcessHandler(storeDepsFromEnv("process"));
    }
    return deployed(event, context);
}
