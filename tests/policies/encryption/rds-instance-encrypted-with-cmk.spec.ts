import assert from "node:assert/strict";
import { rdsInstanceEncryptedWithCmk } from "../../../policies/rules/encryption/rdsInstanceEncryptedWithCmk";
import { UNKNOWN, runResourceRule } from "../harness";

const type = "aws:rds/instance:Instance";
const run = (props: Record<string, unknown>) => runResourceRule(rdsInstanceEncryptedWithCmk, { type, props });
const FIX = "set storageEncrypted to true and kmsKeyId to a customer-managed KMS key ARN.";
const base = { engine: "postgres", instanceClass: "db.t4g.micro", storageEncrypted: true, kmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/abc" };

describe("rds-instance-encrypted-with-cmk", () => {
    it("accepts an encrypted instance with a customer-managed key", async () => {
        assert.deepEqual((await run(base)).messages, []);
    });
    it("reports storageEncrypted false or missing", async () => {
        assert.deepEqual((await run({ ...base, storageEncrypted: false })).messages, [`RDS DB instance is not encrypted: storageEncrypted is false; ${FIX}`]);
        assert.deepEqual((await run({ engine: "postgres" })).messages, [`RDS DB instance is not encrypted: storageEncrypted is not set; ${FIX}`]);
    });
    it("reports alias/aws/rds", async () => {
        assert.deepEqual((await run({ ...base, kmsKeyId: "alias/aws/rds" })).messages, [
            `RDS DB instance is not encrypted with a customer-managed KMS key: kmsKeyId is "alias/aws/rds", an AWS-managed key, not a customer-managed key; ${FIX}`,
        ]);
    });
    it("skips cluster members (known or unknown clusterIdentifier)", async () => {
        assert.deepEqual((await run({ engine: "aurora-postgresql", clusterIdentifier: "records" })).messages, []);
        assert.deepEqual((await run({ engine: "aurora-postgresql", clusterIdentifier: UNKNOWN.string })).messages, []);
    });
});
