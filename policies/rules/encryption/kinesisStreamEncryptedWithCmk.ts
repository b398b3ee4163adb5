import { cmkProblem, keyRef } from "../../lib/keys";
import { resourceRule } from "../../lib/rule";

export const kinesisStreamEncryptedWithCmk = resourceRule({
    name: "kinesis-stream-encrypted-with-cmk",
    description: "Kinesis data streams must be encrypted at rest with a customer-managed KMS key (encryptionType KMS, kmsKeyId).",
    details:
        "Kinesis data streams must be encrypted at rest with a customer-managed KMS key: encryptionType \"KMS\" and a kmsKeyId that is not the AWS-managed alias/aws/kinesis.",
    severity: "high",
    framework: { paper: "Table 2: at rest (KMS customer-managed keys)", securityHub: ["Kinesis.1"], checkov: ["CKV_AWS_43"] },
    remediationSteps: "Set encryptionType: \"KMS\" and kmsKeyId to the ARN of a customer-managed aws.kms.Key on the stream.",
    resourceTypes: ["aws:kinesis/stream:Stream"],
    validateResource: (args, report) => {
                const fix = "set encryptionType to \"KMS\" and kmsKeyId to a customer-managed KMS key ARN.";
        const type: unknown = args.props["encryptionType"];
        if (type !== "KMS") {
            const shown = type === undefined || type === null ? "not set (NONE)" : `"${String(type)}"`;
            report(`Kinesis stream is not encrypted with a customer-managed KMS key: encryptionType is ${shown}; ${fix}`);
            return;
        }
        const problem = cmkProblem(keyRef(args.props, "kmsKeyId"), "kmsKeyId");
        if (problem !== undefined) {
            report(`Kinesis stream is not encrypted with a customer-managed KMS key: ${problem}; ${fix}`);
        }
    },
});
