import assert from "node:assert/strict";
import { iamNoWildcardActions } from "../../../policies/rules/iam/iamNoWildcardActions";
import { UNKNOWN, runResourceRule } from "../harness";

const good = { Version: "2012-10-17", Statement: [{ Sid: "Read", Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::b/*" }] };
const withAction = (Action: unknown) => ({ Version: "2012-10-17", Statement: [{ Sid: "Read", Effect: "Allow", Action, Resource: "arn:aws:s3:::b/*" }] });
const run = (type: string, props: Record<string, unknown>) => runResourceRule(iamNoWildcardActions, { type, props });

describe("iam-no-wildcard-actions", () => {
    it("accepts specific actions in every identity-policy form", async () => {
        assert.deepEqual((await run("aws:iam/policy:Policy", { policy: JSON.stringify(good) })).messages, []);
        assert.deepEqual((await run("aws:iam/rolePolicy:RolePolicy", { role: "r", policy: good })).messages, []);
        assert.deepEqual((await run("aws:iam/role:Role", { assumeRolePolicy: "{}", inlinePolicies: [{ name: "i", policy: JSON.stringify(good) }] })).messages, []);
        // Partial wildcards are not "service:*".
        assert.deepEqual((await run("aws:iam/policy:Policy", { policy: withAction("s3:Get*") })).messages, []);
    });

    it('reports "*" as a string document (JSON.stringify / getPolicyDocument json)', async () => {
        assert.deepEqual((await run("aws:iam/policy:Policy", { policy: JSON.stringify(withAction("*"), null, 2) })).messages, [
            'policy statement "Read" allows Action "*", which grants every action of every service (administrator access); list the specific actions needed instead.',
        ]);
    });

    it('reports "service:*" in an object document with a single Statement object', async () => {
        const doc = { Statement: { Effect: "Allow", Action: ["s3:GetObject", "kms:*"], Resource: "*" } };
        assert.deepEqual((await run("aws:iam/userPolicy:UserPolicy", { user: "u", policy: doc })).messages, [
            'policy statement 1 allows Action "kms:*", which grants every current and future action of kms; list the specific actions needed instead.',
        ]);
    });

    it("reports Role.inlinePolicies with the property path and ignores the trust policy", async () => {
        const r = await run("aws:iam/role:Role", {
            assumeRolePolicy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "*" }] }),
            inlinePolicies: [{ name: "a", policy: JSON.stringify(good) }, { name: "b", policy: JSON.stringify(withAction("dynamodb:*")) }],
        });
        assert.deepEqual(r.messages, [
            'inlinePolicies[1].policy statement "Read" allows Action "dynamodb:*", which grants every current and future action of dynamodb; list the specific actions needed instead.',
        ]);
    });

    it("ignores Deny statements and resource policies (key policies)", async () => {
        const deny = { Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] };
        assert.deepEqual((await run("aws:iam/groupPolicy:GroupPolicy", { group: "g", policy: deny })).messages, []);
        const keyPolicy = { Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" }] };
        assert.deepEqual((await run("aws:kms/key:Key", { policy: JSON.stringify(keyPolicy) })).messages, []);
    });

    it("cannot decide an unknown document", async () => {
        const r = await run("aws:iam/policy:Policy", { policy: UNKNOWN.string });
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, "string value at .policy can't be known during preview");
    });

    it("expands patterns: reports those covering permission-changing actions, leaves read patterns alone", async () => {
        const doc = (Action: string[]) => ({ Statement: [{ Effect: "Allow", Action, Resource: "arn:aws:kms:eu-west-1:111122223333:key/k" }] });
        assert.deepEqual((await run("aws:iam/rolePolicy:RolePolicy", { role: "r", policy: doc(["kms:*Key*"]) })).messages, [
            'policy statement 1 allows Action "kms:*Key*", which covers 1 permission-changing action (kms:PutKeyPolicy); list the specific actions needed instead.',
        ]);
        assert.deepEqual((await run("aws:iam/rolePolicy:RolePolicy", { role: "r", policy: doc(["s3:Get*", "ec2:Describe*", "kms:Decrypt"]) })).messages, []);
    });
});
