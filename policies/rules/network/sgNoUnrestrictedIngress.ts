import type { PolicyResource } from "@pulumi/policy";
import { stackRule } from "../../lib/rule";
import { isObj, listOf } from "../../lib/k8s";
import { dependsOn } from "../../lib/known";
import { Undecided, peek, unwrapDeep } from "../../lib/unknown";
import { OPEN_CIDRS, describeTraffic } from "./sgNoUnrestrictedEgress";

export const DEFAULT_LOAD_BALANCER_PORTS: readonly number[] = [80, 443];

const SG_TYPES = ["aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"];
const LB_TYPES = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer", "aws:elb/loadBalancer:LoadBalancer"];
const ICMP = ["icmp", "1", "icmpv6", "58"];

interface Config {
    loadBalancerPorts?: number[];
    allowedPublicPorts?: number[];
}

interface OpenRule {
    /** The security group the rule belongs to (undefined when it cannot be found in the stack). */
    readonly group: PolicyResource | undefined;
    readonly where: string;
    readonly urn: string;
    readonly protocol: unknown;
    readonly fromPort: unknown;
    readonly toPort: unknown;
    readonly cidr: string;
}

/** The ports a rule opens, or undefined for "all ports". */
function portRange(protocol: unknown, from: unknown, to: unknown): [number, number] | undefined {
    const p = typeof protocol === "number" ? String(protocol) : protocol;
    if (p === "-1" || p === "all") {
        return undefined;
    }
    return typeof from === "number" && typeof to === "number" ? [from, to] : undefined;
}

function idOf(g: PolicyResource): string | undefined {
    const own = peek(g.props, "id");
    return own.known && typeof own.value === "string" ? own.value : undefined;
}

function within(range: [number, number] | undefined, ports: readonly number[]): boolean {
    if (range === undefined) {
        return false;
    }
    for (let p = range[0]; p <= range[1]; p++) {
        if (!ports.includes(p)) {
            return false;
        }
    }
    return true;
}

