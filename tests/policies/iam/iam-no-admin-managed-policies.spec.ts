import assert from "node:assert/strict";
import { awsManagedPolicyName, iamNoAdminManagedPolicies } from "../../../policies/rules/iam/iamNoAdminManagedPolicies";
import { UNKNOWN, runResourceRule } from "../harness";

const run = (type: string, props: Record<string, unknown>, config?: Record<string, unknown>) =>
    runResourceRule(iamNoAdminManagedPolicies, { type, props }, config);
const msg = (prop: string, name: string, arn: string) =>
    `${prop} attaches the AWS-managed policy ${name} (${arn}), which grants administrator, power-user or full-service access; attach a policy with the specific actions and resources instead.`;

describe("iam-no-admin-managed-policies", () => {
    it("parses AWS-managed policy ARNs", () => {
        assert.equal(awsManagedPolicyName("arn:aws:iam::aws:policy/AdministratorAccess"), "AdministratorAccess");
        assert.equal(awsManagedPolicyName("arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"), "AWSLambdaVPCAccessExecutionRole");
        assert.equal(awsManagedPolicyName("arn:aws-us-gov:iam::aws:policy/PowerUserAccess"), "PowerUserAccess");
        assert.equal(awsManagedPolicyName("arn:aws:iam::111122223333:policy/AdministratorAccess"), undefined);
    });

    it("accepts narrow AWS-managed policies and customer-managed policies", async () => {
        assert.deepEqual((await run("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "r", policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole" })).messages, []);
        assert.deepEqual((await run("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "r", policyArn: "arn:aws:iam::111122223333:policy/AdministratorAccess" })).messages, []);
    });

    it("reports every attachment type", async () => {
        const cases: [string, string, string][] = [
            ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", "AdministratorAccess", "arn:aws:iam::aws:policy/AdministratorAccess"],
            ["aws:iam/userPolicyAttachment:UserPolicyAttachment", "PowerUserAccess", "arn:aws:iam::aws:policy/PowerUserAccess"],
            ["aws:iam/groupPolicyAttachment:GroupPolicyAttachment", "IAMFullAccess", "arn:aws:iam::aws:policy/IAMFullAccess"],
            ["aws:iam/policyAttachment:PolicyAttachment", "AmazonS3FullAccess", "arn:aws:iam::aws:policy/AmazonS3FullAccess"],
        ];
        for (const [type, name, arn] of cases) {
            assert.deepEqual((await run(type, { policyArn: arn })).messages, [msg("policyArn", name, arn)]);
        }
    });

    it("reports Role.managedPolicyArns entries by index", async () => {
        const arn = "arn:aws:iam::aws:policy/job-function/AdministratorAccess-Amplify";
        assert.deepEqual(
            (await run("aws:iam/role:Role", { assumeRolePolicy: "{}", managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess", arn] })).messages,
            [msg("managedPolicyArns[1]", "AdministratorAccess-Amplify", arn)],
        );
    });

    it("uses the configured list", async () => {
        const arn = "arn:aws:iam::aws:policy/ReadOnlyAccess";
        assert.deepEqual((await run("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { policyArn: arn }, { deniedManagedPolicies: ["ReadOnly*"] })).messages, [msg("policyArn", "ReadOnlyAccess", arn)]);
    });

    it("cannot decide an unknown ARN", async () => {
        const r = await run("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "r", policyArn: UNKNOWN.string });
        assert.equal(r.unknown, "string value at .policyArn can't be known during preview");
    });
});
