import assert from "node:assert/strict";
import { dynamodbTableEncryptedWithCmk } from "../../../policies/rules/encryption/dynamodbTableEncryptedWithCmk";
import { UNKNOWN, runResourceRule } from "../harness";

const type = "aws:dynamodb/table:Table";
const KEY = "arn:aws:kms:eu-west-1:111122223333:key/abc";
const run = (props: Record<string, unknown>) => runResourceRule(dynamodbTableEncryptedWithCmk, { type, props });
const FIX = "set serverSideEncryption to { enabled: true, kmsKeyArn: <customer-managed KMS key ARN> }.";

describe("dynamodb-table-encrypted-with-cmk", () => {
    it("accepts enabled SSE with a customer-managed key (known or unknown ARN)", async () => {
        assert.deepEqual((await run({ serverSideEncryption: { enabled: true, kmsKeyArn: KEY } })).messages, []);
        assert.deepEqual((await run({ serverSideEncryption: { enabled: true, kmsKeyArn: UNKNOWN.string } })).messages, []);
    });
    it("reports a table without serverSideEncryption", async () => {
        assert.deepEqual((await run({})).messages, [
            `DynamoDB table is not encrypted with a customer-managed KMS key: serverSideEncryption is not set, so the table uses an AWS-owned key; ${FIX}`,
        ]);
    });
    it("reports enabled false", async () => {
        assert.deepEqual((await run({ serverSideEncryption: { enabled: false, kmsKeyArn: KEY } })).messages, [
            `DynamoDB table is not encrypted with a customer-managed KMS key: serverSideEncryption.enabled is false, so the table uses an AWS-owned key; ${FIX}`,
        ]);
    });
    it("reports enabled without kmsKeyArn (AWS-managed alias/aws/dynamodb) and with alias/aws/dynamodb", async () => {
        assert.deepEqual((await run({ serverSideEncryption: { enabled: true } })).messages, [
            `DynamoDB table is not encrypted with a customer-managed KMS key: serverSideEncryption.kmsKeyArn is not set (DynamoDB then uses the AWS-managed key alias/aws/dynamodb); ${FIX}`,
        ]);
        assert.deepEqual((await run({ serverSideEncryption: { enabled: true, kmsKeyArn: "alias/aws/dynamodb" } })).messages, [
            `DynamoDB table is not encrypted with a customer-managed KMS key: serverSideEncryption.kmsKeyArn is "alias/aws/dynamodb", an AWS-managed key, not a customer-managed key; ${FIX}`,
        ]);
    });
    it("cannot decide an unknown enabled flag during preview: advisory, no violation", async () => {
        const r = await run({ serverSideEncryption: { enabled: UNKNOWN.boolean, kmsKeyArn: KEY } });
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, "boolean value at .serverSideEncryption.enabled can't be known during preview");
    });
});
