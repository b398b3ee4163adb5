/**
 * A TLS 1.3-only REST API in front of one Lambda function: IAM- or Cognito-authenticated, API-key-metered,
 * throttled, WAF-protected, reachable only through its custom domain, with encrypted access and WAF logs. The
 * ingestion layer's producer API and the serving layer's recipient API are two of them. With `apiKeySecret`, the
 * program generates the API key's value (`random.RandomPassword`) and keeps it in a Secrets Manager secret
 * encrypted with the given key, where callers read it.
 *
 * Its children are named `<name>-<part>` (`<name>-api`, `<name>-stage`, ...); a layer names it
 * `<layer>-<apiName>`, so that they keep the names they had when the layers created them directly (and, with
 * `formerParent`, their URNs).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { DataClassification } from "../../policies/conventions";
import { LayerPartArgs, childOptions } from "../lib/component";
import type { FunctionLayer } from "../lib/lambda";
import { LoggingLayerArgs, ValidLoggingArgs, accountEnvironment, loggingArgsOf, validateClassification, validateLoggingArgs } from "../lib/layer";
import { layerTags, storeTags } from "../lib/tags";
import { checkDomainName, checkInt, checkPattern, required } from "../lib/validate";

const COMPONENT = "Tls13RestApi";
export const TLS13_REST_API_TYPE = "e2ee:pipeline:Tls13RestApi";

/** API Gateway security policy that negotiates only TLS 1.3 (REST APIs, regional custom domains). */
export const TLS13_SECURITY_POLICY = "SecurityPolicy_TLS13_1_3_2025_09";
/** Endpoint access mode required by the `SecurityPolicy_*` policies; STRICT rejects requests whose SNI/Host do not match. */
export const ENDPOINT_ACCESS_MODE = "STRICT";
/** Stage name of every API. */
export const STAGE_NAME = "live";
/** Length of a generated API key value (letters and digits): API Gateway accepts 20 to 128 characters. */
export const API_KEY_LENGTH = 40;
/** `data-classification` of the secret that holds an API key: a credential. */
export const API_KEY_SECRET_CLASSIFICATION: DataClassification = "restricted";

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

/** Where the program keeps the API key it generates. */
export interface ApiKeySecretArgs {
    /** Customer-managed KMS key of the secret (the pipeline's secrets key; never the records key). Required. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /**
     * Keeper of the generated value: changing it generates a new value, which replaces the API key and becomes the
     * secret's current version. 1-64 letters, digits, `.`, `_`, `:` or `-` (e.g. a date). Default `"1"`.
     */
    readonly rotation?: string;
}

/** `ApiKeySecretArgs` once checked, defaults applied. */
export interface ValidApiKeySecretArgs {
    readonly kmsKeyArn: pulumi.Input<string>;
    readonly rotation: string;
}

/** A rotation keeper of a generated API key: 1-64 letters, digits, `.`, `_`, `:` or `-`; default `"1"`. */
export function checkApiKeyRotation(component: string, argName: string, value: string | undefined): string {
    return checkPattern(component, argName, value ?? "1", /^[A-Za-z0-9._:-]{1,64}$/, '1-64 letters, digits, ".", "_", ":" or "-"');
}

/** Checks `apiKeySecret` (throws `<component>: argument "apiKeySecret.<name>" ...`) and applies the defaults. */
export function checkApiKeySecret(component: string, value: ApiKeySecretArgs): ValidApiKeySecretArgs {
    const kmsKeyArn = required(component, "apiKeySecret.kmsKeyArn", value.kmsKeyArn);
    return { kmsKeyArn, rotation: checkApiKeyRotation(component, "apiKeySecret.rotation", value.rotation) };
}

