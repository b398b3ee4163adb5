import assert from "node:assert/strict";
import { s3BucketRequiresTls13 } from "../../../policies/rules/s3/s3BucketRequiresTls13";
import { StackResourceInput, UNKNOWN, runStackRule, urnOf } from "../harness";
import { BUCKET, bucket, settingFor } from "./common";

const POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const STATEMENT = (v: string) =>
    `a statement { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [<bucket ARN>, <bucket ARN>/*], Condition: { NumericLessThan: { "s3:TlsVersion": "${v}" } } }`;
const denyHttp = {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: ["arn:aws:s3:::e2ee-data", "arn:aws:s3:::e2ee-data/*"],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
};
const denyOldTls = (v: unknown) => ({ ...denyHttp, Sid: "DenyOldTls", Condition: { NumericLessThan: { "s3:TlsVersion": v } } });
const policy = (b: string, statements: unknown[]): StackResourceInput =>
    settingFor(POLICY, b, { policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }) }, "policy");
const run = (rs: StackResourceInput[], cfg?: Record<string, unknown>) => runStackRule(s3BucketRequiresTls13, rs, cfg);

describe("s3-bucket-requires-tls13", () => {
    it("accepts NumericLessThan 1.3 (string, number or one-element list)", async () => {
        assert.deepEqual((await run([bucket("data"), policy("data", [denyHttp, denyOldTls("1.3")])])).violations, []);
        assert.deepEqual((await run([bucket("data"), policy("data", [denyOldTls(1.3)])])).violations, []);
        assert.deepEqual((await run([bucket("data"), policy("data", [denyOldTls(["1.3"])])])).violations, []);
    });
    it("reports a bucket without a policy", async () => {
        assert.deepEqual((await run([bucket("data")])).violations, [
            { message: `S3 bucket 'data' does not require TLS 1.3: no BucketPolicy applies to it; attach one containing ${STATEMENT("1.3")}.`, urn: urnOf(BUCKET, "data") },
        ]);
    });
    it("reports a policy with only the SecureTransport deny", async () => {
        assert.deepEqual((await run([bucket("data"), policy("data", [denyHttp])])).messages, [
            `S3 bucket 'data' does not require TLS 1.3: BucketPolicy 'data-policy' has no s3:TlsVersion deny statement; add ${STATEMENT("1.3")}.`,
        ]);
    });
    it("reports a TLS 1.2 minimum", async () => {
        assert.deepEqual((await run([bucket("data"), policy("data", [denyHttp, denyOldTls("1.2")])])).messages, [
            `S3 bucket 'data' does not require TLS 1.3: BucketPolicy 'data-policy' statement "DenyOldTls" denies only below TLS 1.2, so TLS 1.2 is still accepted; add ${STATEMENT("1.3")}.`,
        ]);
    });
    it("honours a configured minimum of 1.2", async () => {
        assert.deepEqual((await run([bucket("data"), policy("data", [denyOldTls("1.2")])], { minimumTlsVersion: 1.2 })).violations, []);
        assert.deepEqual((await run([bucket("data"), policy("data", [denyHttp])], { minimumTlsVersion: 1.2 })).messages, [
            `S3 bucket 'data' does not require TLS 1.2: BucketPolicy 'data-policy' has no s3:TlsVersion deny statement; add ${STATEMENT("1.2")}.`,
        ]);
    });
    it("rejects an invalid minimum in config", async () => {
        await assert.rejects(run([bucket("data")], { minimumTlsVersion: 1.1 }), /invalid policy config/);
    });
    it("an unknown policy is undecided; the other buckets are still checked", async () => {
        const r = await run([bucket("data"), settingFor(POLICY, "data", { policy: UNKNOWN.string }, "policy"), bucket("logs")]);
        assert.deepEqual(r.messages, [`S3 bucket 'logs' does not require TLS 1.3: no BucketPolicy applies to it; attach one containing ${STATEMENT("1.3")}.`]);
        assert.equal(r.unknown, "BucketPolicy 'data-policy' of bucket 'data': string value at .policy can't be known during preview");
    });
});
