import assert from "node:assert/strict";
import { lambdaInVpc } from "../../../policies/rules/lambda/lambdaInVpc";
import { UNKNOWN, runResourceRule } from "../harness";

const vpcConfig = { subnetIds: ["subnet-a", "subnet-b"], securityGroupIds: ["sg-1"] };
const run = (props: Record<string, unknown>, type = "aws:lambda/function:Function") => runResourceRule(lambdaInVpc, { type, props });

describe("lambda-in-vpc", () => {
    it("accepts a function with subnets and security groups", async () => {
        assert.deepEqual((await run({ runtime: "nodejs22.x", vpcConfig })).messages, []);
    });

    it("reports a missing vpcConfig", async () => {
        assert.deepEqual((await run({ runtime: "nodejs22.x" })).messages, [
            "vpcConfig is not set, so the function's outbound traffic cannot be filtered; set vpcConfig with subnetIds and securityGroupIds.",
        ]);
    });

    it("reports empty subnetIds and securityGroupIds", async () => {
        assert.deepEqual((await run({ vpcConfig: { subnetIds: [], securityGroupIds: [] } })).messages, [
            "vpcConfig.subnetIds is empty; attach the function to private subnets.",
            "vpcConfig.securityGroupIds is empty; attach a security group with restricted egress.",
        ]);
    });

    it("ignores other types; cannot decide unknown subnets", async () => {
        assert.deepEqual((await run({}, "aws:lambda/permission:Permission")).messages, []);
        assert.equal((await run({ vpcConfig: { subnetIds: UNKNOWN.array, securityGroupIds: ["sg"] } })).unknown, "Array value at .vpcConfig.subnetIds can't be known during preview");
    });
});