export interface Tls13RestApiArgs extends LoggingLayerArgs, LayerPartArgs {
    /** `data-classification` of the access and WAF log groups. Default `confidential`. */
    readonly dataClassification?: DataClassification;
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
    /** Base path of the API on the custom domain: 1-63 lower-case letters, digits or `-`. Default `v1`. */
    readonly basePath?: string;
    /** Stage-wide (method settings) and usage-plan steady-state rate, requests per second, 1-10000. */
    readonly throttleRateLimit: number;
    /** Stage-wide and usage-plan burst, 1-5000. */
    readonly throttleBurstLimit: number;
    /** Usage-plan quota per API key and day, 1-2000000000. */
    readonly quotaPerDay: number;
    /** WAF rate-based rule: requests per source IP in 5 minutes before blocking, 10-2000000000. */
    readonly wafRateLimitPer5Min: number;
    /**
     * Resources the stage waits for, e.g. the account-level `aws.apigateway.Account` that sets the CloudWatch Logs
     * role (API Gateway refuses access logging until it is set). Default none.
     */
    readonly stageDependsOn?: readonly pulumi.Resource[];
    /**
     * Generate the API key's value in the program (`random.RandomPassword`, 40 letters and digits) and keep it in a
     * Secrets Manager secret encrypted with `apiKeySecret.kmsKeyArn`, published as `apiKeySecretArn`. Default none:
     * API Gateway generates the value and the program stores it nowhere.
     */
    readonly apiKeySecret?: ApiKeySecretArgs;
}

/** What a layer publishes about its REST API (component outputs). */
export interface RestApiEndpoint {
    /** Physical name of the REST API (`<namePrefix>-<apiName>`), known before deployment: CloudWatch's `ApiName`. */
    readonly apiName: string;
    readonly restApiId: pulumi.Output<string>;
    readonly stageName: pulumi.Output<string>;
    readonly stageArn: pulumi.Output<string>;
    readonly apiKeyId: pulumi.Output<string>;
    /** ARN of the secret that holds the API key's value (never the value); undefined without `apiKeySecret`. */
    readonly apiKeySecretArn?: pulumi.Output<string>;
    readonly webAclArn: pulumi.Output<string>;
    readonly accessLogGroupName: pulumi.Output<string>;
    /** Target of the DNS alias record of the custom domain. */
    readonly domainRegionalName: pulumi.Output<string>;
    readonly domainRegionalZoneId: pulumi.Output<string>;
    /** `https://<domain>/<basePath>/<path>`. */
    readonly endpointUrl: string;
}


/** The throttling, quota and WAF limits of an API. */
export interface ApiLimits {
    readonly throttleRateLimit: number;
    readonly throttleBurstLimit: number;
    readonly quotaPerDay: number;
    readonly wafRateLimitPer5Min: number;
}

/** Checks the limits (throws `<component>: argument "<name>" ...`): rate 1-10000, burst 1-5000, quota 1-2000000000, WAF 10-2000000000. */
export function checkApiLimits(component: string, limits: ApiLimits): ApiLimits {
    return {
        throttleRateLimit: checkInt(component, "throttleRateLimit", limits.throttleRateLimit, 1, 10000),
        throttleBurstLimit: checkInt(component, "throttleBurstLimit", limits.throttleBurstLimit, 1, 5000),
        quotaPerDay: checkInt(component, "quotaPerDay", limits.quotaPerDay, 1, 2000000000),
        wafRateLimitPer5Min: checkInt(component, "wafRateLimitPer5Min", limits.wafRateLimitPer5Min, 10, 2000000000),
    };
}

/** A base path on a custom domain: 1-63 lower-case letters, digits or `-`; default `v1`. */
export function checkBasePath(component: string, value: string | undefined): string {
    return checkPattern(component, "basePath", value ?? "v1", /^[a-z0-9][a-z0-9-]{0,62}$/, '1-63 lower-case letters, digits or "-"');
}

/** What a layer with a public REST API takes for it; each layer documents its own defaults of the limits. */
export interface PublicApiArgs {
    /** Custom domain of the API (TLS 1.3 only), a lower-case fully-qualified domain name. Required. */
    readonly domainName: string;
    /** ACM certificate ARN for `domainName`, in the stack's region. Required. */
    readonly certificateArn: pulumi.Input<string>;
    /** Base path of the API on the custom domain: 1-63 lower-case letters, digits or `-`. Default `v1`. */
    readonly basePath?: string;
    /** Stage and usage-plan steady-state rate limit, requests per second, 1-10000. */
    readonly throttleRateLimit?: number;
    /** Stage and usage-plan burst limit, 1-5000. */
    readonly throttleBurstLimit?: number;
    /** Usage-plan quota per API key and day, 1-2000000000. */
    readonly quotaPerDay?: number;
    /** WAF rate-based rule: requests per source IP per 5 minutes, 10-2000000000. */
    readonly wafRateLimitPer5Min?: number;
}

