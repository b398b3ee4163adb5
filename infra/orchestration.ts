/**
 * Orchestration layer.
 *
 * AWS: a Step Functions state machine that runs the pipeline stages (Lambda functions) in order, encrypted with a
 * customer-managed key, logging every event (level ALL, execution data excluded) to an encrypted log group, traced
 * with X-Ray, under its own least-privilege role (tag `e2ee:principal-role: orchestrator`).
 *
 * Kubernetes (`kubernetes`, when given): the pipeline's hardened namespace (`PipelineNamespace`), whose worker
 * service account may read the state machine's ARN and region from the pipeline config map.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DataClassification } from "../policies/conventions";
import { PipelineNamespace, PipelineNamespaceSettings, ValidPipelineNamespaceSettings, validatePipelineNamespaceSettings } from "./components/pipelineNamespace";
import { LoggingLayerArgs, ValidLoggingArgs, accountEnvironment, validateClassification, validateLoggingArgs } from "./lib/layer";
import { Statement, policyDocument } from "./lib/policy";
import { principalRoleArgs, principalRoleName } from "./lib/principal";
import { layerTags, storeTags } from "./lib/tags";
import { checkInt, required } from "./lib/validate";

const COMPONENT = "OrchestrationLayer";

/** One stage of the state machine: a Lambda function invoked with the state's input. */
export interface OrchestrationStep {
    /** State name: letters and digits, starting with a letter, 1-80 characters, unique. */
    readonly name: string;
    /** ARN of the function the state invokes. */
    readonly functionArn: pulumi.Input<string>;
}

export interface OrchestrationLayerArgs extends LoggingLayerArgs {
    /** `data-classification` of the execution log group. Default `confidential`. */
    readonly dataClassification?: DataClassification;
    /** Customer-managed KMS key that encrypts the state machine's data (`encryptionConfiguration`). Required. */
    readonly stateMachineKeyArn: pulumi.Input<string>;
    /** Stages run in order. Required, non-empty, unique names. */
    readonly steps: readonly OrchestrationStep[];
    /** Retries of a failed stage (Lambda service errors and task failures), 0-10. Default 2. */
    readonly maxAttemptsPerStep?: number;
    /** Create the pipeline's namespace on Kubernetes, as these settings say (`PipelineNamespace`). Default: no Kubernetes part. */
    readonly kubernetes?: PipelineNamespaceSettings;
}

/** `OrchestrationLayerArgs` once checked, defaults applied. */
export interface ValidOrchestrationLayerArgs extends ValidLoggingArgs {
    readonly dataClassification: DataClassification;
    readonly steps: readonly OrchestrationStep[];
    readonly maxAttemptsPerStep: number;
    /** Undefined: no Kubernetes part. */
    readonly kubernetes?: ValidPipelineNamespaceSettings;
}

/** Checks `args` (throws `OrchestrationLayer: argument "<name>" ...`) and applies the defaults. */
export function validateOrchestrationLayerArgs(args: OrchestrationLayerArgs): ValidOrchestrationLayerArgs {
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
    return {
        ...base,
        dataClassification,
        steps,
        maxAttemptsPerStep: checkInt(COMPONENT, "maxAttemptsPerStep", args.maxAttemptsPerStep ?? 2, 0, 10),
        ...(args.kubernetes !== undefined ? { kubernetes: validatePipelineNamespaceSettings(COMPONENT, args.kubernetes, "kubernetes.") } : {}),
    };
}

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
    /** The pipeline namespace; undefined without a Kubernetes part. */
    public readonly namespaceName?: pulumi.Output<string>;
    /** The worker service account; undefined without a Kubernetes part. */
    public readonly serviceAccountName?: pulumi.Output<string>;

    constructor(name: string, args: OrchestrationLayerArgs, opts?: pulumi.ComponentResourceOptions) {
        const base = validateOrchestrationLayerArgs(args);
        const { dataClassification, steps, maxAttemptsPerStep: maxAttempts } = base;
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

        if (args.kubernetes !== undefined) {
            const namespace = new PipelineNamespace(
                name,
                { ...args.kubernetes, config: { STATE_MACHINE_ARN: stateMachine.arn, AWS_REGION: region }, formerParent: this },
                { parent: this },
            );
            this.namespaceName = namespace.namespaceName;
            this.serviceAccountName = namespace.serviceAccountName;
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
