/**
 * Serving layer: the recipient, the only principal of the pipeline that can decrypt records.
 *
 * AWS: the `recipient` Lambda function (private subnets) behind a TLS 1.3-only, API-key-metered, throttled API Gateway
 * REST API with a WAF rate-based rule. Callers authenticate with a Cognito user pool (ID token); the authoriser hands the
 * caller's `custom:tenants` claim to the function, which serves only those tenants. Users cannot write that attribute. Its role (`<namePrefix>-recipient`, tag
 * `e2ee:principal-role: recipient`) is the only holder of `kms:Decrypt` on the records key; it reads the data bucket.
 *
 * Kubernetes (per stack, `enableKubernetes`): the containerised recipient, a hardened Deployment (image by digest,
 * non-root, read-only root filesystem, no privilege escalation, all capabilities dropped, seccomp RuntimeDefault,
 * resource limits, no service-account token) serving TLS from a cert-manager Certificate (90-day duration, renewed
 * 30 days before expiry), a ClusterIP Service, and the one NetworkPolicy that lets the mesh ingress reach it.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_DATA_PREFIX, ENV } from "../functions/src/contract";
import { accountEnvironment } from "./lib/layer";
import { FunctionLayer, FunctionLayerArgs, createPipelineFunction, validateFunctionLayerArgs } from "./lib/lambda";
import { Statement, viaService } from "./lib/policy";
import { createTls13RestApi, RestApiEndpoint, restApiEndpoint } from "./lib/restApi";
import { layerTags } from "./lib/tags";
import { IMAGE_BY_DIGEST, S3_KEY_PREFIX, checkDomainName, checkInt, checkKubernetesName, checkPattern, required } from "./lib/validate";

const COMPONENT = "ServingLayer";

/** cert-manager certificate lifetime: 90 days (paper table 2: certificates rotated every 90 days). */
export const CERTIFICATE_DURATION = "2160h";
/** Renew 30 days before expiry. */
export const CERTIFICATE_RENEW_BEFORE = "720h";

export interface ServingLayerArgs extends FunctionLayerArgs {
    /** Custom domain of the recipient API, e.g. `records.dev.example.com` (TLS 1.3 only). Required. */
    readonly domainName: string;
    /** ACM certificate ARN for `domainName`, in the stack's region (from config). Required. */
    readonly certificateArn: pulumi.Input<string>;
    /** Base path of the API on the custom domain. Default `v1`. */
    readonly basePath?: string;
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
     * Existing Cognito user pool whose ID tokens the API accepts (users carry a `custom:tenants` attribute).
     * Default: the layer creates one (admin-created users only, MFA required, tenants attribute not user-writable).
     */
    readonly userPoolArn?: pulumi.Input<string>;
    /**
     * The API Gateway account setting (CloudWatch Logs role), e.g. `IngestionLayer.apiGatewayAccount`; the stage
     * waits for it because API Gateway refuses access logging until it is set. Default none.
     */
    readonly apiGatewayAccount?: pulumi.Resource;
    /** Stage and usage-plan steady-state rate limit, requests per second. Default 20. */
    readonly throttleRateLimit?: number;
    /** Stage and usage-plan burst limit. Default 40. */
    readonly throttleBurstLimit?: number;
    /** Usage-plan quota per API key and day. Default 100000. */
    readonly quotaPerDay?: number;
    /** WAF rate-based rule: requests per source IP per 5 minutes, 10-2000000000. Default 500. */
    readonly wafRateLimitPer5Min?: number;
    /** Reserved concurrency of the recipient function, 1-1000. Default 5. */
    readonly reservedConcurrency?: number;
    /** Timeout of the recipient function in seconds, 1-29. Default 10. */
    readonly timeoutSeconds?: number;
    /** Memory of the recipient function in MB, 128-10240. Default 256. */
    readonly memoryMb?: number;

