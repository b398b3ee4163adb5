import type { PolicyResource } from "@pulumi/policy";
import { stackRule } from "../../lib/rule";
import { dependsOn, stringProp, UNKNOWN, type Unknown } from "../../lib/known";
import { Undecided } from "../../lib/unknown";

/** A VPC's id from its outputs: `id` if present, else the suffix of its ARN (`arn:aws:ec2:<region>:<acct>:vpc/<id>`). */
export function vpcIdOf(vpc: PolicyResource): string | undefined | Unknown {
    const id = stringProp(vpc.props, "id");
    if (id !== undefined) {
        return id;
    }
    const arn = stringProp(vpc.props, "arn");
    if (typeof arn !== "string") {
        return arn;
    }
    const m = /:vpc\/(vpc-[0-9a-zA-Z]+)$/.exec(arn);
    return m?.[1];
}

export const vpcFlowLogsEnabled = stackRule({
    name: "vpc-flow-logs-enabled",
    description: "Every VPC the stack creates must have a flow log.",
    details:
        "Every aws.ec2.Vpc must have an aws.ec2.FlowLog pointing at it (vpcId equal to the VPC's id or the id in its ARN, or taken from the VPC per the engine's property dependencies). When a flow log's target cannot be determined during preview, the VPC is not reported.",
    severity: "medium",
    framework: { paper: "5.4 Network: flow monitoring; Table 3: network", securityHub: ["EC2.6"], checkov: ["CKV2_AWS_11"] },
    remediationSteps: "Add an aws.ec2.FlowLog with vpcId: vpc.id, trafficType: \"ALL\", delivering to CloudWatch Logs or S3.",
    validateStack: (args, report) => {
        const undecided = new Undecided();
        const vpcs = args.resources.filter((r) => r.type === "aws:ec2/vpc:Vpc");
        if (vpcs.length === 0) {
            return;
        }
        const flowLogs = args.resources.filter((r) => r.type === "aws:ec2/flowLog:FlowLog");
        const covered = new Set<PolicyResource>();
        let anyUnplaced = false;
        for (const fl of flowLogs) {
            const target = stringProp(fl.props, "vpcId");
            const byDep = vpcs.filter((v) => dependsOn(fl, "vpcId", v));
            byDep.forEach((v) => covered.add(v));
            if (byDep.length > 0) {
                continue;
            }
            if (typeof target === "string") {
                const byId = vpcs.filter((v) => vpcIdOf(v) === target);
                byId.forEach((v) => covered.add(v));
                if (byId.length === 0 && vpcs.some((v) => vpcIdOf(v) === UNKNOWN)) {
                    anyUnplaced = true;
                }
            } else if (target === UNKNOWN) {
                anyUnplaced = true;
                undecided.add(`the vpcId of flow log "${fl.name}" is unknown`);
            }
        }
        for (const v of vpcs) {
            if (covered.has(v)) {
                continue;
            }
            if (anyUnplaced) {
                undecided.add(`VPC "${v.name}" may be covered by a flow log whose target is unknown`);
                continue;
            }
            report(`VPC "${v.name}" has no aws.ec2.FlowLog with vpcId pointing at it; add a flow log (trafficType "ALL").`, v.urn);
        }
        undecided.finish();
    },
});
