/**
 * AWS implementation of StreamSink. The SDK clients are created lazily by the handlers from the environment
 * (contract.ts); every call goes over HTTPS (SDK default), through VPC endpoints when the function runs in a VPC.
 */
import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { StreamRecordInput, StreamSink } from "./ports";

/** Kinesis PutRecords; fails when any record was not stored (the caller releases and reports 503). */
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
            throw new Error(`Kinesis PutRecords failed for ${out.FailedRecordCount} record(s): ${first?.ErrorCode ?? "unknown"}`);
        }
    }
}