    /** Create the Kubernetes part. Default false. */
    readonly enableKubernetes?: boolean;
    /** Kubernetes provider. Required when `enableKubernetes`. */
    readonly kubernetesProvider?: k8s.Provider;
    /** Namespace (e.g. `OrchestrationLayer.namespaceName`, which carries Pod Security and default-deny). Required when `enableKubernetes`. */
    readonly kubernetesNamespace?: pulumi.Input<string>;
    /** Recipient image pinned by digest, `repo@sha256:<64 hex>` (from config). Required when `enableKubernetes`. */
    readonly image?: string;
    /** cert-manager issuer of the serving certificate (from config). Required when `enableKubernetes`. */
    readonly certificateIssuerName?: string;
    /** Kind of the issuer. Default `ClusterIssuer`. */
    readonly certificateIssuerKind?: "ClusterIssuer" | "Issuer";
    /** DNS names of the serving certificate. Default `recipient.<namespace>.svc` and `recipient.<namespace>.svc.cluster.local`. */
    readonly serviceDnsNames?: readonly string[];
    /** Replicas, 1-20. Default 2. */
    readonly replicas?: number;
    /** HTTPS port of the container, 1024-65535 (non-root). Default 8443. */
    readonly containerPort?: number;
    /** Namespace of the mesh ingress gateway, the only allowed client of the pods. Default `istio-system`. */
    readonly ingressNamespace?: string;
    /** Container CPU limit. Default `500m`. */
    readonly cpuLimit?: string;
    /** Container memory limit. Default `256Mi`. */
    readonly memoryLimit?: string;
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
    /** Created user pool and app client; undefined when `userPoolArn` was given. */
    public readonly userPoolId?: pulumi.Output<string>;
    public readonly userPoolClientId?: pulumi.Output<string>;
    /** Kubernetes Deployment name; undefined when Kubernetes is disabled. */
    public readonly deploymentName?: pulumi.Output<string>;
    /** Kubernetes Service name; undefined when Kubernetes is disabled. */
    public readonly serviceName?: pulumi.Output<string>;
    /** Secret holding the cert-manager certificate; undefined when Kubernetes is disabled. */
    public readonly certificateSecretName?: string;

    constructor(name: string, args: ServingLayerArgs, opts?: pulumi.ComponentResourceOptions) {
        const v = validateFunctionLayerArgs(COMPONENT, args);
        const domainName = checkDomainName(COMPONENT, "domainName", args.domainName);
        required(COMPONENT, "certificateArn", args.certificateArn);
        const basePath = args.basePath ?? "v1";
        if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(basePath)) {
            throw new Error(`${COMPONENT}: argument "basePath" must be 1-63 lower-case letters, digits or "-", got "${basePath}"`);
        }
        required(COMPONENT, "dataBucketName", args.dataBucketName);
        required(COMPONENT, "dataBucketArn", args.dataBucketArn);
        required(COMPONENT, "dataBucketKeyArn", args.dataBucketKeyArn);
        const dataPrefix = checkPattern(COMPONENT, "dataPrefix", args.dataPrefix ?? DEFAULT_DATA_PREFIX, S3_KEY_PREFIX, 'a non-empty S3 key prefix ending with "/"');
        required(COMPONENT, "recordsKeyArn", args.recordsKeyArn);
        required(COMPONENT, "recipientRole", args.recipientRole);
        const throttleRateLimit = checkInt(COMPONENT, "throttleRateLimit", args.throttleRateLimit ?? 20, 1, 10000);
        const throttleBurstLimit = checkInt(COMPONENT, "throttleBurstLimit", args.throttleBurstLimit ?? 40, 1, 5000);
        const quotaPerDay = checkInt(COMPONENT, "quotaPerDay", args.quotaPerDay ?? 100000, 1, 2000000000);
        const wafRateLimitPer5Min = checkInt(COMPONENT, "wafRateLimitPer5Min", args.wafRateLimitPer5Min ?? 500, 10, 2000000000);
        const reservedConcurrency = checkInt(COMPONENT, "reservedConcurrency", args.reservedConcurrency ?? 5, 1, 1000);
        const timeoutSeconds = checkInt(COMPONENT, "timeoutSeconds", args.timeoutSeconds ?? 10, 1, 29);
        const memoryMb = checkInt(COMPONENT, "memoryMb", args.memoryMb ?? 256, 128, 10240);

