/**
 * Processing layer: the `process` Lambda function consumes envelopes from the Kinesis stream (event source mapping)
 * and stores each record once (functions/src/store.ts: a claim in the deduplication table's store ledger, then the
 * upload) in batches of ciphertext in the data-lake bucket (SSE-KMS with the storage key). Batches Lambda gives up on
 * go to the process dead-letter queue, from where the orchestration layer replays them.
 *
 * The `replay` function is the orchestration's task (Step Functions calls it): it reads a range of the stream back
 * and stores it through the same exactly-once store, so it has process's storage permissions and reads the stream.
 *
 * Both work on ciphertext only: their roles have no permission at all on the records key. Their only KMS permissions
 * are `kms:Decrypt` on the stream key through Kinesis (to read the stream's server-side encryption),
 * `kms:GenerateDataKey` on the bucket key through S3 (to write SSE-KMS objects), the table key through DynamoDB,
 * plus their dead-letter queue key through SQS.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_DATA_PREFIX, ENV } from "../functions/src/contract";
import { accountEnvironment } from "./lib/layer";
import { FunctionLayer, FunctionLayerArgs, FunctionSizing, ValidFunctionLayerArgs, createPipelineFunction, validateFunctionLayerArgs } from "./lib/lambda";
import { Statement, viaService } from "./lib/policy";
import { S3_KEY_PREFIX, checkInt, checkNotRecordsKey, checkPattern, required } from "./lib/validate";

const COMPONENT = "ProcessingLayer";
/** Defaults of the function's sizing; its timeout is at most 900 seconds. */
export const FUNCTION_SIZING = { reservedConcurrency: 5, timeoutSeconds: 60, memoryMb: 512, maxTimeoutSeconds: 900 } as const;
/**
 * Defaults of the replay function's sizing: 4 reserved executions (the state machine replays 4 shards at once), a
 * 900-second timeout (a segment call stops 30 s before it) and 512 MB.
 */
export const REPLAY_FUNCTION_SIZING = { reservedConcurrency: 4, timeoutSeconds: 900, memoryMb: 512, maxTimeoutSeconds: 900 } as const;

/**
 * The process function (`FunctionSizing`) defaults to 5 reserved executions, a 60-second timeout (at most 900) and
 * 512 MB; the replay function to `REPLAY_FUNCTION_SIZING`.
 */
export interface ProcessingLayerArgs extends FunctionLayerArgs {
    /** ARN of the Kinesis stream of envelopes (ingestion layer). Required. */
    readonly streamArn: pulumi.Input<string>;
    /** Name of that stream (the replay function's `INGEST_STREAM_NAME`). Required. */
    readonly streamName: pulumi.Input<string>;
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
    /** The deduplication table (storage layer), which holds the store ledger (`DEDUP_TABLE_NAME`). Required. */
    readonly dedupTableName: pulumi.Input<string>;
    /** ARN of the dedup table. Required. */
    readonly dedupTableArn: pulumi.Input<string>;
    /** Customer-managed KMS key of the dedup table (used only through DynamoDB, `kms:ViaService`). Required. */
    readonly dedupTableKeyArn: pulumi.Input<string>;
    /** Sizing of the replay function (timeout at most 900 seconds). Default `REPLAY_FUNCTION_SIZING`. */
    readonly replaySizing?: Partial<FunctionSizing>;
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
    readonly replaySizing: FunctionSizing;
    readonly batchSize: number;
    readonly batchingWindowSeconds: number;
    readonly maximumRetryAttempts: number;
}

