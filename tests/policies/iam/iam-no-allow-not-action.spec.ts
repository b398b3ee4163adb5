import assert from "node:assert/strict";
import { iamNoAllowNotAction } from "../../../policies/rules/iam/iamNoAllowNotAction";
import { runResourceRule } from "../harness";

const run = (type: string, props: Record<string, unknown>) => runResourceRule(iamNoAllowNotAction, { type, props });

describe("iam-no-allow-not-action", () => {
    it("accepts explicit Action/Resource and Deny with NotAction", async () => {
        const doc = { Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }, { Effect: "Deny", NotAction: "s3:GetObject", Resource: "*" }] };
        assert.deepEqual((await run("aws:iam/policy:Policy", { policy: JSON.stringify(doc) })).messages, []);
    });

    it("reports Allow with NotAction", async () => {
        const doc = { Statement: [{ Sid: "AllButIam", Effect: "Allow", NotAction: ["iam:*", "organizations:*"], Resource: "*" }] };
        assert.deepEqual((await run("aws:iam/policy:Policy", { policy: JSON.stringify(doc) })).messages, [
            'policy statement "AllButIam" uses "Effect": "Allow" with NotAction "iam:*", "organizations:*", which allows every other action of every service; use an explicit Action list.',
        ]);
    });

    it("reports Allow with NotResource, also in key and bucket policies", async () => {
        const doc = { Statement: { Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:role/x" }, Action: "s3:GetObject", NotResource: "arn:aws:s3:::secret/*" } };
        const msg = 'policy statement 1 uses "Effect": "Allow" with NotResource "arn:aws:s3:::secret/*", which applies to every other resource; use an explicit Resource list.';
        assert.deepEqual((await run("aws:s3/bucketPolicy:BucketPolicy", { bucket: "b", policy: doc })).messages, [msg]);
        assert.deepEqual((await run("aws:kms/keyPolicy:KeyPolicy", { keyId: "k", policy: JSON.stringify(doc) })).messages, [msg]);
    });

    it("reports both in a role's inline policy", async () => {
        const doc = { Statement: [{ Effect: "Allow", NotAction: "s3:DeleteObject", NotResource: "arn:x" }] };
        assert.deepEqual((await run("aws:iam/role:Role", { assumeRolePolicy: "{}", inlinePolicies: [{ name: "a", policy: JSON.stringify(doc) }] })).messages, [
            'inlinePolicies[0].policy statement 1 uses "Effect": "Allow" with NotAction "s3:DeleteObject", which allows every other action of every service; use an explicit Action list.',
            'inlinePolicies[0].policy statement 1 uses "Effect": "Allow" with NotResource "arn:x", which applies to every other resource; use an explicit Resource list.',
        ]);
    });
});
