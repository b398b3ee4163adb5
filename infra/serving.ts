/**
 * Serving layer: the recipient, the only principal of the pipeline that can decrypt records.
 *
 * AWS: the `recipient` Lambda function (private subnets) behind a TLS 1.3-only, API-key-metered, throttled REST API
 * with a WAF rate-based rule (`Tls13RestApi`). Callers authenticate with a Cognito user pool (ID token,
 * `RecipientUserPool` unless one is given): the API's authoriser checks the token, and the function verifies it
 * again itself (`USER_POOL_ID`, `USER_POOL_CLIENT_ID`, the pool's JWKS through the `cognito-idp` VPC endpoint or
 * `USER_POOL_JWKS`) and serves only the tenants of its `custom:tenants` claim, which users cannot write. Only API
 * Gateway, for the `GET /records` route, may invoke the function. The function runs as the recipient role it is
 * given (`recipientPrincipal`), a holder of `kms:Decrypt` on the records key; it reads the data bucket.
 *
 * Kubernetes (`kubernetes`, when given): the containerised recipient (`KubernetesRecipient`), with the same
 * variables, running as its IRSA role, to which the layer gives the recipient's permissions.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_DATA_PREFIX, ENV } from "../functions/src/contract";
import { KubernetesRecipient, KubernetesRecipientSettings, ValidKubernetesRecipientSettings, validateKubernetesRecipientSettings } from "./components/kubernetesRecipient";
import { RecipientUserPool } from "./components/recipientUserPool";
import { PublicApiArgs, RestApiEndpoint, Tls13RestApi, ValidPublicApiArgs, layerApiArgs, validatePublicApiArgs } from "./components/tls13RestApi";
import { accountEnvironment } from "./lib/layer";
import { FunctionLayer, FunctionLayerArgs, ValidFunctionLayerArgs, createPipelineFunction, validateFunctionLayerArgs } from "./lib/lambda";
import { Statement, policyDocument, viaService } from "./lib/policy";
import { S3_KEY_PREFIX, checkPattern, required } from "./lib/validate";

const COMPONENT = "ServingLayer";
/** Defaults of the function's sizing; its timeout is at most 29 seconds. */
export const FUNCTION_SIZING = { reservedConcurrency: 5, timeoutSeconds: 10, memoryMb: 256, maxTimeoutSeconds: 29 } as const;
/** Defaults of the recipient API's limits. */
export const SERVING_API_LIMITS = { throttleRateLimit: 20, throttleBurstLimit: 40, quotaPerDay: 100000, wafRateLimitPer5Min: 500 } as const;

/**
 * The recipient API (`PublicApiArgs`, e.g. domain `records.dev.example.com`) defaults to 20 requests per second,
 * bursts of 40, 100000 requests per key and day, and 500 requests per source IP per 5 minutes; the recipient
 * function (`FunctionSizing`) to 5 reserved executions, a 10-second timeout (at most 29, API Gateway's) and 256 MB.
 */
