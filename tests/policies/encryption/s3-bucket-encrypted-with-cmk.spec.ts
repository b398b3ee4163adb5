import assert from "node:assert/strict";
import { s3BucketEncryptedWithCmk } from "../../../policies/rules/encryption/s3BucketEncryptedWithCmk";
import { StackResourceInput, UNKNOWN, runStackRule, urnOf } from "../harness";

const BUCKET = "aws:s3/bucket:Bucket";
const SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const SSE_V2 = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2";
const KEY = "arn:aws:kms:eu-west-1:111122223333:key/abc";
const FIX =
    "configure it with an aws.s3.BucketServerSideEncryptionConfiguration whose rules are [{ applyServerSideEncryptionByDefault: { sseAlgorithm: \"aws:kms\", kmsMasterKeyId: <customer-managed KMS key ARN> }, bucketKeyEnabled: true }]";

const bucket = (name: string, props: Record<string, unknown> = { bucket: `e2ee-${name}` }): StackResourceInput => ({ type: BUCKET, name, props });
const kms = (key: unknown = KEY) => [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key }, bucketKeyEnabled: true }];
/** A configuration created as `bucket: b.id` during preview: unknown value, property dependency on the bucket. */
const sseFor = (b: string, rules: unknown = kms(), type = SSE): StackResourceInput => ({
    type,
    name: `${b}-sse`,
    props: { bucket: UNKNOWN.string, rules },
    propertyDependencies: { bucket: [b] },
});
const run = (rs: StackResourceInput[]) => runStackRule(s3BucketEncryptedWithCmk, rs);

