/**
 * The orchestration's task payloads (the state machine in definition.ts passes them; handlers/replay.ts serves
 * them). Everything a task receives or returns is a reference or a count, never a batch of records: a replay
 * segment names a shard and a position in it, and the replay task reads the records itself. So no payload grows
 * with the data, and each stays far below Step Functions' 256 KB limit (MAX_SEGMENTS bounds the largest).
 */
import { ShardPosition } from "../adapters/ports";

/** Most segments (shards) one execution replays; the plan refuses more. ~300 bytes each in the Map state. */
export const MAX_SEGMENTS = 500;

/** What starts an execution. */
export type ReplayRequest =
    /** Re-store everything that arrived in [from, to) (ISO 8601 times), on every shard or the listed ones. */
    | { readonly mode: "range"; readonly from: string; readonly to: string; readonly shards?: readonly string[] }
    /**
     * Re-store a batch the process stage gave up on: `message` is the record Lambda sends to the event source
     * mapping's on-failure destination (the process dead-letter queue), as an object or as its JSON text.
     */
    | { readonly mode: "deadLetter"; readonly message: EsmFailureRecord | string }
    /** Resume segments a replay dead-lettered (the `segment` of its dead-letter messages), from where they stopped. */
    | { readonly mode: "resume"; readonly segments: readonly Segment[] };

/** The part of Lambda's on-failure record for a Kinesis batch that a replay needs. */
export interface EsmFailureRecord {
    readonly KinesisBatchInfo: {
        readonly shardId: string;
        readonly startSequenceNumber: string;
        readonly endSequenceNumber: string;
        readonly approximateArrivalOfFirstRecord?: string;
        readonly approximateArrivalOfLastRecord?: string;
        readonly streamArn?: string;
        readonly batchSize?: number;
    };
}

/** A contiguous part of one shard to replay: from `position` up to `until`. */
export interface Segment {
    readonly shardId: string;
    readonly position: ShardPosition;
    /** Stop at this sequence number (inclusive) or before this arrival time (exclusive). */
    readonly until: { readonly sequenceNumber?: string; readonly timestampMs?: number };
}

export interface Totals {
    readonly read: number;
    readonly stored: number;
    readonly duplicates: number;
    readonly invalid: number;
}

export const ZERO_TOTALS: Totals = { read: 0, stored: 0, duplicates: 0, invalid: 0 };

export type TaskInput =
    | { readonly task: "plan"; readonly request: ReplayRequest }
    | { readonly task: "segment"; readonly segment: Segment; readonly totals?: Totals }
    | { readonly task: "summarize"; readonly results: readonly SegmentResult[] };

export interface PlanOutput {
    readonly segments: readonly Segment[];
}

export interface SegmentOutput {
    /** The segment, advanced past what this invocation stored. */
    readonly segment: Segment;
    readonly done: boolean;
    readonly totals: Totals;
}

/** One Map iteration's result. */
export interface SegmentResult {
    readonly status: "replayed" | "dead-lettered";
    readonly segment: Segment;
    readonly totals: Totals;
}

export interface Summary extends Totals {
    readonly segments: number;
    readonly replayed: number;
    readonly deadLettered: number;
}

/** A request that can never succeed (bad times, outside the replay horizon, another stream): not retried. */
export class InvalidReplayRequest extends Error {
    constructor(message: string) {
        super(message);
        this.name = "InvalidReplayRequest";
    }
}

/** Nothing could be stored now (S3, DynamoDB or Kinesis unavailable, records held by another attempt): retry later. */
export class TransientError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "TransientError";
    }
}
