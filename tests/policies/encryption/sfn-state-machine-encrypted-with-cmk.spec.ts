import assert from "node:assert/strict";
import { sfnStateMachineEncryptedWithCmk } from "../../../policies/rules/encryption/sfnStateMachineEncryptedWithCmk";
import { UNKNOWN, runResourceRule } from "../harness";

const type = "aws:sfn/stateMachine:StateMachine";
const run = (props: Record<string, unknown>) => runResourceRule(sfnStateMachineEncryptedWithCmk, { type, props });
const FIX = "set encryptionConfiguration to { type: \"CUSTOMER_MANAGED_KMS_KEY\", kmsKeyId: <customer-managed KMS key ARN> }.";
const base = { definition: "{}", encryptionConfiguration: { type: "CUSTOMER_MANAGED_KMS_KEY", kmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/abc", kmsDataKeyReusePeriodSeconds: 300 } };

describe("sfn-state-machine-encrypted-with-cmk", () => {
    it("accepts a customer-managed key", async () => {
        assert.deepEqual((await run(base)).messages, []);
        assert.deepEqual((await run({ encryptionConfiguration: { type: "CUSTOMER_MANAGED_KMS_KEY", kmsKeyId: UNKNOWN.string } })).messages, []);
    });
    it("reports the default AWS-owned key", async () => {
        assert.deepEqual((await run({ definition: "{}" })).messages, [
            `Step Functions state machine is not encrypted with a customer-managed KMS key: encryptionConfiguration.type is not set (AWS_OWNED_KEY); ${FIX}`,
        ]);
        assert.deepEqual((await run({ encryptionConfiguration: { type: "AWS_OWNED_KEY" } })).messages, [
            `Step Functions state machine is not encrypted with a customer-managed KMS key: encryptionConfiguration.type is "AWS_OWNED_KEY"; ${FIX}`,
        ]);
    });
    it("reports CUSTOMER_MANAGED_KMS_KEY without kmsKeyId", async () => {
        assert.deepEqual((await run({ encryptionConfiguration: { type: "CUSTOMER_MANAGED_KMS_KEY" } })).messages, [
            `Step Functions state machine is not encrypted with a customer-managed KMS key: encryptionConfiguration.kmsKeyId is not set; ${FIX}`,
        ]);
    });
});
