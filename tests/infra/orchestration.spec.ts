import assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { replayStateMachineJson } from "../../functions/src/orchestration/definition";
import { DEAD_LETTER_INPUT_TEMPLATE, OrchestrationLayerArgs, validateOrchestrationLayerArgs } from "../../infra/orchestration";
import { created, namedState, one, policyOf, settle, startMocks } from "./support/harness";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require("asl-validator") as (definition: unknown) => { isValid: boolean; errorsText: (sep?: string) => string };

const ACCOUNT = "111111111111";
const REGION = "eu-west-1";

const mockState = namedState({ account: ACCOUNT });

const LOGS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/logs-0003`;
const STORAGE_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/storage-0002`;
const RECORDS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/records-0001`;
const REPLAY_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:e2ee-pipeline-dev-replay`;
const SM_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:e2ee-pipeline-dev-pipeline`;
const DLQ_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:e2ee-pipeline-dev-orchestration-dlq`;
const DLQ_URL = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/e2ee-pipeline-dev-orchestration-dlq`;
const PROCESS_DLQ_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:e2ee-pipeline-dev-process-dlq`;

function validArgs(): OrchestrationLayerArgs {
    return {
        namePrefix: "e2ee-pipeline-dev",
        accountId: ACCOUNT,
        region: REGION,
        logsKeyArn: LOGS_KEY,
        stateMachineKeyArn: STORAGE_KEY,
        replayFunctionArn: REPLAY_ARN,
        queueKeyArn: STORAGE_KEY,
        deadLetterSource: { queueArn: PROCESS_DLQ_ARN, queueKeyArn: STORAGE_KEY },
        recordsKeyArn: RECORDS_KEY,
    };
}

