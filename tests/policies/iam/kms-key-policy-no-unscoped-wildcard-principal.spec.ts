import assert from "node:assert/strict";
import { isScopedByCondition, kmsKeyPolicyNoUnscopedWildcardPrincipal } from "../../../policies/rules/iam/kmsKeyPolicyNoUnscopedWildcardPrincipal";
import { parsePolicyDocument } from "../../../policies/lib/iam";
import { UNKNOWN, runResourceRule } from "../harness";

const admin = { Sid: "Admin", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:role/admin" }, Action: ["kms:Describe*", "kms:Put*"], Resource: "*" };
const star = (Condition?: unknown) => ({ Sid: "Use", Effect: "Allow", Principal: "*", Action: ["kms:Encrypt", "kms:Decrypt"], Resource: "*", ...(Condition === undefined ? {} : { Condition }) });
const run = (statements: unknown[], type = "aws:kms/key:Key", config?: Record<string, unknown>) =>
    runResourceRule(kmsKeyPolicyNoUnscopedWildcardPrincipal, { type, props: { policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }) } }, config);
const KEYS = "kms:CallerAccount, kms:ViaService, aws:PrincipalOrgID, aws:PrincipalOrgPaths, aws:PrincipalAccount, aws:PrincipalArn, aws:SourceAccount, aws:SourceArn, aws:SourceOrgID, aws:SourceVpce, aws:SourceVpc";

describe("kms-key-policy-no-unscoped-wildcard-principal", () => {
    it("accepts named principals", async () => {
        assert.deepEqual((await run([admin])).messages, []);
    });

    it('accepts "*" scoped by kms:CallerAccount + kms:ViaService (the known scanner false positive)', async () => {
        const cond = { StringEquals: { "kms:CallerAccount": "111122223333", "kms:ViaService": "s3.eu-west-1.amazonaws.com" } };
        assert.deepEqual((await run([admin, star(cond)])).messages, []);
        assert.deepEqual((await run([star({ StringEquals: { "aws:PrincipalOrgID": "o-abc" } })], "aws:kms/keyPolicy:KeyPolicy")).messages, []);
    });

    it('reports "*" without a condition', async () => {
        assert.deepEqual((await run([admin, star()])).messages, [
            `policy statement "Use" allows Principal "*" without a scoping condition; name the principals or add a condition on one of: ${KEYS}.`,
        ]);
    });

    it('reports "*" whose condition does not scope the principal', async () => {
        const msg = `policy statement "Use" allows Principal "*" without a scoping condition; name the principals or add a condition on one of: ${KEYS}.`;
        assert.deepEqual((await run([star({ Bool: { "aws:SecureTransport": "true" } })])).messages, [msg]);
        assert.deepEqual((await run([star({ StringNotEquals: { "kms:CallerAccount": "111122223333" } })])).messages, [msg]);
        assert.deepEqual((await run([star({ StringLike: { "aws:PrincipalArn": "*" } })])).messages, [msg]);
    });

    it("isScopedByCondition handles ForAnyValue prefixes and case-insensitive keys", () => {
        const [s] = parsePolicyDocument({ Statement: [star({ "ForAnyValue:StringEquals": { "AWS:PRINCIPALORGID": ["o-1"] } })] }).statements;
        assert.equal(isScopedByCondition(s, ["aws:PrincipalOrgID"]), true);
        assert.equal(isScopedByCondition(s, ["kms:CallerAccount"]), false);
    });

    it("uses the configured key list", async () => {
        const r = await run([star({ StringEquals: { "kms:CallerAccount": "111122223333" } })], "aws:kms/key:Key", { scopingConditionKeys: ["aws:PrincipalOrgID"] });
        assert.deepEqual(r.messages, ['policy statement "Use" allows Principal "*" without a scoping condition; name the principals or add a condition on one of: aws:PrincipalOrgID.']);
    });

    it("ignores bucket policies and cannot decide an unknown key policy", async () => {
        const b = await runResourceRule(kmsKeyPolicyNoUnscopedWildcardPrincipal, { type: "aws:s3/bucketPolicy:BucketPolicy", props: { policy: JSON.stringify({ Statement: [star()] }) } });
        assert.deepEqual(b.messages, []);
        const u = await runResourceRule(kmsKeyPolicyNoUnscopedWildcardPrincipal, { type: "aws:kms/key:Key", props: { policy: UNKNOWN.string } });
        assert.equal(u.unknown, "string value at .policy can't be known during preview");
    });
});
