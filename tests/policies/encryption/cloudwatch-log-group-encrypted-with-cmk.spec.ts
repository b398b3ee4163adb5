import assert from "node:assert/strict";
import { cloudwatchLogGroupEncryptedWithCmk } from "../../../policies/rules/encryption/cloudwatchLogGroupEncryptedWithCmk";
import { UNKNOWN, runResourceRule } from "../harness";

const type = "aws:cloudwatch/logGroup:LogGroup";
const run = (props: Record<string, unknown>) => runResourceRule(cloudwatchLogGroupEncryptedWithCmk, { type, props });

describe("cloudwatch-log-group-encrypted-with-cmk", () => {
    it("accepts a customer-managed key", async () => {
        assert.deepEqual((await run({ kmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/abc", retentionInDays: 365 })).messages, []);
        assert.deepEqual((await run({ kmsKeyId: UNKNOWN.string })).messages, []);
    });
    it("reports a log group without kmsKeyId", async () => {
        assert.deepEqual((await run({ retentionInDays: 365 })).messages, [
            "CloudWatch log group is not encrypted with a customer-managed KMS key: kmsKeyId is not set; set kmsKeyId to a customer-managed KMS key ARN.",
        ]);
    });
    it("reports an AWS-managed alias", async () => {
        assert.deepEqual((await run({ kmsKeyId: "arn:aws:kms:eu-west-1:111122223333:alias/aws/logs" })).messages, [
            "CloudWatch log group is not encrypted with a customer-managed KMS key: kmsKeyId is \"arn:aws:kms:eu-west-1:111122223333:alias/aws/logs\", an AWS-managed key, not a customer-managed key; set kmsKeyId to a customer-managed KMS key ARN.",
        ]);
    });
});
