import assert from "node:assert/strict";
import { glueDataCatalogEncryptedWithCmk } from "../../../policies/rules/encryption/glueDataCatalogEncryptedWithCmk";
import { UNKNOWN, runResourceRule } from "../harness";

const run = (props: Record<string, unknown>) => runResourceRule(glueDataCatalogEncryptedWithCmk, { type: "aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings", props });
const settings = (rest: Record<string, unknown>, pw: Record<string, unknown>) => ({ dataCatalogEncryptionSettings: { encryptionAtRest: rest, connectionPasswordEncryption: pw } });
const REST = { catalogEncryptionMode: "SSE-KMS", sseAwsKmsKeyId: UNKNOWN.string };
const PW = { returnConnectionPasswordEncrypted: true, awsKmsKeyId: UNKNOWN.string };

describe("glue-data-catalog-encrypted-with-cmk", () => {
    it("accepts KMS encryption of metadata and connection passwords", async () => {
        assert.deepEqual((await run(settings(REST, PW))).messages, []);
    });
    it("reports unencrypted metadata", async () => {
        assert.deepEqual((await run(settings({ catalogEncryptionMode: "DISABLED" }, PW))).messages, [
            'Glue Data Catalog metadata is not encrypted with KMS: encryptionAtRest.catalogEncryptionMode is "DISABLED"; set it to "SSE-KMS" with a customer-managed sseAwsKmsKeyId.',
        ]);
    });
    it("reports the AWS-managed key for metadata", async () => {
        assert.deepEqual((await run(settings({ catalogEncryptionMode: "SSE-KMS", sseAwsKmsKeyId: "alias/aws/glue" }, PW))).messages, [
            'Glue Data Catalog metadata is not encrypted with a customer-managed KMS key: encryptionAtRest.sseAwsKmsKeyId is "alias/aws/glue", an AWS-managed key, not a customer-managed key; set it to a customer-managed key ARN.',
        ]);
    });
    it("reports plain connection passwords", async () => {
        assert.deepEqual((await run(settings(REST, { returnConnectionPasswordEncrypted: false }))).messages, [
            "Glue connection passwords are not encrypted: connectionPasswordEncryption.returnConnectionPasswordEncrypted is not true; set it to true with a customer-managed awsKmsKeyId.",
        ]);
    });
});
