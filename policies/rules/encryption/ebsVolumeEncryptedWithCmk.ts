import { cmkProblem, keyRef } from "../../lib/keys";
import { resourceRule } from "../../lib/rule";

export const ebsVolumeEncryptedWithCmk = resourceRule({
    name: "ebs-volume-encrypted-with-cmk",
    description: "EBS volumes must be encrypted with a customer-managed KMS key (encrypted: true, kmsKeyId).",
    details:
        "EBS volumes must be encrypted (encrypted: true) with a customer-managed KMS key (kmsKeyId); without kmsKeyId EBS uses the AWS-managed alias/aws/ebs.",
    severity: "high",
    framework: { paper: "Table 2: at rest (KMS customer-managed keys)", securityHub: ["EC2.3"], checkov: ["CKV_AWS_3"] },
    remediationSteps: "Set encrypted: true and kmsKeyId to the ARN of a customer-managed aws.kms.Key on the volume (an existing unencrypted volume must be copied from a snapshot).",
    resourceTypes: ["aws:ebs/volume:Volume"],
    validateResource: (args, report) => {
                const fix = "set encrypted to true and kmsKeyId to a customer-managed KMS key ARN.";
        const encrypted: unknown = args.props["encrypted"];
        if (encrypted !== true) {
            report(`EBS volume is not encrypted: encrypted is ${String(encrypted ?? "not set")}; ${fix}`);
            return;
        }
        const problem = cmkProblem(keyRef(args.props, "kmsKeyId"), "kmsKeyId");
        if (problem !== undefined) {
            report(`EBS volume is not encrypted with a customer-managed KMS key: ${problem}; ${fix}`);
        }
    },
});
