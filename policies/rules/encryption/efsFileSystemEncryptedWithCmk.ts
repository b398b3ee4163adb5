import { resourceRule } from "../../lib/rule";
import { keyProblem, notTrue } from "./common";

export const efsFileSystemEncryptedWithCmk = resourceRule({
    name: "efs-file-system-encrypted-with-cmk",
    description: "EFS file systems must be encrypted at rest with a customer-managed KMS key (encrypted: true, kmsKeyId).",
    details: "An EFS file system created through the API is unencrypted unless encrypted is true; with encrypted and no kmsKeyId EFS uses the AWS-managed alias/aws/elasticfilesystem. Encryption can only be chosen at creation.",
    severity: "high",
    framework: { paper: "Table 2: at rest (KMS customer-managed keys)", securityHub: ["EFS.1"], checkov: ["CKV_AWS_42", "CKV_AWS_184"] },
    remediationSteps: "Set encrypted: true and kmsKeyId to the ARN of a customer-managed aws.kms.Key on the aws.efs.FileSystem (a new file system: copy the data with AWS DataSync).",
    resourceTypes: ["aws:efs/fileSystem:FileSystem"],
    validateResource: (args, report) => {
        const fix = "set encrypted: true and kmsKeyId to a customer-managed KMS key ARN.";
        const off = notTrue(args.props, "encrypted", "encrypted");
        if (off !== undefined) {
            report(`EFS file system is not encrypted at rest: ${off}; ${fix}`);
            return;
        }
        const problem = keyProblem(args.props, "kmsKeyId", "kmsKeyId");
        if (problem !== undefined) {
            report(`EFS file system is not encrypted with a customer-managed KMS key: ${problem}; ${fix}`);
        }
    },
});
