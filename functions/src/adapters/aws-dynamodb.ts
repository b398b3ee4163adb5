/**
 * AWS implementation of DedupStore. The SDK clients are created lazily by the handlers from the environment
 * (contract.ts); every call goes over HTTPS (SDK default), through VPC endpoints when the function runs in a VPC.
 */
import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { DEDUP_TABLE_KEY, DEDUP_TABLE_TTL_ATTRIBUTE } from "../contract";
import { DedupStore } from "./ports";

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
