/**
 * What a policy judges: resource rules are never called for types they do not judge (so they cannot report
 * "can't run during preview" on them), and opt-in policies judge nothing unless their config opts in.
 */
import assert from "node:assert/strict";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { allRules } from "../../policies/all";
import { iamTrustPolicyNoWildcardPrincipal } from "../../policies/rules/iam/iamTrustPolicyNoWildcardPrincipal";
import { UNKNOWN, runResourceRule } from "./harness";

const resourceRules = allRules.filter((r): r is ResourceValidationPolicy & (typeof allRules)[number] => "validateResource" in r);

describe("policy scope", () => {
    it("false positive removed: a trust-policy rule does not try a bucket policy (no \"can't run during preview\")", async () => {
        const r = await runResourceRule(iamTrustPolicyNoWildcardPrincipal, { type: "aws:s3/bucketPolicy:BucketPolicy", props: { bucket: UNKNOWN.string, policy: UNKNOWN.string } });
        assert.deepEqual(r, { violations: [], messages: [], unknown: undefined, notApplicable: undefined });
    });

    it("a trust-policy rule reads only the trust policy of a role (unknown inline policies are not its concern)", async () => {
        const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] });
        const r = await runResourceRule(iamTrustPolicyNoWildcardPrincipal, { type: "aws:iam/role:Role", props: { assumeRolePolicy: trust, inlinePolicies: [{ name: "p", policy: UNKNOWN.string }] } });
        assert.equal(r.unknown, undefined);
    });

    for (const rule of resourceRules) {
        it(`${rule.name}: declares its types and is silent on every other type, even when all its inputs are unknown`, async () => {
            assert.ok((rule.resourceTypes ?? []).length > 0);
            const props = Object.fromEntries(["policy", "assumeRolePolicy", "tags", "tagsAll", "kmsKeyId", "spec", "metadata", "environment", "protocol", "encrypted", "acl"].map((k) => [k, UNKNOWN.string]));
            for (const type of ["aws:s3/bucketPolicy:BucketPolicy", "aws:iam/role:Role", "aws:kms/key:Key", "kubernetes:apps/v1:Deployment", "example:index:Thing"]) {
                if ((rule.resourceTypes ?? []).includes(type)) {
                    continue;
                }
                const config = rule.optIn === undefined ? {} : { [rule.optIn]: true };
                const r = await runResourceRule(rule, { type, props }, config);
                assert.deepEqual([r.messages, r.unknown], [[], undefined], type);
            }
        });
    }

    for (const rule of allRules.filter((r) => r.optIn !== undefined)) {
        it(`${rule.name}: its opt-in (${rule.optIn}) is a boolean setting that defaults to false`, () => {
            const schema = rule.configSchema?.properties[rule.optIn ?? ""];
            assert.deepEqual({ type: schema?.type, default: schema?.default }, { type: "boolean", default: false });
        });
    }

    it("exactly the house-convention and account-baseline policies are opt-in", () => {
        assert.deepEqual(
            allRules.filter((r) => r.optIn !== undefined).map((r) => `${r.name}: ${r.optIn}`),
            [
                "kms-key-role-tagged: houseConventions",
                "guardduty-enabled: accountBaseline",
                "securityhub-enabled: accountBaseline",
                "config-recorder-enabled: accountBaseline",
                "cloudtrail-enabled: accountBaseline",
                "s3-account-public-access-blocked: accountBaseline",
                "data-store-classification-tag: houseConventions",
            ],
        );
    });
});
