import assert from "node:assert/strict";
import { secretsmanagerSecretEncryptedWithCmk } from "../../../policies/rules/encryption/secretsmanagerSecretEncryptedWithCmk";
import { runResourceRule } from "../harness";

const type = "aws:secretsmanager/secret:Secret";
const run = (props: Record<string, unknown>) => runResourceRule(secretsmanagerSecretEncryptedWithCmk, { type, props });

describe("secretsmanager-secret-encrypted-with-cmk", () => {
    it("accepts a customer-managed key", async () => {
        assert.deepEqual((await run({ kmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/abc" })).messages, []);
    });
    it("reports the default AWS-managed key and alias/aws/secretsmanager", async () => {
        assert.deepEqual((await run({ name: "db" })).messages, [
            "Secrets Manager secret is not encrypted with a customer-managed KMS key: kmsKeyId is not set; set kmsKeyId to a customer-managed KMS key ARN.",
        ]);
        assert.deepEqual((await run({ kmsKeyId: "alias/aws/secretsmanager" })).messages, [
            "Secrets Manager secret is not encrypted with a customer-managed KMS key: kmsKeyId is \"alias/aws/secretsmanager\", an AWS-managed key, not a customer-managed key; set kmsKeyId to a customer-managed KMS key ARN.",
        ]);
    });
});
