import { cmkProblem, keyRef } from "../../lib/keys";
import { resourceRule } from "../../lib/rule";

export const snsTopicEncryptedWithCmk = resourceRule({
    name: "sns-topic-encrypted-with-cmk",
    description: "SNS topics must be encrypted at rest with a customer-managed KMS key (kmsMasterKeyId).",
    details:
        "SNS topics must be encrypted at rest with a customer-managed KMS key (kmsMasterKeyId); the AWS-managed alias/aws/sns is not customer-managed.",
    severity: "high",
    framework: { paper: "Table 2: at rest (KMS customer-managed keys)", securityHub: ["SNS.1"], checkov: ["CKV_AWS_26"] },
    remediationSteps: "Set the topic's kmsMasterKeyId to the ARN of a customer-managed aws.kms.Key whose key policy lets the publishing services use it.",
    resourceTypes: ["aws:sns/topic:Topic"],
    validateResource: (args, report) => {
                const problem = cmkProblem(keyRef(args.props, "kmsMasterKeyId"), "kmsMasterKeyId");
        if (problem !== undefined) {
            report(`SNS topic is not encrypted with a customer-managed KMS key: ${problem}; set kmsMasterKeyId to a customer-managed KMS key ARN.`);
        }
    },
});
