import { resourceRule } from "../../lib/rule";
import { keyProblem, notTrue } from "./common";

export const neptuneClusterEncryptedWithCmk = resourceRule({
    name: "neptune-cluster-encrypted-with-cmk",
    description: "Neptune clusters must be encrypted at rest with a customer-managed KMS key (storageEncrypted: true, kmsKeyId).",
    details: "Without storageEncrypted the cluster's storage is not encrypted; without kmsKeyId it is encrypted with the AWS-managed alias/aws/rds. Encryption can only be chosen at creation.",
    severity: "high",
    framework: { paper: "Table 2: at rest (KMS customer-managed keys)", securityHub: ["Neptune.1"], checkov: ["CKV_AWS_44", "CKV_AWS_347"] },
    remediationSteps: "Set storageEncrypted: true and kmsKeyId to the ARN of a customer-managed aws.kms.Key (an existing cluster: restore an encrypted snapshot copy).",
    resourceTypes: ["aws:neptune/cluster:Cluster"],
    validateResource: (args, report) => {
        const fix = "set storageEncrypted: true and kmsKeyId to a customer-managed KMS key ARN.";
        const off = notTrue(args.props, "storageEncrypted", "storageEncrypted");
        if (off !== undefined) {
            report(`Neptune cluster is not encrypted at rest: ${off}; ${fix}`);
            return;
        }
        const problem = keyProblem(args.props, "kmsKeyId", "kmsKeyId");
        if (problem !== undefined) {
            report(`Neptune cluster is not encrypted with a customer-managed KMS key: ${problem}; ${fix}`);
        }
    },
});
