import { cmkProblem, keyRef } from "../../lib/keys";
import { resourceRule } from "../../lib/rule";

export const backupVaultEncryptedWithCmk = resourceRule({
    name: "backup-vault-encrypted-with-cmk",
    description: "AWS Backup vaults must encrypt recovery points with a customer-managed KMS key (kmsKeyArn).",
    details:
        "AWS Backup vaults must encrypt recovery points with a customer-managed KMS key (kmsKeyArn); without it AWS Backup uses the AWS-managed alias/aws/backup.",
    severity: "high",
    framework: { paper: "Table 2: backups (independent encryption)" },
    remediationSteps: "Set the vault's kmsKeyArn to the ARN of a dedicated customer-managed aws.kms.Key (tag e2ee:key-role = backup), distinct from the keys of the data it protects.",
    resourceTypes: ["aws:backup/vault:Vault"],
    validateResource: (args, report) => {
                const problem = cmkProblem(keyRef(args.props, "kmsKeyArn"), "kmsKeyArn");
        if (problem !== undefined) {
            report(`Backup vault is not encrypted with a customer-managed KMS key: ${problem}; set kmsKeyArn to a dedicated customer-managed KMS key ARN.`);
        }
    },
});
