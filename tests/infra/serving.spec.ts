import assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Principal } from "../../infra/components/principal";
import { ServingLayerArgs, validateServingLayerArgs } from "../../infra/serving";
import { created, functionLayerSpecArgs, namedState, one, policyOf, settle, specKeys, startMocks, valueOf } from "./support/harness";

const ACCOUNT = "111111111111";
const REGION = "eu-west-1";
const API_ID = "r9s8t7u6v5";
const POOL_ID = "eu-west-1_AbCdEfGhI";
const POOL_ARN = `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${POOL_ID}`;

const mockState = namedState({
    account: ACCOUNT,
    ids: { "aws:apigateway/restApi:RestApi": API_ID, "aws:cognito/userPool:UserPool": POOL_ID },
    outputs: {
        "aws:apigateway/resource:Resource": (_n, inputs) => ({ path: `/${String(inputs.pathPart)}` }),
        "aws:cognito/userPool:UserPool": () => ({ arn: POOL_ARN }),
    },
});

const { records: RECORDS_KEY, storage: STORAGE_KEY, logs: LOGS_KEY, secrets: SECRETS_KEY } = specKeys(ACCOUNT);
const CERT = `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/11111111-2222-4333-8444-555555555555`;
const BUCKET = "e2ee-pipeline-dev-data-lake";
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/recipient@sha256:${"ab".repeat(32)}`;
/** The recipient's role, created before the layer as the pipeline creates it. */
let recipient: Principal;
async function recipientRole(): Promise<Principal> {
    const { recipientPrincipal } = await import("../../infra/components/principal");
    return recipientPrincipal("serving-recipient", { namePrefix: "e2ee-pipeline-dev", region: REGION, accountId: ACCOUNT });
}
const OIDC_PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.${REGION}.amazonaws.com/id/5C2D8E1F3A4B4C5D8E9F0A1B2C3D4E5F`;
/** The Kubernetes recipient's IRSA role, created before the layer as the pipeline creates it. */
let k8sRecipient: Principal;
async function k8sRecipientRole(): Promise<Principal> {
    const { kubernetesRecipientPrincipal } = await import("../../infra/components/principal");
    return kubernetesRecipientPrincipal("serving-k8s-recipient", {
        namePrefix: "e2ee-pipeline-dev",
        region: REGION,
        accountId: ACCOUNT,
        trust: { providerArn: OIDC_PROVIDER, namespace: "e2ee-pipeline", serviceAccount: "recipient" },
    });
}
/** The recipient's own statements (after the seven every pipeline function has). */
function recipientStatements(): Record<string, unknown>[] {
    return [
        { Sid: "ReadCiphertextBatches", Effect: "Allow", Action: ["s3:GetObject"], Resource: `${BUCKET_ARN}/batches/*` },
        {
            Sid: "ListCiphertextBatches",
            Effect: "Allow",
            Action: ["s3:ListBucket"],
            Resource: BUCKET_ARN,
            Condition: { StringLike: { "s3:prefix": "batches/*" } },
        },
        {
            Sid: "ReadStorageEncryption",
            Effect: "Allow",
            Action: ["kms:Decrypt"],
            Resource: STORAGE_KEY,
            Condition: { StringEquals: { "kms:ViaService": `s3.${REGION}.amazonaws.com` } },
        },
        { Sid: "DecryptRecordDataKeys", Effect: "Allow", Action: ["kms:Decrypt"], Resource: RECORDS_KEY },
    ];
}

function validArgs(): ServingLayerArgs {
    return {
        ...functionLayerSpecArgs(ACCOUNT),
        logRetentionDays: 90,
        domainName: "records.dev.pipeline.example.com",
        certificateArn: CERT,
        dataBucketName: BUCKET,
        dataBucketArn: BUCKET_ARN,
        dataBucketKeyArn: STORAGE_KEY,
        dataPrefix: "batches/",
        recordsKeyArn: RECORDS_KEY,
        recipientRole: recipient.role,
    };
}

