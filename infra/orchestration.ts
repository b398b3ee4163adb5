/**
 * Orchestration layer: replays parts of the envelope stream through the exactly-once store, which is how the
 * pipeline recovers from what its stages do not recover from themselves (functions/src/orchestration/definition.ts).
 *
 * AWS:
 * - the replay state machine (Step Functions, `replayStateMachineJson`): plan a request into segments, replay each
 *   with the replay function (processing layer), summarise; encrypted with a customer-managed key, logging every
 *   event (level ALL, execution data excluded) to an encrypted log group, traced with X-Ray, under its own
 *   least-privilege role (tag `e2ee:principal-role: orchestrator`): invoke the replay function, send to the
 *   orchestration dead-letter queue;
 * - the orchestration dead-letter queue (KMS-encrypted, TLS only): requests that could not be planned and segments
 *   that failed after their retries, for an operator to resume;
 * - what starts executions: an EventBridge Pipe from the process dead-letter queue (`deadLetterSource`), one
 *   execution per message (`{"mode":"deadLetter","message": <the message body>}`), under its own role (tag
 *   `e2ee:principal-role: pipe`), logging its errors to an encrypted log group; and operators, with a range or
 *   resume request (functions/README.md, "Orchestration").
 *
 * Kubernetes (`kubernetes`, when given): the pipeline's hardened namespace (`PipelineNamespace`), whose worker
 * service account may read the state machine's ARN and region from the pipeline config map.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { replayStateMachineJson } from "../functions/src/orchestration/definition";
import { DataClassification } from "../policies/conventions";
import { PipelineNamespace, PipelineNamespaceSettings, ValidPipelineNamespaceSettings, validatePipelineNamespaceSettings } from "./components/pipelineNamespace";
import { LoggingLayerArgs, ValidLoggingArgs, accountEnvironment, validateClassification, validateLoggingArgs } from "./lib/layer";
import { Statement, deadLetterStatements, denyInsecureTransport, policyDocument, viaService } from "./lib/policy";
import { principalRoleArgs, principalRoleName } from "./lib/principal";
import { layerTags, storeTags } from "./lib/tags";
import { checkInt, checkNotRecordsKey, required } from "./lib/validate";

const COMPONENT = "OrchestrationLayer";

/** The input template of the pipe: one replay of the dead-lettered batch a message describes (the functions' contract). */
export const DEAD_LETTER_INPUT_TEMPLATE = '{"mode":"deadLetter","message": <$.body>}';

/** A dead-letter queue whose messages each start a replay (the process stage's). */
export interface DeadLetterSource {
    /** ARN of the queue. */
    readonly queueArn: pulumi.Input<string>;
    /** Customer-managed KMS key of the queue (used only through SQS, `kms:ViaService`). */
    readonly queueKeyArn: pulumi.Input<string>;
}

export interface OrchestrationLayerArgs extends LoggingLayerArgs {
    /** `data-classification` of the log groups and the dead-letter queue. Default `confidential`. */
    readonly dataClassification?: DataClassification;
    /** Customer-managed KMS key that encrypts the state machine's data (`encryptionConfiguration`). Required. */
    readonly stateMachineKeyArn: pulumi.Input<string>;
    /** ARN of the replay function (processing layer), the task of every state. Required. */
    readonly replayFunctionArn: pulumi.Input<string>;
    /** Customer-managed KMS key of the orchestration dead-letter queue (e.g. the storage key). Required. */
    readonly queueKeyArn: pulumi.Input<string>;
    /** The queue whose messages start replays (the process dead-letter queue), through a pipe. Default: no pipe. */
    readonly deadLetterSource?: DeadLetterSource;
    /**
     * The records key. Optional, used only to refuse a configuration that passes it as the state machine's or a
     * queue's key (checked when the values are known strings). Default undefined.
     */
    readonly recordsKeyArn?: pulumi.Input<string>;
    /** Shards replayed at once, 1-40. Default 4. */
    readonly maxConcurrency?: number;
    /** Attempts of a segment after a transient error, 1-20. Default 6. */
    readonly maxAttempts?: number;
    /** Create the pipeline's namespace on Kubernetes, as these settings say (`PipelineNamespace`). Default: no Kubernetes part. */
    readonly kubernetes?: PipelineNamespaceSettings;
}

/** `OrchestrationLayerArgs` once checked, defaults applied. */
export interface ValidOrchestrationLayerArgs extends ValidLoggingArgs {
    readonly dataClassification: DataClassification;
    readonly maxConcurrency: number;
    readonly maxAttempts: number;
    /** Undefined: no Kubernetes part. */
    readonly kubernetes?: ValidPipelineNamespaceSettings;
}

