/**
 * Orchestration layer.
 *
 * AWS: a Step Functions state machine that runs the pipeline stages (Lambda functions) in order, encrypted with a
 * customer-managed key, logging every event (level ALL, execution data excluded) to an encrypted log group, traced
 * with X-Ray, under its own least-privilege role (tag `e2ee:principal-role: orchestrator`).
 *
 * Kubernetes (per stack, `enableKubernetes`): the pipeline namespace with Pod Security `restricted`
 * (enforce/audit/warn), default-deny ingress and egress NetworkPolicies plus a narrow egress allow-list (DNS to
 * kube-system on 53, HTTPS to the VPC endpoint CIDRs on 443, the mesh control plane), a workload service account
 * that mounts no token, a least-privilege Role/RoleBinding without wildcards, and Istio mTLS STRICT.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DataClassification } from "../policies/conventions";
import { LoggingLayerArgs, accountEnvironment, validateClassification, validateLoggingArgs } from "./lib/layer";
import { Statement, policyDocument } from "./lib/policy";
import { principalRoleArgs, principalRoleName } from "./lib/principal";
import { layerTags, storeTags } from "./lib/tags";
import { IPV4_CIDR, checkInt, checkKubernetesName, required } from "./lib/validate";

const COMPONENT = "OrchestrationLayer";

/** One stage of the state machine: a Lambda function invoked with the state's input. */
export interface OrchestrationStep {
    /** State name: letters and digits, starting with a letter, 1-80 characters, unique. */
    readonly name: string;
    /** ARN of the function the state invokes. */
    readonly functionArn: pulumi.Input<string>;
}

/** Pod Security Standards labels of the pipeline namespace. */
export const POD_SECURITY_LABELS: Readonly<Record<string, string>> = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/audit-version": "latest",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/warn-version": "latest",
};

export interface OrchestrationLayerArgs extends LoggingLayerArgs {
    /** `data-classification` of the execution log group. Default `confidential`. */
    readonly dataClassification?: DataClassification;
    /** Customer-managed KMS key that encrypts the state machine's data (`encryptionConfiguration`). Required. */
    readonly stateMachineKeyArn: pulumi.Input<string>;
    /** Stages run in order. Required, non-empty, unique names. */
    readonly steps: readonly OrchestrationStep[];
    /** Retries of a failed stage (Lambda service errors and task failures), 0-10. Default 2. */
    readonly maxAttemptsPerStep?: number;
    /** Create the Kubernetes part. Default false. */
    readonly enableKubernetes?: boolean;
    /** Kubernetes provider (cluster). Required when `enableKubernetes` is true. */
    readonly kubernetesProvider?: k8s.Provider;
    /** Namespace of the pipeline workloads (RFC 1123 label). Default `e2ee-pipeline`. */
    readonly kubernetesNamespace?: string;
    /** CIDRs of the VPC interface endpoints' subnets: the only HTTPS (443) egress. Required non-empty when `enableKubernetes`. */
    readonly vpcEndpointCidrs?: pulumi.Input<pulumi.Input<string>[]>;
    /** Namespace of the cluster DNS (pods labelled `k8s-app: kube-dns`). Default `kube-system`. */
    readonly dnsNamespace?: string;
    /** Namespace of the Istio control plane (pods `app: istiod`, xDS on 15012). Default `istio-system`. */
    readonly meshNamespace?: string;
}

const checkK8sName = (argName: string, value: string): string => checkKubernetesName(COMPONENT, argName, value);

/** The Amazon States Language definition: one Task per step, retried, any failure ends in `PipelineFailed`. */
export function stateMachineDefinition(
    steps: readonly { name: string; functionArn: string }[],
    maxAttempts: number,
    partition: string,
): string {
    const states: Record<string, unknown> = {};
    steps.forEach((step, i) => {
        const next = i + 1 < steps.length ? { Next: steps[i + 1].name } : { End: true };
        states[step.name] = {
            Type: "Task",
            Resource: `arn:${partition}:states:::lambda:invoke`,
            Parameters: { FunctionName: step.functionArn, "Payload.$": "$" },
            OutputPath: "$.Payload",
            TimeoutSeconds: 900,
            Retry: [
                {
                    ErrorEquals: ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"],
                    IntervalSeconds: 2,
                    MaxAttempts: maxAttempts,
                    BackoffRate: 2,
                },
            ],
            Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "PipelineFailed" }],
            ...next,
        };
    });
    states.PipelineFailed = { Type: "Fail", Error: "PipelineStageFailed", Cause: "A pipeline stage failed; see the execution history." };
    return JSON.stringify({
        Comment: "E2EE pipeline stages (ciphertext only; no stage decrypts records).",
        StartAt: steps[0].name,
        States: states,
    });
}

