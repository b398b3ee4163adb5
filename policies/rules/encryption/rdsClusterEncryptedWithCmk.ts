import { cmkProblem, keyRef } from "../../lib/keys";
import { resourceRule } from "../../lib/rule";

export const rdsClusterEncryptedWithCmk = resourceRule({
    name: "rds-cluster-encrypted-with-cmk",
    description: "RDS (Aurora) DB clusters must be encrypted with a customer-managed KMS key (storageEncrypted, kmsKeyId).",
    details:
        "RDS (Aurora) DB clusters must have storageEncrypted true with a customer-managed KMS key (kmsKeyId); without kmsKeyId RDS uses the AWS-managed alias/aws/rds.",
    severity: "high",
    framework: { paper: "Table 2: at rest (KMS customer-managed keys)" },
    remediationSteps: "Set storageEncrypted: true and kmsKeyId to the ARN of a customer-managed aws.kms.Key on the cluster (an existing unencrypted cluster must be restored from an encrypted snapshot).",
    resourceTypes: ["aws:rds/cluster:Cluster"],
    validateResource: (args, report) => {
                const fix = "set storageEncrypted to true and kmsKeyId to a customer-managed KMS key ARN.";
        const enc: unknown = args.props["storageEncrypted"];
        if (enc !== true) {
            report(`RDS DB cluster is not encrypted: storageEncrypted is ${String(enc ?? "not set")}; ${fix}`);
            return;
        }
        const problem = cmkProblem(keyRef(args.props, "kmsKeyId"), "kmsKeyId");
        if (problem !== undefined) {
            report(`RDS DB cluster is not encrypted with a customer-managed KMS key: ${problem}; ${fix}`);
        }
    },
});
