import { resourceRule } from "../../lib/rule";
import { objAt } from "../../lib/k8s";
import { keyProblem } from "./common";

export const glueDataCatalogEncryptedWithCmk = resourceRule({
    name: "glue-data-catalog-encrypted-with-cmk",
    description: "Glue Data Catalog encryption settings must encrypt metadata and connection passwords with a customer-managed KMS key.",
    details: "dataCatalogEncryptionSettings.encryptionAtRest needs catalogEncryptionMode SSE-KMS with sseAwsKmsKeyId, and connectionPasswordEncryption needs returnConnectionPasswordEncrypted true with awsKmsKeyId.",
    severity: "high",
    framework: { paper: "Table 2: at rest (KMS customer-managed keys)", checkov: ["CKV_AWS_94", "CKV_AWS_195"] },
    remediationSteps: "Set encryptionAtRest { catalogEncryptionMode: \"SSE-KMS\", sseAwsKmsKeyId } and connectionPasswordEncryption { returnConnectionPasswordEncrypted: true, awsKmsKeyId } with a customer-managed key on the aws.glue.DataCatalogEncryptionSettings.",
    resourceTypes: ["aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings"],
    validateResource: (args, report) => {
        const rest = objAt(args.props, "dataCatalogEncryptionSettings", "encryptionAtRest");
        const mode: unknown = rest?.["catalogEncryptionMode"];
        if (mode !== "SSE-KMS" && mode !== "SSE-KMS-WITH-SERVICE-ROLE") {
            report(`Glue Data Catalog metadata is not encrypted with KMS: encryptionAtRest.catalogEncryptionMode is ${mode === undefined ? "not set" : `"${String(mode)}"`}; set it to "SSE-KMS" with a customer-managed sseAwsKmsKeyId.`);
        } else {
            const problem = keyProblem(args.props, "encryptionAtRest.sseAwsKmsKeyId", "dataCatalogEncryptionSettings", "encryptionAtRest", "sseAwsKmsKeyId");
            if (problem !== undefined) {
                report(`Glue Data Catalog metadata is not encrypted with a customer-managed KMS key: ${problem}; set it to a customer-managed key ARN.`);
            }
        }
        const pw = objAt(args.props, "dataCatalogEncryptionSettings", "connectionPasswordEncryption");
        if (pw?.["returnConnectionPasswordEncrypted"] !== true) {
            report("Glue connection passwords are not encrypted: connectionPasswordEncryption.returnConnectionPasswordEncrypted is not true; set it to true with a customer-managed awsKmsKeyId.");
        } else {
            const problem = keyProblem(args.props, "connectionPasswordEncryption.awsKmsKeyId", "dataCatalogEncryptionSettings", "connectionPasswordEncryption", "awsKmsKeyId");
            if (problem !== undefined) {
                report(`Glue connection passwords are not encrypted with a customer-managed KMS key: ${problem}; set it to a customer-managed key ARN.`);
            }
        }
    },
});
