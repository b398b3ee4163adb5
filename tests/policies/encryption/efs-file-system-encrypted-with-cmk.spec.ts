import assert from "node:assert/strict";
import { efsFileSystemEncryptedWithCmk } from "../../../policies/rules/encryption/efsFileSystemEncryptedWithCmk";
import { UNKNOWN, runResourceRule } from "../harness";

const run = (props: Record<string, unknown>) => runResourceRule(efsFileSystemEncryptedWithCmk, { type: "aws:efs/fileSystem:FileSystem", props });
const FIX = "set encrypted: true and kmsKeyId to a customer-managed KMS key ARN.";
const base = { encrypted: true, kmsKeyId: UNKNOWN.string };

describe("efs-file-system-encrypted-with-cmk", () => {
    it("accepts an encrypted file system with a customer-managed key", async () => {
        assert.deepEqual((await run(base)).messages, []);
    });
    it("reports a file system that is not encrypted", async () => {
        assert.deepEqual((await run({ ...base, encrypted: undefined })).messages, [`EFS file system is not encrypted at rest: encrypted is not set; ${FIX}`]);
    });
    it("reports the AWS-managed key", async () => {
        assert.deepEqual((await run({ ...base, kmsKeyId: undefined })).messages, [`EFS file system is not encrypted with a customer-managed KMS key: kmsKeyId is not set; ${FIX}`]);
    });
});
