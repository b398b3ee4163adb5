/**
 * The region-wide API Gateway account setting that names the role API Gateway writes access logs with.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AccountEnvironment, ValidLayerArgs } from "./layer";
import { policyDocument } from "./policy";
import { principalRoleArgs } from "./principal";

/** What a layer tells `createApiGatewayAccountSettings` about itself. */
export interface AccountSettingsLayer extends ValidLayerArgs, AccountEnvironment {
    /** The layer component, parent of every resource created. */
    readonly parent: pulumi.Resource;
    /** Its name, prefix of the children's names. */
    readonly name: string;
    /** `e2ee:layer` tag. */
    readonly layer: string;
}

/** What `createApiGatewayAccountSettings` creates. */
export interface ApiGatewayAccountSettings {
    readonly role: aws.iam.Role;
    readonly rolePolicy: aws.iam.RolePolicy;
    readonly account: aws.apigateway.Account;
}

/**
 * The region-wide API Gateway account setting that names the role API Gateway uses to write access logs, with a
 * role scoped to this account's log groups (instead of the AWS-managed AmazonAPIGatewayPushToCloudWatchLogs, which
 * allows `logs:*`-style access on "*"). One per account and region: create it once per stack.
 */
export function createApiGatewayAccountSettings(base: AccountSettingsLayer): ApiGatewayAccountSettings {
    const { parent, partition, region, accountId } = base;
    const componentName = base.name;
    const roleName = `${base.namePrefix}-apigateway-logs`;
    const role = new aws.iam.Role(
        `${componentName}-apigateway-logs-role`,
        principalRoleArgs({
            namePrefix: base.namePrefix,
            principal: "api-logging",
            roleName,
            layer: base.layer,
            description: "API Gateway writes access logs to this account's log groups.",
            trust: { service: "apigateway.amazonaws.com" },
            accountId,
            tags: base.tags,
        }),
        { parent },
    );
    const logGroups = pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:log-group:*`;
    const rolePolicy = new aws.iam.RolePolicy(
        `${componentName}-apigateway-logs-policy`,
        {
            name: `${roleName}-least-privilege`,
            role: role.name,
            policy: policyDocument([
                {
                    Sid: "WriteApiLogs",
                    Effect: "Allow",
                    Action: [
                        "logs:CreateLogGroup",
                        "logs:CreateLogStream",
                        "logs:DescribeLogGroups",
                        "logs:DescribeLogStreams",
                        "logs:PutLogEvents",
                        "logs:GetLogEvents",
                        "logs:FilterLogEvents",
                    ],
                    Resource: [logGroups, pulumi.interpolate`${logGroups}:*`],
                },
            ]),
        },
        { parent },
    );
    const account = new aws.apigateway.Account(
        `${componentName}-apigateway-account`,
        { cloudwatchRoleArn: role.arn },
        { parent, dependsOn: [rolePolicy] },
    );
    return { role, rolePolicy, account };
}
