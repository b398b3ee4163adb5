import assert from "node:assert/strict";
import { sgNoUnrestrictedEgress } from "../../../policies/rules/network/sgNoUnrestrictedEgress";
import { UNKNOWN, runResourceRule } from "../harness";

const run = (type: string, props: Record<string, unknown>) => runResourceRule(sgNoUnrestrictedEgress, { type, props });
const SG = "aws:ec2/securityGroup:SecurityGroup";

describe("sg-no-unrestricted-egress", () => {
    it("accepts egress to a prefix list, a security group or a private CIDR, and no egress at all", async () => {
        assert.deepEqual((await run(SG, { vpcId: "v", egress: [{ protocol: "tcp", fromPort: 443, toPort: 443, prefixListIds: ["pl-1"] }, { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/16"] }] })).messages, []);
        assert.deepEqual((await run(SG, { vpcId: "v" })).messages, []);
    });

    it("reports inline egress to 0.0.0.0/0 with protocol -1 as all ports, and ::/0", async () => {
        const r = await run(SG, { egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }, { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }] });
        assert.deepEqual(r.messages, [
            'egress[0] allows protocol "-1" (all protocols, all ports) to 0.0.0.0/0; restrict the destination.',
            'egress[0] allows protocol "-1" (all protocols, all ports) to ::/0; restrict the destination.',
            "egress[1] allows tcp port 443 to 0.0.0.0/0; restrict the destination.",
        ]);
    });

    it("checks the VPC's default security group too", async () => {
        const T = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";
        assert.deepEqual((await run(T, { vpcId: "v" })).messages, []);
        assert.deepEqual((await run(T, { vpcId: "v", egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] })).messages, [
            'egress[0] allows protocol "-1" (all protocols, all ports) to 0.0.0.0/0; restrict the destination.',
        ]);
    });

    it("reports aws.ec2.SecurityGroupRule of type egress only", async () => {
        const rule = { securityGroupId: "sg", protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] };
        assert.deepEqual((await run("aws:ec2/securityGroupRule:SecurityGroupRule", { ...rule, type: "egress" })).messages, [
            "egress rule allows tcp ports 0-65535 to 0.0.0.0/0; restrict the destination.",
        ]);
        assert.deepEqual((await run("aws:ec2/securityGroupRule:SecurityGroupRule", { ...rule, type: "ingress" })).messages, []);
    });

    it("reports aws.vpc.SecurityGroupEgressRule (cidrIpv4/cidrIpv6)", async () => {
        const T = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
        assert.deepEqual((await run(T, { securityGroupId: "sg", ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" })).messages, [
            'cidrIpv4 "0.0.0.0/0" allows protocol "-1" (all protocols, all ports) to anywhere; restrict the destination.',
        ]);
        assert.deepEqual((await run(T, { securityGroupId: "sg", ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv6: "::/0" })).messages, [
            'cidrIpv6 "::/0" allows tcp port 443 to anywhere; restrict the destination.',
        ]);
        assert.deepEqual((await run(T, { securityGroupId: "sg", ipProtocol: "tcp", fromPort: 443, toPort: 443, referencedSecurityGroupId: "sg-endpoints" })).messages, []);
    });

    it("cannot decide unknown CIDRs", async () => {
        assert.equal((await run("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", { cidrIpv4: UNKNOWN.string })).unknown, "string value at .cidrIpv4 can't be known during preview");
    });
});
