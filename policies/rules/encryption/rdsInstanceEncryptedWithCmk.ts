import { cmkProblem, keyRef } from "../../lib/keys";
import { resourceRule } from "../../lib/rule";
import { peek } from "../../lib/unknown";

export const rdsInstanceEncryptedWithCmk = resourceRule({
    name: "rds-instance-encrypted-with-cmk",
    description: "RDS DB instances must be encrypted with a customer-managed KMS key (storageEncrypted, kmsKeyId).",
    details:
        "RDS DB instances must have storageEncrypted true with a customer-managed KMS key (kmsKeyId); without kmsKeyId RDS uses the AWS-managed alias/aws/rds. Instances that belong to a cluster (clusterIdentifier) inherit the cluster's encryption and are checked by rds-cluster-encrypted-with-cmk.",
    severity: "high",
    framework: { paper: "Table 2: at rest (KMS customer-managed keys)", securityHub: ["RDS.3"], checkov: ["CKV_AWS_16"] },
    remediationSteps: "Set storageEncrypted: true and kmsKeyId to the ARN of a customer-managed aws.kms.Key (encryption cannot be added to an existing instance: restore an encrypted snapshot copy).",
    resourceTypes: ["aws:rds/instance:Instance"],
    validateResource: (args, report) => {
                const cluster = peek(args.props, "clusterIdentifier");
        if (!cluster.known || (typeof cluster.value === "string" && cluster.value !== "")) {
            return; // a cluster member (known or computed cluster identifier): the cluster's encryption applies
        }
        const fix = "set storageEncrypted to true and kmsKeyId to a customer-managed KMS key ARN.";
        const enc: unknown = args.props["storageEncrypted"];
        if (enc !== true) {
            report(`RDS DB instance is not encrypted: storageEncrypted is ${String(enc ?? "not set")}; ${fix}`);
            return;
        }
        const problem = cmkProblem(keyRef(args.props, "kmsKeyId"), "kmsKeyId");
        if (problem !== undefined) {
            report(`RDS DB instance is not encrypted with a customer-managed KMS key: ${problem}; ${fix}`);
        }
    },
});
