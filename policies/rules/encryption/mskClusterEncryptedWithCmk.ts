import { resourceRule } from "../../lib/rule";
import { objAt } from "../../lib/k8s";
import { keyProblem } from "./common";

export const mskClusterEncryptedWithCmk = resourceRule({
    name: "msk-cluster-encrypted-with-cmk",
    description: "MSK clusters must accept only TLS client traffic, encrypt broker traffic, and encrypt at rest with a customer-managed KMS key.",
    details: "encryptionInfo.encryptionInTransit.clientBroker must be TLS (the default; TLS_PLAINTEXT and PLAINTEXT accept plain text), inCluster must stay true, and encryptionInfo.encryptionAtRestKmsKeyArn must name a customer-managed key (without it MSK uses an AWS-managed key).",
    severity: "high",
    framework: { paper: "Table 2: at rest (KMS customer-managed keys); in transit (TLS on every hop)", securityHub: ["MSK.1"], checkov: ["CKV_AWS_81"] },
    remediationSteps: "Set encryptionInfo: { encryptionAtRestKmsKeyArn: <customer-managed key ARN>, encryptionInTransit: { clientBroker: \"TLS\", inCluster: true } } on the aws.msk.Cluster.",
    resourceTypes: ["aws:msk/cluster:Cluster"],
    validateResource: (args, report) => {
        const transit = objAt(args.props, "encryptionInfo", "encryptionInTransit");
        const client: unknown = transit?.["clientBroker"];
        if (client !== undefined && client !== "TLS") {
            report(`MSK cluster accepts plain-text client traffic: encryptionInfo.encryptionInTransit.clientBroker is "${String(client)}"; set it to "TLS".`);
        }
        if (transit?.["inCluster"] === false) {
            report("MSK brokers replicate in plain text: encryptionInfo.encryptionInTransit.inCluster is false; set it to true.");
        }
        const problem = keyProblem(args.props, "encryptionInfo.encryptionAtRestKmsKeyArn", "encryptionInfo", "encryptionAtRestKmsKeyArn");
        if (problem !== undefined) {
            report(`MSK cluster is not encrypted at rest with a customer-managed KMS key: ${problem} (an AWS-managed key is used); set it to a customer-managed key ARN.`);
        }
    },
});
