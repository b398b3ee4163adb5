import assert from "node:assert/strict";
import { docdbClusterEncryptedWithCmk } from "../../../policies/rules/encryption/docdbClusterEncryptedWithCmk";
import { UNKNOWN, runResourceRule } from "../harness";

const run = (props: Record<string, unknown>) => runResourceRule(docdbClusterEncryptedWithCmk, { type: "aws:docdb/cluster:Cluster", props });
const FIX = "set storageEncrypted: true and kmsKeyId to a customer-managed KMS key ARN.";
const base = { storageEncrypted: true, kmsKeyId: UNKNOWN.string };

describe("docdb-cluster-encrypted-with-cmk", () => {
    it("accepts an encrypted cluster with a customer-managed key", async () => {
        assert.deepEqual((await run(base)).messages, []);
    });
    it("reports an unencrypted cluster", async () => {
        assert.deepEqual((await run({ ...base, storageEncrypted: false })).messages, [`DocumentDB cluster is not encrypted at rest: storageEncrypted is false; ${FIX}`]);
    });
    it("reports the AWS-managed key", async () => {
        assert.deepEqual((await run({ ...base, kmsKeyId: "alias/aws/rds" })).messages, [
            `DocumentDB cluster is not encrypted with a customer-managed KMS key: kmsKeyId is "alias/aws/rds", an AWS-managed key, not a customer-managed key; ${FIX}`,
        ]);
    });
});