describe("s3-bucket-encrypted-with-cmk", () => {
    it("accepts buckets each linked (during preview, by property dependency) to a KMS configuration with a customer-managed key", async () => {
        const r = await run([bucket("data"), bucket("logs"), sseFor("data"), sseFor("logs", kms(UNKNOWN.string))]);
        assert.deepEqual(r.violations, []);
        assert.equal(r.unknown, undefined);
    });

    it("links by the known bucket name when there is no property dependency, and accepts the deprecated V2 type and aws:kms:dsse", async () => {
        const r = await run([
            bucket("data"),
            { type: SSE_V2, name: "sse", props: { bucket: "e2ee-data", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms:dsse", kmsMasterKeyId: KEY } }] } },
        ]);
        assert.deepEqual(r.violations, []);
    });

    it("reports a bucket with no encryption configuration (separate resource missing) on the bucket's URN", async () => {
        const r = await run([bucket("data"), bucket("logs"), sseFor("logs")]);
        assert.deepEqual(r.violations, [
            {
                message: `S3 bucket 'data' is not encrypted with a customer-managed KMS key: no BucketServerSideEncryptionConfiguration resource configures it, so S3 applies SSE-S3 (AES256); ${FIX}.`,
                urn: urnOf(BUCKET, "data"),
            },
        ]);
    });

    it("reports AES256 (SSE-S3)", async () => {
        const r = await run([bucket("data"), sseFor("data", [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }])]);
        assert.deepEqual(r.messages, [
            `S3 bucket 'data' is not encrypted with a customer-managed KMS key: BucketServerSideEncryptionConfiguration 'data-sse' rules[0].applyServerSideEncryptionByDefault.sseAlgorithm is "AES256" (SSE-S3, an S3-owned key); ${FIX}.`,
        ]);
    });

    it("reports aws:kms without kmsMasterKeyId (AWS-managed aws/s3) and with alias/aws/s3", async () => {
        const noKey = await run([bucket("data"), sseFor("data", [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }])]);
        assert.deepEqual(noKey.messages, [
            `S3 bucket 'data' is not encrypted with a customer-managed KMS key: BucketServerSideEncryptionConfiguration 'data-sse' rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId is not set, so S3 uses the AWS-managed key alias/aws/s3; ${FIX}.`,
        ]);
        const managed = await run([bucket("data"), sseFor("data", kms("alias/aws/s3"))]);
        assert.deepEqual(managed.messages, [
            `S3 bucket 'data' is not encrypted with a customer-managed KMS key: BucketServerSideEncryptionConfiguration 'data-sse' rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId is "alias/aws/s3", an AWS-managed key, not a customer-managed key; ${FIX}.`,
        ]);
    });

    it("reports a configuration without applyServerSideEncryptionByDefault", async () => {
        const r = await run([bucket("data"), sseFor("data", [{ bucketKeyEnabled: true }])]);
        assert.deepEqual(r.messages, [
            `S3 bucket 'data' is not encrypted with a customer-managed KMS key: BucketServerSideEncryptionConfiguration 'data-sse' rules has no applyServerSideEncryptionByDefault, so S3 applies SSE-S3 (AES256); ${FIX}.`,
        ]);
    });

    it("does not link a configuration whose known name belongs to another bucket", async () => {
        const r = await run([bucket("data"), bucket("logs"), { type: SSE, name: "sse", props: { bucket: "e2ee-logs", rules: kms() } }]);
        assert.deepEqual(r.messages, [
            `S3 bucket 'data' is not encrypted with a customer-managed KMS key: no BucketServerSideEncryptionConfiguration resource configures it, so S3 applies SSE-S3 (AES256); ${FIX}.`,
        ]);
    });

    it("never reports a bucket whose link cannot be decided; says so as an UnknownValueError (advisory) after the proven violations", async () => {
        const r = await run([
            bucket("data"),
            bucket("logs"),
            { type: SSE, name: "orphan-sse", props: { bucket: UNKNOWN.string, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] } },
        ]);
        assert.deepEqual(r.messages, []);
        assert.equal(
            r.unknown,
            "cannot tell whether BucketServerSideEncryptionConfiguration 'orphan-sse' configures bucket 'data': the bucket input is unknown during preview and does not come from a bucket resource in the stack; " +
                "cannot tell whether BucketServerSideEncryptionConfiguration 'orphan-sse' configures bucket 'logs': the bucket input is unknown during preview and does not come from a bucket resource in the stack",
        );
        const mixed = await run([bucket("data"), sseFor("data", [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]), bucket("logs"), { type: SSE, name: "x", props: { bucket: UNKNOWN.string, rules: kms() } }]);
        assert.equal(mixed.messages.length, 1);
        assert.match(mixed.messages[0], /^S3 bucket 'data' .*"AES256"/);
        assert.match(mixed.unknown ?? "", /cannot tell whether BucketServerSideEncryptionConfiguration 'x' configures bucket 'logs'/);
    });

    it("links through plain dependencies when exactly one bucket is depended on", async () => {
        const r = await run([bucket("data"), { type: SSE, name: "sse", props: { bucket: UNKNOWN.string, rules: kms() }, dependencies: ["data"] }]);
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, undefined);
    });

    it("unknown rules of a linked configuration: undecided, not a violation", async () => {
        const r = await run([bucket("data"), sseFor("data", UNKNOWN.array)]);
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, "BucketServerSideEncryptionConfiguration 'data-sse' of bucket 'data': Array value at .rules can't be known during preview");
    });

    it("accepts the deprecated inline configuration with a customer-managed key and ignores an inline value that is unknown (computed)", async () => {
        const inline = { bucket: "e2ee-data", serverSideEncryptionConfiguration: { rule: kms()[0] } };
        assert.deepEqual((await run([bucket("data", inline)])).messages, []);
        const computed = await run([bucket("data", { bucket: "e2ee-data", serverSideEncryptionConfiguration: UNKNOWN.object })]);
        assert.equal(computed.messages.length, 1);
        assert.match(computed.messages[0], /no BucketServerSideEncryptionConfiguration resource configures it/);
        const aes = await run([bucket("data", { bucket: "e2ee-data", serverSideEncryptionConfiguration: { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } } } })]);
        assert.deepEqual(aes.messages, [
            `S3 bucket 'data' is not encrypted with a customer-managed KMS key: serverSideEncryptionConfiguration.rule[0].applyServerSideEncryptionByDefault.sseAlgorithm is "AES256" (SSE-S3, an S3-owned key); ${FIX}.`,
        ]);
    });

    it("is waived per bucket", async () => {
        const r = await runStackRule(s3BucketEncryptedWithCmk, [bucket("data")], { waivers: [{ resource: urnOf(BUCKET, "data"), reason: "public dataset", expires: "2999-01-01" }] });
        assert.deepEqual(r.messages, []);
    });
});
