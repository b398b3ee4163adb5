import { cmkProblem, keyRef } from "../../lib/keys";
import { resourceRule } from "../../lib/rule";

export const sfnStateMachineEncryptedWithCmk = resourceRule({
    name: "sfn-state-machine-encrypted-with-cmk",
    description: "Step Functions state machines must encrypt their data with a customer-managed KMS key (encryptionConfiguration).",
    details:
        "Step Functions state machines must encrypt their data with a customer-managed KMS key: encryptionConfiguration.type \"CUSTOMER_MANAGED_KMS_KEY\" with encryptionConfiguration.kmsKeyId (the default is an AWS-owned key).",
    severity: "high",
    framework: { paper: "Table 2: at rest (KMS customer-managed keys); 2.1 orchestration layer" },
    remediationSteps: "Set encryptionConfiguration: { type: \"CUSTOMER_MANAGED_KMS_KEY\", kmsKeyId: <customer-managed aws.kms.Key arn>, kmsDataKeyReusePeriodSeconds: 300 } on the state machine, and allow its role kms:GenerateDataKey and kms:Decrypt on that key.",
    resourceTypes: ["aws:sfn/stateMachine:StateMachine"],
    validateResource: (args, report) => {
                const fix = "set encryptionConfiguration to { type: \"CUSTOMER_MANAGED_KMS_KEY\", kmsKeyId: <customer-managed KMS key ARN> }.";
        const ec = args.props["encryptionConfiguration"] as Record<string, unknown> | undefined | null;
        const type: unknown = ec?.["type"];
        if (type !== "CUSTOMER_MANAGED_KMS_KEY") {
            const shown = type === undefined || type === null ? "not set (AWS_OWNED_KEY)" : `"${String(type)}"`;
            report(`Step Functions state machine is not encrypted with a customer-managed KMS key: encryptionConfiguration.type is ${shown}; ${fix}`);
            return;
        }
        const problem = cmkProblem(keyRef(ec, "kmsKeyId"), "encryptionConfiguration.kmsKeyId");
        if (problem !== undefined) {
            report(`Step Functions state machine is not encrypted with a customer-managed KMS key: ${problem}; ${fix}`);
        }
    },
});
