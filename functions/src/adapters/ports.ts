/** What the handlers need from the outside world. AWS implementations in aws-*.ts, local ones in local.ts. */

export interface StreamRecordInput {
    readonly data: Buffer;
    readonly partitionKey: string;
}

/** The stream between ingest and process (Kinesis). `put` resolves only when every record was stored. */
export interface StreamSink {
    put(records: readonly StreamRecordInput[]): Promise<void>;
}

/** A record read back from the stream (replays). */
export interface StreamRecord {
    readonly sequenceNumber: string;
    readonly partitionKey: string;
    readonly data: Buffer;
    /** Approximate arrival time, epoch milliseconds. */
    readonly arrivalMs: number;
}

/** Where a read of one shard starts. */
export type ShardPosition =
    | { readonly type: "AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER"; readonly sequenceNumber: string }
    | { readonly type: "AT_TIMESTAMP"; readonly timestampMs: number }
    | { readonly type: "TRIM_HORIZON" };

export interface ShardRead {
    readonly records: readonly StreamRecord[];
    /** False when the shard is closed and every record was read (after a reshard). */
    readonly open: boolean;
    /** True when the read reached the newest record of the shard. */
    readonly caughtUp: boolean;
}

/** Reading the stream back (Kinesis ListShards / GetShardIterator / GetRecords), for replays. */
export interface StreamSource {
    listShards(): Promise<readonly string[]>;
    /** Up to `limit` records of `shardId` from `position`, in sequence order. */
    read(shardId: string, position: ShardPosition, limit: number): Promise<ShardRead>;
}

export interface ListResult {
    readonly keys: readonly string[];
    /** True when more keys follow the last one returned. */
    readonly truncated: boolean;
}

/** The data lake (S3). */
export interface ObjectStore {
    put(key: string, body: Buffer, metadata?: Readonly<Record<string, string>>): Promise<void>;
    /** The object's bytes; throws ObjectNotFoundError (errors.ts) when it does not exist. */
    get(key: string): Promise<Buffer>;
    exists(key: string): Promise<boolean>;
    /** Keys under `prefix` in lexicographic order, strictly after `startAfter`, at most `maxKeys`. */
    list(prefix: string, startAfter?: string, maxKeys?: number): Promise<ListResult>;
}

/** What StoreLedger.claim found. */
export type ClaimResult =
    /** The record id is now assigned to the object about to be written. */
    | { readonly kind: "claimed" }
    /** Another attempt assigned it to `object`, holding the claim until `lockedUntilMs`. */
    | { readonly kind: "held"; readonly object: string; readonly lockedUntilMs: number };

/**
 * The process stage's record of which object each record id was stored in (DynamoDB in AWS): the write-ahead
 * half of exactly-once storage. See handlers/process.ts for the protocol.
 */
export interface StoreLedger {
    /** Assigns `recordId` to `object` unless it is assigned already. */
    claim(recordId: string, object: string, lockedUntilMs: number): Promise<ClaimResult>;
    /** Moves a claim from `from` (an object that was never written, lock expired) to `to`; false if it changed meanwhile. */
    takeOver(recordId: string, from: string, to: string, lockedUntilMs: number): Promise<boolean>;
    /** Drops a claim on `object` whose write failed, so a retry need not wait for the lock to expire. */
    release(recordId: string, object: string): Promise<void>;
}

/** Where CloudWatch embedded-metric-format lines go (stdout in Lambda). */
export type MetricsSink = (line: string) => void;

export const stdoutMetrics: MetricsSink = (line) => {
    process.stdout.write(line + "\n");
};