describe("infra/serving ServingLayer", function () {
    let Layer: typeof import("../../infra/serving").ServingLayer;
    let provider: k8s.Provider;

    before(async function () {
        await startMocks("dev", { state: mockState });
        ({ ServingLayer: Layer } = await import("../../infra/serving"));
        provider = new k8s.Provider("serving-test-cluster", { kubeconfig: "{}" });
        recipient = await recipientRole();
        await settle();
    });

    describe("AWS only (Kubernetes disabled)", function () {
        let layer: InstanceType<typeof Layer>;
        before(async function () {
            await startMocks("dev", { state: mockState });
            recipient = await recipientRole();
            layer = new Layer("serving", validArgs());
            await settle();
        });

        it("makes the explicitly named recipient role the one holder of kms:Decrypt on the records key", async function () {
            const role = one("aws:iam/role:Role", "serving-recipient-role");
            assert.equal(role.inputs.name, "e2ee-pipeline-dev-recipient");
            assert.equal(await valueOf(layer.recipientRoleName), "e2ee-pipeline-dev-recipient");
            assert.equal((role.inputs.tags as Record<string, string>)["e2ee:principal-role"], "recipient");
            const statements = policyOf(one("aws:iam/rolePolicy:RolePolicy", "serving-recipient-policy")).Statement;
            assert.deepEqual(statements.slice(7), recipientStatements());
            const onRecordsKey = statements.filter((s) => ([] as unknown[]).concat(s.Resource).includes(RECORDS_KEY));
            assert.deepEqual(onRecordsKey.map((s) => s.Action), [["kms:Decrypt"]], "no GenerateDataKey, no other action on the records key");
            const writes = statements.flatMap((s) => s.Action as string[]).filter((a) => /^s3:(Put|Delete)/.test(a));
            assert.deepEqual(writes, [], "the recipient only reads the data lake");
        });

        it("runs the recipient function hardened like every pipeline function", function () {
            const fn = one("aws:lambda/function:Function", "serving-recipient-function");
            assert.equal(fn.inputs.name, "e2ee-pipeline-dev-recipient");
            assert.equal(fn.inputs.runtime, "nodejs22.x");
            assert.equal(fn.inputs.kmsKeyArn, SECRETS_KEY);
            assert.deepEqual(fn.inputs.vpcConfig, { subnetIds: ["subnet-aaa", "subnet-bbb"], securityGroupIds: ["sg-123"] });
            assert.equal(fn.inputs.reservedConcurrentExecutions, 5);
            assert.deepEqual(fn.inputs.tracingConfig, { mode: "Active" });
            assert.deepEqual(fn.inputs.deadLetterConfig, { targetArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:e2ee-pipeline-dev-recipient-dlq` });
            // The function verifies ID tokens itself: the pool and its app client (the JWKS through the cognito-idp endpoint).
            assert.deepEqual(fn.inputs.environment, {
                variables: {
                    DATA_BUCKET_NAME: BUCKET,
                    RECORDS_KEY_ARN: RECORDS_KEY,
                    DATA_PREFIX: "batches/",
                    USER_POOL_ID: POOL_ID,
                    USER_POOL_CLIENT_ID: "serving-user-pool-client-id",
                },
            });
            assert.equal(one("aws:sqs/queue:Queue", "serving-recipient-dlq").inputs.kmsMasterKeyId, STORAGE_KEY);
        });

        it("serves GET /records over a TLS 1.3-only custom domain with a Cognito authoriser, API key, throttling and WAF", function () {
            const api = one("aws:apigateway/restApi:RestApi", "serving-recipient-api");
            assert.equal(api.inputs.disableExecuteApiEndpoint, true);
            assert.equal(api.inputs.securityPolicy, "SecurityPolicy_TLS13_1_3_2025_09");
            assert.equal(api.inputs.endpointAccessMode, "STRICT");
            assert.equal(api.inputs.binaryMediaTypes, undefined);
            const domain = one("aws:apigateway/domainName:DomainName", "serving-recipient-domain");
            assert.equal(domain.inputs.domainName, "records.dev.pipeline.example.com");
            assert.equal(domain.inputs.securityPolicy, "SecurityPolicy_TLS13_1_3_2025_09");
            assert.equal(domain.inputs.endpointAccessMode, "STRICT");
            assert.equal(domain.inputs.regionalCertificateArn, CERT);
            assert.equal(one("aws:apigateway/resource:Resource", "serving-recipient-path-0").inputs.pathPart, "records");
            const authorizer = one("aws:apigateway/authorizer:Authorizer", "serving-recipient-authorizer");
            assert.equal(authorizer.inputs.type, "COGNITO_USER_POOLS");
            assert.deepEqual(authorizer.inputs.providerArns, [POOL_ARN]);
            assert.equal(authorizer.inputs.identitySource, "method.request.header.Authorization");
            const method = one("aws:apigateway/method:Method", "serving-recipient-method");
            assert.equal(method.inputs.httpMethod, "GET");
            assert.equal(method.inputs.authorization, "COGNITO_USER_POOLS");
            assert.equal(method.inputs.authorizerId, "serving-recipient-authorizer-id");
            assert.equal(method.inputs.apiKeyRequired, true);
            assert.deepEqual(method.inputs.requestParameters, {
                "method.request.querystring.tenant": true,
                "method.request.querystring.schema": true,
                "method.request.querystring.date": true,
                "method.request.querystring.after": false,
            });
            const validator = one("aws:apigateway/requestValidator:RequestValidator", "serving-recipient-validator");
            assert.equal(validator.inputs.validateRequestParameters, true);
            assert.equal(method.inputs.requestValidatorId, "serving-recipient-validator-id");
            // Only API Gateway, for this route, may invoke the function: the one permission on it.
            assert.deepEqual(
                created.filter((c) => c.type === "aws:lambda/permission:Permission").map((p) => p.inputs),
                [
                    {
                        function: "e2ee-pipeline-dev-recipient",
                        action: "lambda:InvokeFunction",
                        principal: "apigateway.amazonaws.com",
                        sourceArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/live/GET/records`,
                        sourceAccount: ACCOUNT,
                    },
                ],
            );
            const settings = one("aws:apigateway/methodSettings:MethodSettings", "serving-recipient-method-settings").inputs.settings as Record<string, unknown>;
            assert.equal(settings.throttlingRateLimit, 20);
            assert.equal(settings.throttlingBurstLimit, 40);
            const stage = one("aws:apigateway/stage:Stage", "serving-recipient-stage");
            assert.equal(
                (stage.inputs.accessLogSettings as { destinationArn: string }).destinationArn,
                `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/apigateway/e2ee-pipeline-dev-recipient/access`,
            );
            const acl = one("aws:wafv2/webAcl:WebAcl", "serving-recipient-waf");
            assert.deepEqual((acl.inputs.rules as { statement: unknown }[])[0].statement, {
                rateBasedStatement: { limit: 500, aggregateKeyType: "IP", evaluationWindowSec: 300 },
            });
            assert.equal(
                one("aws:wafv2/webAclAssociation:WebAclAssociation", "serving-recipient-waf-association").inputs.resourceArn,
                `arn:aws:apigateway:${REGION}::/restapis/${API_ID}/stages/live`,
            );
            assert.equal(layer.api.endpointUrl, "https://records.dev.pipeline.example.com/v1/records");
        });

        it("creates an admin-only, MFA-required user pool whose tenants attribute users cannot write", function () {
            const pool = one("aws:cognito/userPool:UserPool", "serving-user-pool");
            assert.equal(pool.inputs.name, "e2ee-pipeline-dev-recipients");
            assert.equal(pool.inputs.deletionProtection, "ACTIVE");
            assert.deepEqual(pool.inputs.adminCreateUserConfig, { allowAdminCreateUserOnly: true });
            assert.equal(pool.inputs.mfaConfiguration, "ON");
            assert.deepEqual(pool.inputs.softwareTokenMfaConfiguration, { enabled: true });
            assert.deepEqual(pool.inputs.passwordPolicy, {
                minimumLength: 14,
                requireLowercase: true,
                requireUppercase: true,
                requireNumbers: true,
                requireSymbols: true,
                temporaryPasswordValidityDays: 1,
                passwordHistorySize: 5,
            });
            assert.deepEqual((pool.inputs.schemas as { name: string }[]).map((x) => x.name), ["tenants"]);
            const client = one("aws:cognito/userPoolClient:UserPoolClient", "serving-user-pool-client");
            assert.equal(client.inputs.userPoolId, POOL_ID);
            assert.equal(client.inputs.generateSecret, false);
            assert.deepEqual(client.inputs.explicitAuthFlows, ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]);
            assert.equal(client.inputs.preventUserExistenceErrors, "ENABLED");
            assert.equal(client.inputs.enableTokenRevocation, true);
            assert.deepEqual(client.inputs.writeAttributes, ["email"]);
            assert.ok((client.inputs.readAttributes as string[]).includes("custom:tenants"));
            assert.equal(client.inputs.idTokenValidity, 15);
            assert.deepEqual(client.inputs.tokenValidityUnits, { idToken: "minutes", accessToken: "minutes", refreshToken: "hours" });
        });

        it("creates no Kubernetes resource", function () {
            assert.deepEqual(created.filter((c) => c.type.startsWith("kubernetes:")), []);
            assert.equal(layer.deploymentName, undefined);
        });
    });

    it("uses an existing user pool and its app client when given, creating none; passes a JWKS document when given", async function () {
        created.length = 0;
        const external = `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/eu-west-1_Corporate1`;
        const jwks = JSON.stringify({ keys: [{ kid: "k1", kty: "RSA", alg: "RS256", use: "sig", n: "AQAB", e: "AQAB" }] });
        new Layer("serving-ext", { ...validArgs(), userPool: { arn: external, id: "eu-west-1_Corporate1", clientId: "corp-client" }, userPoolJwks: jwks });
        await settle();
        assert.equal(created.filter((c) => c.type.startsWith("aws:cognito/")).length, 0);
        assert.deepEqual(one("aws:apigateway/authorizer:Authorizer", "serving-ext-recipient-authorizer").inputs.providerArns, [external]);
        const env = (one("aws:lambda/function:Function", "serving-ext-recipient-function").inputs.environment as { variables: Record<string, string> }).variables;
        assert.deepEqual([env.USER_POOL_ID, env.USER_POOL_CLIENT_ID, env.USER_POOL_JWKS], ["eu-west-1_Corporate1", "corp-client", jwks]);
    });

    describe("with Kubernetes", function () {
        let layer: InstanceType<typeof Layer>;
        before(async function () {
            created.length = 0;
            k8sRecipient = await k8sRecipientRole();
            layer = new Layer("srv", {
                ...validArgs(),
                kubernetes: { provider, namespace: pulumi.output("e2ee-pipeline"), image: IMAGE, certificateIssuerName: "internal-ca", role: k8sRecipient.role },
            });
            await settle();
        });

        it("gives the pods' IRSA role the recipient's permissions (and nothing of the function's), and names it on their service account", function () {
            const policy = one("aws:iam/rolePolicy:RolePolicy", "srv-k8s-recipient-policy");
            assert.equal(policy.inputs.role, "e2ee-pipeline-dev-k8s-recipient");
            assert.equal(policy.inputs.name, "e2ee-pipeline-dev-k8s-recipient-least-privilege");
            assert.deepEqual(policyOf(policy).Statement, recipientStatements());
            const sa = one("kubernetes:core/v1:ServiceAccount", "srv-service-account");
            assert.deepEqual((sa.inputs.metadata as { annotations: unknown }).annotations, { "eks.amazonaws.com/role-arn": `arn:aws:iam::${ACCOUNT}:role/e2ee-pipeline-dev-k8s-recipient` });
        });

        it("gives the pods the recipient function's variables: the data prefix process writes to, the user pool, the region", function () {
            const dep = one("kubernetes:apps/v1:Deployment", "srv-deployment");
            const [c] = (dep.inputs.spec as { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } }).template.spec.containers;
            assert.deepEqual(c.env, [
                { name: "DATA_BUCKET_NAME", value: BUCKET },
                { name: "RECORDS_KEY_ARN", value: RECORDS_KEY },
                { name: "DATA_PREFIX", value: "batches/" },
                { name: "USER_POOL_ID", value: POOL_ID },
                { name: "USER_POOL_CLIENT_ID", value: "srv-user-pool-client-id" },
                { name: "AWS_REGION", value: REGION },
                { name: "TLS_CERT_FILE", value: "/etc/tls/tls.crt" },
                { name: "TLS_KEY_FILE", value: "/etc/tls/tls.key" },
                { name: "TLS_MIN_VERSION", value: "TLSv1.3" },
            ]);
        });

        it("issues a 90-day cert-manager certificate renewed 30 days before expiry, with a rotated ECDSA key", function () {
            const cert = one("kubernetes:cert-manager.io/v1:Certificate", "srv-certificate");
            assert.equal(cert.inputs.apiVersion, "cert-manager.io/v1");
            assert.deepEqual(cert.inputs.spec, {
                secretName: "recipient-tls",
                duration: "2160h",
                renewBefore: "720h",
                dnsNames: ["recipient.e2ee-pipeline.svc", "recipient.e2ee-pipeline.svc.cluster.local"],
                issuerRef: { name: "internal-ca", kind: "ClusterIssuer", group: "cert-manager.io" },
                privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
                usages: ["server auth", "digital signature"],
            });
        });

        it("runs a restricted, digest-pinned, token-less Deployment with limits", function () {
            const dep = one("kubernetes:apps/v1:Deployment", "srv-deployment");
            const spec = dep.inputs.spec as { replicas: number; template: { spec: Record<string, unknown> } };
            assert.equal(spec.replicas, 2);
            const pod = spec.template.spec;
            assert.equal(pod.automountServiceAccountToken, false);
            assert.equal(pod.serviceAccountName, "recipient");
            assert.equal(pod.hostNetwork, false);
            assert.deepEqual(pod.securityContext, {
                runAsNonRoot: true,
                runAsUser: 10001,
                runAsGroup: 10001,
                fsGroup: 10001,
                seccompProfile: { type: "RuntimeDefault" },
            });
            const [c] = pod.containers as Record<string, unknown>[];
            assert.equal(c.image, IMAGE);
            assert.deepEqual(c.securityContext, {
                allowPrivilegeEscalation: false,
                privileged: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            });
            assert.deepEqual(c.resources, { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } });
            assert.deepEqual(c.ports, [{ name: "https", containerPort: 8443, protocol: "TCP" }]);
            assert.deepEqual(pod.volumes, [
                { name: "tls", secret: { secretName: "recipient-tls", defaultMode: 0o440 } },
                { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
            ]);
            const sa = one("kubernetes:core/v1:ServiceAccount", "srv-service-account");
            assert.equal(sa.inputs.automountServiceAccountToken, false);
        });

        it("exposes the pods only through a ClusterIP Service and to the mesh ingress namespace", function () {
            const svc = one("kubernetes:core/v1:Service", "srv-service");
            assert.deepEqual(svc.inputs.spec, {
                type: "ClusterIP",
                selector: { "app.kubernetes.io/name": "recipient", "app.kubernetes.io/part-of": "e2ee-pipeline" },
                ports: [{ name: "https", port: 443, targetPort: "https", protocol: "TCP" }],
            });
            const np = one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "srv-allow-ingress");
            assert.deepEqual(np.inputs.spec, {
                podSelector: { matchLabels: { "app.kubernetes.io/name": "recipient", "app.kubernetes.io/part-of": "e2ee-pipeline" } },
                policyTypes: ["Ingress"],
                ingress: [
                    {
                        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "istio-system" } } }],
                        ports: [{ protocol: "TCP", port: 8443 }],
                    },
                ],
            });
            assert.equal(layer.certificateSecretName, "recipient-tls");
        });
    });

    describe("argument validation (names the argument, creates nothing)", function () {
        it("validateServingLayerArgs applies the defaults, and checks the Kubernetes settings only when they are given", function () {
            assert.deepEqual(validateServingLayerArgs(validArgs()), {
                namePrefix: "e2ee-pipeline-dev",
                region: REGION,
                tags: {},
                logsKeyArn: LOGS_KEY,
                logRetentionDays: 90,
                dataClassification: "confidential",
                domainName: "records.dev.pipeline.example.com",
                basePath: "v1",
                throttleRateLimit: 20,
                throttleBurstLimit: 40,
                quotaPerDay: 100000,
                wafRateLimitPer5Min: 500,
                dataPrefix: "batches/",
                sizing: { reservedConcurrency: 5, timeoutSeconds: 10, memoryMb: 256 },
            });
            assert.deepEqual(validateServingLayerArgs({ ...validArgs(), ...k8sOn() } as ServingLayerArgs).kubernetes, {
                image: IMAGE,
                certificateIssuerName: "internal-ca",
                certificateIssuerKind: "ClusterIssuer",
                replicas: 2,
                containerPort: 8443,
                ingressNamespace: "istio-system",
                cpuLimit: "500m",
                memoryLimit: "256Mi",
            });
        });

        const k8sOn = (over: Record<string, unknown> = {}): Partial<Record<keyof ServingLayerArgs, unknown>> => ({
            kubernetes: { provider, namespace: "e2ee-pipeline", image: IMAGE, certificateIssuerName: "internal-ca", role: k8sRecipient.role, ...over },
        });
        const cases: [string, () => Partial<Record<keyof ServingLayerArgs, unknown>>, string][] = [
            ["missing recordsKeyArn", () => ({ recordsKeyArn: undefined }), 'ServingLayer: argument "recordsKeyArn" is required'],
            ["missing domainName", () => ({ domainName: "" }), 'ServingLayer: argument "domainName" is required'],
            ["missing dataBucketArn", () => ({ dataBucketArn: undefined }), 'ServingLayer: argument "dataBucketArn" is required'],
            [
                "image by tag",
                () => k8sOn({ image: "registry.example.com/recipient:1.2.3" }),
                'ServingLayer: argument "kubernetes.image" must be pinned by digest ("<repository>@sha256:<64 hex digits>"), got "registry.example.com/recipient:1.2.3"',
            ],
            [
                "missing issuer",
                () => k8sOn({ certificateIssuerName: undefined }),
                'ServingLayer: argument "kubernetes.certificateIssuerName" is required',
            ],
            [
                "missing provider",
                () => k8sOn({ provider: undefined }),
                'ServingLayer: argument "kubernetes.provider" is required',
            ],
            [
                "missing namespace",
                () => k8sOn({ namespace: undefined }),
                'ServingLayer: argument "kubernetes.namespace" is required',
            ],
            ["privileged port", () => k8sOn({ containerPort: 443 }), 'ServingLayer: argument "kubernetes.containerPort" must be an integer from 1024 to 65535, got 443'],
            ["bad memory limit", () => k8sOn({ memoryLimit: "1G" }), 'ServingLayer: argument "kubernetes.memoryLimit" must be a memory quantity such as "256Mi", got "1G"'],
            ["missing IRSA role", () => k8sOn({ role: undefined }), 'ServingLayer: argument "kubernetes.role" is required'],
            ["the function's role for the pods", () => k8sOn({ role: recipient.role }), 'ServingLayer: argument "kubernetes.role" must differ from "recipientRole" (the pods assume their own IRSA role)'],
            ["an existing pool without its client", () => ({ userPool: { arn: POOL_ARN, id: POOL_ID, clientId: "" } }), 'ServingLayer: argument "userPool.clientId" is required'],
            [
                "bad issuer kind",
                () => k8sOn({ certificateIssuerKind: "SelfSigned" }),
                'ServingLayer: argument "kubernetes.certificateIssuerKind" must be "ClusterIssuer" or "Issuer", got "SelfSigned"',
            ],
        ];
        for (const [title, patch, message] of cases) {
            it(title, async function () {
                created.length = 0;
                assert.throws(() => validateServingLayerArgs({ ...validArgs(), ...patch() } as ServingLayerArgs), { message });
                assert.throws(() => new Layer(`bad-${title}`, { ...validArgs(), ...patch() } as ServingLayerArgs), { message });
                await settle();
                assert.equal(created.length, 0);
            });
        }
    });
});
