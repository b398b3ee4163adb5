/**
 * The components that stand on their own (infra/components/), used directly: their children's names, parents and
 * aliases, and their argument validation. What they create, input by input, is asserted by the specs of the
 * layers that use them (ingestion, serving, orchestration) and by principal.spec.ts.
 */
import assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KubernetesRecipient, KubernetesRecipientArgs, validateKubernetesRecipientArgs } from "../../infra/components/kubernetesRecipient";
import { PipelineNamespace, PipelineNamespaceArgs, validatePipelineNamespaceArgs } from "../../infra/components/pipelineNamespace";
import { RecipientUserPool, RecipientUserPoolArgs, validateRecipientUserPoolArgs } from "../../infra/components/recipientUserPool";
import { Tls13RestApi, Tls13RestApiArgs, validateTls13RestApiArgs } from "../../infra/components/tls13RestApi";
import { ACCOUNTS, Created, REGION, created, ofType, settle, startMocks, valueOf } from "./support/harness";

const ACCOUNT = ACCOUNTS.test;
const LOGS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/logs-0003`;
const SECRETS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/secrets-0004`;
const CERT = `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/0b1e4c7a-1d2e-4f3a-9b8c-7d6e5f4a3b21`;
const IMAGE = `registry.example.com/recipient@sha256:${"ab".repeat(32)}`;
const URN = (qualifiedType: string, name: string): string => `urn:pulumi:test::e2ee-pipeline::${qualifiedType}::${name}`;

let handler: aws.lambda.Function;
let provider: k8s.Provider;

const apiArgs = (over: Partial<Tls13RestApiArgs> = {}): Tls13RestApiArgs => ({
    namePrefix: "e2ee-pipeline-test",
    region: REGION,
    accountId: ACCOUNT,
    logsKeyArn: LOGS_KEY,
    layer: "ingestion",
    apiName: "ingest",
    pathParts: ["records"],
    httpMethod: "POST",
    auth: { type: "AWS_IAM" },
    handler,
    domainName: "ingest.test.example.com",
    certificateArn: CERT,
    throttleRateLimit: 50,
    throttleBurstLimit: 100,
    quotaPerDay: 1000,
    wafRateLimitPer5Min: 1000,
    ...over,
});
const poolArgs = (over: Partial<RecipientUserPoolArgs> = {}): RecipientUserPoolArgs => ({ namePrefix: "e2ee-pipeline-test", layer: "serving", ...over });
const recipientArgs = (over: Partial<KubernetesRecipientArgs> = {}): KubernetesRecipientArgs => ({
    provider,
    namespace: "e2ee-pipeline",
    image: IMAGE,
    certificateIssuerName: "internal-ca",
    dataBucketName: "bucket",
    recordsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/records",
    dataPrefix: "batches/",
    userPoolId: "eu-west-1_AbCdEf123",
    userPoolClientId: "client0123",
    region: REGION,
    roleArn: "arn:aws:iam::123456789012:role/e2ee-pipeline-test-k8s-recipient",
    ...over,
});
const namespaceArgs = (over: Partial<PipelineNamespaceArgs> = {}): PipelineNamespaceArgs => ({
    provider,
    vpcEndpointCidrs: ["10.40.0.0/20"],
    config: { STATE_MACHINE_ARN: "arn:aws:states:eu-west-1:123456789012:stateMachine:x" },
    ...over,
});

/** The children of the component registered as `componentUrn`. */
const childrenOf = (componentUrn: string | undefined): Created[] => created.filter((c) => c.parent === componentUrn);