/** `PublicApiArgs` once checked, the layer's `defaults` applied. */
export interface ValidPublicApiArgs extends ApiLimits {
    readonly domainName: string;
    readonly basePath: string;
}

/** Checks a layer's `PublicApiArgs` (throws `<component>: argument "<name>" ...`) and applies its `defaults`. */
export function validatePublicApiArgs(component: string, args: PublicApiArgs, defaults: ApiLimits): ValidPublicApiArgs {
    const domainName = checkDomainName(component, "domainName", args.domainName);
    required(component, "certificateArn", args.certificateArn);
    return {
        domainName,
        basePath: checkBasePath(component, args.basePath),
        ...checkApiLimits(component, {
            throttleRateLimit: args.throttleRateLimit ?? defaults.throttleRateLimit,
            throttleBurstLimit: args.throttleBurstLimit ?? defaults.throttleBurstLimit,
            quotaPerDay: args.quotaPerDay ?? defaults.quotaPerDay,
            wafRateLimitPer5Min: args.wafRateLimitPer5Min ?? defaults.wafRateLimitPer5Min,
        }),
    };
}

/** What the route of an API is: everything of `Tls13RestApiArgs` a layer does not give from its own arguments. */
export type ApiRoute = Pick<
    Tls13RestApiArgs,
    "apiName" | "pathParts" | "httpMethod" | "auth" | "binaryMediaTypes" | "queryParameters" | "handler" | "stageDependsOn" | "apiKeySecret"
>;

/**
 * The arguments of a layer's API: the layer's logging, classification and tags, its validated `PublicApiArgs`
 * and certificate, the layer as the former parent of the API's resources, and the `route`.
 */
export function layerApiArgs(layer: FunctionLayer, api: ValidPublicApiArgs, certificateArn: pulumi.Input<string>, route: ApiRoute): Tls13RestApiArgs {
    const { domainName, basePath, throttleRateLimit, throttleBurstLimit, quotaPerDay, wafRateLimitPer5Min } = api;
    return {
        ...loggingArgsOf(layer),
        dataClassification: layer.dataClassification,
        layer: layer.layer,
        formerParent: layer.parent,
        domainName,
        certificateArn,
        basePath,
        throttleRateLimit,
        throttleBurstLimit,
        quotaPerDay,
        wafRateLimitPer5Min,
        ...route,
    };
}

/** `Tls13RestApiArgs` once checked, defaults applied. */
export interface ValidTls13RestApiArgs extends ValidLoggingArgs, ApiLimits {
    readonly dataClassification: DataClassification;
    readonly domainName: string;
    readonly basePath: string;
    /** Undefined: API Gateway generates the key's value. */
    readonly apiKeySecret?: ValidApiKeySecretArgs;
}

/** Checks `args` (throws `Tls13RestApi: argument "<name>" ...`) and applies the defaults. */
export function validateTls13RestApiArgs(args: Tls13RestApiArgs): ValidTls13RestApiArgs {
    const logging = validateLoggingArgs(COMPONENT, args);
    required(COMPONENT, "layer", args.layer);
    checkPattern(COMPONENT, "apiName", required(COMPONENT, "apiName", args.apiName), /^[a-z][a-z0-9-]{0,30}$/, 'a short name of lower-case letters, digits or "-"');
    const pathParts = required(COMPONENT, "pathParts", args.pathParts);
    if (pathParts.length === 0) throw new Error(`${COMPONENT}: argument "pathParts" must not be empty`);
    pathParts.forEach((part, i) => checkPattern(COMPONENT, `pathParts[${i}]`, part, /^([A-Za-z0-9._-]+|\{[A-Za-z0-9_]+\+?\})$/, "a path part or a {parameter}"));
    if (args.httpMethod !== "GET" && args.httpMethod !== "POST") {
        throw new Error(`${COMPONENT}: argument "httpMethod" must be "GET" or "POST", got ${JSON.stringify(args.httpMethod)}`);
    }
    const auth = required(COMPONENT, "auth", args.auth);
    if (auth.type === "COGNITO_USER_POOLS") required(COMPONENT, "auth.userPoolArn", auth.userPoolArn);
    else if (auth.type !== "AWS_IAM") throw new Error(`${COMPONENT}: argument "auth.type" must be "AWS_IAM" or "COGNITO_USER_POOLS", got ${JSON.stringify((auth as { type: unknown }).type)}`);
    required(COMPONENT, "handler", args.handler);
    required(COMPONENT, "certificateArn", args.certificateArn);
    return {
        ...logging,
        ...checkApiLimits(COMPONENT, args),
        dataClassification: validateClassification(COMPONENT, args.dataClassification, "confidential"),
        domainName: checkDomainName(COMPONENT, "domainName", args.domainName),
        basePath: checkBasePath(COMPONENT, args.basePath),
        ...(args.apiKeySecret !== undefined ? { apiKeySecret: checkApiKeySecret(COMPONENT, args.apiKeySecret) } : {}),
    };
}

