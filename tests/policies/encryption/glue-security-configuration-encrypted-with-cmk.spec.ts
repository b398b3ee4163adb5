import assert from "node:assert/strict";
import { glueSecurityConfigurationEncryptedWithCmk } from "../../../policies/rules/encryption/glueSecurityConfigurationEncryptedWithCmk";
import { UNKNOWN, runResourceRule } from "../harness";

const run = (props: Record<string, unknown>) => runResourceRule(glueSecurityConfigurationEncryptedWithCmk, { type: "aws:glue/securityConfiguration:SecurityConfiguration", props });
const enc = (over: Record<string, unknown> = {}) => ({
    encryptionConfiguration: {
        cloudwatchEncryption: { cloudwatchEncryptionMode: "SSE-KMS", kmsKeyArn: UNKNOWN.string },
        jobBookmarksEncryption: { jobBookmarksEncryptionMode: "CSE-KMS", kmsKeyArn: UNKNOWN.string },
        s3Encryption: { s3EncryptionMode: "SSE-KMS", kmsKeyArn: UNKNOWN.string },
        ...over,
    },
});

describe("glue-security-configuration-encrypted-with-cmk", () => {
    it("accepts KMS encryption of logs, bookmarks and S3 output", async () => {
        assert.deepEqual((await run(enc())).messages, []);
    });
    it("reports a part that is disabled or uses S3-managed keys", async () => {
        assert.deepEqual((await run(enc({ s3Encryption: { s3EncryptionMode: "SSE-S3" } }))).messages, [
            'Glue security configuration does not encrypt data written to S3 with KMS: encryptionConfiguration.s3Encryption.s3EncryptionMode is "SSE-S3"; set it to "SSE-KMS" with a customer-managed kmsKeyArn.',
        ]);
        assert.deepEqual((await run(enc({ cloudwatchEncryption: { cloudwatchEncryptionMode: "DISABLED" } }))).messages, [
            'Glue security configuration does not encrypt CloudWatch logs with KMS: encryptionConfiguration.cloudwatchEncryption.cloudwatchEncryptionMode is "DISABLED"; set it to "SSE-KMS" with a customer-managed kmsKeyArn.',
        ]);
    });
    it("reports KMS mode without a key", async () => {
        assert.deepEqual((await run(enc({ jobBookmarksEncryption: { jobBookmarksEncryptionMode: "CSE-KMS" } }))).messages, [
            "Glue security configuration does not encrypt job bookmarks with a customer-managed KMS key: encryptionConfiguration.jobBookmarksEncryption.kmsKeyArn is not set; set it to a customer-managed key ARN.",
        ]);
    });
});
