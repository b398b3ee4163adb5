import assert from "node:assert/strict";
import { iamNoWildcardResources } from "../../../policies/rules/iam/iamNoWildcardResources";
import { runResourceRule } from "../harness";

const doc = (Action: unknown, Resource: unknown) => ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action, Resource }] });
const run = (policy: unknown, config?: Record<string, unknown>) =>
    runResourceRule(iamNoWildcardResources, { type: "aws:iam/rolePolicy:RolePolicy", props: { role: "r", policy } }, config);

describe("iam-no-wildcard-resources", () => {
    it("accepts named resources", async () => {
        assert.deepEqual((await run(JSON.stringify(doc(["kms:Decrypt"], "arn:aws:kms:eu-west-1:111122223333:key/k")))).messages, []);
    });

    it("accepts \"*\" for actions the Service Authorization Reference lists without resource-level permissions", async () => {
        const actions = ["ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces", "cloudwatch:GetMetricData", "s3:ListAllMyBuckets", "xray:PutTraceSegments", "xray:PutTelemetryRecords", "cloudwatch:PutMetricData", "STS:GetCallerIdentity"];
        assert.deepEqual((await run(doc(actions, "*"))).messages, []);
    });

    it("expands patterns against the reference and judges them by the actions they cover", async () => {
        assert.deepEqual((await run(doc(["ec2:Describe*", "xray:Put*"], "*"))).messages, []);
        assert.deepEqual((await run(doc(["s3:Get*"], "*"))).messages, [
            'policy statement 1 allows "s3:Get*" (covers 63 actions; 61 take resource ARNs: s3:GetAccelerateConfiguration, s3:GetAccessGrant, s3:GetAccessGrantsInstance and 58 more) on Resource "*"; name the resource ARNs instead ("*" is accepted only for actions without resource-level permissions).',
        ]);
        assert.deepEqual((await run(doc(["ec2:Describe*"], "*"), { acceptListActions: false })).messages.length, 1);
    });

    it("reports ENI management on \"*\" (the reference lists subnet, security-group and network-interface ARNs for it)", async () => {
        assert.deepEqual((await run(doc(["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"], "*"))).messages, [
            'policy statement 1 allows "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface" on Resource "*"; name the resource ARNs instead ("*" is accepted only for actions without resource-level permissions).',
        ]);
    });

    it("does not judge actions of services the reference does not know", async () => {
        assert.deepEqual((await run(doc(["newservice:DoThing"], "*"))).messages, []);
    });

    it("accepts the CloudWatch Logs vended-log delivery actions Step Functions needs on \"*\"", async () => {
        const actions = ["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"];
        assert.deepEqual((await run(JSON.stringify(doc(actions, "*")))).messages, []);
    });

    it("reports the actions that do have resource-level permissions", async () => {
        assert.deepEqual((await run(doc(["xray:PutTraceSegments", "kms:Decrypt", "logs:CreateLogGroup"], ["*"]))).messages, [
            'policy statement 1 allows "kms:Decrypt", "logs:CreateLogGroup" on Resource "*"; name the resource ARNs instead ("*" is accepted only for actions without resource-level permissions).',
        ]);
    });

    it("accepts \"*\" scoped to tagged resources (aws:ResourceTag condition) unless configured otherwise", async () => {
        const abac = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/e2ee:key-role": "storage" } } }] };
        assert.deepEqual((await run(abac)).messages, []);
        assert.deepEqual((await run(abac, { acceptResourceTagConditions: false })).messages, [
            'policy statement 1 allows "kms:Decrypt" on Resource "*"; name the resource ARNs instead ("*" is accepted only for actions without resource-level permissions).',
        ]);
        const notScoping = { Statement: [{ Effect: "Allow", Action: "kms:Decrypt", Resource: "*", Condition: { StringNotEquals: { "aws:ResourceTag/e2ee:key-role": "records" } } }] };
        assert.equal((await run(notScoping)).messages.length, 1);
    });

    it("uses the configured allow-list", async () => {
        assert.deepEqual((await run(doc("logs:CreateLogGroup", "*"), { allowedWildcardResourceActions: ["logs:CreateLogGroup"] })).messages, []);
        assert.deepEqual((await run(doc(["logs:Create*"], "*"), { allowedWildcardResourceActions: ["logs:Create*"] })).messages, []);
    });

    it("leaves NotAction statements to iam-no-allow-not-action and ignores Deny", async () => {
        assert.deepEqual((await run({ Statement: [{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }] })).messages, []);
        assert.deepEqual((await run({ Statement: [{ Effect: "Deny", Action: "s3:*", Resource: "*" }] })).messages, []);
    });
});
