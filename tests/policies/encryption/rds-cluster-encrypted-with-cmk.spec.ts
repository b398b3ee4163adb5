import assert from "node:assert/strict";
import { rdsClusterEncryptedWithCmk } from "../../../policies/rules/encryption/rdsClusterEncryptedWithCmk";
import { runResourceRule } from "../harness";

const type = "aws:rds/cluster:Cluster";
const run = (props: Record<string, unknown>) => runResourceRule(rdsClusterEncryptedWithCmk, { type, props });
const FIX = "set storageEncrypted to true and kmsKeyId to a customer-managed KMS key ARN.";
const base = { engine: "aurora-postgresql", storageEncrypted: true, kmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/abc" };

describe("rds-cluster-encrypted-with-cmk", () => {
    it("accepts an encrypted cluster with a customer-managed key", async () => {
        assert.deepEqual((await run(base)).messages, []);
    });
    it("reports an unencrypted cluster and one on the AWS-managed key", async () => {
        assert.deepEqual((await run({ engine: "aurora-postgresql" })).messages, [`RDS DB cluster is not encrypted: storageEncrypted is not set; ${FIX}`]);
        assert.deepEqual((await run({ ...base, kmsKeyId: undefined })).messages, [
            `RDS DB cluster is not encrypted with a customer-managed KMS key: kmsKeyId is not set; ${FIX}`,
        ]);
    });
});