describe("infra/orchestration OrchestrationLayer", function () {
    let Layer: typeof import("../../infra/orchestration").OrchestrationLayer;
    let provider: k8s.Provider;

    before(async function () {
        await startMocks("dev", { state: mockState });
        ({ OrchestrationLayer: Layer } = await import("../../infra/orchestration"));
        provider = new k8s.Provider("test-cluster", { kubeconfig: "{}" });
        await settle();
    });

    describe("AWS only (Kubernetes disabled)", function () {
        let layer: InstanceType<typeof Layer>;
        before(async function () {
            created.length = 0;
            layer = new Layer("orchestration", validArgs());
            await settle();
        });

        it("encrypts the state machine with the customer-managed key, logs ALL events to an encrypted group, traces", function () {
            const sm = one("aws:sfn/stateMachine:StateMachine", "orchestration-state-machine");
            assert.equal(sm.inputs.name, "e2ee-pipeline-dev-pipeline");
            assert.equal(sm.inputs.type, "STANDARD");
            assert.deepEqual(sm.inputs.encryptionConfiguration, {
                type: "CUSTOMER_MANAGED_KMS_KEY",
                kmsKeyId: STORAGE_KEY,
                kmsDataKeyReusePeriodSeconds: 300,
            });
            assert.deepEqual(sm.inputs.loggingConfiguration, {
                level: "ALL",
                includeExecutionData: false,
                logDestination: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/vendedlogs/states/e2ee-pipeline-dev-pipeline:*`,
            });
            assert.deepEqual(sm.inputs.tracingConfiguration, { enabled: true });
            assert.equal(sm.inputs.roleArn, `arn:aws:iam::${ACCOUNT}:role/e2ee-pipeline-dev-orchestrator`);
            const logs = one("aws:cloudwatch/logGroup:LogGroup", "orchestration-sfn-logs");
            assert.equal(logs.inputs.kmsKeyId, LOGS_KEY);
            assert.equal(logs.inputs.retentionInDays, 365);
            assert.equal((logs.inputs.tags as Record<string, string>)["data-classification"], "confidential");
        });

        it("runs the replay definition of the functions (replayStateMachineJson) with the replay function and the orchestration DLQ; asl-validator accepts it", function () {
            const definition = String(one("aws:sfn/stateMachine:StateMachine", "orchestration-state-machine").inputs.definition);
            assert.equal(definition, replayStateMachineJson({ replayFunctionArn: REPLAY_ARN, deadLetterQueueUrl: DLQ_URL, partition: "aws", maxConcurrency: 4, maxAttempts: 6 }));
            const r = aslValidator(JSON.parse(definition));
            assert.ok(r.isValid, r.errorsText("\n"));
        });

        it("parks failed requests and segments in its own KMS-encrypted, TLS-only dead-letter queue", function () {
            const q = one("aws:sqs/queue:Queue", "orchestration-dlq");
            assert.deepEqual(q.inputs, {
                name: "e2ee-pipeline-dev-orchestration-dlq",
                kmsMasterKeyId: STORAGE_KEY,
                kmsDataKeyReusePeriodSeconds: 300,
                messageRetentionSeconds: 1209600,
                tags: { "e2ee:layer": "orchestration", "managed-by": "pulumi", "data-classification": "confidential" },
            });
            assert.deepEqual(policyOf(one("aws:sqs/queuePolicy:QueuePolicy", "orchestration-dlq-policy")).Statement, [
                { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: DLQ_ARN, Condition: { Bool: { "aws:SecureTransport": "false" } } },
            ]);
        });

        it("gives the orchestrator role Invoke on the replay function only, SendMessage on its DLQ and the keys only through their services", function () {
            const role = one("aws:iam/role:Role", "orchestration-sfn-role");
            assert.equal(role.inputs.name, "e2ee-pipeline-dev-orchestrator");
            assert.equal((role.inputs.tags as Record<string, string>)["e2ee:principal-role"], "orchestrator");
            assert.deepEqual(policyOf(role, "assumeRolePolicy").Statement, [
                {
                    Sid: "AssumeByService",
                    Effect: "Allow",
                    Principal: { Service: "states.amazonaws.com" },
                    Action: "sts:AssumeRole",
                    Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
                },
            ]);
            const statements = policyOf(one("aws:iam/rolePolicy:RolePolicy", "orchestration-sfn-policy")).Statement;
            assert.deepEqual(statements.slice(0, 4), [
                { Sid: "InvokeReplay", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [REPLAY_ARN, `${REPLAY_ARN}:*`] },
                { Sid: "SendToDeadLetterQueue", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: DLQ_ARN },
                {
                    Sid: "EncryptDeadLetterMessages",
                    Effect: "Allow",
                    Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                    Resource: STORAGE_KEY,
                    Condition: { StringEquals: { "kms:ViaService": `sqs.${REGION}.amazonaws.com` } },
                },
                {
                    Sid: "UseStateMachineKey",
                    Effect: "Allow",
                    Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                    Resource: STORAGE_KEY,
                    Condition: { StringEquals: { "kms:EncryptionContext:aws:states:stateMachineArn": SM_ARN } },
                },
            ]);
            assert.deepEqual(
                statements.map((s) => [s.Sid, s.Resource === "*"]),
                [
                    ["InvokeReplay", false],
                    ["SendToDeadLetterQueue", false],
                    ["EncryptDeadLetterMessages", false],
                    ["UseStateMachineKey", false],
                    ["DeliverExecutionLogs", true],
                    ["WriteTraces", true],
                ],
            );
            for (const s of statements.filter((x) => x.Resource === "*")) {
                for (const a of s.Action as string[]) assert.match(a, /^(logs:(Create|Get|Update|Delete|List)LogDeliver(y|ies)|logs:PutResourcePolicy|logs:Describe|xray:)/);
            }
        });

        it("starts one execution per dead-lettered batch: a pipe from the process DLQ with the deadLetter input, under a role scoped to both", function () {
            const pipe = one("aws:pipes/pipe:Pipe", "orchestration-dead-letter-pipe");
            assert.deepEqual(pipe.inputs, {
                name: "e2ee-pipeline-dev-dead-letter-replay",
                description: "Starts one replay execution per batch the process stage dead-lettered.",
                roleArn: `arn:aws:iam::${ACCOUNT}:role/e2ee-pipeline-dev-pipe`,
                source: PROCESS_DLQ_ARN,
                sourceParameters: { sqsQueueParameters: { batchSize: 1 } },
                target: SM_ARN,
                targetParameters: {
                    inputTemplate: '{"mode":"deadLetter","message": <$.body>}',
                    stepFunctionStateMachineParameters: { invocationType: "FIRE_AND_FORGET" },
                },
                logConfiguration: {
                    level: "ERROR",
                    cloudwatchLogsLogDestination: { logGroupArn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/vendedlogs/pipes/e2ee-pipeline-dev-dead-letter-replay` },
                },
                tags: { "e2ee:layer": "orchestration", "managed-by": "pulumi" },
            });
            assert.equal(DEAD_LETTER_INPUT_TEMPLATE, '{"mode":"deadLetter","message": <$.body>}');
            const logs = one("aws:cloudwatch/logGroup:LogGroup", "orchestration-pipe-logs");
            assert.equal(logs.inputs.kmsKeyId, LOGS_KEY);
            assert.equal(logs.inputs.retentionInDays, 365);
            const role = one("aws:iam/role:Role", "orchestration-pipe-role");
            assert.equal((role.inputs.tags as Record<string, string>)["e2ee:principal-role"], "pipe");
            assert.deepEqual(policyOf(role, "assumeRolePolicy").Statement[0].Principal, { Service: "pipes.amazonaws.com" });
            const logGroup = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/vendedlogs/pipes/e2ee-pipeline-dev-dead-letter-replay`;
            assert.deepEqual(policyOf(one("aws:iam/rolePolicy:RolePolicy", "orchestration-pipe-policy")).Statement, [
                { Sid: "ConsumeDeadLetters", Effect: "Allow", Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], Resource: PROCESS_DLQ_ARN },
                {
                    Sid: "DecryptDeadLetters",
                    Effect: "Allow",
                    Action: ["kms:Decrypt"],
                    Resource: STORAGE_KEY,
                    Condition: { StringEquals: { "kms:ViaService": `sqs.${REGION}.amazonaws.com` } },
                },
                { Sid: "StartReplays", Effect: "Allow", Action: ["states:StartExecution"], Resource: SM_ARN },
                { Sid: "WritePipeLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [logGroup, `${logGroup}:*`] },
            ]);
        });

        it("creates no pipe without a dead-letter source", async function () {
            created.length = 0;
            const { deadLetterSource: _omitted, ...rest } = validArgs();
            void _omitted;
            const l = new Layer("orch-nopipe", rest);
            await settle();
            assert.equal(created.filter((c) => c.type === "aws:pipes/pipe:Pipe").length, 0);
            assert.equal(l.pipeArn, undefined);
        });

        it("creates no Kubernetes resource and leaves the Kubernetes outputs undefined", function () {
            assert.deepEqual(created.filter((c) => c.type.startsWith("kubernetes:")), []);
            assert.equal(layer.namespaceName, undefined);
            assert.equal(layer.serviceAccountName, undefined);
            assert.equal(layer.stateMachineName, "e2ee-pipeline-dev-pipeline");
        });
    });

    describe("with Kubernetes", function () {
        let layer: InstanceType<typeof Layer>;
        before(async function () {
            created.length = 0;
            layer = new Layer("orch", { ...validArgs(), kubernetes: { provider, vpcEndpointCidrs: ["10.40.0.0/20", "10.40.16.0/20"] } });
            await settle();
        });

        it("labels the namespace for Pod Security restricted (enforce, audit, warn) and sidecar injection", function () {
            const ns = one("kubernetes:core/v1:Namespace", "orch-namespace");
            assert.deepEqual(ns.inputs.metadata, {
                name: "e2ee-pipeline",
                labels: {
                    "app.kubernetes.io/part-of": "e2ee-pipeline",
                    "app.kubernetes.io/managed-by": "pulumi",
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/enforce-version": "latest",
                    "pod-security.kubernetes.io/audit": "restricted",
                    "pod-security.kubernetes.io/audit-version": "latest",
                    "pod-security.kubernetes.io/warn": "restricted",
                    "pod-security.kubernetes.io/warn-version": "latest",
                    "istio-injection": "enabled",
                },
            });
        });

        it("denies all ingress and egress by default and allows only DNS, HTTPS to the VPC endpoints and istiod", function () {
            const spec = (suffix: string): unknown => one("kubernetes:networking.k8s.io/v1:NetworkPolicy", suffix).inputs.spec;
            assert.deepEqual(spec("orch-default-deny"), { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
            assert.deepEqual(spec("orch-allow-dns"), {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [
                            {
                                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                                podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                            },
                        ],
                        ports: [
                            { protocol: "UDP", port: 53 },
                            { protocol: "TCP", port: 53 },
                        ],
                    },
                ],
            });
            assert.deepEqual(spec("orch-allow-vpc-endpoints"), {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [{ ipBlock: { cidr: "10.40.0.0/20" } }, { ipBlock: { cidr: "10.40.16.0/20" } }],
                        ports: [{ protocol: "TCP", port: 443 }],
                    },
                ],
            });
            assert.deepEqual(spec("orch-allow-mesh"), {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [
                            {
                                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "istio-system" } },
                                podSelector: { matchLabels: { app: "istiod" } },
                            },
                        ],
                        ports: [{ protocol: "TCP", port: 15012 }],
                    },
                ],
            });
            const policies = created.filter((c) => c.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy");
            assert.equal(policies.length, 4);
            for (const p of policies) {
                const s = p.inputs.spec as { ingress?: unknown[] };
                assert.equal(s.ingress, undefined, `${p.name} must not allow ingress`);
            }
        });

        it("creates a token-less service account bound to a Role without wildcards", function () {
            const sa = one("kubernetes:core/v1:ServiceAccount", "orch-service-account");
            assert.equal(sa.inputs.automountServiceAccountToken, false);
            const role = one("kubernetes:rbac.authorization.k8s.io/v1:Role", "orch-role");
            assert.deepEqual(role.inputs.rules, [{ apiGroups: [""], resources: ["configmaps"], resourceNames: ["pipeline-config"], verbs: ["get", "watch"] }]);
            assert.ok(!JSON.stringify(role.inputs.rules).includes("*"));
            const binding = one("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "orch-role-binding");
            assert.deepEqual(binding.inputs.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pipeline-worker" });
            assert.deepEqual(binding.inputs.subjects, [{ kind: "ServiceAccount", name: "pipeline-worker", namespace: "e2ee-pipeline" }]);
            const cm = one("kubernetes:core/v1:ConfigMap", "orch-config");
            assert.deepEqual(cm.inputs.data, { STATE_MACHINE_ARN: SM_ARN, AWS_REGION: REGION });
        });

        it("requires mutual TLS in the namespace (Istio PeerAuthentication STRICT)", function () {
            const pa = one("kubernetes:security.istio.io/v1:PeerAuthentication", "orch-mtls-strict");
            assert.equal(pa.inputs.apiVersion, "security.istio.io/v1");
            assert.equal(pa.inputs.kind, "PeerAuthentication");
            assert.deepEqual(pa.inputs.metadata, {
                name: "default",
                namespace: "e2ee-pipeline",
                labels: { "app.kubernetes.io/part-of": "e2ee-pipeline", "app.kubernetes.io/managed-by": "pulumi" },
            });
            assert.deepEqual(pa.inputs.spec, { mtls: { mode: "STRICT" } });
        });

        it("uses the given provider for every Kubernetes resource and exposes namespace and service account", async function () {
            const k8sResources = created.filter((c) => c.type.startsWith("kubernetes:"));
            assert.equal(k8sResources.length, 10);
            const [ns, sa] = await new Promise<[string, string]>((resolve) =>
                pulumi.all([layer.namespaceName as pulumi.Output<string>, layer.serviceAccountName as pulumi.Output<string>]).apply(([a, b]) => resolve([a, b])),
            );
            assert.equal(ns, "e2ee-pipeline");
            assert.equal(sa, "pipeline-worker");
        });
    });

    describe("argument validation (names the argument, creates nothing)", function () {
        it("validateOrchestrationLayerArgs applies the defaults, and checks the Kubernetes settings only when they are given", function () {
            assert.deepEqual(validateOrchestrationLayerArgs(validArgs()), {
                namePrefix: "e2ee-pipeline-dev",
                region: REGION,
                tags: {},
                logsKeyArn: LOGS_KEY,
                logRetentionDays: 365,
                dataClassification: "confidential",
                maxConcurrency: 4,
                maxAttempts: 6,
            });
            assert.deepEqual(validateOrchestrationLayerArgs({ ...validArgs(), kubernetes: { provider, vpcEndpointCidrs: ["10.0.0.0/20"] } }).kubernetes, {
                namespace: "e2ee-pipeline",
                dnsNamespace: "kube-system",
                meshNamespace: "istio-system",
            });
        });

        const cases: [string, () => Partial<Record<keyof OrchestrationLayerArgs, unknown>>, string][] = [
            ["missing stateMachineKeyArn", () => ({ stateMachineKeyArn: undefined }), 'OrchestrationLayer: argument "stateMachineKeyArn" is required'],
            ["missing replayFunctionArn", () => ({ replayFunctionArn: "" }), 'OrchestrationLayer: argument "replayFunctionArn" is required'],
            ["missing queueKeyArn", () => ({ queueKeyArn: undefined }), 'OrchestrationLayer: argument "queueKeyArn" is required'],
            [
                "a dead-letter source without its key",
                () => ({ deadLetterSource: { queueArn: PROCESS_DLQ_ARN, queueKeyArn: "" } }),
                'OrchestrationLayer: argument "deadLetterSource.queueKeyArn" is required',
            ],
            ["the records key for the queue", () => ({ queueKeyArn: RECORDS_KEY }), 'OrchestrationLayer: argument "queueKeyArn" must not be the records key (recordsKeyArn)'],
            ["41 shards at once", () => ({ maxConcurrency: 41 }), 'OrchestrationLayer: argument "maxConcurrency" must be an integer from 1 to 40, got 41'],
            ["no attempt", () => ({ maxAttempts: 0 }), 'OrchestrationLayer: argument "maxAttempts" must be an integer from 1 to 20, got 0'],
            [
                "Kubernetes without provider",
                () => ({ kubernetes: { vpcEndpointCidrs: ["10.0.0.0/20"] } }),
                'OrchestrationLayer: argument "kubernetes.provider" is required',
            ],
            [
                "Kubernetes without endpoint CIDRs",
                () => ({ kubernetes: { provider } }),
                'OrchestrationLayer: argument "kubernetes.vpcEndpointCidrs" must list at least one CIDR',
            ],
            [
                "egress to the world",
                () => ({ kubernetes: { provider, vpcEndpointCidrs: ["0.0.0.0/0"] } }),
                'OrchestrationLayer: argument "kubernetes.vpcEndpointCidrs" must list IPv4 CIDRs narrower than 0.0.0.0/0, got "0.0.0.0/0"',
            ],
            [
                "bad namespace",
                () => ({ kubernetes: { provider, vpcEndpointCidrs: ["10.0.0.0/20"], namespace: "E2EE_Pipeline" } }),
                'OrchestrationLayer: argument "kubernetes.namespace" must be a Kubernetes namespace name (RFC 1123 label), got "E2EE_Pipeline"',
            ],
        ];
        for (const [title, patch, message] of cases) {
            it(title, async function () {
                created.length = 0;
                assert.throws(() => validateOrchestrationLayerArgs({ ...validArgs(), ...patch() } as OrchestrationLayerArgs), { message });
                assert.throws(() => new Layer(`bad-${title}`, { ...validArgs(), ...patch() } as OrchestrationLayerArgs), { message });
                await settle();
                assert.equal(created.length, 0);
            });
        }
    });
});
