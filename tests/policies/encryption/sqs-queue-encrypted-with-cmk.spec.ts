import assert from "node:assert/strict";
import { sqsQueueEncryptedWithCmk } from "../../../policies/rules/encryption/sqsQueueEncryptedWithCmk";
import { UNKNOWN, runResourceRule } from "../harness";

const type = "aws:sqs/queue:Queue";
const KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const run = (props: Record<string, unknown>) => runResourceRule(sqsQueueEncryptedWithCmk, { type, props });

describe("sqs-queue-encrypted-with-cmk", () => {
    it("accepts a queue with a customer-managed key", async () => {
        assert.deepEqual((await run({ kmsMasterKeyId: KEY })).messages, []);
    });
    it("accepts a key ARN that is unknown during preview (a key created in this stack)", async () => {
        const r = await run({ kmsMasterKeyId: UNKNOWN.string });
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, undefined);
    });
    it("reports a queue without kmsMasterKeyId", async () => {
        assert.deepEqual((await run({})).messages, [
            "SQS queue is not encrypted with a customer-managed KMS key: kmsMasterKeyId is not set; set kmsMasterKeyId to a customer-managed KMS key ARN.",
        ]);
    });
    it("does not accept SQS-managed SSE", async () => {
        assert.deepEqual((await run({ sqsManagedSseEnabled: true })).messages, [
            "SQS queue is not encrypted with a customer-managed KMS key: kmsMasterKeyId is not set (sqsManagedSseEnabled uses an SQS-owned key, which is not enough); set kmsMasterKeyId to a customer-managed KMS key ARN.",
        ]);
    });
    it("reports the AWS-managed alias/aws/sqs, also as an alias ARN", async () => {
        assert.deepEqual((await run({ kmsMasterKeyId: "alias/aws/sqs" })).messages, [
            "SQS queue is not encrypted with a customer-managed KMS key: kmsMasterKeyId is \"alias/aws/sqs\", an AWS-managed key, not a customer-managed key; set kmsMasterKeyId to a customer-managed KMS key ARN.",
        ]);
        assert.equal((await run({ kmsMasterKeyId: "arn:aws:kms:eu-west-1:111122223333:alias/aws/sqs" })).messages.length, 1);
        assert.deepEqual((await run({ kmsMasterKeyId: "alias/records" })).messages, []);
    });
    it("ignores other resource types", async () => {
        assert.deepEqual((await runResourceRule(sqsQueueEncryptedWithCmk, { type: "aws:sns/topic:Topic", props: {} })).messages, []);
    });
    it("is waived for a named queue until the waiver expires", async () => {
        const cfg = { waivers: [{ resource: "legacy", reason: "migrating", expires: "2999-12-31" }] };
        assert.deepEqual((await runResourceRule(sqsQueueEncryptedWithCmk, { type, name: "legacy", props: {} }, cfg)).messages, []);
    });
});
