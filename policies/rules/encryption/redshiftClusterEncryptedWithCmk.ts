import { resourceRule } from "../../lib/rule";
import { keyProblem } from "./common";

export const redshiftClusterEncryptedWithCmk = resourceRule({
    name: "redshift-cluster-encrypted-with-cmk",
    description: "Redshift clusters and Redshift Serverless namespaces must be encrypted with a customer-managed KMS key (kmsKeyId).",
    details: "New Redshift clusters are encrypted by default with an AWS-owned key; encrypted: false turns encryption off, and without kmsKeyId the key is not one the account controls or audits.",
    severity: "high",
    framework: { paper: "Table 2: at rest (KMS customer-managed keys)", securityHub: ["Redshift.10"], checkov: ["CKV_AWS_64", "CKV_AWS_142"] },
    remediationSteps: "Set encrypted: true and kmsKeyId to the ARN of a customer-managed aws.kms.Key on the aws.redshift.Cluster (kmsKeyId on an aws.redshiftserverless.Namespace).",
    resourceTypes: ["aws:redshift/cluster:Cluster", "aws:redshiftserverless/namespace:Namespace"],
    validateResource: (args, report) => {
        const what = args.type === "aws:redshift/cluster:Cluster" ? "Redshift cluster" : "Redshift Serverless namespace";
        const fix = "set kmsKeyId to a customer-managed KMS key ARN.";
        if (what === "Redshift cluster" && args.props["encrypted"] === false) {
            report(`Redshift cluster is not encrypted at rest: encrypted is false; set encrypted: true and ${fix.slice(4)}`);
            return;
        }
        const problem = keyProblem(args.props, "kmsKeyId", "kmsKeyId");
        if (problem !== undefined) {
            report(`${what} is not encrypted with a customer-managed KMS key: ${problem} (an AWS-owned key is used); ${fix}`);
        }
    },
});
