import { resourceRule } from "../../lib/rule";
import { objAt } from "../../lib/k8s";
import { keyProblem } from "./common";

export const opensearchDomainEncryptedWithCmk = resourceRule({
    name: "opensearch-domain-encrypted-with-cmk",
    description: "OpenSearch domains must encrypt at rest with a customer-managed KMS key, encrypt node-to-node traffic and require HTTPS.",
    details: "Judges aws.opensearch.Domain and aws.elasticsearch.Domain: encryptAtRest.enabled with kmsKeyId (without it the AWS-managed alias/aws/es is used), nodeToNodeEncryption.enabled, and domainEndpointOptions.enforceHttps.",
    severity: "high",
    framework: {
        paper: "Table 2: at rest (KMS customer-managed keys); in transit (TLS on every hop)",
        securityHub: ["Opensearch.1", "Opensearch.3", "Opensearch.8"],
        checkov: ["CKV_AWS_5", "CKV_AWS_6", "CKV_AWS_83", "CKV_AWS_247"],
    },
    remediationSteps:
        "Set encryptAtRest: { enabled: true, kmsKeyId: <customer-managed key ARN> }, nodeToNodeEncryption: { enabled: true } and domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: \"Policy-Min-TLS-1-2-PFS-2023-10\" }.",
    resourceTypes: ["aws:opensearch/domain:Domain", "aws:elasticsearch/domain:Domain"],
    validateResource: (args, report) => {
        const rest = objAt(args.props, "encryptAtRest");
        if (rest?.["enabled"] !== true) {
            report(`OpenSearch domain is not encrypted at rest: encryptAtRest.enabled is ${rest?.["enabled"] === undefined ? "not set" : String(rest["enabled"])}; set encryptAtRest { enabled: true, kmsKeyId: <customer-managed key ARN> }.`);
        } else {
            const problem = keyProblem(args.props, "encryptAtRest.kmsKeyId", "encryptAtRest", "kmsKeyId");
            if (problem !== undefined) {
                report(`OpenSearch domain is not encrypted with a customer-managed KMS key: ${problem}; set it to a customer-managed key ARN.`);
            }
        }
        if (objAt(args.props, "nodeToNodeEncryption")?.["enabled"] !== true) {
            report("OpenSearch domain nodes talk to each other in plain text: nodeToNodeEncryption.enabled is not true; set it to true.");
        }
        if (objAt(args.props, "domainEndpointOptions")?.["enforceHttps"] !== true) {
            report("OpenSearch domain accepts plain HTTP: domainEndpointOptions.enforceHttps is not true; set it to true.");
        }
    },
});
