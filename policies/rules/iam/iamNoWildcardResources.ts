import { resourceRule } from "../../lib/rule";
import { documentsOf, isScopedByResourceTag, parseLocated, quoteList, statementLabel } from "../../lib/iam";

/**
 * Actions that have no resource-level permissions (IAM's Service Authorization Reference lists no resource type
 * for them, or the resource type is "*"), so `"Resource": "*"` is the only way to grant them.
 */
export const DEFAULT_ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS: readonly string[] = [
    "sts:GetCallerIdentity",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
    // What a VPC-attached Lambda needs (the AWSLambdaVPCAccessExecutionRole managed policy grants these on "*").
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
    "ec2:DescribeSecurityGroups",
    "cloudwatch:PutMetricData",
    "kms:ListAliases",
    "kms:ListKeys",
    "ecr:GetAuthorizationToken",
    "secretsmanager:GetRandomPassword",
    "ssm:DescribeParameters",
    "tag:GetResources",
    // CloudWatch Logs vended-log delivery (Step Functions, API Gateway v2 access logs): AWS documents that these
    // take no resource ARN and must be granted on "*".
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
];

interface Config {
    allowedWildcardResourceActions?: string[];
    acceptResourceTagConditions?: boolean;
}

export const iamNoWildcardResources = resourceRule({
    name: "iam-no-wildcard-resources",
    description:
        "IAM identity policies must not allow actions on \"Resource\": \"*\", except actions that have no resource-level permissions (a configurable allow-list) and statements scoped to tagged resources by an aws:ResourceTag/<key> condition (attribute-based access, as in the paper's case study).",
    severity: "high",
    framework: {
        paper: "5.1 Identity and access: least privilege",
        securityHub: ["KMS.1", "KMS.2"],
        checkov: ["CKV_AWS_355", "CKV_AWS_288", "CKV_AWS_290"],
    },
    remediationSteps:
        "Replace \"*\" in the statement's Resource with the ARNs of the resources the role uses (key, bucket, table, queue ARNs). Keep \"*\" only in a separate statement that holds actions without resource-level permissions (see the allowedWildcardResourceActions config).",
    configSchema: {
        properties: {
            allowedWildcardResourceActions: {
                type: "array",
                items: { type: "string" },
                description:
                    "Actions allowed on \"Resource\": \"*\" because they have no resource-level permissions (exact names, case-insensitive).",
                default: [...DEFAULT_ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS],
            },
            acceptResourceTagConditions: {
                type: "boolean",
                default: true,
                description: "Accept \"Resource\": \"*\" when a StringEquals/StringLike condition on aws:ResourceTag/<key> scopes the statement to tagged resources.",
            },
        },
    },
    validateResource: (args, report) => {
        const config = args.getConfig<Config>();
        const allowed = config.allowedWildcardResourceActions ?? DEFAULT_ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS;
        const acceptTags = config.acceptResourceTagConditions ?? true;
        const allowedLower = new Set(allowed.map((a) => a.toLowerCase()));
        for (const { located, doc } of parseLocated(documentsOf(args.type, args.props))) {
            if (doc === undefined || located.kind !== "identity") {
                continue;
            }
            for (const s of doc.statements) {
                // NotAction statements are reported by iam-no-allow-not-action.
                if (s.effect !== "Allow" || s.action === undefined || s.resource === undefined) {
                    continue;
                }
                if (!s.resource.includes("*") || (acceptTags && isScopedByResourceTag(s))) {
                    continue;
                }
                const offending = s.action.filter((a) => !allowedLower.has(a.toLowerCase()));
                if (offending.length > 0) {
                    report(
                        `${located.property} ${statementLabel(s)} allows ${quoteList(offending)} on Resource "*"; name the resource ARNs instead ("*" is accepted only for actions without resource-level permissions).`,
                    );
                }
            }
        }
    },
});