export const sgNoUnrestrictedIngress = stackRule({
    name: "sg-no-unrestricted-ingress",
    description: "Security groups must not allow ingress from 0.0.0.0/0 or ::/0, except web ports on a load balancer's security group.",
    details:
        "Checks inline ingress of aws.ec2.SecurityGroup / DefaultSecurityGroup, aws.ec2.SecurityGroupRule of type ingress and aws.vpc.SecurityGroupIngressRule. " +
        "Ports in loadBalancerPorts (default 80 and 443) may be open to the world only on a security group that a load balancer in the stack uses (it terminates TLS or redirects HTTP); ports in allowedPublicPorts anywhere. ICMP is not judged.",
    severity: "high",
    framework: {
        paper: "5.4 Network: segmentation, controlled ingress",
        securityHub: ["EC2.2", "EC2.13", "EC2.14", "EC2.18", "EC2.19", "EC2.53", "EC2.54"],
        checkov: ["CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277"],
    },
    remediationSteps:
        "Allow ingress only from the sources that need it: a load balancer's security group (referencedSecurityGroupId / sourceSecurityGroupId), a VPN or office CIDR, or a prefix list. Reach instances through SSM Session Manager instead of SSH from the internet; keep databases in private subnets.",
    configSchema: {
        properties: {
            loadBalancerPorts: {
                type: "array",
                items: { type: "integer", minimum: 0, maximum: 65535 },
                default: [...DEFAULT_LOAD_BALANCER_PORTS],
                description: "Ports that may be open to the world on a security group a load balancer uses.",
            },
            allowedPublicPorts: {
                type: "array",
                items: { type: "integer", minimum: 0, maximum: 65535 },
                default: [],
                description: "Ports that may be open to the world on any security group.",
            },
        },
    },
    validateStack: (args, report) => {
        const cfg = args.getConfig<Config>();
        const lbPorts = cfg.loadBalancerPorts ?? DEFAULT_LOAD_BALANCER_PORTS;
        const anyPorts = cfg.allowedPublicPorts ?? [];
        const undecided = new Undecided();
        const resources = args.resources;
        const groups = resources.filter((r) => SG_TYPES.includes(r.type));
        const open: OpenRule[] = [];
        const cidrsOf = (o: unknown, ...keys: string[]): string[] =>
            keys.flatMap((k) => listOf(isObj(o) ? o[k] : undefined)).filter((c): c is string => typeof c === "string" && OPEN_CIDRS.includes(c));
        for (const r of resources) {
            if (SG_TYPES.includes(r.type)) {
                const ingress = peek(r.props, "ingress");
                if (!ingress.known) {
                    undecided.add(`the ingress rules of security group "${r.name}" are unknown`);
                    continue;
                }
                listOf(unwrapDeep(ingress.value)).forEach((e, i) => {
                    for (const cidr of cidrsOf(e, "cidrBlocks", "ipv6CidrBlocks")) {
                        const x = e as Record<string, unknown>;
                        open.push({ group: r, where: `security group "${r.name}" ingress[${i}]`, urn: r.urn, protocol: x["protocol"], fromPort: x["fromPort"], toPort: x["toPort"], cidr });
                    }
                });
            } else if (r.type === "aws:ec2/securityGroupRule:SecurityGroupRule" || r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
                const p = unwrapDeep(r.props) as Record<string, unknown>;
                const legacy = r.type === "aws:ec2/securityGroupRule:SecurityGroupRule";
                if (legacy && p["type"] !== "ingress") {
                    continue;
                }
                const cidrs = legacy ? cidrsOf(p, "cidrBlocks", "ipv6CidrBlocks") : [p["cidrIpv4"], p["cidrIpv6"]].filter((c): c is string => typeof c === "string" && OPEN_CIDRS.includes(c));
                const group = groups.find((g) => dependsOn(r, "securityGroupId", g)) ?? groups.find((g) => idOf(g) !== undefined && idOf(g) === p["securityGroupId"]);
                for (const cidr of cidrs) {
                    open.push({
                        group,
                        where: `${legacy ? "SecurityGroupRule" : "SecurityGroupIngressRule"} "${r.name}"`,
                        urn: r.urn,
                        protocol: legacy ? p["protocol"] : p["ipProtocol"],
                        fromPort: p["fromPort"],
                        toPort: p["toPort"],
                        cidr,
                    });
                }
            }
        }
        const lbGroups = new Set<string>();
        let lbUnknown = false;
        for (const lb of resources.filter((r) => LB_TYPES.includes(r.type))) {
            for (const g of groups) {
                if (dependsOn(lb, "securityGroups", g)) {
                    lbGroups.add(g.urn);
                }
            }
            const sgs = peek(lb.props, "securityGroups");
            if (!sgs.known) {
                lbUnknown = true;
            } else {
                for (const id of listOf(unwrapDeep(sgs.value))) {
                    const g = groups.find((x) => idOf(x) !== undefined && idOf(x) === id);
                    if (g !== undefined) {
                        lbGroups.add(g.urn);
                    }
                }
            }
        }
        for (const o of open) {
            const proto = typeof o.protocol === "number" ? String(o.protocol) : o.protocol;
            if (typeof proto === "string" && ICMP.includes(proto.toLowerCase())) {
                continue;
            }
            const range = portRange(o.protocol, o.fromPort, o.toPort);
            if (within(range, anyPorts)) {
                continue;
            }
            if (within(range, lbPorts)) {
                if (o.group !== undefined && lbGroups.has(o.group.urn)) {
                    continue;
                }
                if (o.group === undefined || lbUnknown) {
                    undecided.add(`${o.where}: cannot tell whether a load balancer uses its security group`);
                    continue;
                }
            }
            const traffic = describeTraffic(o.protocol, o.fromPort, o.toPort);
            const why = within(range, lbPorts) ? "; only a load balancer's security group may open these ports to the world" : "";
            report(`${o.where} allows ${traffic} from ${o.cidr} (anyone on the internet)${why}; allow only the sources that need it (a load balancer's security group, a VPN CIDR or a prefix list).`, o.urn);
        }
        undecided.finish();
    },
});