export interface ServingLayerArgs extends FunctionLayerArgs, PublicApiArgs {
    /** Data-lake bucket the recipient reads (storage layer). Required. */
    readonly dataBucketName: pulumi.Input<string>;
    /** ARN of the data-lake bucket. Required. */
    readonly dataBucketArn: pulumi.Input<string>;
    /** Customer-managed KMS key of the bucket's SSE-KMS (used only through S3, `kms:ViaService`). Required. */
    readonly dataBucketKeyArn: pulumi.Input<string>;
    /** Key prefix the recipient may read; ends with `/`. Default `DEFAULT_DATA_PREFIX` of functions/src/contract.ts (`records/`). */
    readonly dataPrefix?: string;
    /** The records key: the recipient role is its only `kms:Decrypt` holder. Required. */
    readonly recordsKeyArn: pulumi.Input<string>;
    /**
     * The recipient role (`recipientPrincipal(...).role`), created before the keys: the recipient function runs as
     * it, and the layer gives it its permissions (reading the data lake, decrypting with the records key). Required.
     */
    readonly recipientRole: aws.iam.Role;
    /**
     * Existing Cognito user pool whose ID tokens the API and the recipient accept (users carry a `custom:tenants`
     * attribute), and the app client the tokens are issued to. Default: the layer creates both (`RecipientUserPool`).
     */
    readonly userPool?: ExistingUserPool;
    /**
     * The user pool's JWKS document (JSON), given to the recipient as `USER_POOL_JWKS` so that it verifies tokens
     * without fetching the JWKS (a VPC whose `cognito-idp` endpoint does not serve it). Default: fetched.
     */
    readonly userPoolJwks?: pulumi.Input<string>;
    /**
     * The API Gateway account setting (CloudWatch Logs role), e.g. `IngestionLayer.apiGatewayAccount`; the stage
     * waits for it because API Gateway refuses access logging until it is set. Default none.
     */
    readonly apiGatewayAccount?: pulumi.Resource;
    /** Run the recipient on Kubernetes too, as these settings say (`KubernetesRecipient`). Default: not on Kubernetes. */
    readonly kubernetes?: ServingKubernetesSettings;
}

/** A Cognito user pool made elsewhere. */
export interface ExistingUserPool {
    readonly arn: pulumi.Input<string>;
    /** `<region>_<id>`. */
    readonly id: pulumi.Input<string>;
    /** The app client ID tokens are issued to (their `aud`). */
    readonly clientId: pulumi.Input<string>;
}

/** The Kubernetes recipient's settings in a layer: `KubernetesRecipientSettings` and its IRSA role. */
export interface ServingKubernetesSettings extends KubernetesRecipientSettings {
    /**
     * The IRSA role of the recipient's service account (`kubernetesRecipientPrincipal(...).role`), created before the
     * keys so that the records key can name it: the layer grants it the recipient's permissions. Required.
     */
    readonly role: aws.iam.Role;
}

/** `ServingLayerArgs` once checked, defaults applied. */
export interface ValidServingLayerArgs extends ValidFunctionLayerArgs, ValidPublicApiArgs {
    readonly dataPrefix: string;
    /** Undefined: not on Kubernetes. */
    readonly kubernetes?: ValidKubernetesRecipientSettings;
}

/** Checks `args` (throws `ServingLayer: argument "<name>" ...`) and applies the defaults. */
export function validateServingLayerArgs(args: ServingLayerArgs): ValidServingLayerArgs {
    const base = validateFunctionLayerArgs(COMPONENT, args, FUNCTION_SIZING);
    const api = validatePublicApiArgs(COMPONENT, args, SERVING_API_LIMITS);
    required(COMPONENT, "dataBucketName", args.dataBucketName);
    required(COMPONENT, "dataBucketArn", args.dataBucketArn);
    required(COMPONENT, "dataBucketKeyArn", args.dataBucketKeyArn);
    const dataPrefix = checkPattern(COMPONENT, "dataPrefix", args.dataPrefix ?? DEFAULT_DATA_PREFIX, S3_KEY_PREFIX, 'a non-empty S3 key prefix ending with "/"');
    required(COMPONENT, "recordsKeyArn", args.recordsKeyArn);
    required(COMPONENT, "recipientRole", args.recipientRole);
    if (args.userPool !== undefined) {
        required(COMPONENT, "userPool.arn", args.userPool.arn);
        required(COMPONENT, "userPool.id", args.userPool.id);
        required(COMPONENT, "userPool.clientId", args.userPool.clientId);
    }
    let kubernetes: ValidKubernetesRecipientSettings | undefined;
    if (args.kubernetes !== undefined) {
        kubernetes = validateKubernetesRecipientSettings(COMPONENT, args.kubernetes, "kubernetes.");
        required(COMPONENT, "kubernetes.role", args.kubernetes.role);
        if (args.kubernetes.role === args.recipientRole) {
            throw new Error(`${COMPONENT}: argument "kubernetes.role" must differ from "recipientRole" (the pods assume their own IRSA role)`);
        }
    }
    return { ...base, ...api, dataPrefix, ...(kubernetes !== undefined ? { kubernetes } : {}) };
}

