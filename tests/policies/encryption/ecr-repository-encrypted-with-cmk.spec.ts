import assert from "node:assert/strict";
import { ecrRepositoryEncryptedWithCmk } from "../../../policies/rules/encryption/ecrRepositoryEncryptedWithCmk";
import { runResourceRule } from "../harness";

const type = "aws:ecr/repository:Repository";
const run = (props: Record<string, unknown>) => runResourceRule(ecrRepositoryEncryptedWithCmk, { type, props });
const FIX = "set encryptionConfigurations to [{ encryptionType: \"KMS\", kmsKey: <customer-managed KMS key ARN> }].";
const KEY = "arn:aws:kms:eu-west-1:111122223333:key/abc";

describe("ecr-repository-encrypted-with-cmk", () => {
    it("accepts KMS and KMS_DSSE with a customer-managed key", async () => {
        assert.deepEqual((await run({ encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: KEY }] })).messages, []);
        assert.deepEqual((await run({ encryptionConfigurations: [{ encryptionType: "KMS_DSSE", kmsKey: KEY }] })).messages, []);
    });
    it("reports the AES256 default", async () => {
        assert.deepEqual((await run({})).messages, [
            `ECR repository is not encrypted with a customer-managed KMS key: encryptionConfigurations[0].encryptionType is not set (AES256); ${FIX}`,
        ]);
        assert.deepEqual((await run({ encryptionConfigurations: [{ encryptionType: "AES256" }] })).messages, [
            `ECR repository is not encrypted with a customer-managed KMS key: encryptionConfigurations[0].encryptionType is "AES256"; ${FIX}`,
        ]);
    });
    it("reports KMS without a key (AWS-managed alias/aws/ecr)", async () => {
        assert.deepEqual((await run({ encryptionConfigurations: [{ encryptionType: "KMS" }] })).messages, [
            `ECR repository is not encrypted with a customer-managed KMS key: encryptionConfigurations[0].kmsKey is not set; ${FIX}`,
        ]);
    });
});