        const enableKubernetes = args.enableKubernetes ?? false;
        const replicas = checkInt(COMPONENT, "replicas", args.replicas ?? 2, 1, 20);
        const containerPort = checkInt(COMPONENT, "containerPort", args.containerPort ?? 8443, 1024, 65535);
        const ingressNamespace = checkKubernetesName(COMPONENT, "ingressNamespace", args.ingressNamespace ?? "istio-system");
        const issuerKind = args.certificateIssuerKind ?? "ClusterIssuer";
        if (issuerKind !== "ClusterIssuer" && issuerKind !== "Issuer") {
            throw new Error(`${COMPONENT}: argument "certificateIssuerKind" must be "ClusterIssuer" or "Issuer", got "${String(issuerKind)}"`);
        }
        const cpuLimit = args.cpuLimit ?? "500m";
        if (!/^\d+(\.\d+)?m?$/.test(cpuLimit)) {
            throw new Error(`${COMPONENT}: argument "cpuLimit" must be a CPU quantity such as "500m", got "${cpuLimit}"`);
        }
        const memoryLimit = args.memoryLimit ?? "256Mi";
        if (!/^\d+(Ki|Mi|Gi)$/.test(memoryLimit)) {
            throw new Error(`${COMPONENT}: argument "memoryLimit" must be a memory quantity such as "256Mi", got "${memoryLimit}"`);
        }
        if (enableKubernetes) {
            if (args.kubernetesProvider === undefined) {
                throw new Error(`${COMPONENT}: argument "kubernetesProvider" is required when "enableKubernetes" is true`);
            }
            if (args.kubernetesNamespace === undefined || args.kubernetesNamespace === "") {
                throw new Error(`${COMPONENT}: argument "kubernetesNamespace" is required when "enableKubernetes" is true`);
            }
            if (args.image === undefined || !IMAGE_BY_DIGEST.test(args.image)) {
                throw new Error(
                    `${COMPONENT}: argument "image" must be pinned by digest ("<repository>@sha256:<64 hex digits>") when "enableKubernetes" is true, got ${JSON.stringify(args.image)}`,
                );
            }
            if (args.certificateIssuerName === undefined || args.certificateIssuerName.trim() === "") {
                throw new Error(`${COMPONENT}: argument "certificateIssuerName" is required when "enableKubernetes" is true`);
            }
            if (args.serviceDnsNames !== undefined && args.serviceDnsNames.length === 0) {
                throw new Error(`${COMPONENT}: argument "serviceDnsNames" must not be empty`);
            }
        }

        super("e2ee:pipeline:ServingLayer", name, {}, opts);

        const layer = "serving";
        const base: FunctionLayer = { ...v, ...accountEnvironment(this, args), parent: this, name, layer, args };
        const { region } = base;

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

        const recipient = createPipelineFunction(base, {
            fn: "recipient",
            role: args.recipientRole,
            principal: "recipient",
            environment: {
                [ENV.recipient.DATA_BUCKET]: args.dataBucketName,
                [ENV.recipient.RECORDS_KEY_ARN]: args.recordsKeyArn,
                [ENV.recipient.DATA_PREFIX]: dataPrefix,
            },
            statements,
            reservedConcurrency,
            timeoutSeconds,
            memoryMb,
            description: "The recipient: reads ciphertext batches and decrypts records (the only records-key Decrypt holder).",
        });

