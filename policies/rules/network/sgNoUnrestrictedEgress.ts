import { resourceRule } from "../../lib/rule";
import { isObj, listOf } from "../../lib/k8s";

export const EGRESS_TYPES: readonly string[] = [
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
];

export const OPEN_CIDRS: readonly string[] = ["0.0.0.0/0", "::/0"];

/** "all protocols and all ports" for -1/all, else "tcp ports 443-443" / "tcp port 443". */
export function describeTraffic(protocol: unknown, fromPort: unknown, toPort: unknown): string {
    const p = typeof protocol === "number" ? String(protocol) : protocol;
    if (p === "-1" || p === "all") {
        return `protocol "-1" (all protocols, all ports)`;
    }
    const proto = typeof p === "string" ? p : "unknown protocol";
    if (typeof fromPort === "number" && typeof toPort === "number") {
        return fromPort === toPort ? `${proto} port ${fromPort}` : `${proto} ports ${fromPort}-${toPort}`;
    }
    return proto;
}

const REMEDIATION =
    "Allow egress only to the destinations a component needs: VPC endpoint security groups or prefix lists for AWS services (referencedSecurityGroupId / prefixListIds / sourceSecurityGroupId), or specific CIDRs; send remaining outbound traffic through a filtering proxy or firewall.";

export const sgNoUnrestrictedEgress = resourceRule({
    name: "sg-no-unrestricted-egress",
    description: "Security groups must not allow egress to 0.0.0.0/0 or ::/0 (inline egress, SecurityGroupRule, vpc.SecurityGroupEgressRule).",
    details:
        "Security groups must not allow egress to 0.0.0.0/0 or ::/0, whichever way the rule is written: inline aws.ec2.SecurityGroup / aws.ec2.DefaultSecurityGroup egress (cidrBlocks/ipv6CidrBlocks), aws.ec2.SecurityGroupRule of type egress, or aws.vpc.SecurityGroupEgressRule (cidrIpv4/cidrIpv6).",
    severity: "high",
    framework: { paper: "5.4 Network: controlled ingress/egress (case study: egress filtering for all outbound traffic)" },
    remediationSteps: REMEDIATION,
    resourceTypes: EGRESS_TYPES,
    validateResource: (args, report) => {
        const open = (cidrs: unknown): string[] => listOf(cidrs).filter((c): c is string => typeof c === "string" && OPEN_CIDRS.includes(c));
        if (args.type === "aws:ec2/securityGroup:SecurityGroup" || args.type === "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup") {
            listOf(args.props["egress"]).forEach((e, i) => {
                if (!isObj(e)) {
                    return;
                }
                for (const cidr of [...open(e["cidrBlocks"]), ...open(e["ipv6CidrBlocks"])]) {
                    report(`egress[${i}] allows ${describeTraffic(e["protocol"], e["fromPort"], e["toPort"])} to ${cidr}; restrict the destination.`);
                }
            });
        } else if (args.type === "aws:ec2/securityGroupRule:SecurityGroupRule") {
            if (args.props["type"] !== "egress") {
                return;
            }
            const p = args.props;
            for (const cidr of [...open(p["cidrBlocks"]), ...open(p["ipv6CidrBlocks"])]) {
                report(`egress rule allows ${describeTraffic(p["protocol"], p["fromPort"], p["toPort"])} to ${cidr}; restrict the destination.`);
            }
        } else if (args.type === "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") {
            const p = args.props;
            for (const [field, value] of [["cidrIpv4", p["cidrIpv4"]], ["cidrIpv6", p["cidrIpv6"]]] as const) {
                if (typeof value === "string" && OPEN_CIDRS.includes(value)) {
                    report(`${field} "${value}" allows ${describeTraffic(p["ipProtocol"], p["fromPort"], p["toPort"])} to anywhere; restrict the destination.`);
                }
            }
        }
    },
});
