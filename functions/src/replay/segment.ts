/**
 * The replay's segment task: reads one shard from the segment's position (GetShardIterator + GetRecords), stores
 * what it read through the exactly-once store (store.ts, as the process stage does), and returns the segment
 * advanced past the last record it settled. It stops after `maxRecords` records or when its time runs short; a
 * record that cannot be stored now stops it at that record (with progress made, the call returns; without, it
 * throws TransientError, which the state machine retries).
 */
import type { Context } from "aws-lambda";
import { ShardPosition, StreamSource } from "../adapters/ports";
import { describeError } from "../errors";
import { countOutcomes, storeStreamRecords } from "../handlers/process";
import { Segment, SegmentOutput, Totals, TransientError, ZERO_TOTALS } from "../orchestration/tasks";
import { StoreDeps, StoreOutcome } from "../store";
import { Log } from "../telemetry";
import { validSegment } from "./plan";

export interface SegmentDeps extends StoreDeps {
    readonly source: StreamSource;
    readonly now: () => number;
    readonly logger: Log;
    /** Records one call reads at most. */
    readonly maxRecords: number;
    /** Records per GetRecords. */
    readonly readLimit: number;
    /** The call returns when less than this remains of the invocation. */
    readonly reserve: number;
    /** Added to the remaining invocation time for the claim lock. */
    readonly margin: number;
}

/** Whether a record (sequence number, arrival time) lies before the segment's end. */
export function inSegment(until: Segment["until"], seq: string, arrivalMs: number): boolean {
    return (until.sequenceNumber === undefined || BigInt(seq) <= BigInt(until.sequenceNumber)) && (until.timestampMs === undefined || arrivalMs < until.timestampMs);
}

/** The outcomes up to the first record that could not be stored now (all of them when none failed), and its index (-1: none). */
export function settledOutcomes(outcomes: readonly StoreOutcome[]): { readonly settled: readonly StoreOutcome[]; readonly firstFailed: number } {
    const firstFailed = outcomes.findIndex((o) => o.kind === "failed");
    return { settled: firstFailed === -1 ? outcomes : outcomes.slice(0, firstFailed), firstFailed };
}

/** `totals` with the settled outcomes added. */
export function addTotals(totals: Totals, settled: readonly StoreOutcome[]): Totals {
    const c = countOutcomes(settled);
    return { read: totals.read + settled.length, stored: totals.stored + c.stored, duplicates: totals.duplicates + c.duplicate, invalid: totals.invalid + c.invalid };
}

/** Replays the next part of `segment` within one invocation; returns it advanced, and whether it is done. */
export async function replaySegment(deps: SegmentDeps, segment: Segment, totalsIn: Totals, context: Context): Promise<SegmentOutput> {
    const { now, logger, maxRecords, readLimit, reserve, margin } = deps;
    validSegment(segment);
    const until = segment.until ?? {};
    let position: ShardPosition = segment.position;
    let totals = { ...ZERO_TOTALS, ...totalsIn };
    let handled = 0;
    const advanced = (done: boolean): SegmentOutput => ({ segment: { ...segment, position }, done, totals });
    while (handled < maxRecords && context.getRemainingTimeInMillis() > reserve) {
        const read = await deps.source.read(segment.shardId, position, Math.min(readLimit, maxRecords - handled));
        const records = read.records.filter((r) => inSegment(until, r.sequenceNumber, r.arrivalMs));
        const reachedEnd = records.length < read.records.length || (read.records.length === 0 && (read.caughtUp || !read.open));
        if (read.records.length === 0 && !reachedEnd) {
            // Kinesis returned nothing without being caught up: retry later from the same position (never skip).
            if (handled === 0) {
                throw new TransientError(`${segment.shardId}: no records returned and the shard is not caught up`);
            }
            return advanced(false);
        }
        if (records.length > 0) {
            const result = await storeStreamRecords(
                { ...deps, logger },
                records.map((r) => ({ id: `${segment.shardId}:${r.sequenceNumber}`, data: r.data })),
                now() + context.getRemainingTimeInMillis() + margin,
                now() + context.getRemainingTimeInMillis() - reserve,
            );
            const { settled, firstFailed } = settledOutcomes(result.outcomes);
            totals = addTotals(totals, settled);
            handled += settled.length;
            if (firstFailed !== -1) {
                const failed = result.outcomes[firstFailed];
                position = { type: "AT_SEQUENCE_NUMBER", sequenceNumber: records[firstFailed].sequenceNumber };
                const reason = failed.kind === "failed" ? describeError(failed.error) : "unknown";
                if (handled === 0) {
                    throw new TransientError(`${segment.shardId} at ${records[firstFailed].sequenceNumber}: ${reason}`);
                }
                logger.warn("segment stopped at a record that could not be stored now", { shardId: segment.shardId, sequenceNumber: records[firstFailed].sequenceNumber, reason });
                return advanced(false);
            }
            position = { type: "AFTER_SEQUENCE_NUMBER", sequenceNumber: records[records.length - 1].sequenceNumber };
        }
        if (reachedEnd) {
            return advanced(true);
        }
    }
    return advanced(false);
}
