import assert from "node:assert/strict";
import { s3BucketVersioningEnabled } from "../../../policies/rules/s3/s3BucketVersioningEnabled";
import { StackResourceInput, UNKNOWN, runStackRule, urnOf } from "../harness";
import { BUCKET, bucket, settingFor } from "./common";

const V = "aws:s3/bucketVersioning:BucketVersioning";
const V2 = "aws:s3/bucketVersioningV2:BucketVersioningV2";
const versioning = (b: string, status: unknown = "Enabled", type = V): StackResourceInput => settingFor(type, b, { versioningConfiguration: { status } }, "versioning");
const run = (rs: StackResourceInput[]) => runStackRule(s3BucketVersioningEnabled, rs);

describe("s3-bucket-versioning-enabled", () => {
    it("accepts Enabled (also the deprecated V2 type and the deprecated inline versioning)", async () => {
        const r = await run([bucket("data"), versioning("data"), bucket("logs"), versioning("logs", "Enabled", V2), bucket("old", { bucket: "e2ee-old", versioning: { enabled: true } })]);
        assert.deepEqual(r.violations, []);
    });
    it("reports a bucket without versioning", async () => {
        const r = await run([bucket("data")]);
        assert.deepEqual(r.violations, [
            {
                message: "S3 bucket 'data' does not have versioning enabled: no BucketVersioning resource configures it; add an aws.s3.BucketVersioning for the bucket with versioningConfiguration { status: \"Enabled\" }.",
                urn: urnOf(BUCKET, "data"),
            },
        ]);
    });
    it("reports Suspended", async () => {
        const r = await run([bucket("data"), versioning("data", "Suspended")]);
        assert.deepEqual(r.messages, [
            "S3 bucket 'data' does not have versioning enabled: BucketVersioning 'data-versioning' has versioningConfiguration.status \"Suspended\"; set it to \"Enabled\".",
        ]);
    });
    it("unknown status is undecided", async () => {
        const r = await run([bucket("data"), versioning("data", UNKNOWN.string)]);
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, "BucketVersioning 'data-versioning' of bucket 'data': versioningConfiguration.status is unknown during preview");
    });
});