/** Checks `args` (throws `OrchestrationLayer: argument "<name>" ...`) and applies the defaults. */
export function validateOrchestrationLayerArgs(args: OrchestrationLayerArgs): ValidOrchestrationLayerArgs {
    const base = validateLoggingArgs(COMPONENT, args);
    const dataClassification = validateClassification(COMPONENT, args.dataClassification, "confidential");
    required(COMPONENT, "stateMachineKeyArn", args.stateMachineKeyArn);
    required(COMPONENT, "replayFunctionArn", args.replayFunctionArn);
    required(COMPONENT, "queueKeyArn", args.queueKeyArn);
    if (args.deadLetterSource !== undefined) {
        required(COMPONENT, "deadLetterSource.queueArn", args.deadLetterSource.queueArn);
        required(COMPONENT, "deadLetterSource.queueKeyArn", args.deadLetterSource.queueKeyArn);
    }
    checkNotRecordsKey(COMPONENT, args.recordsKeyArn, [
        ["stateMachineKeyArn", args.stateMachineKeyArn],
        ["queueKeyArn", args.queueKeyArn],
        ["deadLetterSource.queueKeyArn", args.deadLetterSource?.queueKeyArn],
    ]);
    return {
        ...base,
        dataClassification,
        maxConcurrency: checkInt(COMPONENT, "maxConcurrency", args.maxConcurrency ?? 4, 1, 40),
        maxAttempts: checkInt(COMPONENT, "maxAttempts", args.maxAttempts ?? 6, 1, 20),
        ...(args.kubernetes !== undefined ? { kubernetes: validatePipelineNamespaceSettings(COMPONENT, args.kubernetes, "kubernetes.") } : {}),
    };
}

export class OrchestrationLayer extends pulumi.ComponentResource {
    public readonly stateMachineArn: pulumi.Output<string>;
    /** Physical name (`<namePrefix>-pipeline`), known before deployment. */
    public readonly stateMachineName: string;
    public readonly stateMachineRoleArn: pulumi.Output<string>;
    public readonly logGroupName: pulumi.Output<string>;
    /** The orchestration dead-letter queue: failed requests and segments. */
    public readonly deadLetterQueueName: pulumi.Output<string>;
    public readonly deadLetterQueueArn: pulumi.Output<string>;
    public readonly deadLetterQueueUrl: pulumi.Output<string>;
    /** The pipe that starts a replay per dead-lettered batch; undefined without `deadLetterSource`. */
    public readonly pipeArn?: pulumi.Output<string>;
    /** The pipeline namespace; undefined without a Kubernetes part. */
    public readonly namespaceName?: pulumi.Output<string>;
    /** The worker service account; undefined without a Kubernetes part. */
    public readonly serviceAccountName?: pulumi.Output<string>;

