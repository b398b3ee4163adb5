import assert from "node:assert/strict";
import { vpcFlowLogsEnabled } from "../../../policies/rules/monitoring/vpcFlowLogsEnabled";
import { UNKNOWN, runStackRule, urnOf, type StackResourceInput } from "../harness";

const vpc = (name: string, id: unknown): StackResourceInput => ({ type: "aws:ec2/vpc:Vpc", name, props: { cidrBlock: "10.0.0.0/16", id } });
const flow = (name: string, vpcId: unknown, deps?: string[]): StackResourceInput => ({
    type: "aws:ec2/flowLog:FlowLog",
    name,
    props: { vpcId, trafficType: "ALL", logDestination: "arn:aws:logs:eu-west-1:111122223333:log-group:flow" },
    ...(deps === undefined ? {} : { propertyDependencies: { vpcId: deps } }),
});
const run = (inputs: StackResourceInput[]) => runStackRule(vpcFlowLogsEnabled, inputs);

describe("vpc-flow-logs-enabled", () => {
    it("accepts a flow log by vpcId and by property dependency", async () => {
        assert.deepEqual((await run([vpc("main", "vpc-1"), flow("fl", "vpc-1")])).messages, []);
        assert.deepEqual((await run([vpc("main", UNKNOWN.string), flow("fl", UNKNOWN.string, ["main"])])).messages, []);
    });

    it("matches vpcId against the id in the VPC's ARN when the outputs have no id", async () => {
        const byArn: StackResourceInput = { type: "aws:ec2/vpc:Vpc", name: "main", props: { arn: "arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-0abc" } };
        assert.deepEqual((await run([byArn, flow("fl", "vpc-0abc")])).messages, []);
        assert.deepEqual((await run([byArn, flow("fl", "vpc-0def")])).messages, ['VPC "main" has no aws.ec2.FlowLog with vpcId pointing at it; add a flow log (trafficType "ALL").']);
    });

    it("reports a VPC without a flow log", async () => {
        const r = await run([vpc("main", "vpc-1"), vpc("other", "vpc-2"), flow("fl", "vpc-1")]);
        assert.deepEqual(r.violations, [{ message: 'VPC "other" has no aws.ec2.FlowLog with vpcId pointing at it; add a flow log (trafficType "ALL").', urn: urnOf("aws:ec2/vpc:Vpc", "other") }]);
    });

    it("does not report when a flow log's target is unknown", async () => {
        const r = await run([vpc("main", UNKNOWN.string), flow("fl", UNKNOWN.string)]);
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, 'the vpcId of flow log "fl" is unknown; VPC "main" may be covered by a flow log whose target is unknown');
    });

    it("does nothing without VPCs", async () => {
        assert.deepEqual((await run([flow("fl", "vpc-1")])).messages, []);
    });
});
