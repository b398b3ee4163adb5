import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { awsManagedPolicyName, iamNoAdminManagedPolicies } from "../../../policies/rules/iam/iamNoAdminManagedPolicies";
import { UNKNOWN, runResourceRule } from "../harness";

const run = (type: string, props: Record<string, unknown>, config?: Record<string, unknown>) =>
    runResourceRule(iamNoAdminManagedPolicies, { type, props }, config);
const msg = (prop: string, name: string, arn: string, grants: string) =>
    `${prop} attaches the AWS-managed policy ${name} (${arn}), which grants ${grants} (per the document AWS publishes for it); attach a policy with the specific actions and resources instead.`;

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
            ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", "AdministratorAccess", "every action on every resource"],
            ["aws:iam/userPolicyAttachment:UserPolicyAttachment", "PowerUserAccess", "every action except iam:*, organizations:*, account:*"],
            ["aws:iam/groupPolicyAttachment:GroupPolicyAttachment", "IAMFullAccess", "every action of iam on every resource"],
            ["aws:iam/policyAttachment:PolicyAttachment", "AmazonS3FullAccess", "every action of s3, s3-object-lambda on every resource"],
        ];
        for (const [type, name, grants] of cases) {
            const arn = `arn:aws:iam::aws:policy/${name}`;
            assert.deepEqual((await run(type, { policyArn: arn })).messages, [msg("policyArn", name, arn, grants)]);
        }
    });

    it("reports Role.managedPolicyArns entries by index", async () => {
        const arn = "arn:aws:iam::aws:policy/job-function/AdministratorAccess-Amplify";
        assert.deepEqual(
            (await run("aws:iam/role:Role", { assumeRolePolicy: "{}", managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess", arn] })).messages,
            [msg("managedPolicyArns[1]", "AdministratorAccess-Amplify", arn, "every action of amplify, amplifybackend, amplifyuibuilder, geo, mobiletargeting on every resource; IAM actions that change permissions on every resource (iam:AttachRolePolicy, iam:CreatePolicy, iam:CreatePolicyVersion and 6 more)")],
        );
    });

    it("uses the configured list", async () => {
        const arn = "arn:aws:iam::aws:policy/ReadOnlyAccess";
        assert.deepEqual((await run("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { policyArn: arn }, { deniedManagedPolicies: ["ReadOnly*"] })).messages, [
            `policyArn attaches the AWS-managed policy ReadOnlyAccess (${arn}), which deniedManagedPolicies forbids by name; attach a policy with the specific actions and resources instead.`,
        ]);
        const cw = "arn:aws:iam::aws:policy/CloudWatchFullAccessV2";
        assert.deepEqual((await run("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { policyArn: cw }, { allowedManagedPolicies: ["CloudWatch*"] })).messages, []);
    });

    it("judges policies beyond the *FullAccess pattern by what they grant (CloudWatchFullAccessV2, AmazonCognitoPowerUser)", async () => {
        const cw = "arn:aws:iam::aws:policy/CloudWatchFullAccessV2";
        assert.deepEqual((await run("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { policyArn: cw })).messages, [
            msg("policyArn", "CloudWatchFullAccessV2", cw, "every action of application-signals, cloudwatch, logs, rum, synthetics, xray on every resource"),
        ]);
        const runtime = ["service-role/AWSLambdaBasicExecutionRole", "AmazonEKSClusterPolicy", "AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "service-role/AmazonECSTaskExecutionRolePolicy", "AmazonSSMManagedInstanceCore", "ReadOnlyAccess"];
        for (const name of runtime) {
            assert.deepEqual((await run("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { policyArn: `arn:aws:iam::aws:policy/${name}` })).messages, [], name);
        }
    });

    it("judges a policy the dataset does not have by its name, and says so", async () => {
        const arn = "arn:aws:iam::aws:policy/ExampleServiceFullAccess";
        assert.deepEqual((await run("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { policyArn: arn })).messages, [
            `policyArn attaches the AWS-managed policy ExampleServiceFullAccess (${arn}), whose name marks administrator, power-user or full-service access (it is not in the managed-policy dataset, so it is judged by its name); attach a policy with the specific actions and resources instead.`,
        ]);
    });

    it("names aws.lambda.CallbackFunction when the attachment follows its naming pattern", async () => {
        const arn = "arn:aws:iam::aws:policy/AWSLambda_FullAccess";
        const hash = createHash("sha1").update(arn).digest("hex").slice(0, 8);
        const r = await runResourceRule(iamNoAdminManagedPolicies, { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name: `handler-${hash}`, props: { role: "handler", policyArn: arn } });
        assert.deepEqual(r.messages, [
            `policyArn attaches the AWS-managed policy AWSLambda_FullAccess (${arn}), which grants every action of lambda on every resource (per the document AWS publishes for it); attach a policy with the specific actions and resources instead. It is one of the default policies aws.lambda.CallbackFunction "handler" attaches when it is given no policies (the attachment's name follows that component's naming pattern): pass policies (or a role) with only what the function needs.`,
        ]);
    });

    it("names the library component whose default it is (parent type)", async () => {
        const arn = "arn:aws:iam::aws:policy/AmazonS3FullAccess";
        const r = await runResourceRule(iamNoAdminManagedPolicies, {
            type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            props: { policyArn: arn },
            opts: { parent: "urn:pulumi:dev::p::awsx:ecs:FargateService::svc" },
        });
        assert.match(r.messages[0], /\(a default of the awsx:ecs:FargateService component of @pulumi\/awsx, not a value the program wrote: set it through that component's arguments\)/);
    });

    it("cannot decide an unknown ARN", async () => {
        const r = await run("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "r", policyArn: UNKNOWN.string });
        assert.equal(r.unknown, "string value at .policyArn can't be known during preview");
    });
});
