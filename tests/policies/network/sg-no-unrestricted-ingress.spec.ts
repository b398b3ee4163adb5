import assert from "node:assert/strict";
import { sgNoUnrestrictedIngress } from "../../../policies/rules/network/sgNoUnrestrictedIngress";
import { UNKNOWN, runStackRule, urnOf, type StackResourceInput } from "../harness";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const sg = (name: string, ingress: unknown[]): StackResourceInput => ({ type: SG, name, props: { vpcId: UNKNOWN.string, ingress } });
const web = [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }, { protocol: "tcp", fromPort: 80, toPort: 80, ipv6CidrBlocks: ["::/0"] }];
const alb: StackResourceInput = { type: "aws:lb/loadBalancer:LoadBalancer", name: "alb", props: { securityGroups: [UNKNOWN.string] }, propertyDependencies: { securityGroups: ["alb-sg"] } };
const run = (rs: StackResourceInput[], config?: Record<string, unknown>) => runStackRule(sgNoUnrestrictedIngress, rs, config);

describe("sg-no-unrestricted-ingress", () => {
    it("accepts web ports open on a load balancer's security group, and private ingress anywhere", async () => {
        const app = sg("app", [{ protocol: "tcp", fromPort: 8080, toPort: 8080, securityGroups: [UNKNOWN.string] }, { protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16"] }]);
        const r = await run([sg("alb-sg", web), alb, app]);
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, undefined);
    });
    it("reports SSH open to the world (inline)", async () => {
        const r = await run([sg("bastion", [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }])]);
        assert.deepEqual(r.violations, [
            {
                message: 'security group "bastion" ingress[0] allows tcp port 22 from 0.0.0.0/0 (anyone on the internet); allow only the sources that need it (a load balancer\'s security group, a VPN CIDR or a prefix list).',
                urn: urnOf(SG, "bastion"),
            },
        ]);
    });
    it("reports web ports open on a group no load balancer uses", async () => {
        assert.deepEqual((await run([sg("web", web.slice(0, 1))])).messages, [
            'security group "web" ingress[0] allows tcp port 443 from 0.0.0.0/0 (anyone on the internet); only a load balancer\'s security group may open these ports to the world; allow only the sources that need it (a load balancer\'s security group, a VPN CIDR or a prefix list).',
        ]);
    });
    it("reports MySQL open through aws.ec2.SecurityGroupRule and aws.vpc.SecurityGroupIngressRule", async () => {
        const rule: StackResourceInput = { type: "aws:ec2/securityGroupRule:SecurityGroupRule", name: "mysql", props: { type: "ingress", protocol: "tcp", fromPort: 3306, toPort: 3306, cidrBlocks: ["0.0.0.0/0"], securityGroupId: UNKNOWN.string }, propertyDependencies: { securityGroupId: ["db"] } };
        const vpcRule: StackResourceInput = { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "all", props: { ipProtocol: "-1", cidrIpv6: "::/0", securityGroupId: UNKNOWN.string }, propertyDependencies: { securityGroupId: ["db"] } };
        assert.deepEqual((await run([sg("db", []), rule, vpcRule])).messages, [
            'SecurityGroupRule "mysql" allows tcp port 3306 from 0.0.0.0/0 (anyone on the internet); allow only the sources that need it (a load balancer\'s security group, a VPN CIDR or a prefix list).',
            'SecurityGroupIngressRule "all" allows protocol "-1" (all protocols, all ports) from ::/0 (anyone on the internet); allow only the sources that need it (a load balancer\'s security group, a VPN CIDR or a prefix list).',
        ]);
    });
    it("honours allowedPublicPorts and loadBalancerPorts; ICMP is not judged", async () => {
        const ssh = sg("bastion", [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }, { protocol: "icmp", fromPort: -1, toPort: -1, cidrBlocks: ["0.0.0.0/0"] }]);
        assert.deepEqual((await run([ssh], { allowedPublicPorts: [22] })).messages, []);
        assert.equal((await run([sg("alb-sg", web), alb], { loadBalancerPorts: [443] })).messages.length, 1);
    });
});