export class OrchestrationLayer extends pulumi.ComponentResource {
    public readonly stateMachineArn: pulumi.Output<string>;
    /** Physical name (`<namePrefix>-pipeline`), known before deployment. */
    public readonly stateMachineName: string;
    public readonly stateMachineRoleArn: pulumi.Output<string>;
    public readonly logGroupName: pulumi.Output<string>;
    /** The pipeline namespace; undefined when Kubernetes is disabled. */
    public readonly namespaceName?: pulumi.Output<string>;
    /** The workload service account; undefined when Kubernetes is disabled. */
    public readonly serviceAccountName?: pulumi.Output<string>;

    constructor(name: string, args: OrchestrationLayerArgs, opts?: pulumi.ComponentResourceOptions) {
        const base = validateLoggingArgs(COMPONENT, args);
        const dataClassification = validateClassification(COMPONENT, args.dataClassification, "confidential");
        required(COMPONENT, "stateMachineKeyArn", args.stateMachineKeyArn);
        const steps = required(COMPONENT, "steps", args.steps);
        if (steps.length === 0) {
            throw new Error(`${COMPONENT}: argument "steps" must not be empty`);
        }
        const seen = new Set<string>();
        steps.forEach((s, i) => {
            if (!/^[A-Za-z][A-Za-z0-9]{0,79}$/.test(s.name ?? "") || s.name === "PipelineFailed") {
                throw new Error(
                    `${COMPONENT}: argument "steps[${i}].name" must be 1-80 letters or digits starting with a letter (not "PipelineFailed"), got "${s.name}"`,
                );
            }
            if (seen.has(s.name)) {
                throw new Error(`${COMPONENT}: argument "steps[${i}].name" duplicates "${s.name}"`);
            }
            seen.add(s.name);
            required(COMPONENT, `steps[${i}].functionArn`, s.functionArn);
        });
        const maxAttempts = checkInt(COMPONENT, "maxAttemptsPerStep", args.maxAttemptsPerStep ?? 2, 0, 10);
        const enableKubernetes = args.enableKubernetes ?? false;
        const namespace = checkK8sName("kubernetesNamespace", args.kubernetesNamespace ?? "e2ee-pipeline");
        const dnsNamespace = checkK8sName("dnsNamespace", args.dnsNamespace ?? "kube-system");
        const meshNamespace = checkK8sName("meshNamespace", args.meshNamespace ?? "istio-system");
        if (enableKubernetes) {
            if (args.kubernetesProvider === undefined) {
                throw new Error(`${COMPONENT}: argument "kubernetesProvider" is required when "enableKubernetes" is true`);
            }
            const cidrs = args.vpcEndpointCidrs;
            if (cidrs === undefined || (Array.isArray(cidrs) && cidrs.length === 0)) {
                throw new Error(`${COMPONENT}: argument "vpcEndpointCidrs" must list at least one CIDR when "enableKubernetes" is true`);
            }
            if (Array.isArray(cidrs)) {
                for (const c of cidrs) {
                    if (typeof c === "string" && (!IPV4_CIDR.test(c) || c === "0.0.0.0/0")) {
                        throw new Error(`${COMPONENT}: argument "vpcEndpointCidrs" must list IPv4 CIDRs narrower than 0.0.0.0/0, got "${c}"`);
                    }
                }
            }
        }

        super("e2ee:pipeline:OrchestrationLayer", name, {}, opts);

        const layer = "orchestration";
        const { region } = base;
        const { partition, accountId } = accountEnvironment(this, args);
        const stateMachineName = `${base.namePrefix}-pipeline`;
        const stateMachineArn = pulumi.interpolate`arn:${partition}:states:${region}:${accountId}:stateMachine:${stateMachineName}`;

        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-sfn-logs`,
            {
                // The /aws/vendedlogs/ prefix keeps CloudWatch Logs resource policies small.
                name: `/aws/vendedlogs/states/${stateMachineName}`,
                kmsKeyId: base.logsKeyArn,
                retentionInDays: base.logRetentionDays,
                tags: storeTags(base.tags, layer, dataClassification),
            },
            { parent: this },
        );

        const roleName = principalRoleName(base.namePrefix, "orchestrator");
        const role = new aws.iam.Role(
            `${name}-sfn-role`,
            principalRoleArgs({
                namePrefix: base.namePrefix,
                principal: "orchestrator",
                layer,
                description: `Execution role of the ${stateMachineName} state machine (least privilege).`,
                trust: { service: "states.amazonaws.com" },
                accountId,
                tags: base.tags,
            }),
            { parent: this },
        );

        const functionArns = pulumi.all(steps.map((s) => s.functionArn));
        const statements: Statement[] = [
            {
                Sid: "InvokePipelineStages",
                Effect: "Allow",
                Action: ["lambda:InvokeFunction"],
                Resource: functionArns.apply((arns) => [...new Set(arns)].flatMap((a) => [a, `${a}:*`])),
            },
            {
                Sid: "UseStateMachineKey",
                Effect: "Allow",
                Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                Resource: args.stateMachineKeyArn,
                Condition: { StringEquals: { "kms:EncryptionContext:aws:states:stateMachineArn": stateMachineArn } },
            },
            {
                // CloudWatch Logs vended-log delivery APIs have no resource-level permissions.
                Sid: "DeliverExecutionLogs",
                Effect: "Allow",
                Action: [
                    "logs:CreateLogDelivery",
                    "logs:GetLogDelivery",
                    "logs:UpdateLogDelivery",
                    "logs:DeleteLogDelivery",
                    "logs:ListLogDeliveries",
                    "logs:PutResourcePolicy",
                    "logs:DescribeResourcePolicies",
                    "logs:DescribeLogGroups",
                ],
                Resource: "*",
            },
            {
                // X-Ray trace APIs have no resource-level permissions.
                Sid: "WriteTraces",
                Effect: "Allow",
                Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
                Resource: "*",
            },
        ];

        const rolePolicy = new aws.iam.RolePolicy(
            `${name}-sfn-policy`,
            { name: `${roleName}-least-privilege`, role: role.name, policy: policyDocument(statements) },
            { parent: this },
        );

        const definition = pulumi.all([functionArns, partition]).apply(([arns, p]) =>
            stateMachineDefinition(
                steps.map((s, i) => ({ name: s.name, functionArn: arns[i] })),
                maxAttempts,
                p,
            ),
        );

        const stateMachine = new aws.sfn.StateMachine(
            `${name}-state-machine`,
            {
                name: stateMachineName,
                type: "STANDARD",
                roleArn: role.arn,
                definition,
                encryptionConfiguration: {
                    type: "CUSTOMER_MANAGED_KMS_KEY",
                    kmsKeyId: args.stateMachineKeyArn,
                    kmsDataKeyReusePeriodSeconds: 300,
                },
                loggingConfiguration: {
                    level: "ALL",
                    includeExecutionData: false,
                    logDestination: pulumi.interpolate`${logGroup.arn}:*`,
                },
                tracingConfiguration: { enabled: true },
                tags: layerTags(base.tags, layer),
            },
            { parent: this, dependsOn: [rolePolicy] },
        );

        this.stateMachineArn = stateMachine.arn;
        this.stateMachineName = stateMachineName;
        this.stateMachineRoleArn = role.arn;
        this.logGroupName = logGroup.name;

        if (enableKubernetes) {
            const k8sOpts: pulumi.CustomResourceOptions = { parent: this, provider: args.kubernetesProvider };
            const labels = { "app.kubernetes.io/part-of": "e2ee-pipeline", "app.kubernetes.io/managed-by": "pulumi" };

            const ns = new k8s.core.v1.Namespace(
                `${name}-namespace`,
                {
                    metadata: {
                        name: namespace,
                        labels: { ...labels, ...POD_SECURITY_LABELS, "istio-injection": "enabled" },
                    },
                },
                k8sOpts,
            );
            const nsName = ns.metadata.name;

            new k8s.networking.v1.NetworkPolicy(
                `${name}-default-deny`,
                {
                    metadata: { name: "default-deny-all", namespace: nsName, labels },
                    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
                },
                k8sOpts,
            );

            new k8s.networking.v1.NetworkPolicy(
                `${name}-allow-dns`,
                {
                    metadata: { name: "allow-dns-egress", namespace: nsName, labels },
                    spec: {
                        podSelector: {},
                        policyTypes: ["Egress"],
                        egress: [
                            {
                                to: [
                                    {
                                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": dnsNamespace } },
                                        podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                                    },
                                ],
                                ports: [
                                    { protocol: "UDP", port: 53 },
                                    { protocol: "TCP", port: 53 },
                                ],
                            },
                        ],
                    },
                },
                k8sOpts,
            );

            new k8s.networking.v1.NetworkPolicy(
                `${name}-allow-vpc-endpoints`,
                {
                    metadata: { name: "allow-https-to-vpc-endpoints", namespace: nsName, labels },
                    spec: {
                        podSelector: {},
                        policyTypes: ["Egress"],
                        egress: [
                            {
                                to: pulumi.output(args.vpcEndpointCidrs ?? []).apply((cidrs) => cidrs.map((cidr) => ({ ipBlock: { cidr } }))),
                                ports: [{ protocol: "TCP", port: 443 }],
                            },
                        ],
                    },
                },
                k8sOpts,
            );

            new k8s.networking.v1.NetworkPolicy(
                `${name}-allow-mesh`,
                {
                    metadata: { name: "allow-mesh-control-plane", namespace: nsName, labels },
                    spec: {
                        podSelector: {},
                        policyTypes: ["Egress"],
                        egress: [
                            {
                                to: [
                                    {
                                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": meshNamespace } },
                                        podSelector: { matchLabels: { app: "istiod" } },
                                    },
                                ],
                                ports: [{ protocol: "TCP", port: 15012 }],
                            },
                        ],
                    },
                },
                k8sOpts,
            );

            const serviceAccount = new k8s.core.v1.ServiceAccount(
                `${name}-service-account`,
                {
                    metadata: { name: "pipeline-worker", namespace: nsName, labels },
                    automountServiceAccountToken: false,
                },
                k8sOpts,
            );

            const configMap = new k8s.core.v1.ConfigMap(
                `${name}-config`,
                {
                    metadata: { name: "pipeline-config", namespace: nsName, labels },
                    data: { STATE_MACHINE_ARN: stateMachine.arn, AWS_REGION: region },
                },
                k8sOpts,
            );

            const k8sRole = new k8s.rbac.v1.Role(
                `${name}-role`,
                {
                    metadata: { name: "pipeline-worker", namespace: nsName, labels },
                    rules: [
                        {
                            apiGroups: [""],
                            resources: ["configmaps"],
                            resourceNames: [configMap.metadata.name],
                            verbs: ["get", "watch"],
                        },
                    ],
                },
                k8sOpts,
            );

            new k8s.rbac.v1.RoleBinding(
                `${name}-role-binding`,
                {
                    metadata: { name: "pipeline-worker", namespace: nsName, labels },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: k8sRole.metadata.name },
                    subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace: nsName }],
                },
                k8sOpts,
            );

            new k8s.apiextensions.CustomResource(
                `${name}-mtls-strict`,
                {
                    apiVersion: "security.istio.io/v1",
                    kind: "PeerAuthentication",
                    metadata: { name: "default", namespace: nsName, labels },
                    spec: { mtls: { mode: "STRICT" } },
                },
                k8sOpts,
            );

            this.namespaceName = nsName;
            this.serviceAccountName = serviceAccount.metadata.name;
        }

        this.registerOutputs({
            stateMachineArn: this.stateMachineArn,
            stateMachineName: this.stateMachineName,
            stateMachineRoleArn: this.stateMachineRoleArn,
            logGroupName: this.logGroupName,
            namespaceName: this.namespaceName,
            serviceAccountName: this.serviceAccountName,
        });
    }
}