        let userPoolArn: pulumi.Output<string>;
        if (args.userPoolArn !== undefined) {
            userPoolArn = pulumi.output(args.userPoolArn);
        } else {
            const pool = new aws.cognito.UserPool(
                `${name}-user-pool`,
                {
                    name: `${base.namePrefix}-recipients`,
                    deletionProtection: "ACTIVE",
                    adminCreateUserConfig: { allowAdminCreateUserOnly: true },
                    mfaConfiguration: "ON",
                    softwareTokenMfaConfiguration: { enabled: true },
                    usernameAttributes: ["email"],
                    autoVerifiedAttributes: ["email"],
                    accountRecoverySetting: { recoveryMechanisms: [{ name: "verified_email", priority: 1 }] },
                    passwordPolicy: {
                        minimumLength: 14,
                        requireLowercase: true,
                        requireUppercase: true,
                        requireNumbers: true,
                        requireSymbols: true,
                        temporaryPasswordValidityDays: 1,
                        passwordHistorySize: 5,
                    },
                    schemas: [
                        {
                            // Comma-separated tenants the user may read; set by administrators only (see the client's writeAttributes).
                            name: "tenants",
                            attributeDataType: "String",
                            mutable: true,
                            developerOnlyAttribute: false,
                            required: false,
                            stringAttributeConstraints: { minLength: "1", maxLength: "2048" },
                        },
                    ],
                    tags: layerTags(base.tags, layer),
                },
                { parent: this },
            );
            const client = new aws.cognito.UserPoolClient(
                `${name}-user-pool-client`,
                {
                    name: `${base.namePrefix}-recipient-api`,
                    userPoolId: pool.id,
                    generateSecret: false,
                    explicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                    preventUserExistenceErrors: "ENABLED",
                    enableTokenRevocation: true,
                    idTokenValidity: 15,
                    accessTokenValidity: 15,
                    refreshTokenValidity: 12,
                    tokenValidityUnits: { idToken: "minutes", accessToken: "minutes", refreshToken: "hours" },
                    readAttributes: ["email", "email_verified", "custom:tenants"],
                    writeAttributes: ["email"],
                },
                { parent: this },
            );
            userPoolArn = pool.arn;
            this.userPoolId = pool.id;
            this.userPoolClientId = client.id;
        }

        const api = createTls13RestApi(
            base,
            {
                apiName: "recipient",
                pathParts: ["records"],
                httpMethod: "GET",
                auth: { type: "COGNITO_USER_POOLS", userPoolArn },
                queryParameters: { tenant: true, schema: true, date: true, after: false },
                handler: recipient.function,
                domainName,
                certificateArn: args.certificateArn,
                basePath,
                throttleRateLimit,
                throttleBurstLimit,
                quotaPerDay,
                wafRateLimitPer5Min,
                stageDependsOn: args.apiGatewayAccount !== undefined ? [args.apiGatewayAccount] : [],
            },
        );

        this.recipientFunctionName = recipient.function.name;
        this.recipientFunctionArn = recipient.function.arn;
        this.recipientRoleName = args.recipientRole.name;
        this.recipientRoleArn = recipient.role.arn;
        this.recipientDeadLetterQueueArn = recipient.deadLetterQueue.arn;
        this.recipientDeadLetterQueueName = recipient.deadLetterQueue.name;
        this.logGroupName = recipient.logGroup.name;
        this.api = restApiEndpoint(api, `${base.namePrefix}-recipient`);
        this.userPoolArn = userPoolArn;

