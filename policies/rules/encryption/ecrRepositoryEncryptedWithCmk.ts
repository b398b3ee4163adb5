import { cmkProblem, keyRef } from "../../lib/keys";
import { resourceRule } from "../../lib/rule";

export const ecrRepositoryEncryptedWithCmk = resourceRule({
    name: "ecr-repository-encrypted-with-cmk",
    description: "ECR repositories must be encrypted with a customer-managed KMS key (encryptionType KMS with kmsKey).",
    details:
        "ECR repositories must be encrypted with a customer-managed KMS key: encryptionConfigurations [{ encryptionType: \"KMS\" (or \"KMS_DSSE\"), kmsKey }]; the default is AES256, and KMS without kmsKey uses the AWS-managed alias/aws/ecr.",
    severity: "medium",
    framework: { paper: "5.3 Infrastructure (images); Table 2: at rest", checkov: ["CKV_AWS_136"] },
    remediationSteps: "Set encryptionConfigurations: [{ encryptionType: \"KMS\", kmsKey: <customer-managed aws.kms.Key arn> }] (this replaces the repository).",
    resourceTypes: ["aws:ecr/repository:Repository"],
    validateResource: (args, report) => {
                const fix = "set encryptionConfigurations to [{ encryptionType: \"KMS\", kmsKey: <customer-managed KMS key ARN> }].";
        const list = args.props["encryptionConfigurations"] as Record<string, unknown>[] | undefined | null;
        const ec = list === undefined || list === null || list.length === 0 ? undefined : list[0];
        const type: unknown = ec?.["encryptionType"];
        if (type !== "KMS" && type !== "KMS_DSSE") {
            const shown = type === undefined || type === null ? "not set (AES256)" : `"${String(type)}"`;
            report(`ECR repository is not encrypted with a customer-managed KMS key: encryptionConfigurations[0].encryptionType is ${shown}; ${fix}`);
            return;
        }
        const problem = cmkProblem(keyRef(ec, "kmsKey"), "encryptionConfigurations[0].kmsKey");
        if (problem !== undefined) {
            report(`ECR repository is not encrypted with a customer-managed KMS key: ${problem}; ${fix}`);
        }
    },
});
