/**
 * AWS implementations of the ports. The SDK clients are created lazily by the handlers from the environment
 * (contract.ts); every call goes over HTTPS (SDK default), through VPC endpoints when the function runs in a VPC.
 */
import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DEDUP_TABLE_KEY, DEDUP_TABLE_TTL_ATTRIBUTE } from "../contract";
import { DedupStore, ListResult, ObjectStore, StreamRecordInput, StreamSink } from "./ports";

/** DynamoDB conditional put: `attribute_not_exists(recordId)`. Entries expire through a TTL attribute. */
export class DynamoDbDedupStore implements DedupStore {
    constructor(
        private readonly table: string,
        private readonly client: Pick<DynamoDBClient, "send"> = new DynamoDBClient({}),
        private readonly ttlSeconds = 7 * 24 * 3600,
    ) {}

    async claim(recordId: string): Promise<boolean> {
        try {
            await this.client.send(
                new PutItemCommand({
                    TableName: this.table,
                    Item: {
                        [DEDUP_TABLE_KEY]: { S: recordId },
                        [DEDUP_TABLE_TTL_ATTRIBUTE]: { N: String(Math.floor(Date.now() / 1000) + this.ttlSeconds) },
                    },
                    ConditionExpression: "attribute_not_exists(#id)",
                    ExpressionAttributeNames: { "#id": DEDUP_TABLE_KEY },
                }),
            );
            return true;
        } catch (err) {
            if (err instanceof ConditionalCheckFailedException || (err as { name?: string }).name === "ConditionalCheckFailedException") {
                return false;
            }
            throw err;
        }
    }

    async release(recordId: string): Promise<void> {
        await this.client.send(new DeleteItemCommand({ TableName: this.table, Key: { [DEDUP_TABLE_KEY]: { S: recordId } } }));
    }
}

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

export class S3ObjectStore implements ObjectStore {
    constructor(
        private readonly bucket: string,
        private readonly client: Pick<S3Client, "send"> = new S3Client({}),
    ) {}

    async put(key: string, body: Buffer, metadata: Readonly<Record<string, string>> = {}): Promise<void> {
        // Server-side encryption is the bucket default (SSE-KMS with the storage key), on top of the envelopes.
        await this.client.send(
            new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: "application/octet-stream", Metadata: { ...metadata } }),
        );
    }

    async get(key: string): Promise<Buffer> {
        const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        if (!out.Body) {
            throw new Error(`S3 object ${key} has no body`);
        }
        return Buffer.from(await out.Body.transformToByteArray());
    }

    async list(prefix: string, startAfter?: string, maxKeys = 1000): Promise<ListResult> {
        const out = await this.client.send(
            new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, StartAfter: startAfter, MaxKeys: maxKeys }),
        );
        return { keys: (out.Contents ?? []).map((c) => c.Key ?? "").filter((k) => k !== ""), truncated: out.IsTruncated === true };
    }
}