export class ServingLayer extends pulumi.ComponentResource {
    public readonly recipientFunctionName: pulumi.Output<string>;
    public readonly recipientFunctionArn: pulumi.Output<string>;
    /** Name of the recipient role (the records key policy names it). */
    public readonly recipientRoleName: pulumi.Output<string>;
    public readonly recipientRoleArn: pulumi.Output<string>;
    public readonly recipientDeadLetterQueueArn: pulumi.Output<string>;
    public readonly recipientDeadLetterQueueName: pulumi.Output<string>;
    public readonly logGroupName: pulumi.Output<string>;
    /** The TLS 1.3 REST API (GET /records for authorised consumers): physical name `<namePrefix>-recipient`, stage, key, WAF, domain, URL. */
    public readonly api: RestApiEndpoint;
    /** User pool the API trusts. */
    public readonly userPoolArn: pulumi.Output<string>;
    /** Created user pool and app client; undefined when `userPool` was given. */
    public readonly userPoolId?: pulumi.Output<string>;
    public readonly userPoolClientId?: pulumi.Output<string>;
    /** Kubernetes Deployment name; undefined when not on Kubernetes. */
    public readonly deploymentName?: pulumi.Output<string>;
    /** Kubernetes Service name; undefined when not on Kubernetes. */
    public readonly serviceName?: pulumi.Output<string>;
    /** Secret holding the cert-manager certificate; undefined when not on Kubernetes. */
    public readonly certificateSecretName?: string;

