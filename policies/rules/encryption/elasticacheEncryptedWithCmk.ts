import { resourceRule } from "../../lib/rule";
import { keyProblem } from "./common";

export const elasticacheEncryptedWithCmk = resourceRule({
    name: "elasticache-encrypted-with-cmk",
    description: "ElastiCache replication groups and serverless caches must encrypt at rest with a customer-managed KMS key and in transit with TLS.",
    details:
        "aws.elasticache.ReplicationGroup: atRestEncryptionEnabled true with kmsKeyId, and transitEncryptionEnabled true. aws.elasticache.ServerlessCache is always encrypted: kmsKeyId must name a customer-managed key. " +
        "A stand-alone aws.elasticache.Cluster (no replicationGroupId) must set transitEncryptionEnabled; clusters in a replication group take its settings.",
    severity: "high",
    framework: {
        paper: "Table 2: at rest (KMS customer-managed keys); in transit (TLS on every hop)",
        securityHub: ["ElastiCache.4", "ElastiCache.5"],
        checkov: ["CKV_AWS_29", "CKV_AWS_30", "CKV_AWS_191"],
    },
    remediationSteps: "On the aws.elasticache.ReplicationGroup set atRestEncryptionEnabled: true, kmsKeyId: <customer-managed key ARN> and transitEncryptionEnabled: true (clients connect with TLS); on a ServerlessCache set kmsKeyId.",
    resourceTypes: ["aws:elasticache/replicationGroup:ReplicationGroup", "aws:elasticache/serverlessCache:ServerlessCache", "aws:elasticache/cluster:Cluster"],
    validateResource: (args, report) => {
        const p = args.props;
        if (args.type === "aws:elasticache/serverlessCache:ServerlessCache") {
            const problem = keyProblem(p, "kmsKeyId", "kmsKeyId");
            if (problem !== undefined) {
                report(`ElastiCache serverless cache is not encrypted with a customer-managed KMS key: ${problem}; set kmsKeyId to a customer-managed key ARN.`);
            }
            return;
        }
        if (args.type === "aws:elasticache/cluster:Cluster") {
            const group: unknown = p["replicationGroupId"];
            if (typeof group === "string" && group !== "") {
                return;
            }
            if (p["transitEncryptionEnabled"] !== true) {
                report("ElastiCache cluster accepts clients without TLS: transitEncryptionEnabled is not true; set it to true (or run the cache as a ReplicationGroup with encryption at rest and in transit).");
            }
            return;
        }
        if (p["atRestEncryptionEnabled"] !== true) {
            report(`ElastiCache replication group is not encrypted at rest: atRestEncryptionEnabled is ${p["atRestEncryptionEnabled"] === undefined ? "not set" : String(p["atRestEncryptionEnabled"])}; set it to true with kmsKeyId set to a customer-managed key ARN.`);
        } else {
            const problem = keyProblem(p, "kmsKeyId", "kmsKeyId");
            if (problem !== undefined) {
                report(`ElastiCache replication group is not encrypted with a customer-managed KMS key: ${problem}; set kmsKeyId to a customer-managed key ARN.`);
            }
        }
        if (p["transitEncryptionEnabled"] !== true) {
            report("ElastiCache replication group accepts clients without TLS: transitEncryptionEnabled is not true; set it to true.");
        }
    },
});
