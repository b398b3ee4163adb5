import { resourceRule } from "../../lib/rule";
import { objAt } from "../../lib/k8s";
import { keyProblem } from "./common";

const PARTS = [
    { block: "cloudwatchEncryption", mode: "cloudwatchEncryptionMode", want: "SSE-KMS", what: "CloudWatch logs" },
    { block: "jobBookmarksEncryption", mode: "jobBookmarksEncryptionMode", want: "CSE-KMS", what: "job bookmarks" },
    { block: "s3Encryption", mode: "s3EncryptionMode", want: "SSE-KMS", what: "data written to S3" },
] as const;

export const glueSecurityConfigurationEncryptedWithCmk = resourceRule({
    name: "glue-security-configuration-encrypted-with-cmk",
    description: "Glue security configurations must encrypt logs, job bookmarks and S3 output with a customer-managed KMS key.",
    details: "Each of encryptionConfiguration.cloudwatchEncryption (SSE-KMS), jobBookmarksEncryption (CSE-KMS) and s3Encryption (SSE-KMS) must name a kmsKeyArn; DISABLED or SSE-S3 leave the data under keys the account does not control.",
    severity: "high",
    framework: { paper: "Table 2: at rest (KMS customer-managed keys)", checkov: ["CKV_AWS_99"] },
    remediationSteps: "In the aws.glue.SecurityConfiguration set cloudwatchEncryption { cloudwatchEncryptionMode: \"SSE-KMS\", kmsKeyArn }, jobBookmarksEncryption { jobBookmarksEncryptionMode: \"CSE-KMS\", kmsKeyArn } and s3Encryption { s3EncryptionMode: \"SSE-KMS\", kmsKeyArn } with a customer-managed key.",
    resourceTypes: ["aws:glue/securityConfiguration:SecurityConfiguration"],
    validateResource: (args, report) => {
        for (const p of PARTS) {
            const block = objAt(args.props, "encryptionConfiguration", p.block);
            const mode: unknown = block?.[p.mode];
            if (mode !== p.want) {
                report(`Glue security configuration does not encrypt ${p.what} with KMS: encryptionConfiguration.${p.block}.${p.mode} is ${mode === undefined ? "not set" : `"${String(mode)}"`}; set it to "${p.want}" with a customer-managed kmsKeyArn.`);
                continue;
            }
            const problem = keyProblem(args.props, `encryptionConfiguration.${p.block}.kmsKeyArn`, "encryptionConfiguration", p.block, "kmsKeyArn");
            if (problem !== undefined) {
                report(`Glue security configuration does not encrypt ${p.what} with a customer-managed KMS key: ${problem}; set it to a customer-managed key ARN.`);
            }
        }
    },
});
