import assert from "node:assert/strict";
import { backupVaultEncryptedWithCmk } from "../../../policies/rules/encryption/backupVaultEncryptedWithCmk";
import { UNKNOWN, runResourceRule } from "../harness";

const type = "aws:backup/vault:Vault";
const run = (props: Record<string, unknown>) => runResourceRule(backupVaultEncryptedWithCmk, { type, props });

describe("backup-vault-encrypted-with-cmk", () => {
    it("accepts a customer-managed key", async () => {
        assert.deepEqual((await run({ kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/backup" })).messages, []);
        assert.deepEqual((await run({ kmsKeyArn: UNKNOWN.string })).messages, []);
    });
    it("reports the default AWS Backup key and alias/aws/backup", async () => {
        assert.deepEqual((await run({ name: "vault" })).messages, [
            "Backup vault is not encrypted with a customer-managed KMS key: kmsKeyArn is not set; set kmsKeyArn to a dedicated customer-managed KMS key ARN.",
        ]);
        assert.deepEqual((await run({ kmsKeyArn: "alias/aws/backup" })).messages, [
            "Backup vault is not encrypted with a customer-managed KMS key: kmsKeyArn is \"alias/aws/backup\", an AWS-managed key, not a customer-managed key; set kmsKeyArn to a dedicated customer-managed KMS key ARN.",
        ]);
    });
});
