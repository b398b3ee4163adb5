import { resourceRule } from "../../lib/rule";

export const redshiftClusterNotPubliclyAccessible = resourceRule({
    name: "redshift-cluster-not-publicly-accessible",
    description: "Redshift clusters and Redshift Serverless workgroups must not be publicly accessible.",
    details: "publiclyAccessible defaults to false on aws.redshift.Cluster and aws.redshiftserverless.Workgroup; true gives the endpoint a public address.",
    severity: "critical",
    framework: { paper: "5.4 Network: segmentation, controlled ingress", securityHub: ["Redshift.1"], checkov: ["CKV_AWS_87"] },
    remediationSteps: "Remove publiclyAccessible (or set it to false) and place the cluster in private subnets; connect through the VPC or a Redshift-managed VPC endpoint.",
    resourceTypes: ["aws:redshift/cluster:Cluster", "aws:redshiftserverless/workgroup:Workgroup"],
    validateResource: (args, report) => {
        if (args.props["publiclyAccessible"] === true) {
            report("publiclyAccessible is true, so the warehouse endpoint gets a public address reachable from the internet; set publiclyAccessible to false.");
        }
    },
});
