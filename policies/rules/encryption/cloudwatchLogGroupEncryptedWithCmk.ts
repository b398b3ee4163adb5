import { cmkProblem, keyRef } from "../../lib/keys";
import { resourceRule } from "../../lib/rule";

export const cloudwatchLogGroupEncryptedWithCmk = resourceRule({
    name: "cloudwatch-log-group-encrypted-with-cmk",
    description: "CloudWatch log groups must be encrypted with a customer-managed KMS key (kmsKeyId).",
    details:
        "CloudWatch log groups must be encrypted with a customer-managed KMS key (kmsKeyId); without it CloudWatch Logs uses service-managed encryption.",
    severity: "medium",
    framework: { paper: "Table 2: at rest (KMS customer-managed keys); 5.5 Runtime (audit logging)", checkov: ["CKV_AWS_158"] },
    remediationSteps: "Set the log group's kmsKeyId to the ARN of a customer-managed aws.kms.Key whose key policy allows the logs.<region>.amazonaws.com service principal.",
    resourceTypes: ["aws:cloudwatch/logGroup:LogGroup"],
    validateResource: (args, report) => {
                const problem = cmkProblem(keyRef(args.props, "kmsKeyId"), "kmsKeyId");
        if (problem !== undefined) {
            report(`CloudWatch log group is not encrypted with a customer-managed KMS key: ${problem}; set kmsKeyId to a customer-managed KMS key ARN.`);
        }
    },
});
