import assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { OrchestrationLayerArgs, validateOrchestrationLayerArgs } from "../../infra/orchestration";
import { created, namedState, one, policyOf, settle, startMocks } from "./support/harness";

const ACCOUNT = "111111111111";
const REGION = "eu-west-1";

const mockState = namedState({ account: ACCOUNT });

const LOGS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/logs-0003`;
const STORAGE_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/storage-0002`;
const PROCESS_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:e2ee-pipeline-dev-process`;
const INGEST_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:e2ee-pipeline-dev-ingest`;
const SM_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:e2ee-pipeline-dev-pipeline`;

function validArgs(): OrchestrationLayerArgs {
    return {
        namePrefix: "e2ee-pipeline-dev",
        accountId: ACCOUNT,
        region: REGION,
        logsKeyArn: LOGS_KEY,
        stateMachineKeyArn: STORAGE_KEY,
        steps: [
            { name: "Compact", functionArn: PROCESS_ARN },
            { name: "Verify", functionArn: INGEST_ARN },
        ],
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

        it("runs the stages in order with retries, any failure ending in PipelineFailed", function () {
            const def = JSON.parse(String(one("aws:sfn/stateMachine:StateMachine", "orchestration-state-machine").inputs.definition)) as {
                StartAt: string;
                States: Record<string, Record<string, unknown>>;
            };
            assert.equal(def.StartAt, "Compact");
            assert.deepEqual(Object.keys(def.States), ["Compact", "Verify", "PipelineFailed"]);
            assert.equal(def.States.Compact.Resource, "arn:aws:states:::lambda:invoke");
            assert.deepEqual(def.States.Compact.Parameters, { FunctionName: PROCESS_ARN, "Payload.$": "$" });
            assert.equal(def.States.Compact.Next, "Verify");
            assert.equal(def.States.Verify.End, true);
            assert.deepEqual(def.States.Verify.Catch, [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "PipelineFailed" }]);
            assert.equal((def.States.Compact.Retry as { MaxAttempts: number }[])[0].MaxAttempts, 2);
            assert.equal(def.States.PipelineFailed.Type, "Fail");
        });

        it("gives the orchestrator role Invoke on exactly the stage functions and the key only for this state machine", function () {
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
            assert.deepEqual(statements[0], {
                Sid: "InvokePipelineStages",
                Effect: "Allow",
                Action: ["lambda:InvokeFunction"],
                Resource: [PROCESS_ARN, `${PROCESS_ARN}:*`, INGEST_ARN, `${INGEST_ARN}:*`],
            });
            assert.deepEqual(statements[1], {
                Sid: "UseStateMachineKey",
                Effect: "Allow",
                Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                Resource: STORAGE_KEY,
                Condition: { StringEquals: { "kms:EncryptionContext:aws:states:stateMachineArn": SM_ARN } },
            });
            assert.deepEqual(
                statements.map((s) => [s.Sid, s.Resource === "*"]),
                [
                    ["InvokePipelineStages", false],
                    ["UseStateMachineKey", false],
                    ["DeliverExecutionLogs", true],
                    ["WriteTraces", true],
                ],
            );
            for (const s of statements.filter((x) => x.Resource === "*")) {
                for (const a of s.Action as string[]) assert.match(a, /^(logs:(Create|Get|Update|Delete|List)LogDeliver(y|ies)|logs:PutResourcePolicy|logs:Describe|xray:)/);
            }
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
                steps: validArgs().steps,
                maxAttemptsPerStep: 2,
            });
            assert.deepEqual(validateOrchestrationLayerArgs({ ...validArgs(), kubernetes: { provider, vpcEndpointCidrs: ["10.0.0.0/20"] } }).kubernetes, {
                namespace: "e2ee-pipeline",
                dnsNamespace: "kube-system",
                meshNamespace: "istio-system",
            });
        });

        const cases: [string, () => Partial<Record<keyof OrchestrationLayerArgs, unknown>>, string][] = [
            ["missing stateMachineKeyArn", () => ({ stateMachineKeyArn: undefined }), 'OrchestrationLayer: argument "stateMachineKeyArn" is required'],
            ["no steps", () => ({ steps: [] }), 'OrchestrationLayer: argument "steps" must not be empty'],
            [
                "bad step name",
                () => ({ steps: [{ name: "pro cess", functionArn: PROCESS_ARN }] }),
                'OrchestrationLayer: argument "steps[0].name" must be 1-80 letters or digits starting with a letter (not "PipelineFailed"), got "pro cess"',
            ],
            [
                "duplicate step",
                () => ({ steps: [{ name: "A", functionArn: PROCESS_ARN }, { name: "A", functionArn: INGEST_ARN }] }),
                'OrchestrationLayer: argument "steps[1].name" duplicates "A"',
            ],
            ["step without function", () => ({ steps: [{ name: "A", functionArn: "" }] }), 'OrchestrationLayer: argument "steps[0].functionArn" is required'],
            [
                "too many attempts",
                () => ({ maxAttemptsPerStep: 11 }),
                'OrchestrationLayer: argument "maxAttemptsPerStep" must be an integer from 0 to 10, got 11',
            ],
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
