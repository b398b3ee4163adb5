import assert from "node:assert/strict";
import { firehoseDeliveryStreamEncryptedWithCmk } from "../../../policies/rules/encryption/firehoseDeliveryStreamEncryptedWithCmk";
import { UNKNOWN, runResourceRule } from "../harness";

const run = (props: Record<string, unknown>) => runResourceRule(firehoseDeliveryStreamEncryptedWithCmk, { type: "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", props });
const FIX = 'set serverSideEncryption { enabled: true, keyType: "CUSTOMER_MANAGED_CMK", keyArn: <customer-managed key ARN> }.';
const base = { destination: "extended_s3", serverSideEncryption: { enabled: true, keyType: "CUSTOMER_MANAGED_CMK", keyArn: UNKNOWN.string } };

describe("firehose-delivery-stream-encrypted-with-cmk", () => {
    it("accepts a direct-put stream with a customer-managed key, and leaves Kinesis-sourced streams to the source", async () => {
        assert.deepEqual((await run(base)).messages, []);
        assert.deepEqual((await run({ destination: "extended_s3", kinesisSourceConfiguration: { kinesisStreamArn: "arn:aws:kinesis:us-west-2:111122223333:stream/s", roleArn: "arn:r" } })).messages, []);
    });
    it("reports a stream without server-side encryption", async () => {
        assert.deepEqual((await run({ destination: "extended_s3" })).messages, [`Firehose delivery stream does not encrypt buffered data: serverSideEncryption.enabled is not set; ${FIX}`]);
    });
    it("reports the AWS-owned key type", async () => {
        assert.deepEqual((await run({ ...base, serverSideEncryption: { enabled: true } })).messages, [
            `Firehose delivery stream is not encrypted with a customer-managed KMS key: serverSideEncryption.keyType is not set (AWS_OWNED_CMK); ${FIX}`,
        ]);
    });
    it("reports a customer-managed key type without a key", async () => {
        assert.deepEqual((await run({ ...base, serverSideEncryption: { enabled: true, keyType: "CUSTOMER_MANAGED_CMK" } })).messages, [
            `Firehose delivery stream is not encrypted with a customer-managed KMS key: serverSideEncryption.keyArn is not set; ${FIX}`,
        ]);
    });
});