    constructor(name: string, args: ServingLayerArgs, opts?: pulumi.ComponentResourceOptions) {
        const v = validateServingLayerArgs(args);
        super("e2ee:pipeline:ServingLayer", name, {}, opts);

        const layer = "serving";
        const base: FunctionLayer = { ...v, ...accountEnvironment(this, args), parent: this, name, layer, args };
        const { region, dataPrefix } = v;

        const statements: Statement[] = [
            {
                Sid: "ReadCiphertextBatches",
                Effect: "Allow",
                Action: ["s3:GetObject"],
                Resource: pulumi.interpolate`${args.dataBucketArn}/${dataPrefix}*`,
            },
            {
                Sid: "ListCiphertextBatches",
                Effect: "Allow",
                Action: ["s3:ListBucket"],
                Resource: args.dataBucketArn,
                Condition: { StringLike: { "s3:prefix": `${dataPrefix}*` } },
            },
            {
                Sid: "ReadStorageEncryption",
                Effect: "Allow",
                Action: ["kms:Decrypt"],
                Resource: args.dataBucketKeyArn,
                Condition: { StringEquals: { "kms:ViaService": viaService("s3", region) } },
            },
            {
                // The recipient is the one principal that decrypts records (the records key policy names this role).
                Sid: "DecryptRecordDataKeys",
                Effect: "Allow",
                Action: ["kms:Decrypt"],
                Resource: args.recordsKeyArn,
            },
        ];

        let pool: RecipientUserPool | undefined;
        const userPool =
            args.userPool ??
            (() => {
                pool = new RecipientUserPool(`${name}-user-pool`, { namePrefix: v.namePrefix, tags: v.tags, layer, formerParent: this }, { parent: this });
                return { arn: pool.userPoolArn, id: pool.userPoolId, clientId: pool.userPoolClientId };
            })();
        const userPoolArn = pulumi.output(userPool.arn);
        // What both recipients read: where the batches are, the records key, and whose ID tokens to accept.
        const recipientEnvironment: Record<string, pulumi.Input<string>> = {
            [ENV.recipient.DATA_BUCKET]: args.dataBucketName,
            [ENV.recipient.RECORDS_KEY_ARN]: args.recordsKeyArn,
            [ENV.recipient.DATA_PREFIX]: dataPrefix,
            [ENV.recipient.USER_POOL_ID]: userPool.id,
            [ENV.recipient.USER_POOL_CLIENT_ID]: userPool.clientId,
            ...(args.userPoolJwks !== undefined ? { [ENV.recipient.USER_POOL_JWKS]: args.userPoolJwks } : {}),
        };

        const recipient = createPipelineFunction(base, {
            fn: "recipient",
            role: args.recipientRole,
            principal: "recipient",
            environment: recipientEnvironment,
            statements,
            description: "The recipient: reads ciphertext batches and decrypts records (the only records-key Decrypt holder).",
        });

        const api = new Tls13RestApi(
            `${name}-recipient`,
            layerApiArgs(base, v, args.certificateArn, {
                apiName: "recipient",
                pathParts: ["records"],
                httpMethod: "GET",
                auth: { type: "COGNITO_USER_POOLS", userPoolArn },
                queryParameters: { tenant: true, schema: true, date: true, after: false },
                handler: recipient.function,
                stageDependsOn: args.apiGatewayAccount !== undefined ? [args.apiGatewayAccount] : [],
            }),
            { parent: this },
        );

        let onKubernetes: KubernetesRecipient | undefined;
        if (args.kubernetes !== undefined) {
            const { role, ...settings } = args.kubernetes;
            // The pods' IRSA role: the recipient's permissions on the data lake and the keys, nothing of the function's.
            const k8sPolicy = new aws.iam.RolePolicy(
                `${name}-k8s-recipient-policy`,
                { name: pulumi.interpolate`${role.name}-least-privilege`, role: role.name, policy: policyDocument(statements) },
                { parent: this },
            );
            onKubernetes = new KubernetesRecipient(
                name,
                {
                    ...settings,
                    dataBucketName: args.dataBucketName,
                    recordsKeyArn: args.recordsKeyArn,
                    dataPrefix,
                    userPoolId: userPool.id,
                    userPoolClientId: userPool.clientId,
                    ...(args.userPoolJwks !== undefined ? { userPoolJwks: args.userPoolJwks } : {}),
                    region,
                    // The pods start once their role can do what they need.
                    roleArn: pulumi.all([role.arn, k8sPolicy.id]).apply(([arn]) => arn),
                    formerParent: this,
                },
                { parent: this },
            );
        }

        this.recipientFunctionName = recipient.function.name;
        this.recipientFunctionArn = recipient.function.arn;
        this.recipientRoleName = args.recipientRole.name;
        this.recipientRoleArn = recipient.role.arn;
        this.recipientDeadLetterQueueArn = recipient.deadLetterQueue.arn;
        this.recipientDeadLetterQueueName = recipient.deadLetterQueue.name;
        this.logGroupName = recipient.logGroup.name;
        this.api = api.endpoint;
        this.userPoolArn = userPoolArn;
        this.userPoolId = pool?.userPoolId;
        this.userPoolClientId = pool?.userPoolClientId;
        this.deploymentName = onKubernetes?.deploymentName;
        this.serviceName = onKubernetes?.serviceName;
        this.certificateSecretName = onKubernetes?.certificateSecretName;

        this.registerOutputs({
            recipientFunctionName: this.recipientFunctionName,
            recipientFunctionArn: this.recipientFunctionArn,
            recipientRoleName: this.recipientRoleName,
            recipientRoleArn: this.recipientRoleArn,
            recipientDeadLetterQueueArn: this.recipientDeadLetterQueueArn,
            recipientDeadLetterQueueName: this.recipientDeadLetterQueueName,
            logGroupName: this.logGroupName,
            ...this.api,
            userPoolArn: this.userPoolArn,
            userPoolId: this.userPoolId,
            userPoolClientId: this.userPoolClientId,
            deploymentName: this.deploymentName,
            serviceName: this.serviceName,
            certificateSecretName: this.certificateSecretName,
        });
    }
}
