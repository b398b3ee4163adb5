/**
 * Processing layer: the `process` Lambda function consumes envelopes from the Kinesis stream (event source mapping)
 * and writes batches of ciphertext to the data-lake bucket (SSE-KMS with the storage key).
 *
 * It works on ciphertext only: its role has no permission at all on the records key. Its only KMS permissions are
 * `kms:Decrypt` on the stream key through Kinesis (to read the stream's server-side encryption) and
 * `kms:GenerateDataKey` on the bucket key through S3 (to write SSE-KMS objects), plus its dead-letter queue key through SQS.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_DATA_PREFIX, ENV } from "../functions/src/contract";
import { accountEnvironment } from "./lib/layer";
import { FunctionLayer, FunctionLayerArgs, ValidFunctionLayerArgs, createPipelineFunction, validateFunctionLayerArgs } from "./lib/lambda";
import { Statement, viaService } from "./lib/policy";
import { S3_KEY_PREFIX, checkInt, checkNotRecordsKey, checkPattern, required } from "./lib/validate";

const COMPONENT = "ProcessingLayer";
/** Defaults of the function's sizing; its timeout is at most 900 seconds. */
export const FUNCTION_SIZING = { reservedConcurrency: 5, timeoutSeconds: 60, memoryMb: 512, maxTimeoutSeconds: 900 } as const;

/** The process function (`FunctionSizing`) defaults to 5 reserved executions, a 60-second timeout (at most 900) and 512 MB. */
export interface ProcessingLayerArgs extends FunctionLayerArgs {
    /** ARN of the Kinesis stream of envelopes (ingestion layer). Required. */
    readonly streamArn: pulumi.Input<string>;
    /** Customer-managed KMS key of the stream (used only through Kinesis, `kms:ViaService`). Required. */
    readonly streamKeyArn: pulumi.Input<string>;
    /** Data-lake bucket that receives batches (storage layer). Required. */
    readonly dataBucketName: pulumi.Input<string>;
    /** ARN of the data-lake bucket. Required. */
    readonly dataBucketArn: pulumi.Input<string>;
    /** Customer-managed KMS key of the bucket's SSE-KMS (the storage key; never the records key). Required. */
    readonly dataBucketKeyArn: pulumi.Input<string>;
    /** Key prefix of the batches; ends with `/`. Default `DEFAULT_DATA_PREFIX` of functions/src/contract.ts (`records/`). */
    readonly dataPrefix?: string;
    /**
     * The records key. Optional, used only to refuse a configuration that passes the records key as the stream,
     * bucket, queue or env key (checked when the values are known strings). Default undefined.
     */
    readonly recordsKeyArn?: pulumi.Input<string>;
    /** Kinesis batch size, 1-10000. Default 100. */
    readonly batchSize?: number;
    /** Maximum batching window in seconds, 0-300. Default 5. */
    readonly batchingWindowSeconds?: number;
    /** Retries of a failed batch before it goes to the dead-letter queue, 0-10000. Default 3. */
    readonly maximumRetryAttempts?: number;
}

/** `ProcessingLayerArgs` once checked, defaults applied. */
export interface ValidProcessingLayerArgs extends ValidFunctionLayerArgs {
    readonly dataPrefix: string;
    readonly batchSize: number;
    readonly batchingWindowSeconds: number;
    readonly maximumRetryAttempts: number;
}

/** Checks `args` (throws `ProcessingLayer: argument "<name>" ...`) and applies the defaults. */
export function validateProcessingLayerArgs(args: ProcessingLayerArgs): ValidProcessingLayerArgs {
    const base = validateFunctionLayerArgs(COMPONENT, args, FUNCTION_SIZING);
    required(COMPONENT, "streamArn", args.streamArn);
    required(COMPONENT, "streamKeyArn", args.streamKeyArn);
    required(COMPONENT, "dataBucketName", args.dataBucketName);
    required(COMPONENT, "dataBucketArn", args.dataBucketArn);
    required(COMPONENT, "dataBucketKeyArn", args.dataBucketKeyArn);
    const dataPrefix = checkPattern(COMPONENT, "dataPrefix", args.dataPrefix ?? DEFAULT_DATA_PREFIX, S3_KEY_PREFIX, 'a non-empty S3 key prefix ending with "/"');
    checkNotRecordsKey(COMPONENT, args.recordsKeyArn, [
        ["streamKeyArn", args.streamKeyArn],
        ["dataBucketKeyArn", args.dataBucketKeyArn],
        ["queueKeyArn", args.queueKeyArn],
        ["envKeyArn", args.envKeyArn],
    ]);
    return {
        ...base,
        dataPrefix,
        batchSize: checkInt(COMPONENT, "batchSize", args.batchSize ?? 100, 1, 10000),
        batchingWindowSeconds: checkInt(COMPONENT, "batchingWindowSeconds", args.batchingWindowSeconds ?? 5, 0, 300),
        maximumRetryAttempts: checkInt(COMPONENT, "maximumRetryAttempts", args.maximumRetryAttempts ?? 3, 0, 10000),
    };
}

