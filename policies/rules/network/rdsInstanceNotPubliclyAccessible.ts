import { resourceRule } from "../../lib/rule";

export const rdsInstanceNotPubliclyAccessible = resourceRule({
    name: "rds-instance-not-publicly-accessible",
    description: "RDS DB instances must not be publicly accessible (publiclyAccessible: true gives them a public DNS name and address).",
    details: "Judges aws.rds.Instance and aws.rds.ClusterInstance. publiclyAccessible defaults to false; true resolves the endpoint to a public IP, so only security groups stand between the database and the internet.",
    severity: "critical",
    framework: { paper: "5.4 Network: segmentation, controlled ingress", securityHub: ["RDS.2"], checkov: ["CKV_AWS_17"] },
    remediationSteps: "Remove publiclyAccessible (or set it to false), place the instance in private subnets (dbSubnetGroupName), and reach it through the VPC, a VPN or a bastion with SSM.",
    resourceTypes: ["aws:rds/instance:Instance", "aws:rds/clusterInstance:ClusterInstance"],
    validateResource: (args, report) => {
        if (args.props["publiclyAccessible"] === true) {
            report("publiclyAccessible is true, so the database endpoint resolves to a public IP address reachable from the internet; set publiclyAccessible to false and use private subnets.");
        }
    },
});
