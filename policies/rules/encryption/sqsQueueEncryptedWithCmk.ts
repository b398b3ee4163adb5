import { cmkProblem, keyRef } from "../../lib/keys";
import { resourceRule } from "../../lib/rule";

export const sqsQueueEncryptedWithCmk = resourceRule({
    name: "sqs-queue-encrypted-with-cmk",
    description: "SQS queues must be encrypted at rest with a customer-managed KMS key (kmsMasterKeyId).",
    details:
        "SQS queues must be encrypted at rest with a customer-managed KMS key (kmsMasterKeyId); SQS-managed SSE (sqsManagedSseEnabled) and the AWS-managed alias/aws/sqs are not customer-managed.",
    severity: "high",
    framework: { paper: "Table 2: at rest (KMS customer-managed keys)", securityHub: ["SQS.1"], checkov: ["CKV_AWS_27"] },
    remediationSteps: "Set the queue's kmsMasterKeyId to the ARN of a customer-managed aws.kms.Key (e.g. the stack's storage key) and remove sqsManagedSseEnabled.",
    resourceTypes: ["aws:sqs/queue:Queue"],
    validateResource: (args, report) => {
                const problem = cmkProblem(keyRef(args.props, "kmsMasterKeyId"), "kmsMasterKeyId");
        if (problem === undefined) {
            return;
        }
        const sqsManaged = args.props["sqsManagedSseEnabled"] === true ? " (sqsManagedSseEnabled uses an SQS-owned key, which is not enough)" : "";
        report(`SQS queue is not encrypted with a customer-managed KMS key: ${problem}${sqsManaged}; set kmsMasterKeyId to a customer-managed KMS key ARN.`);
    },
});
