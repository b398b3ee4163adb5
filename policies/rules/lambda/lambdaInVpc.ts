import { resourceRule } from "../../lib/rule";
import { listOf, objAt } from "../../lib/k8s";

export const lambdaInVpc = resourceRule({
    name: "lambda-in-vpc",
    description: "Lambda functions must run in a VPC (vpcConfig with subnets and security groups) so their outbound traffic can be filtered.",
    details:
        "Lambda functions must run in a VPC (vpcConfig with subnetIds and securityGroupIds), so their outbound traffic goes through security groups and VPC endpoints and can be filtered. " +
        "Advisory by default: a function that only calls AWS APIs under its role is not weaker outside a VPC (AWS attaches functions to a VPC to reach resources in it), so the paper's egress stance is a team's choice; a stack that takes it raises the policy to mandatory in its pack config, as this project's own stacks do.",
    enforcementLevel: "advisory",
    severity: "high",
    framework: {
        paper: "5.4 Network: egress filtering; articles: VPC endpoints keep traffic to AWS services on the AWS network",
        securityHub: ["Lambda.3"],
        checkov: ["CKV_AWS_117"],
    },
    remediationSteps:
        "Set vpcConfig: { subnetIds: [private subnet ids], securityGroupIds: [a security group with restricted egress] } and add VPC endpoints for the AWS services the function calls.",
    resourceTypes: ["aws:lambda/function:Function"],
    validateResource: (args, report) => {
        const vpc = objAt(args.props, "vpcConfig");
        if (vpc === undefined) {
            report("vpcConfig is not set, so the function's outbound traffic cannot be filtered; set vpcConfig with subnetIds and securityGroupIds.");
            return;
        }
        if (listOf(vpc["subnetIds"]).length === 0) {
            report("vpcConfig.subnetIds is empty; attach the function to private subnets.");
        }
        if (listOf(vpc["securityGroupIds"]).length === 0) {
            report("vpcConfig.securityGroupIds is empty; attach a security group with restricted egress.");
        }
    },
});
