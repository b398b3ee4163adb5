/** What the handlers need from the outside world. AWS implementations in aws.ts, local ones in local.ts. */

/** Deduplication by record id. */
export interface DedupStore {
    /** Records the id; false when it was already claimed (a replay). */
    claim(recordId: string): Promise<boolean>;
    /** Forgets an id whose forwarding failed, so the producer's retry is accepted. */
    release(recordId: string): Promise<void>;
}

export interface StreamRecordInput {
    readonly data: Buffer;
    readonly partitionKey: string;
}

/** The stream between ingest and process (Kinesis). `put` resolves only when every record was stored. */
export interface StreamSink {
    put(records: readonly StreamRecordInput[]): Promise<void>;
}

export interface ListResult {
    readonly keys: readonly string[];
    /** True when more keys follow the last one returned. */
    readonly truncated: boolean;
}

/** The data lake (S3). */
export interface ObjectStore {
    put(key: string, body: Buffer, metadata?: Readonly<Record<string, string>>): Promise<void>;
    get(key: string): Promise<Buffer>;
    /** Keys under `prefix` in lexicographic order, strictly after `startAfter`, at most `maxKeys`. */
    list(prefix: string, startAfter?: string, maxKeys?: number): Promise<ListResult>;
}

/** Where CloudWatch embedded-metric-format lines go (stdout in Lambda). */
export type MetricsSink = (line: string) => void;

export const stdoutMetrics: MetricsSink = (line) => {
    process.stdout.write(line + "\n");
};