/** WAF metric names: letters, digits, `-` and `_` only. */
function metricName(s: string): string {
    return s.replace(/[^A-Za-z0-9_-]/g, "-");
}

/** What the parts of one API share. */
interface ApiParts {
    /** The component's name, prefix of its children's names. */
    readonly name: string;
    /** `<namePrefix>-<apiName>`. */
    readonly physical: string;
    readonly o: Tls13RestApiArgs & ValidTls13RestApiArgs;
    readonly accountId: pulumi.Output<string>;
    readonly tags: Record<string, string>;
    readonly dataTags: Record<string, string>;
    readonly child: (extra?: pulumi.CustomResourceOptions) => pulumi.CustomResourceOptions;
    readonly restApi: aws.apigateway.RestApi;
}

/** The one route: its path, request validation, authorisation, the Lambda integration and the permission to invoke. */
function createRoute(api: ApiParts): { method: aws.apigateway.Method; integration: aws.apigateway.Integration; routePath: string; routeArn: pulumi.Output<string> } {
    const { name, physical, o, accountId, child, restApi } = api;
    const resources: aws.apigateway.Resource[] = [];
    let parentId: pulumi.Input<string> = restApi.rootResourceId;
    o.pathParts.forEach((part, i) => {
        const r: aws.apigateway.Resource = new aws.apigateway.Resource(
            `${name}-path-${i}`,
            { restApi: restApi.id, parentId, pathPart: part },
            child(),
        );
        resources.push(r);
        parentId = r.id;
    });
    const leaf = resources[resources.length - 1];

    const requestValidator = new aws.apigateway.RequestValidator(
        `${name}-validator`,
        { restApi: restApi.id, name: `${physical}-validate`, validateRequestBody: true, validateRequestParameters: true },
        child(),
    );

    const authorizer =
        o.auth.type === "COGNITO_USER_POOLS"
            ? new aws.apigateway.Authorizer(
                  `${name}-authorizer`,
                  {
                      restApi: restApi.id,
                      name: `${physical}-cognito`,
                      type: "COGNITO_USER_POOLS",
                      providerArns: [o.auth.userPoolArn],
                      identitySource: "method.request.header.Authorization",
                  },
                  child(),
              )
            : undefined;

    const requestParameters = Object.fromEntries(
        Object.entries(o.queryParameters ?? {}).map(([name, required]) => [`method.request.querystring.${name}`, required]),
    );

    const method = new aws.apigateway.Method(
        `${name}-method`,
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
        child(),
    );

    const integration = new aws.apigateway.Integration(
        `${name}-integration`,
        {
            restApi: restApi.id,
            resourceId: leaf.id,
            httpMethod: method.httpMethod,
            type: "AWS_PROXY",
            integrationHttpMethod: "POST",
            uri: o.handler.invokeArn,
            timeoutMilliseconds: 29000,
        },
        child(),
    );

    const routePath = o.pathParts.join("/");
    const routeArn = pulumi.interpolate`${restApi.executionArn}/${STAGE_NAME}/${o.httpMethod}/${routePath}`;

    new aws.lambda.Permission(
        `${name}-invoke`,
        {
            function: o.handler.name,
            action: "lambda:InvokeFunction",
            principal: "apigateway.amazonaws.com",
            sourceArn: routeArn,
            sourceAccount: accountId,
        },
        child(),
    );

    return { method, integration, routePath, routeArn };
}

