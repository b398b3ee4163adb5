import assert from "node:assert/strict";
import { kinesisStreamEncryptedWithCmk } from "../../../policies/rules/encryption/kinesisStreamEncryptedWithCmk";
import { UNKNOWN, runResourceRule } from "../harness";

const type = "aws:kinesis/stream:Stream";
const run = (props: Record<string, unknown>) => runResourceRule(kinesisStreamEncryptedWithCmk, { type, props });
const FIX = "set encryptionType to \"KMS\" and kmsKeyId to a customer-managed KMS key ARN.";
const base = { encryptionType: "KMS", kmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/abc", shardCount: 1 };

describe("kinesis-stream-encrypted-with-cmk", () => {
    it("accepts KMS with a customer-managed key", async () => {
        assert.deepEqual((await run(base)).messages, []);
        assert.deepEqual((await run({ ...base, kmsKeyId: UNKNOWN.string })).messages, []);
    });
    it("reports a stream without encryption", async () => {
        assert.deepEqual((await run({ shardCount: 1 })).messages, [
            `Kinesis stream is not encrypted with a customer-managed KMS key: encryptionType is not set (NONE); ${FIX}`,
        ]);
        assert.deepEqual((await run({ ...base, encryptionType: "NONE" })).messages, [
            `Kinesis stream is not encrypted with a customer-managed KMS key: encryptionType is "NONE"; ${FIX}`,
        ]);
    });
    it("reports alias/aws/kinesis and a missing key", async () => {
        assert.deepEqual((await run({ ...base, kmsKeyId: "alias/aws/kinesis" })).messages, [
            `Kinesis stream is not encrypted with a customer-managed KMS key: kmsKeyId is "alias/aws/kinesis", an AWS-managed key, not a customer-managed key; ${FIX}`,
        ]);
        assert.deepEqual((await run({ encryptionType: "KMS" })).messages, [
            `Kinesis stream is not encrypted with a customer-managed KMS key: kmsKeyId is not set; ${FIX}`,
        ]);
    });
    it("unknown encryptionType: advisory, no violation", async () => {
        const r = await run({ ...base, encryptionType: UNKNOWN.string });
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, "string value at .encryptionType can't be known during preview");
    });
});
