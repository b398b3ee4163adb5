import { cmkProblem, keyRef } from "../../lib/keys";
import { resourceRule } from "../../lib/rule";

export const lambdaEnvironmentEncryptedWithCmk = resourceRule({
    name: "lambda-environment-encrypted-with-cmk",
    description: "Lambda functions with environment variables must encrypt them with a customer-managed KMS key (kmsKeyArn).",
    details:
        "Lambda functions with environment variables must encrypt them with a customer-managed KMS key (kmsKeyArn); without it Lambda uses the AWS-managed alias/aws/lambda.",
    severity: "high",
    framework: { paper: "Articles: Lambda environment variables encrypted with a customer-managed KMS key", checkov: ["CKV_AWS_173"] },
    remediationSteps: "Set the function's kmsKeyArn to the ARN of a customer-managed aws.kms.Key, and keep secrets in Secrets Manager rather than in environment variables.",
    resourceTypes: ["aws:lambda/function:Function"],
    validateResource: (args, report) => {
        const ref = keyRef(args.props, "kmsKeyArn");
        const problem = cmkProblem(ref, "kmsKeyArn");
        if (problem === undefined) {
            return;
        }
        // Only now do the variables matter (reading unknown variables throws: undecidable during preview).
        const env = args.props["environment"] as Record<string, unknown> | undefined | null;
        const vars = env?.["variables"] as Record<string, unknown> | undefined | null;
        const names = vars === undefined || vars === null ? [] : Object.keys(vars);
        if (names.length === 0) {
            return;
        }
        report(`Lambda function has environment variables (${names.join(", ")}) but is not encrypting them with a customer-managed KMS key: ${problem}; set kmsKeyArn to a customer-managed KMS key ARN.`);
    },
});
