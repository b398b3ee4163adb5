/**
 * The REST API of the ingestion and serving layers: a TLS 1.3-only, IAM- or Cognito-authenticated,
 * API-key-metered, throttled, WAF-protected API Gateway REST API in front of one Lambda function.
 *
 * Not a ComponentResource: every resource is a child of the calling layer (`{ parent }`).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { FunctionLayer } from "./lambda";
import { policyDocument } from "./policy";
import { principalRoleArgs } from "./principal";
import { layerTags, storeTags } from "./tags";

/** What a layer tells the REST API helpers about itself. */
export type ApiLayer = Omit<FunctionLayer, "args">;

/** API Gateway security policy that negotiates only TLS 1.3 (REST APIs, regional custom domains). */
export const TLS13_SECURITY_POLICY = "SecurityPolicy_TLS13_1_3_2025_09";
/** Endpoint access mode required by the `SecurityPolicy_*` policies; STRICT rejects requests whose SNI/Host do not match. */
export const ENDPOINT_ACCESS_MODE = "STRICT";
/** Stage name of every API. */
export const STAGE_NAME = "live";

/** The access log line (JSON): who called, from where, what happened; no request or response bodies. */
export const ACCESS_LOG_FORMAT = JSON.stringify({
    requestId: "$context.requestId",
    extendedRequestId: "$context.extendedRequestId",
    requestTime: "$context.requestTime",
    ip: "$context.identity.sourceIp",
    userAgent: "$context.identity.userAgent",
    caller: "$context.identity.caller",
    userArn: "$context.identity.userArn",
    apiKeyId: "$context.identity.apiKeyId",
    httpMethod: "$context.httpMethod",
    resourcePath: "$context.resourcePath",
    protocol: "$context.protocol",
    status: "$context.status",
    responseLength: "$context.responseLength",
    integrationStatus: "$context.integration.status",
    authorizeError: "$context.authorize.error",
    wafResponseCode: "$context.waf.status",
});

/** How callers authenticate on the route (an API key is required in addition, always). */
export type RestApiAuth =
    | { readonly type: "AWS_IAM" }
    | {
          readonly type: "COGNITO_USER_POOLS";
          /** User pool whose ID tokens the authoriser accepts (claims reach the function as `authorizer.claims`). */
          readonly userPoolArn: pulumi.Input<string>;
      };

export interface Tls13RestApiOptions {
    /** Short name of the API, e.g. `ingest`; physical names are `<namePrefix>-<apiName>`. */
    readonly apiName: string;
    /** Path parts below the root, e.g. `["records"]` or `["records", "{id}"]`. */
    readonly pathParts: readonly string[];
    /** HTTP method of the one route, e.g. `POST`. */
    readonly httpMethod: "GET" | "POST";
    /** Caller authentication. */
    readonly auth: RestApiAuth;
    /** Media types API Gateway passes base64-encoded (binary bodies). Default none. */
    readonly binaryMediaTypes?: readonly string[];
    /** Query-string parameters of the route: name -> required (enforced by the request validator). Default none. */
    readonly queryParameters?: Readonly<Record<string, boolean>>;
    /** The function behind the route. */
    readonly handler: aws.lambda.Function;
    /** Custom domain (TLS 1.3 only). */
    readonly domainName: string;
    /** ACM certificate of the custom domain, in the API's region. */
    readonly certificateArn: pulumi.Input<string>;
    /** Base path of the API on the custom domain. */
    readonly basePath: string;
    /** Stage-wide (method settings) and usage-plan steady-state rate, requests per second. */
    readonly throttleRateLimit: number;
    /** Stage-wide and usage-plan burst. */
    readonly throttleBurstLimit: number;
    /** Usage-plan quota per API key and day. */
    readonly quotaPerDay: number;
    /** WAF rate-based rule: requests per source IP in 5 minutes before blocking. */
    readonly wafRateLimitPer5Min: number;
    /**
     * Resources the stage waits for, e.g. the account-level `aws.apigateway.Account` that sets the CloudWatch Logs
     * role (API Gateway refuses access logging until it is set). Default none.
     */
    readonly stageDependsOn?: readonly pulumi.Resource[];
}

