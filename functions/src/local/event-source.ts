/**
 * A local Kinesis event source mapping: what Lambda does between a stream and the process function. Per shard, it
 * reads batches from the trim horizon, invokes the handler with a Kinesis event, and applies the handler's partial
 * batch response as Lambda does (`ReportBatchItemFailures`): the records before the lowest failed sequence number
 * are done, the batch is retried from that record. A thrown error retries the whole batch, split in halves when
 * `bisectOnError` is on. After `maximumRetryAttempts` retries the batch's coordinates go to `onFailure` (the record
 * Lambda sends to the on-failure destination) and the shard moves on.
 */
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import * as crypto from "node:crypto";
import { StreamRecord, StreamSource } from "../adapters/ports";
import { EsmFailureRecord } from "../orchestration/tasks";
import { kinesisEvent } from "./events";

export interface EventSourceOptions {
    readonly source: StreamSource;
    readonly handler: (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;
    readonly contextFor: () => Context;
    readonly streamArn: string;
    readonly region: string;
    /** Records per batch. Default 100. */
    readonly batchSize?: number;
    /** Retries of a failing batch. Default 3. */
    readonly maximumRetryAttempts?: number;
    readonly bisectOnError?: boolean;
    readonly onFailure: (record: EsmFailureRecord & Record<string, unknown>) => void;
    /** Called after each invocation (progress). */
    readonly onInvoke?: (records: number) => void;
}

export interface EventSourceStats {
    invocations: number;
    retries: number;
    batchesSentToFailureDestination: number;
}

export async function drainStream(options: EventSourceOptions): Promise<EventSourceStats> {
    const batchSize = options.batchSize ?? 100;
    const maxRetries = options.maximumRetryAttempts ?? 3;
    const stats: EventSourceStats = { invocations: 0, retries: 0, batchesSentToFailureDestination: 0 };

    const invoke = async (shard: string, batch: readonly StreamRecord[]): Promise<KinesisStreamBatchResponse | Error> => {
        stats.invocations++;
        try {
            const r = await options.handler(kinesisEvent(shard, batch, options.streamArn, options.region), options.contextFor());
            options.onInvoke?.(batch.length);
            return r;
        } catch (err) {
            return err instanceof Error ? err : new Error(String(err));
        }
    };
    const fail = (shard: string, batch: readonly StreamRecord[], attempts: number, error: string): void => {
        stats.batchesSentToFailureDestination++;
        options.onFailure({
            requestContext: { requestId: crypto.randomUUID(), functionArn: "arn:aws:lambda:eu-west-1:111122223333:function:local-process", condition: "RetryAttemptsExhausted", approximateInvokeCount: attempts },
            responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: error },
            version: "1.0",
            timestamp: new Date().toISOString(),
            KinesisBatchInfo: {
                shardId: shard,
                startSequenceNumber: batch[0].sequenceNumber,
                endSequenceNumber: batch[batch.length - 1].sequenceNumber,
                approximateArrivalOfFirstRecord: new Date(batch[0].arrivalMs).toISOString(),
                approximateArrivalOfLastRecord: new Date(batch[batch.length - 1].arrivalMs).toISOString(),
                batchSize: batch.length,
                streamArn: options.streamArn,
            },
        });
    };
    /** Processes one batch to the end (success or failure destination). */
    const run = async (shard: string, initial: readonly StreamRecord[]): Promise<void> => {
        let batch = initial;
        for (let attempt = 0; ; attempt++) {
            const r = await invoke(shard, batch);
            if (r instanceof Error) {
                if (options.bisectOnError && batch.length > 1) {
                    const half = Math.ceil(batch.length / 2);
                    stats.retries++;
                    await run(shard, batch.slice(0, half));
                    await run(shard, batch.slice(half));
                    return;
                }
                if (attempt >= maxRetries) {
                    fail(shard, batch, attempt + 1, "Unhandled");
                    return;
                }
                stats.retries++;
                continue;
            }
            if (r.batchItemFailures.length === 0) {
                return;
            }
            const failed = new Set(r.batchItemFailures.map((f) => f.itemIdentifier));
            const lowest = batch.findIndex((rec) => failed.has(rec.sequenceNumber));
            batch = batch.slice(lowest < 0 ? 0 : lowest);
            if (attempt >= maxRetries) {
                fail(shard, batch, attempt + 1, "PartialBatchFailure");
                return;
            }
            stats.retries++;
        }
    };

    for (const shard of await options.source.listShards()) {
        let position: Parameters<StreamSource["read"]>[1] = { type: "TRIM_HORIZON" };
        for (let empty = 0; ; ) {
            const read = await options.source.read(shard, position, batchSize);
            if (read.records.length === 0) {
                if (read.caughtUp || !read.open) {
                    break;
                }
                if (++empty > 50) {
                    throw new Error(`event source: ${shard} returned no records 50 times without being caught up`);
                }
                continue;
            }
            empty = 0;
            await run(shard, read.records);
            position = { type: "AFTER_SEQUENCE_NUMBER", sequenceNumber: read.records[read.records.length - 1].sequenceNumber };
        }
    }
    return stats;
}
