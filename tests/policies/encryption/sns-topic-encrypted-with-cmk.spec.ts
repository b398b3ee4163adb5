import assert from "node:assert/strict";
import { snsTopicEncryptedWithCmk } from "../../../policies/rules/encryption/snsTopicEncryptedWithCmk";
import { UNKNOWN, runResourceRule } from "../harness";

const type = "aws:sns/topic:Topic";
const run = (props: Record<string, unknown>) => runResourceRule(snsTopicEncryptedWithCmk, { type, props });

describe("sns-topic-encrypted-with-cmk", () => {
    it("accepts a customer-managed key, known or unknown", async () => {
        assert.deepEqual((await run({ kmsMasterKeyId: "arn:aws:kms:eu-west-1:111122223333:key/abc" })).messages, []);
        assert.deepEqual((await run({ kmsMasterKeyId: UNKNOWN.string })).messages, []);
    });
    it("reports a topic without a key", async () => {
        assert.deepEqual((await run({ name: "alerts" })).messages, [
            "SNS topic is not encrypted with a customer-managed KMS key: kmsMasterKeyId is not set; set kmsMasterKeyId to a customer-managed KMS key ARN.",
        ]);
        assert.equal((await run({ kmsMasterKeyId: "" })).messages.length, 1);
    });
    it("reports alias/aws/sns", async () => {
        assert.deepEqual((await run({ kmsMasterKeyId: "alias/aws/sns" })).messages, [
            "SNS topic is not encrypted with a customer-managed KMS key: kmsMasterKeyId is \"alias/aws/sns\", an AWS-managed key, not a customer-managed key; set kmsMasterKeyId to a customer-managed KMS key ARN.",
        ]);
    });
});