export interface Tls13RestApi {
    readonly restApi: aws.apigateway.RestApi;
    readonly resources: aws.apigateway.Resource[];
    readonly requestValidator: aws.apigateway.RequestValidator;
    /** The Cognito authoriser; undefined for AWS_IAM. */
    readonly authorizer?: aws.apigateway.Authorizer;
    readonly method: aws.apigateway.Method;
    readonly integration: aws.apigateway.Integration;
    readonly invokePermission: aws.lambda.Permission;
    readonly deployment: aws.apigateway.Deployment;
    readonly accessLogGroup: aws.cloudwatch.LogGroup;
    readonly stage: aws.apigateway.Stage;
    readonly methodSettings: aws.apigateway.MethodSettings;
    readonly usagePlan: aws.apigateway.UsagePlan;
    readonly apiKey: aws.apigateway.ApiKey;
    readonly usagePlanKey: aws.apigateway.UsagePlanKey;
    readonly domain: aws.apigateway.DomainName;
    readonly basePathMapping: aws.apigateway.BasePathMapping;
    readonly webAcl: aws.wafv2.WebAcl;
    readonly webAclAssociation: aws.wafv2.WebAclAssociation;
    readonly wafLogGroup: aws.cloudwatch.LogGroup;
    readonly wafLogging: aws.wafv2.WebAclLoggingConfiguration;
    /** `arn:<partition>:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<path>` of the one route. */
    readonly routeArn: pulumi.Output<string>;
    /** `https://<domain>/<basePath>/<path>`. */
    readonly url: string;
}

/** What a layer publishes about its REST API (component outputs). */
export interface RestApiEndpoint {
    /** Physical name of the REST API (`<namePrefix>-<apiName>`), known before deployment: CloudWatch's `ApiName`. */
    readonly apiName: string;
    readonly restApiId: pulumi.Output<string>;
    readonly stageName: pulumi.Output<string>;
    readonly stageArn: pulumi.Output<string>;
    readonly apiKeyId: pulumi.Output<string>;
    readonly webAclArn: pulumi.Output<string>;
    readonly accessLogGroupName: pulumi.Output<string>;
    /** Target of the DNS alias record of the custom domain. */
    readonly domainRegionalName: pulumi.Output<string>;
    readonly domainRegionalZoneId: pulumi.Output<string>;
    /** `https://<domain>/<basePath>/<path>`. */
    readonly endpointUrl: string;
}

/** The outputs a layer publishes for an API built by `createTls13RestApi` under the physical name `apiName`. */
export function restApiEndpoint(api: Tls13RestApi, apiName: string): RestApiEndpoint {
    return {
        apiName,
        restApiId: api.restApi.id,
        stageName: api.stage.stageName,
        stageArn: api.stage.arn,
        apiKeyId: api.apiKey.id,
        webAclArn: api.webAcl.arn,
        accessLogGroupName: api.accessLogGroup.name,
        domainRegionalName: api.domain.regionalDomainName,
        domainRegionalZoneId: api.domain.regionalZoneId,
        endpointUrl: api.url,
    };
}

/** WAF metric names: letters, digits, `-` and `_` only. */
function metricName(s: string): string {
    return s.replace(/[^A-Za-z0-9_-]/g, "-");
}

