import assert from "node:assert/strict";
import { s3BucketPublicAccessBlocked } from "../../../policies/rules/s3/s3BucketPublicAccessBlocked";
import { StackResourceInput, UNKNOWN, runStackRule, urnOf } from "../harness";
import { BUCKET, bucket, settingFor } from "./common";

const PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const ALL = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };
const pab = (b: string, props: Record<string, unknown> = ALL): StackResourceInput => settingFor(PAB, b, props, "pab");
const run = (rs: StackResourceInput[]) => runStackRule(s3BucketPublicAccessBlocked, rs);

describe("s3-bucket-public-access-blocked", () => {
    it("accepts every bucket with all four settings true", async () => {
        const r = await run([bucket("data"), pab("data"), bucket("logs"), { type: PAB, name: "logs-pab", props: { bucket: "e2ee-logs", ...ALL } }]);
        assert.deepEqual(r.violations, []);
        assert.equal(r.unknown, undefined);
    });
    it("reports a bucket without a public access block", async () => {
        const r = await run([bucket("data"), bucket("logs"), pab("logs")]);
        assert.deepEqual(r.violations, [
            {
                message:
                    "S3 bucket 'data' has no BucketPublicAccessBlock, so public ACLs and policies are not blocked; add an aws.s3.BucketPublicAccessBlock for the bucket with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
                urn: urnOf(BUCKET, "data"),
            },
        ]);
    });
    it("reports each setting that is not true", async () => {
        const r = await run([bucket("data"), pab("data", { ...ALL, blockPublicPolicy: false, restrictPublicBuckets: undefined })]);
        assert.deepEqual(r.messages, [
            "S3 bucket 'data' does not block all public access: BucketPublicAccessBlock 'data-pab' has blockPublicPolicy false, restrictPublicBuckets not set; set all four settings to true.",
        ]);
    });
    it("an unknown setting (and no known false) is undecided, not a violation", async () => {
        const r = await run([bucket("data"), pab("data", { ...ALL, ignorePublicAcls: UNKNOWN.boolean })]);
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, "BucketPublicAccessBlock 'data-pab' of bucket 'data': a public access setting is unknown during preview");
        const withFalse = await run([bucket("data"), pab("data", { ...ALL, ignorePublicAcls: UNKNOWN.boolean, blockPublicAcls: false })]);
        assert.deepEqual(withFalse.messages, [
            "S3 bucket 'data' does not block all public access: BucketPublicAccessBlock 'data-pab' has blockPublicAcls false; set all four settings to true.",
        ]);
    });
    it("an undecidable link is not reported", async () => {
        const r = await run([bucket("data"), { type: PAB, name: "pab", props: { bucket: UNKNOWN.string, ...ALL } }]);
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, "cannot tell whether BucketPublicAccessBlock 'pab' configures bucket 'data': the bucket input is unknown during preview and does not come from a bucket resource in the stack");
    });
});
