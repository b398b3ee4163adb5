import assert from "node:assert/strict";
import { ebsVolumeEncryptedWithCmk } from "../../../policies/rules/encryption/ebsVolumeEncryptedWithCmk";
import { UNKNOWN, runResourceRule } from "../harness";

const type = "aws:ebs/volume:Volume";
const run = (props: Record<string, unknown>) => runResourceRule(ebsVolumeEncryptedWithCmk, { type, props });
const FIX = "set encrypted to true and kmsKeyId to a customer-managed KMS key ARN.";
const base = { availabilityZone: "eu-west-1a", size: 10, encrypted: true, kmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/abc" };

describe("ebs-volume-encrypted-with-cmk", () => {
    it("accepts an encrypted volume with a customer-managed key", async () => {
        assert.deepEqual((await run(base)).messages, []);
    });
    it("reports an unencrypted volume", async () => {
        assert.deepEqual((await run({ ...base, encrypted: false })).messages, [`EBS volume is not encrypted: encrypted is false; ${FIX}`]);
        assert.deepEqual((await run({ size: 10 })).messages, [`EBS volume is not encrypted: encrypted is not set; ${FIX}`]);
    });
    it("reports encryption with the AWS-managed key", async () => {
        assert.deepEqual((await run({ ...base, kmsKeyId: undefined })).messages, [
            `EBS volume is not encrypted with a customer-managed KMS key: kmsKeyId is not set; ${FIX}`,
        ]);
    });
    it("unknown encrypted flag: advisory", async () => {
        const r = await run({ ...base, encrypted: UNKNOWN.boolean });
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, "boolean value at .encrypted can't be known during preview");
    });
});
