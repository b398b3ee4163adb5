/**
 * AWS implementations of StreamSink (ingest) and StreamSource (replays). The handlers create the SDK clients from
 * the environment (contract.ts); every call goes over HTTPS (SDK default), through VPC endpoints in a VPC.
 */
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, PutRecordsCommand, type ShardIteratorType } from "@aws-sdk/client-kinesis";
import { ShardPosition, ShardRead, StreamRecord, StreamRecordInput, StreamSink, StreamSource } from "./ports";

/** Kinesis PutRecords; fails when any record was not stored (the caller reports 503 and the producer retries). */
export class KinesisStreamSink implements StreamSink {
    constructor(
        private readonly streamName: string,
        private readonly client: Pick<KinesisClient, "send"> = new KinesisClient({}),
    ) {}

    async put(records: readonly StreamRecordInput[]): Promise<void> {
        const out = await this.client.send(
            new PutRecordsCommand({
                StreamName: this.streamName,
                Records: records.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })),
            }),
        );
        if ((out.FailedRecordCount ?? 0) > 0) {
            const first = out.Records?.find((r) => r.ErrorCode);
            const err = new Error(`Kinesis PutRecords failed for ${out.FailedRecordCount} record(s): ${first?.ErrorCode ?? "unknown"}`);
            // Per-record failures are throughput or internal errors: retrying later may succeed.
            err.name = first?.ErrorCode === "InternalFailure" ? "InternalFailure" : "ProvisionedThroughputExceededException";
            throw err;
        }
    }
}

/** Reads shards back for replays: ListShards, then GetShardIterator and GetRecords from a position. */
export class KinesisStreamSource implements StreamSource {
    constructor(
        private readonly streamName: string,
        private readonly client: Pick<KinesisClient, "send"> = new KinesisClient({}),
        /** GetRecords calls per read while the shard returns nothing but is not caught up. Default 20. */
        private readonly maxEmptyReads = 20,
    ) {}

    async listShards(): Promise<readonly string[]> {
        const shards: string[] = [];
        let token: string | undefined;
        do {
            const out = await this.client.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: this.streamName }));
            shards.push(...(out.Shards ?? []).map((s) => s.ShardId ?? "").filter((s) => s !== ""));
            token = out.NextToken;
        } while (token);
        return shards;
    }

    async read(shardId: string, position: ShardPosition, limit: number): Promise<ShardRead> {
        const it = await this.client.send(
            new GetShardIteratorCommand({
                StreamName: this.streamName,
                ShardId: shardId,
                ShardIteratorType: position.type as ShardIteratorType,
                ...(position.type === "AT_SEQUENCE_NUMBER" || position.type === "AFTER_SEQUENCE_NUMBER" ? { StartingSequenceNumber: position.sequenceNumber } : {}),
                ...(position.type === "AT_TIMESTAMP" ? { Timestamp: new Date(position.timestampMs) } : {}),
            }),
        );
        let iterator = it.ShardIterator;
        const records: StreamRecord[] = [];
        for (let empty = 0; iterator && records.length < limit; ) {
            const out = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(10000, limit - records.length) }));
            for (const r of out.Records ?? []) {
                records.push({
                    sequenceNumber: r.SequenceNumber ?? "",
                    partitionKey: r.PartitionKey ?? "",
                    data: Buffer.from(r.Data ?? new Uint8Array()),
                    arrivalMs: r.ApproximateArrivalTimestamp ? r.ApproximateArrivalTimestamp.getTime() : 0,
                });
            }
            iterator = out.NextShardIterator;
            if ((out.Records ?? []).length === 0) {
                if (out.MillisBehindLatest === 0 || ++empty >= this.maxEmptyReads) {
                    return { records, open: iterator !== undefined && iterator !== null, caughtUp: out.MillisBehindLatest === 0 };
                }
            } else if (out.MillisBehindLatest === 0 && records.length < limit) {
                return { records, open: iterator !== undefined && iterator !== null, caughtUp: true };
            }
        }
        return { records, open: iterator !== undefined && iterator !== null, caughtUp: false };
    }
}
