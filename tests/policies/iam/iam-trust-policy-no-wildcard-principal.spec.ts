import assert from "node:assert/strict";
import { iamTrustPolicyNoWildcardPrincipal } from "../../../policies/rules/iam/iamTrustPolicyNoWildcardPrincipal";
import { UNKNOWN, runResourceRule } from "../harness";

const trust = (stmt: Record<string, unknown>) => ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", ...stmt }] });
const run = (assumeRolePolicy: unknown) => runResourceRule(iamTrustPolicyNoWildcardPrincipal, { type: "aws:iam/role:Role", props: { name: "r", assumeRolePolicy } });

describe("iam-trust-policy-no-wildcard-principal", () => {
    it("accepts a service principal (string and object documents)", async () => {
        assert.deepEqual((await run(JSON.stringify(trust({ Principal: { Service: "lambda.amazonaws.com" } })))).messages, []);
        assert.deepEqual((await run(trust({ Principal: { AWS: ["arn:aws:iam::111122223333:role/ci"] } }))).messages, []);
    });

    it('reports Principal "*" and {AWS: "*"} without a condition', async () => {
        const m = 'assumeRolePolicy statement 1 lets Principal "*" (any AWS account) assume the role without a Condition; name the trusted principal or add a scoping Condition.';
        assert.deepEqual((await run(JSON.stringify(trust({ Principal: "*" })))).messages, [m]);
        assert.deepEqual((await run(trust({ Principal: { AWS: "*" } }))).messages, [m]);
    });

    it('accepts "*" with a condition', async () => {
        assert.deepEqual((await run(trust({ Principal: { AWS: "*" }, Condition: { StringEquals: { "aws:PrincipalOrgID": "o-123" } } }))).messages, []);
    });

    it("reports Allow with NotPrincipal", async () => {
        assert.deepEqual((await run(trust({ Sid: "T", NotPrincipal: { AWS: "arn:aws:iam::111122223333:user/x" } }))).messages, [
            'assumeRolePolicy statement "T" uses "Effect": "Allow" with NotPrincipal, which trusts every other principal; name the trusted principal in Principal.',
        ]);
    });

    it("ignores identity policies of other types", async () => {
        const r = await runResourceRule(iamTrustPolicyNoWildcardPrincipal, { type: "aws:iam/policy:Policy", props: { policy: trust({ Principal: "*" }) } });
        assert.deepEqual(r.messages, []);
    });

    it("cannot decide an unknown trust policy", async () => {
        assert.equal((await run(UNKNOWN.string)).unknown, "string value at .assumeRolePolicy can't be known during preview");
    });
});