export class ProcessingLayer extends pulumi.ComponentResource {
    public readonly processFunctionName: pulumi.Output<string>;
    public readonly processFunctionArn: pulumi.Output<string>;
    public readonly processRoleArn: pulumi.Output<string>;
    public readonly processDeadLetterQueueArn: pulumi.Output<string>;
    public readonly processDeadLetterQueueName: pulumi.Output<string>;
    public readonly eventSourceMappingUuid: pulumi.Output<string>;
    public readonly logGroupName: pulumi.Output<string>;

    constructor(name: string, args: ProcessingLayerArgs, opts?: pulumi.ComponentResourceOptions) {
        const v = validateProcessingLayerArgs(args);
        super("e2ee:pipeline:ProcessingLayer", name, {}, opts);

        const layer = "processing";
        const base: FunctionLayer = { ...v, ...accountEnvironment(this, args), parent: this, name, layer, args };
        const { region, dataPrefix } = v;

        const statements: Statement[] = [
            {
                Sid: "ReadEnvelopeStream",
                Effect: "Allow",
                Action: [
                    "kinesis:DescribeStream",
                    "kinesis:DescribeStreamSummary",
                    "kinesis:GetRecords",
                    "kinesis:GetShardIterator",
                    "kinesis:ListShards",
                    "kinesis:SubscribeToShard",
                ],
                Resource: args.streamArn,
            },
            {
                Sid: "ReadStreamServerSideEncryption",
                Effect: "Allow",
                Action: ["kms:Decrypt"],
                Resource: args.streamKeyArn,
                Condition: { StringEquals: { "kms:ViaService": viaService("kinesis", region) } },
            },
            {
                Sid: "WriteCiphertextBatches",
                Effect: "Allow",
                Action: ["s3:PutObject"],
                Resource: pulumi.interpolate`${args.dataBucketArn}/${dataPrefix}*`,
            },
            {
                Sid: "EncryptBatchesWithStorageKey",
                Effect: "Allow",
                Action: ["kms:GenerateDataKey"],
                Resource: args.dataBucketKeyArn,
                Condition: { StringEquals: { "kms:ViaService": viaService("s3", region) } },
            },
        ];

        const processFn = createPipelineFunction(base, {
            fn: "process",
            principal: "process",
            environment: {
                [ENV.process.DATA_BUCKET]: args.dataBucketName,
                [ENV.process.DATA_PREFIX]: dataPrefix,
            },
            statements,
            description: "Batches ciphertext envelopes from the stream into the data lake (never decrypts).",
        });

        const mapping = new aws.lambda.EventSourceMapping(
            `${name}-stream-mapping`,
            {
                functionName: processFn.function.arn,
                eventSourceArn: args.streamArn,
                startingPosition: "TRIM_HORIZON",
                batchSize: v.batchSize,
                maximumBatchingWindowInSeconds: v.batchingWindowSeconds,
                maximumRetryAttempts: v.maximumRetryAttempts,
                bisectBatchOnFunctionError: true,
                functionResponseTypes: ["ReportBatchItemFailures"],
                destinationConfig: { onFailure: { destinationArn: processFn.deadLetterQueue.arn } },
            },
            { parent: this, dependsOn: [processFn.rolePolicy] },
        );

        this.processFunctionName = processFn.function.name;
        this.processFunctionArn = processFn.function.arn;
        this.processRoleArn = processFn.role.arn;
        this.processDeadLetterQueueArn = processFn.deadLetterQueue.arn;
        this.processDeadLetterQueueName = processFn.deadLetterQueue.name;
        this.eventSourceMappingUuid = mapping.uuid;
        this.logGroupName = processFn.logGroup.name;

        this.registerOutputs({
            processFunctionName: this.processFunctionName,
            processFunctionArn: this.processFunctionArn,
            processRoleArn: this.processRoleArn,
            processDeadLetterQueueArn: this.processDeadLetterQueueArn,
            processDeadLetterQueueName: this.processDeadLetterQueueName,
            eventSourceMappingUuid: this.eventSourceMappingUuid,
            logGroupName: this.logGroupName,
        });
    }
}
