import assert from "node:assert/strict";
import { s3BucketDeniesInsecureTransport } from "../../../policies/rules/s3/s3BucketDeniesInsecureTransport";
import { StackResourceInput, UNKNOWN, runStackRule, urnOf } from "../harness";
import { BUCKET, bucket, settingFor } from "./common";

const POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const STATEMENT =
    "a statement { Effect: \"Deny\", Principal: \"*\", Action: \"s3:*\", Resource: [<bucket ARN>, <bucket ARN>/*], Condition: { Bool: { \"aws:SecureTransport\": \"false\" } } }";
const denyHttp = {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: ["arn:aws:s3:::e2ee-data", "arn:aws:s3:::e2ee-data/*"],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
};
const denyOldTls = { ...denyHttp, Sid: "DenyOldTls", Condition: { NumericLessThan: { "s3:TlsVersion": "1.3" } } };
const policy = (b: string, statements: unknown[], asString = true): StackResourceInput => {
    const doc = { Version: "2012-10-17", Statement: statements };
    return settingFor(POLICY, b, { policy: asString ? JSON.stringify(doc) : doc }, "policy");
};
const run = (rs: StackResourceInput[]) => runStackRule(s3BucketDeniesInsecureTransport, rs);

describe("s3-bucket-denies-insecure-transport", () => {
    it("accepts a policy (JSON string or object) with the SecureTransport deny", async () => {
        assert.deepEqual((await run([bucket("data"), policy("data", [denyOldTls, denyHttp])])).violations, []);
        assert.deepEqual((await run([bucket("data"), policy("data", [{ ...denyHttp, Principal: { AWS: "*" }, Condition: { Bool: { "aws:SecureTransport": false } } }], false)])).violations, []);
    });
    it("reports a bucket without a policy", async () => {
        assert.deepEqual((await run([bucket("data")])).violations, [
            { message: `S3 bucket 'data' does not deny requests over plain HTTP: no BucketPolicy applies to it; attach one containing ${STATEMENT}.`, urn: urnOf(BUCKET, "data") },
        ]);
    });
    it("reports a policy without the statement, or with a weakened one", async () => {
        const msg = `S3 bucket 'data' does not deny requests over plain HTTP: BucketPolicy 'data-policy' has no such statement; add ${STATEMENT}.`;
        assert.deepEqual((await run([bucket("data"), policy("data", [denyOldTls])])).messages, [msg]);
        assert.deepEqual((await run([bucket("data"), policy("data", [{ ...denyHttp, Effect: "Allow" }])])).messages, [msg]);
        assert.deepEqual((await run([bucket("data"), policy("data", [{ ...denyHttp, Principal: { AWS: "arn:aws:iam::111122223333:root" } }])])).messages, [msg]);
        assert.deepEqual((await run([bucket("data"), policy("data", [{ ...denyHttp, Action: ["s3:GetObject"] }])])).messages, [msg]);
        // Only the bucket, or only the objects: plain HTTP still reaches the other.
        assert.deepEqual((await run([bucket("data"), policy("data", [{ ...denyHttp, Resource: "arn:aws:s3:::e2ee-data" }])])).messages, [msg]);
        assert.deepEqual((await run([bucket("data"), policy("data", [{ ...denyHttp, Resource: ["arn:aws:s3:::e2ee-data/*"] }])])).messages, [msg]);
        assert.deepEqual((await run([bucket("data"), policy("data", [{ ...denyHttp, Resource: "*" }])])).messages, []);
        assert.deepEqual((await run([bucket("data"), policy("data", [{ ...denyHttp, Condition: { Bool: { "aws:SecureTransport": "true" } } }])])).messages, [msg]);
        // An extra condition narrows the deny (conditions are ANDed).
        assert.deepEqual(
            (await run([bucket("data"), policy("data", [{ ...denyHttp, Condition: { Bool: { "aws:SecureTransport": "false" }, StringEquals: { "aws:PrincipalAccount": "111122223333" } } }])])).messages,
            [msg],
        );
    });
    it("reports a policy that is not valid JSON", async () => {
        const r = await run([bucket("data"), settingFor(POLICY, "data", { policy: "{not json" }, "policy")]);
        assert.equal(r.messages.length, 1);
        assert.match(r.messages[0], /^S3 bucket 'data' does not deny requests over plain HTTP: BucketPolicy 'data-policy' is not a valid policy document \(not valid JSON: .*\); add a statement/);
    });
    it("an unknown policy document (bucket ARN not yet known) is undecided, not a violation", async () => {
        const r = await run([bucket("data"), settingFor(POLICY, "data", { policy: UNKNOWN.string }, "policy")]);
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, "BucketPolicy 'data-policy' of bucket 'data': string value at .policy can't be known during preview");
    });
    it("uses the deprecated inline bucket policy when no BucketPolicy resource exists", async () => {
        const inline = { bucket: "e2ee-data", policy: JSON.stringify({ Version: "2012-10-17", Statement: [denyHttp] }) };
        assert.deepEqual((await run([bucket("data", inline)])).violations, []);
    });
});