/** Checks `args` (throws `ProcessingLayer: argument "<name>" ...`) and applies the defaults. */
export function validateProcessingLayerArgs(args: ProcessingLayerArgs): ValidProcessingLayerArgs {
    const base = validateFunctionLayerArgs(COMPONENT, args, FUNCTION_SIZING);
    required(COMPONENT, "streamArn", args.streamArn);
    required(COMPONENT, "streamName", args.streamName);
    required(COMPONENT, "streamKeyArn", args.streamKeyArn);
    required(COMPONENT, "dataBucketName", args.dataBucketName);
    required(COMPONENT, "dataBucketArn", args.dataBucketArn);
    required(COMPONENT, "dataBucketKeyArn", args.dataBucketKeyArn);
    const dataPrefix = checkPattern(COMPONENT, "dataPrefix", args.dataPrefix ?? DEFAULT_DATA_PREFIX, S3_KEY_PREFIX, 'a non-empty S3 key prefix ending with "/"');
    required(COMPONENT, "dedupTableName", args.dedupTableName);
    required(COMPONENT, "dedupTableArn", args.dedupTableArn);
    required(COMPONENT, "dedupTableKeyArn", args.dedupTableKeyArn);
    checkNotRecordsKey(COMPONENT, args.recordsKeyArn, [
        ["streamKeyArn", args.streamKeyArn],
        ["dataBucketKeyArn", args.dataBucketKeyArn],
        ["dedupTableKeyArn", args.dedupTableKeyArn],
        ["queueKeyArn", args.queueKeyArn],
        ["envKeyArn", args.envKeyArn],
    ]);
    const r = args.replaySizing ?? {};
    const replaySizing = {
        reservedConcurrency: checkInt(COMPONENT, "replaySizing.reservedConcurrency", r.reservedConcurrency ?? REPLAY_FUNCTION_SIZING.reservedConcurrency, 1, 1000),
        timeoutSeconds: checkInt(COMPONENT, "replaySizing.timeoutSeconds", r.timeoutSeconds ?? REPLAY_FUNCTION_SIZING.timeoutSeconds, 1, REPLAY_FUNCTION_SIZING.maxTimeoutSeconds),
        memoryMb: checkInt(COMPONENT, "replaySizing.memoryMb", r.memoryMb ?? REPLAY_FUNCTION_SIZING.memoryMb, 128, 10240),
    };
    return {
        ...base,
        dataPrefix,
        replaySizing,
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
    /** The replay function: the orchestration's task. */
    public readonly replayFunctionName: pulumi.Output<string>;
    public readonly replayFunctionArn: pulumi.Output<string>;
    public readonly replayRoleArn: pulumi.Output<string>;
    public readonly replayDeadLetterQueueName: pulumi.Output<string>;

    constructor(name: string, args: ProcessingLayerArgs, opts?: pulumi.ComponentResourceOptions) {
        const v = validateProcessingLayerArgs(args);
        super("e2ee:pipeline:ProcessingLayer", name, {}, opts);

        const layer = "processing";
        const base: FunctionLayer = { ...v, ...accountEnvironment(this, args), parent: this, name, layer, args };
        const { region, dataPrefix } = v;

        // What process and replay share: storing records once (the ledger in the dedup table, then the upload) in
        // SSE-KMS objects under the prefix, and reading the stream's server-side encryption.
        const store: Statement[] = [
            { Sid: "WriteCiphertextBatches", Effect: "Allow", Action: ["s3:PutObject"], Resource: pulumi.interpolate`${args.dataBucketArn}/${dataPrefix}*` },
            {
                // HEAD: a record already claimed is a duplicate if the object its claim names exists.
                Sid: "CheckStoredBatches",
                Effect: "Allow",
                Action: ["s3:GetObject"],
                Resource: pulumi.interpolate`${args.dataBucketArn}/${dataPrefix}*`,
            },
            {
                Sid: "EncryptBatchesWithStorageKey",
                Effect: "Allow",
                Action: ["kms:GenerateDataKey"],
                Resource: args.dataBucketKeyArn,
                Condition: { StringEquals: { "kms:ViaService": viaService("s3", region) } },
            },
            {
                // Conditional put claims a record id for an object, get reads a claim, delete releases it.
                Sid: "StoreLedger",
                Effect: "Allow",
                Action: ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem"],
                Resource: args.dedupTableArn,
            },
            {
                Sid: "UseDedupTableKeyThroughDynamoDb",
                Effect: "Allow",
                Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                Resource: args.dedupTableKeyArn,
                Condition: { StringEquals: { "kms:ViaService": viaService("dynamodb", region) } },
            },
        ];
        const streamEncryption: Statement = {
            Sid: "ReadStreamServerSideEncryption",
            Effect: "Allow",
            Action: ["kms:Decrypt"],
            Resource: args.streamKeyArn,
            Condition: { StringEquals: { "kms:ViaService": viaService("kinesis", region) } },
        };
        const storeEnvironment = {
            [ENV.process.DATA_BUCKET]: args.dataBucketName,
            [ENV.process.DATA_BUCKET_KEY_ARN]: args.dataBucketKeyArn,
            [ENV.process.DATA_PREFIX]: dataPrefix,
            [ENV.process.DEDUP_TABLE]: args.dedupTableName,
        };

        const processFn = createPipelineFunction(base, {
            fn: "process",
            principal: "process",
            environment: storeEnvironment,
            statements: [
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
                streamEncryption,
                ...store,
            ],
            description: "Batches ciphertext envelopes from the stream into the data lake (never decrypts).",
        });

        const replayFn = createPipelineFunction(
            { ...base, sizing: v.replaySizing },
            {
                fn: "replay",
                principal: "replay",
                environment: { [ENV.replay.STREAM_NAME]: args.streamName, ...storeEnvironment },
                statements: [
                    {
                        Sid: "ReadStreamRanges",
                        Effect: "Allow",
                        Action: ["kinesis:ListShards", "kinesis:GetShardIterator", "kinesis:GetRecords"],
                        Resource: args.streamArn,
                    },
                    streamEncryption,
                    ...store,
                ],
                description: "Replays ranges of the stream through the exactly-once store for the orchestration (never decrypts).",
            },
        );

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
        this.replayFunctionName = replayFn.function.name;
        this.replayFunctionArn = replayFn.function.arn;
        this.replayRoleArn = replayFn.role.arn;
        this.replayDeadLetterQueueName = replayFn.deadLetterQueue.name;

        this.registerOutputs({
            processFunctionName: this.processFunctionName,
            processFunctionArn: this.processFunctionArn,
            processRoleArn: this.processRoleArn,
            processDeadLetterQueueArn: this.processDeadLetterQueueArn,
            processDeadLetterQueueName: this.processDeadLetterQueueName,
            eventSourceMappingUuid: this.eventSourceMappingUuid,
            logGroupName: this.logGroupName,
            replayFunctionName: this.replayFunctionName,
            replayFunctionArn: this.replayFunctionArn,
            replayRoleArn: this.replayRoleArn,
            replayDeadLetterQueueName: this.replayDeadLetterQueueName,
        });
    }
}
