import { cmkProblem, keyRef } from "../../lib/keys";
import { resourceRule } from "../../lib/rule";

export const dynamodbTableEncryptedWithCmk = resourceRule({
    name: "dynamodb-table-encrypted-with-cmk",
    description: "DynamoDB tables must be encrypted at rest with a customer-managed KMS key (serverSideEncryption.kmsKeyArn).",
    details:
        "DynamoDB tables must be encrypted at rest with a customer-managed KMS key: serverSideEncryption.enabled true with serverSideEncryption.kmsKeyArn (without it DynamoDB uses an AWS-owned key, or the AWS-managed alias/aws/dynamodb).",
    severity: "high",
    framework: { paper: "Table 2: at rest (KMS customer-managed keys)", checkov: ["CKV_AWS_119"] },
    remediationSteps: "Set serverSideEncryption: { enabled: true, kmsKeyArn: <customer-managed aws.kms.Key arn> } on the table.",
    resourceTypes: ["aws:dynamodb/table:Table"],
    validateResource: (args, report) => {
                const sse: unknown = args.props["serverSideEncryption"];
        const fix = "set serverSideEncryption to { enabled: true, kmsKeyArn: <customer-managed KMS key ARN> }.";
        if (sse === undefined || sse === null) {
            report(`DynamoDB table is not encrypted with a customer-managed KMS key: serverSideEncryption is not set, so the table uses an AWS-owned key; ${fix}`);
            return;
        }
        const s = sse as Record<string, unknown>;
        if (s["enabled"] !== true) {
            report(`DynamoDB table is not encrypted with a customer-managed KMS key: serverSideEncryption.enabled is ${String(s["enabled"])}, so the table uses an AWS-owned key; ${fix}`);
            return;
        }
        const problem = cmkProblem(keyRef(s, "kmsKeyArn"), "serverSideEncryption.kmsKeyArn");
        if (problem !== undefined) {
            const managed = keyRef(s, "kmsKeyArn").kind === "missing" ? " (DynamoDB then uses the AWS-managed key alias/aws/dynamodb)" : "";
            report(`DynamoDB table is not encrypted with a customer-managed KMS key: ${problem}${managed}; ${fix}`);
        }
    },
});