    constructor(name: string, args: OrchestrationLayerArgs, opts?: pulumi.ComponentResourceOptions) {
        const base = validateOrchestrationLayerArgs(args);
        const { dataClassification } = base;
        super("e2ee:pipeline:OrchestrationLayer", name, {}, opts);

        const layer = "orchestration";
        const { region, namePrefix } = base;
        const { partition, accountId } = accountEnvironment(this, args);
        const stateMachineName = `${namePrefix}-pipeline`;
        const stateMachineArn = pulumi.interpolate`arn:${partition}:states:${region}:${accountId}:stateMachine:${stateMachineName}`;
        const dataTags = storeTags(base.tags, layer, dataClassification);

        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-sfn-logs`,
            {
                // The /aws/vendedlogs/ prefix keeps CloudWatch Logs resource policies small.
                name: `/aws/vendedlogs/states/${stateMachineName}`,
                kmsKeyId: base.logsKeyArn,
                retentionInDays: base.logRetentionDays,
                tags: dataTags,
            },
            { parent: this },
        );

        const deadLetterQueue = new aws.sqs.Queue(
            `${name}-dlq`,
            {
                name: `${namePrefix}-orchestration-dlq`,
                kmsMasterKeyId: args.queueKeyArn,
                kmsDataKeyReusePeriodSeconds: 300,
                messageRetentionSeconds: 1209600,
                tags: dataTags,
            },
            { parent: this },
        );
        new aws.sqs.QueuePolicy(
            `${name}-dlq-policy`,
            { queueUrl: deadLetterQueue.url, policy: policyDocument([denyInsecureTransport("sqs:*", deadLetterQueue.arn)]) },
            { parent: this },
        );

        const roleName = principalRoleName(namePrefix, "orchestrator");
        const role = new aws.iam.Role(
            `${name}-sfn-role`,
            principalRoleArgs({
                namePrefix,
                principal: "orchestrator",
                layer,
                description: `Execution role of the ${stateMachineName} state machine (least privilege).`,
                trust: { service: "states.amazonaws.com" },
                accountId,
                tags: base.tags,
            }),
            { parent: this },
        );

        const replayArn = pulumi.output(args.replayFunctionArn);
        const statements: Statement[] = [
            {
                Sid: "InvokeReplay",
                Effect: "Allow",
                Action: ["lambda:InvokeFunction"],
                Resource: [replayArn, pulumi.interpolate`${replayArn}:*`],
            },
            ...deadLetterStatements("SendToDeadLetterQueue", deadLetterQueue.arn, args.queueKeyArn, region),
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

        const definition = pulumi
            .all([replayArn, deadLetterQueue.url, partition])
            .apply(([replayFunctionArn, deadLetterQueueUrl, p]) =>
                replayStateMachineJson({ replayFunctionArn, deadLetterQueueUrl, partition: p, maxConcurrency: base.maxConcurrency, maxAttempts: base.maxAttempts }),
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
        this.deadLetterQueueName = deadLetterQueue.name;
        this.deadLetterQueueArn = deadLetterQueue.arn;
        this.deadLetterQueueUrl = deadLetterQueue.url;

        if (args.deadLetterSource !== undefined) {
            this.pipeArn = createDeadLetterPipe(this, { name, namePrefix, region, accountId, partition, base, dataTags, stateMachineArn, source: args.deadLetterSource }, stateMachine).arn;
        }

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
            deadLetterQueueName: this.deadLetterQueueName,
            deadLetterQueueArn: this.deadLetterQueueArn,
            pipeArn: this.pipeArn,
            namespaceName: this.namespaceName,
            serviceAccountName: this.serviceAccountName,
        });
    }
}

/** What the pipe is built from. */
interface PipeParts {
    readonly name: string;
    readonly namePrefix: string;
    readonly region: string;
    readonly accountId: pulumi.Output<string>;
    readonly partition: pulumi.Output<string>;
    readonly base: ValidOrchestrationLayerArgs;
    readonly dataTags: Record<string, string>;
    /** Built from the state machine's name, known before deployment. */
    readonly stateMachineArn: pulumi.Output<string>;
    readonly source: DeadLetterSource;
}

/**
 * The EventBridge Pipe from a dead-letter queue to the state machine: each message starts one execution
 * (`DEAD_LETTER_INPUT_TEMPLATE`, fire and forget: the execution's own retries and dead-letter path take over), under
 * a role that may only consume that queue, start that state machine and write the pipe's error log.
 */
function createDeadLetterPipe(parent: pulumi.Resource, p: PipeParts, stateMachine: aws.sfn.StateMachine): aws.pipes.Pipe {
    const { name, namePrefix, region, accountId, partition, base, dataTags, stateMachineArn, source } = p;
    const layer = "orchestration";
    const pipeName = `${namePrefix}-dead-letter-replay`;
    const logGroupName = `/aws/vendedlogs/pipes/${pipeName}`;
    const logGroupArn = pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:log-group:${logGroupName}`;
    const logGroup = new aws.cloudwatch.LogGroup(
        `${name}-pipe-logs`,
        { name: logGroupName, kmsKeyId: base.logsKeyArn, retentionInDays: base.logRetentionDays, tags: dataTags },
        { parent },
    );
    const roleName = principalRoleName(namePrefix, "pipe");
    const role = new aws.iam.Role(
        `${name}-pipe-role`,
        principalRoleArgs({
            namePrefix,
            principal: "pipe",
            layer,
            description: `Execution role of the ${pipeName} pipe: dead-lettered batches to replays (least privilege).`,
            trust: { service: "pipes.amazonaws.com" },
            accountId,
            tags: base.tags,
        }),
        { parent },
    );
    const rolePolicy = new aws.iam.RolePolicy(
        `${name}-pipe-policy`,
        {
            name: `${roleName}-least-privilege`,
            role: role.name,
            policy: policyDocument([
                {
                    Sid: "ConsumeDeadLetters",
                    Effect: "Allow",
                    Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                    Resource: source.queueArn,
                },
                {
                    Sid: "DecryptDeadLetters",
                    Effect: "Allow",
                    Action: ["kms:Decrypt"],
                    Resource: source.queueKeyArn,
                    Condition: { StringEquals: { "kms:ViaService": viaService("sqs", region) } },
                },
                { Sid: "StartReplays", Effect: "Allow", Action: ["states:StartExecution"], Resource: stateMachineArn },
                {
                    Sid: "WritePipeLogs",
                    Effect: "Allow",
                    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                    Resource: [logGroupArn, pulumi.interpolate`${logGroupArn}:*`],
                },
            ]),
        },
        { parent },
    );
    return new aws.pipes.Pipe(
        `${name}-dead-letter-pipe`,
        {
            name: pipeName,
            description: "Starts one replay execution per batch the process stage dead-lettered.",
            roleArn: role.arn,
            source: source.queueArn,
            sourceParameters: { sqsQueueParameters: { batchSize: 1 } },
            target: stateMachine.arn,
            targetParameters: {
                inputTemplate: DEAD_LETTER_INPUT_TEMPLATE,
                stepFunctionStateMachineParameters: { invocationType: "FIRE_AND_FORGET" },
            },
            logConfiguration: { level: "ERROR", cloudwatchLogsLogDestination: { logGroupArn: logGroup.arn } },
            tags: layerTags(base.tags, layer),
        },
        { parent, dependsOn: [rolePolicy] },
    );
}