/**
 * The API key's value, generated in the program (letters and digits, a new one whenever `rotation` changes), and
 * the secret that holds it: encrypted with the given key, tagged as a restricted store, its one version the value.
 */
function createApiKeySecret(api: ApiParts, secretArgs: ValidApiKeySecretArgs): { value: pulumi.Output<string>; secret: aws.secretsmanager.Secret } {
    const { name, physical, o, child } = api;
    // The result is a secret output: encrypted in the stack's state, masked in the CLI's output.
    const password = new random.RandomPassword(
        `${name}-api-key-value`,
        { length: API_KEY_LENGTH, special: false, keepers: { rotation: secretArgs.rotation } },
        child(),
    );
    const secret = new aws.secretsmanager.Secret(
        `${name}-api-key-secret`,
        {
            // A prefix, not a name: a deleted secret keeps its name for its recovery window, and a stack created
            // again within it must not collide with it.
            namePrefix: `${physical}-api-key-`,
            description: `API key of ${physical} (the x-api-key header); callers read it with secretsmanager:GetSecretValue.`,
            kmsKeyId: secretArgs.kmsKeyArn,
            tags: storeTags(o.tags, o.layer, API_KEY_SECRET_CLASSIFICATION),
        },
        child(),
    );
    new aws.secretsmanager.SecretVersion(`${name}-api-key-secret-version`, { secretId: secret.id, secretString: password.result }, child());
    return { value: password.result, secret };
}

/** The deployment and its stage: encrypted access logs, throttling, the usage plan and its API key. */
function createStage(
    api: ApiParts,
    route: { method: aws.apigateway.Method; integration: aws.apigateway.Integration; routePath: string },
    apiKeyValue: pulumi.Output<string> | undefined,
): {
    stage: aws.apigateway.Stage;
    accessLogGroup: aws.cloudwatch.LogGroup;
    apiKey: aws.apigateway.ApiKey;
} {
    const { name, physical, o, tags, dataTags, child, restApi } = api;
    const { method, integration, routePath } = route;
    const deployment = new aws.apigateway.Deployment(
        `${name}-deployment`,
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
        child({ dependsOn: [method, integration] }),
    );

    const accessLogGroup = new aws.cloudwatch.LogGroup(
        `${name}-access-logs`,
        {
            name: `/aws/apigateway/${physical}/access`,
            kmsKeyId: o.logsKeyArn,
            retentionInDays: o.logRetentionDays,
            tags: dataTags,
        },
        child(),
    );

    const stage = new aws.apigateway.Stage(
        `${name}-stage`,
        {
            restApi: restApi.id,
            deployment: deployment.id,
            stageName: STAGE_NAME,
            xrayTracingEnabled: true,
            accessLogSettings: { destinationArn: accessLogGroup.arn, format: ACCESS_LOG_FORMAT },
            tags,
        },
        child({ dependsOn: [...(o.stageDependsOn ?? [])] }),
    );

    new aws.apigateway.MethodSettings(
        `${name}-method-settings`,
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
        child(),
    );

    const usagePlan = new aws.apigateway.UsagePlan(
        `${name}-usage-plan`,
        {
            name: `${physical}-plan`,
            apiStages: [{ apiId: restApi.id, stage: stage.stageName }],
            throttleSettings: { rateLimit: o.throttleRateLimit, burstLimit: o.throttleBurstLimit },
            quotaSettings: { limit: o.quotaPerDay, period: "DAY" },
            tags,
        },
        child(),
    );

    // Without a generated value, API Gateway generates it and the program never knows it.
    const apiKey = new aws.apigateway.ApiKey(
        `${name}-api-key`,
        { name: `${physical}-key`, enabled: true, ...(apiKeyValue !== undefined ? { value: apiKeyValue } : {}), tags },
        child(),
    );

    new aws.apigateway.UsagePlanKey(
        `${name}-usage-plan-key`,
        { keyId: apiKey.id, keyType: "API_KEY", usagePlanId: usagePlan.id },
        child(),
    );

    return { stage, accessLogGroup, apiKey };
}

