import { resourceRule } from "../../lib/rule";
import { objAt } from "../../lib/k8s";
import { keyProblem } from "./common";

export const firehoseDeliveryStreamEncryptedWithCmk = resourceRule({
    name: "firehose-delivery-stream-encrypted-with-cmk",
    description: "Kinesis Data Firehose streams must encrypt buffered data with a customer-managed KMS key (serverSideEncryption).",
    details: "Direct-PUT delivery streams are judged: serverSideEncryption.enabled true, keyType CUSTOMER_MANAGED_CMK and keyArn. A stream reading from a Kinesis data stream (kinesisSourceConfiguration) or MSK takes its encryption from the source, which its own policy judges.",
    severity: "high",
    framework: { paper: "Table 2: at rest (KMS customer-managed keys)", securityHub: ["DataFirehose.1"], checkov: ["CKV_AWS_240", "CKV_AWS_241"] },
    remediationSteps: "Set serverSideEncryption: { enabled: true, keyType: \"CUSTOMER_MANAGED_CMK\", keyArn: <customer-managed key ARN> } on the aws.kinesis.FirehoseDeliveryStream.",
    resourceTypes: ["aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"],
    validateResource: (args, report) => {
        if (objAt(args.props, "kinesisSourceConfiguration") !== undefined || objAt(args.props, "mskSourceConfiguration") !== undefined) {
            return;
        }
        const fix = "set serverSideEncryption { enabled: true, keyType: \"CUSTOMER_MANAGED_CMK\", keyArn: <customer-managed key ARN> }.";
        const sse = objAt(args.props, "serverSideEncryption");
        if (sse === undefined || sse["enabled"] !== true) {
            report(`Firehose delivery stream does not encrypt buffered data: serverSideEncryption.enabled is ${sse === undefined || sse["enabled"] === undefined ? "not set" : String(sse["enabled"])}; ${fix}`);
            return;
        }
        if (sse["keyType"] !== "CUSTOMER_MANAGED_CMK") {
            report(`Firehose delivery stream is not encrypted with a customer-managed KMS key: serverSideEncryption.keyType is ${sse["keyType"] === undefined ? "not set (AWS_OWNED_CMK)" : `"${String(sse["keyType"])}"`}; ${fix}`);
            return;
        }
        const problem = keyProblem(args.props, "serverSideEncryption.keyArn", "serverSideEncryption", "keyArn");
        if (problem !== undefined) {
            report(`Firehose delivery stream is not encrypted with a customer-managed KMS key: ${problem}; ${fix}`);
        }
    },
});
