import { cmkProblem, keyRef } from "../../lib/keys";
import { resourceRule } from "../../lib/rule";

export const secretsmanagerSecretEncryptedWithCmk = resourceRule({
    name: "secretsmanager-secret-encrypted-with-cmk",
    description: "Secrets Manager secrets must be encrypted with a customer-managed KMS key (kmsKeyId).",
    details:
        "Secrets Manager secrets must be encrypted with a customer-managed KMS key (kmsKeyId); without it Secrets Manager uses the AWS-managed alias/aws/secretsmanager.",
    severity: "high",
    framework: { paper: "5.1 Identity and access (secrets in a secrets manager); Table 2: at rest", checkov: ["CKV_AWS_149"] },
    remediationSteps: "Set the secret's kmsKeyId to the ARN of a customer-managed aws.kms.Key (e.g. the stack's secrets key).",
    resourceTypes: ["aws:secretsmanager/secret:Secret"],
    validateResource: (args, report) => {
                const problem = cmkProblem(keyRef(args.props, "kmsKeyId"), "kmsKeyId");
        if (problem !== undefined) {
            report(`Secrets Manager secret is not encrypted with a customer-managed KMS key: ${problem}; set kmsKeyId to a customer-managed KMS key ARN.`);
        }
    },
});