/** The TLS 1.3-only custom domain and the API's base path on it. */
function createDomain(api: ApiParts, stage: aws.apigateway.Stage): aws.apigateway.DomainName {
    const { name, o, tags, child, restApi } = api;
    const domain = new aws.apigateway.DomainName(
        `${name}-domain`,
        {
            domainName: o.domainName,
            regionalCertificateArn: o.certificateArn,
            endpointConfiguration: { types: "REGIONAL" },
            securityPolicy: TLS13_SECURITY_POLICY,
            endpointAccessMode: ENDPOINT_ACCESS_MODE,
            tags,
        },
        child(),
    );

    new aws.apigateway.BasePathMapping(
        `${name}-base-path`,
        { domainName: domain.domainName, restApi: restApi.id, stageName: stage.stageName, basePath: o.basePath },
        child(),
    );

    return domain;
}

/** The web ACL in front of the stage (per-IP rate limit, AWS managed rules) and its redacted, encrypted logs. */
function createFirewall(api: ApiParts, stage: aws.apigateway.Stage): aws.wafv2.WebAcl {
    const { name, physical, o, tags, dataTags, child } = api;
    const metric = metricName(physical);
    const webAcl = new aws.wafv2.WebAcl(
        `${name}-waf`,
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
        child(),
    );

    new aws.wafv2.WebAclAssociation(
        `${name}-waf-association`,
        { resourceArn: stage.arn, webAclArn: webAcl.arn },
        child(),
    );

    // WAF requires the log group name to start with `aws-waf-logs-`.
    const wafLogGroup = new aws.cloudwatch.LogGroup(
        `${name}-waf-logs`,
        {
            name: `aws-waf-logs-${physical}`,
            kmsKeyId: o.logsKeyArn,
            retentionInDays: o.logRetentionDays,
            tags: dataTags,
        },
        child(),
    );

    new aws.wafv2.WebAclLoggingConfiguration(
        `${name}-waf-logging`,
        {
            resourceArn: webAcl.arn,
            logDestinationConfigs: [wafLogGroup.arn],
            // Credentials never reach the logs.
            redactedFields: [{ singleHeader: { name: "authorization" } }, { singleHeader: { name: "x-api-key" } }],
        },
        child(),
    );

    return webAcl;
}

export class Tls13RestApi extends pulumi.ComponentResource {
    /** What a layer publishes about the API. */
    public readonly endpoint: RestApiEndpoint;
    /** `arn:<partition>:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<path>` of the one route. */
    public readonly routeArn: pulumi.Output<string>;

    constructor(name: string, args: Tls13RestApiArgs, opts?: pulumi.ComponentResourceOptions) {
        const v = validateTls13RestApiArgs(args);
        super(TLS13_REST_API_TYPE, name, {}, opts);

        // The checked `apiKeySecret` (defaults applied) replaces the argument's, also where `v` has none.
        const o = { ...args, ...v, apiKeySecret: v.apiKeySecret };
        const { accountId } = accountEnvironment(this, args);
        const child = (extra?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions => childOptions(this, args.formerParent, extra);
        const physical = `${v.namePrefix}-${args.apiName}`;
        const tags = layerTags(v.tags, args.layer);
        const dataTags = storeTags(v.tags, args.layer, v.dataClassification);

        const restApi = new aws.apigateway.RestApi(
            `${name}-api`,
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
            child(),
        );

        const api: ApiParts = { name, physical, o, accountId, tags, dataTags, child, restApi };
        const route = createRoute(api);
        const keySecret = v.apiKeySecret !== undefined ? createApiKeySecret(api, v.apiKeySecret) : undefined;
        const { stage, accessLogGroup, apiKey } = createStage(api, route, keySecret?.value);
        const domain = createDomain(api, stage);
        const webAcl = createFirewall(api, stage);
        const { routeArn, routePath } = route;

        this.routeArn = routeArn;
        this.endpoint = {
            apiName: physical,
            restApiId: restApi.id,
            stageName: stage.stageName,
            stageArn: stage.arn,
            apiKeyId: apiKey.id,
            ...(keySecret !== undefined ? { apiKeySecretArn: keySecret.secret.arn } : {}),
            webAclArn: webAcl.arn,
            accessLogGroupName: accessLogGroup.name,
            domainRegionalName: domain.regionalDomainName,
            domainRegionalZoneId: domain.regionalZoneId,
            endpointUrl: `https://${v.domainName}/${v.basePath}/${routePath}`,
        };
        this.registerOutputs({ ...this.endpoint, routeArn });
    }
}
