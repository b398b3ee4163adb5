/**
 * AWS implementation of StoreLedger on the deduplication table (contract.ts: key `recordId`, TTL `expiresAt`).
 * Ledger items live beside ingest's idempotency records under their own key prefix (`stored#<record id>`) and hold
 * the object a record was assigned to and until when the assigning attempt may still be writing it.
 *
 * IAM: dynamodb:PutItem, dynamodb:GetItem and dynamodb:DeleteItem on the table (conditional writes only).
 */
import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { DEDUP_TABLE_KEY, DEDUP_TABLE_TTL_ATTRIBUTE, STORE_LEDGER_KEY_PREFIX, STORE_LEDGER_TTL_SECONDS } from "../contract";
import { ClaimResult, StoreLedger } from "./ports";

function conditionFailed(err: unknown): err is ConditionalCheckFailedException {
    return err instanceof ConditionalCheckFailedException || (err as { name?: string }).name === "ConditionalCheckFailedException";
}

export class DynamoDbStoreLedger implements StoreLedger {
    constructor(
        private readonly table: string,
        private readonly client: Pick<DynamoDBClient, "send"> = new DynamoDBClient({}),
        private readonly ttlSeconds = STORE_LEDGER_TTL_SECONDS,
        private readonly now: () => number = Date.now,
    ) {}

    private key(recordId: string): Record<string, AttributeValue> {
        return { [DEDUP_TABLE_KEY]: { S: `${STORE_LEDGER_KEY_PREFIX}${recordId}` } };
    }

    private item(recordId: string, object: string, lockedUntilMs: number): Record<string, AttributeValue> {
        return {
            ...this.key(recordId),
            object: { S: object },
            lockedUntil: { N: String(lockedUntilMs) },
            [DEDUP_TABLE_TTL_ATTRIBUTE]: { N: String(Math.floor(this.now() / 1000) + this.ttlSeconds) },
        };
    }

    private held(item: Record<string, AttributeValue> | undefined): ClaimResult | undefined {
        const object = item?.["object"]?.S;
        const locked = item?.["lockedUntil"]?.N;
        return object !== undefined && locked !== undefined ? { kind: "held", object, lockedUntilMs: Number(locked) } : undefined;
    }

    async claim(recordId: string, object: string, lockedUntilMs: number): Promise<ClaimResult> {
        try {
            await this.client.send(
                new PutItemCommand({
                    TableName: this.table,
                    Item: this.item(recordId, object, lockedUntilMs),
                    ConditionExpression: "attribute_not_exists(#k)",
                    ExpressionAttributeNames: { "#k": DEDUP_TABLE_KEY },
                    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
                }),
            );
            return { kind: "claimed" };
        } catch (err) {
            if (!conditionFailed(err)) {
                throw err;
            }
            const fromError = this.held(err.Item);
            if (fromError) {
                return fromError;
            }
            const out = await this.client.send(new GetItemCommand({ TableName: this.table, Key: this.key(recordId), ConsistentRead: true }));
            const held = this.held(out.Item);
            if (held) {
                return held;
            }
            // Deleted (released or expired) between our put and our read: claim again.
            return this.claim(recordId, object, lockedUntilMs);
        }
    }

    async takeOver(recordId: string, from: string, to: string, lockedUntilMs: number): Promise<boolean> {
        try {
            await this.client.send(
                new PutItemCommand({
                    TableName: this.table,
                    Item: this.item(recordId, to, lockedUntilMs),
                    ConditionExpression: "#o = :from",
                    ExpressionAttributeNames: { "#o": "object" },
                    ExpressionAttributeValues: { ":from": { S: from } },
                }),
            );
            return true;
        } catch (err) {
            if (conditionFailed(err)) {
                return false;
            }
            throw err;
        }
    }

    async release(recordId: string, object: string): Promise<void> {
        try {
            await this.client.send(
                new DeleteItemCommand({
                    TableName: this.table,
                    Key: this.key(recordId),
                    ConditionExpression: "#o = :o",
                    ExpressionAttributeNames: { "#o": "object" },
                    ExpressionAttributeValues: { ":o": { S: object } },
                }),
            );
        } catch (err) {
            if (!conditionFailed(err)) {
                throw err;
            }
        }
    }
}