        if (enableKubernetes) {
            const k8sOpts: pulumi.CustomResourceOptions = { parent: this, provider: args.kubernetesProvider };
            const namespace = pulumi.output(args.kubernetesNamespace as pulumi.Input<string>);
            const appLabels = { "app.kubernetes.io/name": "recipient", "app.kubernetes.io/part-of": "e2ee-pipeline" };
            const labels = { ...appLabels, "app.kubernetes.io/managed-by": "pulumi" };
            const secretName = "recipient-tls";
            const dnsNames: pulumi.Input<string[]> =
                args.serviceDnsNames !== undefined
                    ? [...args.serviceDnsNames]
                    : namespace.apply((ns) => [`recipient.${ns}.svc`, `recipient.${ns}.svc.cluster.local`]);

            const serviceAccount = new k8s.core.v1.ServiceAccount(
                `${name}-service-account`,
                { metadata: { name: "recipient", namespace, labels }, automountServiceAccountToken: false },
                k8sOpts,
            );

            const certificate = new k8s.apiextensions.CustomResource(
                `${name}-certificate`,
                {
                    apiVersion: "cert-manager.io/v1",
                    kind: "Certificate",
                    metadata: { name: "recipient-tls", namespace, labels },
                    spec: {
                        secretName,
                        duration: CERTIFICATE_DURATION,
                        renewBefore: CERTIFICATE_RENEW_BEFORE,
                        dnsNames,
                        issuerRef: { name: args.certificateIssuerName, kind: issuerKind, group: "cert-manager.io" },
                        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
                        usages: ["server auth", "digital signature"],
                    },
                },
                k8sOpts,
            );

            const deployment = new k8s.apps.v1.Deployment(
                `${name}-deployment`,
                {
                    metadata: { name: "recipient", namespace, labels },
                    spec: {
                        replicas,
                        selector: { matchLabels: appLabels },
                        template: {
                            metadata: { labels },
                            spec: {
                                serviceAccountName: serviceAccount.metadata.name,
                                automountServiceAccountToken: false,
                                enableServiceLinks: false,
                                hostNetwork: false,
                                hostPID: false,
                                hostIPC: false,
                                securityContext: {
                                    runAsNonRoot: true,
                                    runAsUser: 10001,
                                    runAsGroup: 10001,
                                    fsGroup: 10001,
                                    seccompProfile: { type: "RuntimeDefault" },
                                },
                                containers: [
                                    {
                                        name: "recipient",
                                        image: args.image as string,
                                        imagePullPolicy: "IfNotPresent",
                                        ports: [{ name: "https", containerPort, protocol: "TCP" }],
                                        env: [
                                            { name: ENV.recipient.DATA_BUCKET, value: args.dataBucketName },
                                            { name: ENV.recipient.RECORDS_KEY_ARN, value: args.recordsKeyArn },
                                            { name: "TLS_CERT_FILE", value: "/etc/tls/tls.crt" },
                                            { name: "TLS_KEY_FILE", value: "/etc/tls/tls.key" },
                                            { name: "TLS_MIN_VERSION", value: "TLSv1.3" },
                                        ],
                                        securityContext: {
                                            allowPrivilegeEscalation: false,
                                            privileged: false,
                                            readOnlyRootFilesystem: true,
                                            runAsNonRoot: true,
                                            capabilities: { drop: ["ALL"] },
                                            seccompProfile: { type: "RuntimeDefault" },
                                        },
                                        resources: {
                                            requests: { cpu: "100m", memory: "128Mi" },
                                            limits: { cpu: cpuLimit, memory: memoryLimit },
                                        },
                                        readinessProbe: { httpGet: { path: "/healthz", port: "https", scheme: "HTTPS" }, periodSeconds: 10 },
                                        livenessProbe: { httpGet: { path: "/healthz", port: "https", scheme: "HTTPS" }, periodSeconds: 20 },
                                        volumeMounts: [
                                            { name: "tls", mountPath: "/etc/tls", readOnly: true },
                                            { name: "tmp", mountPath: "/tmp" },
                                        ],
                                    },
                                ],
                                volumes: [
                                    { name: "tls", secret: { secretName, defaultMode: 0o440 } },
                                    { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
                                ],
                            },
                        },
                    },
                },
                { ...k8sOpts, dependsOn: [certificate] },
            );

            const service = new k8s.core.v1.Service(
                `${name}-service`,
                {
                    metadata: { name: "recipient", namespace, labels },
                    spec: {
                        type: "ClusterIP",
                        selector: appLabels,
                        ports: [{ name: "https", port: 443, targetPort: "https", protocol: "TCP" }],
                    },
                },
                k8sOpts,
            );

            new k8s.networking.v1.NetworkPolicy(
                `${name}-allow-ingress`,
                {
                    metadata: { name: "allow-mesh-ingress-to-recipient", namespace, labels },
                    spec: {
                        podSelector: { matchLabels: appLabels },
                        policyTypes: ["Ingress"],
                        ingress: [
                            {
                                from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ingressNamespace } } }],
                                ports: [{ protocol: "TCP", port: containerPort }],
                            },
                        ],
                    },
                },
                k8sOpts,
            );

            this.deploymentName = deployment.metadata.name;
            this.serviceName = service.metadata.name;
            this.certificateSecretName = secretName;
        }

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