describe("infra/components: the stand-alone components", function () {
    before(async function () {
        await startMocks("test");
        handler = new aws.lambda.Function("handler", { role: "r", runtime: "nodejs22.x", handler: "index.handler", code: new pulumi.asset.AssetArchive({}) });
        provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
        await settle();
    });

    describe("children: named <name>-<part>, parented to the component, aliased only when they had a former parent", function () {
        it("Tls13RestApi", async function () {
            created.length = 0;
            const layer = new pulumi.ComponentResource("e2ee:test:Layer", "ingestion");
            const api = new Tls13RestApi("ingestion-ingest", apiArgs({ formerParent: layer }), { parent: layer });
            const standalone = new Tls13RestApi("other", apiArgs({ namePrefix: "other", domainName: "other.test.example.com" }));
            await settle();
            const component = created.find((c) => c.name === "ingestion-ingest");
            const children = childrenOf(component?.urn);
            assert.equal(children.length, 19, "the REST API, its one path part, validator, method, integration, permission, deployment, stage and its settings, access logs, usage plan, key and plan key, domain and base path, web ACL, its association, logs and logging");
            for (const c of children) {
                assert.ok(c.name.startsWith("ingestion-ingest-"), c.name);
                assert.deepEqual(c.aliases, [URN(`e2ee:test:Layer$${c.type}`, c.name)], c.name);
            }
            for (const c of childrenOf(created.find((x) => x.name === "other")?.urn)) assert.deepEqual(c.aliases, [], c.name);
            assert.equal(api.endpoint.apiName, "e2ee-pipeline-test-ingest");
            assert.equal(api.endpoint.endpointUrl, "https://ingest.test.example.com/v1/records");
            assert.match(await valueOf(api.routeArn), /\/live\/POST\/records$/);
            assert.equal(standalone.endpoint.endpointUrl, "https://other.test.example.com/v1/records");
        });

        it("Tls13RestApi with apiKeySecret: the generated value, its secret and version are children too", async function () {
            created.length = 0;
            const layer = new pulumi.ComponentResource("e2ee:test:Layer", "ingestion");
            const api = new Tls13RestApi("ingestion-ingest", apiArgs({ formerParent: layer, apiKeySecret: { kmsKeyArn: SECRETS_KEY } }), { parent: layer });
            await settle();
            const children = childrenOf(created.find((c) => c.name === "ingestion-ingest")?.urn);
            assert.equal(children.length, 22, "the 19 children and the RandomPassword, the secret and its version");
            assert.deepEqual(
                children.filter((c) => c.name.startsWith("ingestion-ingest-api-key-")).map((c) => `${c.type} ${c.name}`),
                [
                    "random:index/randomPassword:RandomPassword ingestion-ingest-api-key-value",
                    "aws:secretsmanager/secret:Secret ingestion-ingest-api-key-secret",
                    "aws:secretsmanager/secretVersion:SecretVersion ingestion-ingest-api-key-secret-version",
                ],
            );
            assert.match(await valueOf(api.endpoint.apiKeySecretArn ?? ""), /^arn:aws:secretsmanager:eu-west-1:123456789012:secret:e2ee-pipeline-test-ingest-api-key-/);
            const standalone = new Tls13RestApi("plain", apiArgs({ namePrefix: "plain", domainName: "plain.test.example.com" }));
            assert.equal(standalone.endpoint.apiKeySecretArn, undefined);
        });

        it("RecipientUserPool: the pool is named like the component, the client <name>-client", async function () {
            created.length = 0;
            const layer = new pulumi.ComponentResource("e2ee:test:Layer", "serving");
            const pool = new RecipientUserPool("serving-user-pool", poolArgs({ formerParent: layer }), { parent: layer });
            await settle();
            const children = childrenOf(created.find((c) => c.type === "e2ee:pipeline:RecipientUserPool")?.urn);
            assert.deepEqual(children.map((c) => [c.type, c.name, c.aliases]), [
                ["aws:cognito/userPool:UserPool", "serving-user-pool", [URN("e2ee:test:Layer$aws:cognito/userPool:UserPool", "serving-user-pool")]],
                ["aws:cognito/userPoolClient:UserPoolClient", "serving-user-pool-client", [URN("e2ee:test:Layer$aws:cognito/userPoolClient:UserPoolClient", "serving-user-pool-client")]],
            ]);
            assert.equal(await valueOf(pool.userPoolClientId), "e2ee-pipeline-test-recipient-api-id");
        });

        it("KubernetesRecipient and PipelineNamespace: every child on the given provider", async function () {
            created.length = 0;
            const layer = new pulumi.ComponentResource("e2ee:test:Layer", "serving");
            new KubernetesRecipient("serving", recipientArgs({ formerParent: layer }), { parent: layer });
            new PipelineNamespace("orchestration", namespaceArgs());
            await settle();
            const recipient = childrenOf(created.find((c) => c.type === "e2ee:pipeline:KubernetesRecipient")?.urn);
            assert.deepEqual(recipient.map((c) => c.name).sort(), ["serving-allow-ingress", "serving-certificate", "serving-deployment", "serving-service", "serving-service-account"]);
            for (const c of recipient) assert.ok(c.aliases?.includes(URN(`e2ee:test:Layer$${c.type}`, c.name)), c.name);
            const namespace = childrenOf(created.find((c) => c.type === "e2ee:pipeline:PipelineNamespace")?.urn);
            assert.equal(namespace.length, 10);
            for (const c of namespace) assert.ok(!(c.aliases ?? []).some((a) => a.includes("e2ee:test:Layer")), c.name);
            assert.deepEqual(ofType("kubernetes:core/v1:ConfigMap").map((c) => c.inputs.data), [namespaceArgs().config]);
            for (const c of [...recipient, ...namespace]) assert.match(String(c.provider), /::pulumi:providers:kubernetes::cluster::/, c.name);
        });
    });

    describe("argument validation (names the argument, creates nothing)", function () {
        const cases: [string, () => unknown, (a: never) => unknown, (a: never) => unknown, string][] = [
            ["Tls13RestApi without a layer", () => apiArgs({ layer: "" }), validateTls13RestApiArgs, (a) => new Tls13RestApi("bad", a), 'Tls13RestApi: argument "layer" is required'],
            ["Tls13RestApi without path parts", () => apiArgs({ pathParts: [] }), validateTls13RestApiArgs, (a) => new Tls13RestApi("bad", a), 'Tls13RestApi: argument "pathParts" must not be empty'],
            ["Tls13RestApi with a PUT", () => apiArgs({ httpMethod: "PUT" as never }), validateTls13RestApiArgs, (a) => new Tls13RestApi("bad", a), 'Tls13RestApi: argument "httpMethod" must be "GET" or "POST", got "PUT"'],
            [
                "Tls13RestApi with Cognito but no pool",
                () => apiArgs({ auth: { type: "COGNITO_USER_POOLS", userPoolArn: "" } }),
                validateTls13RestApiArgs,
                (a) => new Tls13RestApi("bad", a),
                'Tls13RestApi: argument "auth.userPoolArn" is required',
            ],
            [
                "Tls13RestApi with an API key secret but no key",
                () => apiArgs({ apiKeySecret: { kmsKeyArn: "" } }),
                validateTls13RestApiArgs,
                (a) => new Tls13RestApi("bad", a),
                'Tls13RestApi: argument "apiKeySecret.kmsKeyArn" is required',
            ],
            [
                "Tls13RestApi with a bad API key rotation",
                () => apiArgs({ apiKeySecret: { kmsKeyArn: SECRETS_KEY, rotation: "" } }),
                validateTls13RestApiArgs,
                (a) => new Tls13RestApi("bad", a),
                'Tls13RestApi: argument "apiKeySecret.rotation" must be 1-64 letters, digits, ".", "_", ":" or "-", got ""',
            ],
            ["Tls13RestApi with a 5/5min WAF limit", () => apiArgs({ wafRateLimitPer5Min: 5 }), validateTls13RestApiArgs, (a) => new Tls13RestApi("bad", a), 'Tls13RestApi: argument "wafRateLimitPer5Min" must be an integer from 10 to 2000000000, got 5'],
            ["Tls13RestApi with a bad domain", () => apiArgs({ domainName: "Ingest" }), validateTls13RestApiArgs, (a) => new Tls13RestApi("bad", a), 'Tls13RestApi: argument "domainName" must be a lower-case fully-qualified domain name, got "Ingest"'],
            [
                "Tls13RestApi with a 30-day log retention",
                () => apiArgs({ logRetentionDays: 30 }),
                validateTls13RestApiArgs,
                (a) => new Tls13RestApi("bad", a),
                'Tls13RestApi: argument "logRetentionDays" must be a CloudWatch Logs retention value of at least 90 days (90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653), got 30',
            ],
            [
                "RecipientUserPool with a bad name prefix",
                () => poolArgs({ namePrefix: "E2EE" }),
                validateRecipientUserPoolArgs,
                (a) => new RecipientUserPool("bad", a),
                'RecipientUserPool: argument "namePrefix" must be 1-40 lower-case letters, digits or "-", starting with a letter, got "E2EE"',
            ],
            [
                "KubernetesRecipient with an image by tag",
                () => recipientArgs({ image: "registry.example.com/recipient:1" }),
                validateKubernetesRecipientArgs,
                (a) => new KubernetesRecipient("bad", a),
                'KubernetesRecipient: argument "image" must be pinned by digest ("<repository>@sha256:<64 hex digits>"), got "registry.example.com/recipient:1"',
            ],
            ["KubernetesRecipient without the records key", () => recipientArgs({ recordsKeyArn: "" }), validateKubernetesRecipientArgs, (a) => new KubernetesRecipient("bad", a), 'KubernetesRecipient: argument "recordsKeyArn" is required'],
            ["KubernetesRecipient with no DNS names", () => recipientArgs({ serviceDnsNames: [] }), validateKubernetesRecipientArgs, (a) => new KubernetesRecipient("bad", a), 'KubernetesRecipient: argument "serviceDnsNames" must not be empty'],
            [
                "KubernetesRecipient with a prefix without its slash",
                () => recipientArgs({ dataPrefix: "batches" }),
                validateKubernetesRecipientArgs,
                (a) => new KubernetesRecipient("bad", a),
                'KubernetesRecipient: argument "dataPrefix" must be a non-empty S3 key prefix ending with "/", got "batches"',
            ],
            ["KubernetesRecipient without its user pool", () => recipientArgs({ userPoolId: "" }), validateKubernetesRecipientArgs, (a) => new KubernetesRecipient("bad", a), 'KubernetesRecipient: argument "userPoolId" is required'],
            ["KubernetesRecipient without its IRSA role", () => recipientArgs({ roleArn: undefined as never }), validateKubernetesRecipientArgs, (a) => new KubernetesRecipient("bad", a), 'KubernetesRecipient: argument "roleArn" is required'],
            [
                "PipelineNamespace with egress to the world",
                () => namespaceArgs({ vpcEndpointCidrs: ["10.0.0.0/20", "0.0.0.0/0"] }),
                validatePipelineNamespaceArgs,
                (a) => new PipelineNamespace("bad", a),
                'PipelineNamespace: argument "vpcEndpointCidrs" must list IPv4 CIDRs narrower than 0.0.0.0/0, got "0.0.0.0/0"',
            ],
            ["PipelineNamespace without its config", () => namespaceArgs({ config: undefined as never }), validatePipelineNamespaceArgs, (a) => new PipelineNamespace("bad", a), 'PipelineNamespace: argument "config" is required'],
            [
                "PipelineNamespace with a bad DNS namespace",
                () => namespaceArgs({ dnsNamespace: "Kube_System" }),
                validatePipelineNamespaceArgs,
                (a) => new PipelineNamespace("bad", a),
                'PipelineNamespace: argument "dnsNamespace" must be a Kubernetes namespace name (RFC 1123 label), got "Kube_System"',
            ],
        ];
        for (const [title, args, validate, construct, message] of cases) {
            it(title, async function () {
                assert.throws(() => validate(args() as never), { message });
                created.length = 0;
                assert.throws(() => construct(args() as never), { message });
                await settle();
                assert.equal(created.length, 0);
            });
        }

        it("the validators return what the components build from", function () {
            assert.deepEqual(validateTls13RestApiArgs(apiArgs()), {
                namePrefix: "e2ee-pipeline-test",
                region: REGION,
                tags: {},
                logsKeyArn: LOGS_KEY,
                logRetentionDays: 365,
                throttleRateLimit: 50,
                throttleBurstLimit: 100,
                quotaPerDay: 1000,
                wafRateLimitPer5Min: 1000,
                dataClassification: "confidential",
                domainName: "ingest.test.example.com",
                basePath: "v1",
            });
            assert.deepEqual(validateTls13RestApiArgs(apiArgs({ apiKeySecret: { kmsKeyArn: SECRETS_KEY } })).apiKeySecret, { kmsKeyArn: SECRETS_KEY, rotation: "1" });
            assert.deepEqual(validateRecipientUserPoolArgs(poolArgs()), { namePrefix: "e2ee-pipeline-test" });
            assert.deepEqual(validatePipelineNamespaceArgs(namespaceArgs()), { namespace: "e2ee-pipeline", dnsNamespace: "kube-system", meshNamespace: "istio-system" });
            assert.equal(validateKubernetesRecipientArgs(recipientArgs()).replicas, 2);
        });
    });
});