export function createTls13RestApi(base: ApiLayer, o: Tls13RestApiOptions): Tls13RestApi {
    const { parent } = base;
    const child = `${base.name}-${o.apiName}`;
    const physical = `${base.namePrefix}-${o.apiName}`;
    const tags = layerTags(base.tags, base.layer);
    const dataTags = storeTags(base.tags, base.layer, base.dataClassification);

    const restApi = new aws.apigateway.RestApi(
        `${child}-api`,
        {
            name: physical,
            description: `${o.apiName} API (TLS 1.3 only, IAM auth, API key, WAF).`,
            endpointConfiguration: { types: "REGIONAL" },
            // Clients must come through the TLS 1.3 custom domain.
            disableExecuteApiEndpoint: true,
            securityPolicy: TLS13_SECURITY_POLICY,
            endpointAccessMode: ENDPOINT_ACCESS_MODE,
            apiKeySource: "HEADER",
            ...(o.binaryMediaTypes !== undefined ? { binaryMediaTypes: [...o.binaryMediaTypes] } : {}),
            tags,
        },
        { parent },
    );

    const resources: aws.apigateway.Resource[] = [];
    let parentId: pulumi.Input<string> = restApi.rootResourceId;
    o.pathParts.forEach((part, i) => {
        const r: aws.apigateway.Resource = new aws.apigateway.Resource(
            `${child}-path-${i}`,
            { restApi: restApi.id, parentId, pathPart: part },
            { parent },
        );
        resources.push(r);
        parentId = r.id;
    });
    const leaf = resources[resources.length - 1];

    const requestValidator = new aws.apigateway.RequestValidator(
        `${child}-validator`,
        { restApi: restApi.id, name: `${physical}-validate`, validateRequestBody: true, validateRequestParameters: true },
        { parent },
    );

    const authorizer =
        o.auth.type === "COGNITO_USER_POOLS"
            ? new aws.apigateway.Authorizer(
                  `${child}-authorizer`,
                  {
                      restApi: restApi.id,
                      name: `${physical}-cognito`,
                      type: "COGNITO_USER_POOLS",
                      providerArns: [o.auth.userPoolArn],
                      identitySource: "method.request.header.Authorization",
                  },
                  { parent },
              )
            : undefined;

    const requestParameters = Object.fromEntries(
        Object.entries(o.queryParameters ?? {}).map(([name, required]) => [`method.request.querystring.${name}`, required]),
    );

    const method = new aws.apigateway.Method(
        `${child}-method`,
        {
            restApi: restApi.id,
            resourceId: leaf.id,
            httpMethod: o.httpMethod,
            authorization: o.auth.type,
            ...(authorizer !== undefined ? { authorizerId: authorizer.id } : {}),
            apiKeyRequired: true,
            requestValidatorId: requestValidator.id,
            ...(Object.keys(requestParameters).length > 0 ? { requestParameters } : {}),
        },
        { parent },
    );

    const integration = new aws.apigateway.Integration(
        `${child}-integration`,
        {
            restApi: restApi.id,
            resourceId: leaf.id,
            httpMethod: method.httpMethod,
            type: "AWS_PROXY",
            integrationHttpMethod: "POST",
            uri: o.handler.invokeArn,
            timeoutMilliseconds: 29000,
        },
        { parent },
    );

    const routePath = o.pathParts.join("/");
    const routeArn = pulumi.interpolate`${restApi.executionArn}/${STAGE_NAME}/${o.httpMethod}/${routePath}`;

    const invokePermission = new aws.lambda.Permission(
        `${child}-invoke`,
        {
            function: o.handler.name,
            action: "lambda:InvokeFunction",
            principal: "apigateway.amazonaws.com",
            sourceArn: routeArn,
            sourceAccount: base.accountId,
        },
        { parent },
    );

    const deployment = new aws.apigateway.Deployment(
        `${child}-deployment`,
        {
            restApi: restApi.id,
            description: `${physical} deployment`,
            triggers: {
                route: JSON.stringify({
                    method: o.httpMethod,
                    path: routePath,
                    auth: o.auth.type,
                    apiKey: true,
                    query: o.queryParameters ?? {},
                    binary: o.binaryMediaTypes ?? [],
                }),
            },
        },
        { parent, dependsOn: [method, integration] },
    );

    const accessLogGroup = new aws.cloudwatch.LogGroup(
        `${child}-access-logs`,
        {
            name: `/aws/apigateway/${physical}/access`,
            kmsKeyId: base.logsKeyArn,
            retentionInDays: base.logRetentionDays,
            tags: dataTags,
        },
        { parent },
    );

    const stage = new aws.apigateway.Stage(
        `${child}-stage`,
        {
            restApi: restApi.id,
            deployment: deployment.id,
            stageName: STAGE_NAME,
            xrayTracingEnabled: true,
            accessLogSettings: { destinationArn: accessLogGroup.arn, format: ACCESS_LOG_FORMAT },
            tags,
        },
        { parent, dependsOn: [...(o.stageDependsOn ?? [])] },
    );

    const methodSettings = new aws.apigateway.MethodSettings(
        `${child}-method-settings`,
        {
            restApi: restApi.id,
            stageName: stage.stageName,
            methodPath: "*/*",
            settings: {
                throttlingRateLimit: o.throttleRateLimit,
                throttlingBurstLimit: o.throttleBurstLimit,
                metricsEnabled: true,
                // Execution logs go to a service-created log group that is not encrypted with our key: access logs only.
                loggingLevel: "OFF",
                dataTraceEnabled: false,
                cachingEnabled: false,
            },
        },
        { parent },
    );

    const usagePlan = new aws.apigateway.UsagePlan(
        `${child}-usage-plan`,
        {
            name: `${physical}-plan`,
            apiStages: [{ apiId: restApi.id, stage: stage.stageName }],
            throttleSettings: { rateLimit: o.throttleRateLimit, burstLimit: o.throttleBurstLimit },
            quotaSettings: { limit: o.quotaPerDay, period: "DAY" },
            tags,
        },
        { parent },
    );

    // The key value is generated by API Gateway (never in the program or its state as an input).
    const apiKey = new aws.apigateway.ApiKey(
        `${child}-api-key`,
        { name: `${physical}-key`, enabled: true, tags },
        { parent },
    );

    const usagePlanKey = new aws.apigateway.UsagePlanKey(
        `${child}-usage-plan-key`,
        { keyId: apiKey.id, keyType: "API_KEY", usagePlanId: usagePlan.id },
        { parent },
    );

    const domain = new aws.apigateway.DomainName(
        `${child}-domain`,
        {
            domainName: o.domainName,
            regionalCertificateArn: o.certificateArn,
            endpointConfiguration: { types: "REGIONAL" },
            securityPolicy: TLS13_SECURITY_POLICY,
            endpointAccessMode: ENDPOINT_ACCESS_MODE,
            tags,
        },
        { parent },
    );

    const basePathMapping = new aws.apigateway.BasePathMapping(
        `${child}-base-path`,
        { domainName: domain.domainName, restApi: restApi.id, stageName: stage.stageName, basePath: o.basePath },
        { parent },
    );

    const metric = metricName(physical);
    const webAcl = new aws.wafv2.WebAcl(
        `${child}-waf`,
        {
            name: `${physical}-waf`,
            description: `Rate limit and managed rules in front of ${physical}.`,
            scope: "REGIONAL",
            defaultAction: { allow: {} },
            rules: [
                {
                    name: "rate-limit-per-ip",
                    priority: 0,
                    action: { block: {} },
                    statement: {
                        rateBasedStatement: { limit: o.wafRateLimitPer5Min, aggregateKeyType: "IP", evaluationWindowSec: 300 },
                    },
                    visibilityConfig: { cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: `${metric}-rate` },
                },
                {
                    name: "aws-common-rule-set",
                    priority: 1,
                    overrideAction: { none: {} },
                    statement: { managedRuleGroupStatement: { vendorName: "AWS", name: "AWSManagedRulesCommonRuleSet" } },
                    visibilityConfig: { cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: `${metric}-common` },
                },
                {
                    name: "aws-known-bad-inputs",
                    priority: 2,
                    overrideAction: { none: {} },
                    statement: { managedRuleGroupStatement: { vendorName: "AWS", name: "AWSManagedRulesKnownBadInputsRuleSet" } },
                    visibilityConfig: { cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: `${metric}-bad-inputs` },
                },
            ],
            visibilityConfig: { cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: metric },
            tags,
        },
        { parent },
    );

    const webAclAssociation = new aws.wafv2.WebAclAssociation(
        `${child}-waf-association`,
        { resourceArn: stage.arn, webAclArn: webAcl.arn },
        { parent },
    );

    // WAF requires the log group name to start with `aws-waf-logs-`.
    const wafLogGroup = new aws.cloudwatch.LogGroup(
        `${child}-waf-logs`,
        {
            name: `aws-waf-logs-${physical}`,
            kmsKeyId: base.logsKeyArn,
            retentionInDays: base.logRetentionDays,
            tags: dataTags,
        },
        { parent },
    );

    const wafLogging = new aws.wafv2.WebAclLoggingConfiguration(
        `${child}-waf-logging`,
        {
            resourceArn: webAcl.arn,
            logDestinationConfigs: [wafLogGroup.arn],
            // Credentials never reach the logs.
            redactedFields: [{ singleHeader: { name: "authorization" } }, { singleHeader: { name: "x-api-key" } }],
        },
        { parent },
    );

    return {
        restApi,
        resources,
        requestValidator,
        authorizer,
        method,
        integration,
        invokePermission,
        deployment,
        accessLogGroup,
        stage,
        methodSettings,
        usagePlan,
        apiKey,
        usagePlanKey,
        domain,
        basePathMapping,
        webAcl,
        webAclAssociation,
        wafLogGroup,
        wafLogging,
        routeArn,
        url: `https://${o.domainName}/${o.basePath}/${routePath}`,
    };
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
export function createApiGatewayAccountSettings(base: ApiLayer): ApiGatewayAccountSettings {
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
