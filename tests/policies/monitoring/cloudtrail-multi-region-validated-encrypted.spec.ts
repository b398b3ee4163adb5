import assert from "node:assert/strict";
import { cloudtrailMultiRegionValidatedEncrypted } from "../../../policies/rules/monitoring/cloudtrailMultiRegionValidatedEncrypted";
import { UNKNOWN, runResourceRule } from "../harness";

const base = {
    s3BucketName: "trail-bucket",
    isMultiRegionTrail: true,
    enableLogFileValidation: true,
    kmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/logs",
    cloudWatchLogsGroupArn: "arn:aws:logs:eu-west-1:111122223333:log-group:trail:*",
    cloudWatchLogsRoleArn: "arn:aws:iam::111122223333:role/trail",
};
const run = (props: Record<string, unknown>) => runResourceRule(cloudtrailMultiRegionValidatedEncrypted, { type: "aws:cloudtrail/trail:Trail", props });

describe("cloudtrail-multi-region-validated-encrypted", () => {
    it("accepts a compliant trail", async () => {
        assert.deepEqual((await run(base)).messages, []);
    });

    it("reports each missing setting separately", async () => {
        assert.deepEqual((await run({ ...base, isMultiRegionTrail: false })).messages, ["isMultiRegionTrail is not true; set it to true so every region's API activity is recorded."]);
        assert.deepEqual((await run({ ...base, enableLogFileValidation: undefined })).messages, ["enableLogFileValidation is not true; set it to true so tampering with delivered log files is detectable."]);
        assert.deepEqual((await run({ ...base, kmsKeyId: undefined })).messages, ["kmsKeyId is not set, so logs are encrypted only with S3-managed keys; set kmsKeyId to a customer-managed KMS key ARN."]);
        assert.deepEqual((await run({ ...base, cloudWatchLogsGroupArn: "" })).messages, ["cloudWatchLogsGroupArn is not set, so no metric filters or alarms can watch the trail; deliver it to a CloudWatch Logs group."]);
    });

    it("reports all four on a bare trail", async () => {
        assert.equal((await run({ s3BucketName: "b" })).messages.length, 4);
    });

    it("cannot decide an unknown key", async () => {
        assert.equal((await run({ ...base, kmsKeyId: UNKNOWN.string })).unknown, "string value at .kmsKeyId can't be known during preview");
    });
});
