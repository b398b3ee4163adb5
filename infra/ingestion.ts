/**
 * Ingestion layer: the public, TLS 1.3-only entry point of the pipeline.
 *
 * Producer --(TLS 1.3, SigV4 with the producer role, API key)--> WAF --> API Gateway REST API (custom domain)
 * --> ingest Lambda (private subnets) --> Kinesis stream (SSE with a customer-managed key).
 *
 * Records arrive already envelope-encrypted by the producer (records key, `kms:GenerateDataKey` held only by the
 * producer role, which this layer is given and grants that and the API call). Nothing in this layer can decrypt
 * them: no role here has `kms:Decrypt` on the records key.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENV } from "../functions/src/contract";
import { PublicApiArgs, RestApiEndpoint, Tls13RestApi, ValidPublicApiArgs, layerApiArgs, validatePublicApiArgs } from "./components/tls13RestApi";
import { createApiGatewayAccountSettings } from "./lib/apiGatewayAccount";
import { accountEnvironment } from "./lib/layer";
import { FunctionLayer, FunctionLayerArgs, ValidFunctionLayerArgs, createPipelineFunction, validateFunctionLayerArgs } from "./lib/lambda";
import { Statement, policyDocument, viaService } from "./lib/policy";
import { storeTags } from "./lib/tags";
import { checkInt, checkNotRecordsKey, required } from "./lib/validate";

const COMPONENT = "IngestionLayer";
/** Defaults of the function's sizing; its timeout is at most 29 seconds. */
export const FUNCTION_SIZING = { reservedConcurrency: 10, timeoutSeconds: 10, memoryMb: 256, maxTimeoutSeconds: 29 } as const;
/** Defaults of the ingestion API's limits. */
export const INGESTION_API_LIMITS = { throttleRateLimit: 50, throttleBurstLimit: 100, quotaPerDay: 1000000, wafRateLimitPer5Min: 1000 } as const;

/**
 * The ingestion API (`PublicApiArgs`, e.g. domain `ingest.dev.example.com`) defaults to 50 requests per second,
 * bursts of 100, 1000000 requests per key and day, and 1000 requests per source IP per 5 minutes; the ingest
 * function (`FunctionSizing`) to 10 reserved executions, a 10-second timeout (at most 29, API Gateway's) and 256 MB.
 */
export interface IngestionLayerArgs extends FunctionLayerArgs, PublicApiArgs {
    /** Customer-managed KMS key of the Kinesis stream (e.g. the storage key; never the records key). Required. */
    readonly streamKeyArn: pulumi.Input<string>;
    /** Provisioned shard count of the stream, 1-500. Default: undefined = ON_DEMAND capacity mode. */
    readonly streamShardCount?: number;
    /** Kinesis retention in hours, 24-8760. Default 24. */
    readonly streamRetentionHours?: number;
    /** DynamoDB table used to deduplicate record ids (storage layer). Required. */
    readonly dedupTableName: pulumi.Input<string>;
    /** ARN of the dedup table. Required. */
    readonly dedupTableArn: pulumi.Input<string>;
    /** Customer-managed KMS key of the dedup table (used only through DynamoDB, `kms:ViaService`). Required. */
    readonly dedupTableKeyArn: pulumi.Input<string>;
    /** Largest accepted envelope in bytes, 1-1048576 (Kinesis record limit). Default 262144. */
    readonly maxEnvelopeBytes?: number;
    /**
     * The records key (tag `e2ee:key-role: records`). Only the producer role gets `kms:GenerateDataKey` on it;
     * nothing in this layer gets `kms:Decrypt`. Required.
     */
    readonly recordsKeyArn: pulumi.Input<string>;
    /**
     * The producer role (`producerPrincipal(...).role`), created before the keys. The layer gives it its only
     * permissions: `kms:GenerateDataKey` on the records key and invoking the one route. Required.
     */
    readonly producerRole: aws.iam.Role;
    /**
     * Create the region-wide API Gateway account setting (CloudWatch Logs role) that access logging needs. Set false
     * when another stack of the same account and region already manages it. Default true.
     */
    readonly manageApiGatewayAccount?: boolean;
}

/** `IngestionLayerArgs` once checked, defaults applied. */
export interface ValidIngestionLayerArgs extends ValidFunctionLayerArgs, ValidPublicApiArgs {
    readonly streamRetentionHours: number;
    /** Undefined: on-demand capacity. */
    readonly streamShardCount?: number;
    readonly maxEnvelopeBytes: number;
}

/** Checks `args` (throws `IngestionLayer: argument "<name>" ...`) and applies the defaults. */
export function validateIngestionLayerArgs(args: IngestionLayerArgs): ValidIngestionLayerArgs {
    const base = validateFunctionLayerArgs(COMPONENT, args, FUNCTION_SIZING);
    const api = validatePublicApiArgs(COMPONENT, args, INGESTION_API_LIMITS);
    required(COMPONENT, "streamKeyArn", args.streamKeyArn);
    const streamRetentionHours = checkInt(COMPONENT, "streamRetentionHours", args.streamRetentionHours ?? 24, 24, 8760);
    required(COMPONENT, "dedupTableName", args.dedupTableName);
    required(COMPONENT, "dedupTableArn", args.dedupTableArn);
    required(COMPONENT, "dedupTableKeyArn", args.dedupTableKeyArn);
    const maxEnvelopeBytes = checkInt(COMPONENT, "maxEnvelopeBytes", args.maxEnvelopeBytes ?? 262144, 1, 1048576);
    required(COMPONENT, "recordsKeyArn", args.recordsKeyArn);
    checkNotRecordsKey(COMPONENT, args.recordsKeyArn, [
        ["streamKeyArn", args.streamKeyArn],
        ["dedupTableKeyArn", args.dedupTableKeyArn],
        ["queueKeyArn", args.queueKeyArn],
        ["envKeyArn", args.envKeyArn],
    ]);
    required(COMPONENT, "producerRole", args.producerRole);
    return {
        ...base,
        ...api,
        streamRetentionHours,
        ...(args.streamShardCount !== undefined ? { streamShardCount: checkInt(COMPONENT, "streamShardCount", args.streamShardCount, 1, 500) } : {}),
        maxEnvelopeBytes,
    };
}

export class IngestionLayer extends pulumi.ComponentResource {
    /** Kinesis stream of accepted envelopes. */
    public readonly streamName: pulumi.Output<string>;
    public readonly streamArn: pulumi.Output<string>;
    public readonly ingestFunctionName: pulumi.Output<string>;
    public readonly ingestFunctionArn: pulumi.Output<string>;
    public readonly ingestRoleArn: pulumi.Output<string>;
    public readonly ingestDeadLetterQueueArn: pulumi.Output<string>;
    public readonly ingestDeadLetterQueueName: pulumi.Output<string>;
    /** Log group of the ingest function. */
    public readonly logGroupName: pulumi.Output<string>;
    /** Name of the producer role. */
    public readonly producerRoleName: pulumi.Output<string>;
    public readonly producerRoleArn: pulumi.Output<string>;
    /** The TLS 1.3 REST API (POST /records for producers): physical name `<namePrefix>-ingest`, stage, key, WAF, domain, URL. */
    public readonly api: RestApiEndpoint;
    /**
     * The API Gateway account setting (CloudWatch Logs role); undefined when `manageApiGatewayAccount` is false.
     * Pass it to `ServingLayerArgs.apiGatewayAccount` so the recipient stage waits for it too.
     */
    public readonly apiGatewayAccount?: aws.apigateway.Account;

    constructor(name: string, args: IngestionLayerArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate everything before creating anything.
        const v = validateIngestionLayerArgs(args);
        super("e2ee:pipeline:IngestionLayer", name, {}, opts);

        const layer = "ingestion";
        const base: FunctionLayer = { ...v, ...accountEnvironment(this, args), parent: this, name, layer, args };
        const { region, streamShardCount } = v;

        const stream = new aws.kinesis.Stream(
            `${name}-stream`,
            {
                name: `${base.namePrefix}-envelopes`,
                encryptionType: "KMS",
                kmsKeyId: args.streamKeyArn,
                retentionPeriod: v.streamRetentionHours,
                ...(streamShardCount === undefined
                    ? { streamModeDetails: { streamMode: "ON_DEMAND" } }
                    : { streamModeDetails: { streamMode: "PROVISIONED" }, shardCount: streamShardCount }),
                shardLevelMetrics: ["IncomingBytes", "IncomingRecords", "WriteProvisionedThroughputExceeded"],
                tags: storeTags(v.tags, layer, v.dataClassification),
            },
            { parent: this },
        );

        const ingestStatements: Statement[] = [
            {
                Sid: "PutEnvelopesOnStream",
                Effect: "Allow",
                Action: ["kinesis:PutRecord", "kinesis:PutRecords"],
                Resource: stream.arn,
            },
            {
                Sid: "EncryptStreamRecords",
                Effect: "Allow",
                Action: ["kms:GenerateDataKey"],
                Resource: args.streamKeyArn,
                Condition: { StringEquals: { "kms:ViaService": viaService("kinesis", region) } },
            },
            {
                // Powertools idempotency: a conditional put claims a record id (IN_PROGRESS), get reads a claim that
                // exists, update marks it COMPLETED once the stream has the record, delete releases it when the
                // stream refuses the record.
                Sid: "DeduplicateRecordIds",
                Effect: "Allow",
                Action: ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
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

        const ingest = createPipelineFunction(base, {
            fn: "ingest",
            principal: "ingest",
            environment: {
                [ENV.ingest.STREAM_NAME]: stream.name,
                [ENV.ingest.DEDUP_TABLE]: args.dedupTableName,
                [ENV.ingest.MAX_ENVELOPE_BYTES]: String(v.maxEnvelopeBytes),
            },
            statements: ingestStatements,
            description: "Accepts producer-encrypted envelopes (ciphertext only) and puts them on the Kinesis stream.",
        });

        const accountSettings = (args.manageApiGatewayAccount ?? true) ? createApiGatewayAccountSettings(base) : undefined;

        const api = new Tls13RestApi(
            `${name}-ingest`,
            layerApiArgs(base, v, args.certificateArn, {
                apiName: "ingest",
                pathParts: ["records"],
                httpMethod: "POST",
                // Producers sign requests (SigV4) with the producer role; the envelope travels as a binary body.
                auth: { type: "AWS_IAM" },
                binaryMediaTypes: ["application/octet-stream"],
                handler: ingest.function,
                stageDependsOn: accountSettings !== undefined ? [accountSettings.account] : [],
            }),
            { parent: this },
        );

        // The producer: the only principal that may create data keys under the records key, and the only caller of the API.
        const producerRole = args.producerRole;

        const producerPolicy = new aws.iam.RolePolicy(
            `${name}-producer-policy`,
            {
                name: pulumi.interpolate`${producerRole.name}-least-privilege`,
                role: producerRole.name,
                policy: policyDocument([
                    {
                        Sid: "CreateRecordDataKeys",
                        Effect: "Allow",
                        Action: ["kms:GenerateDataKey"],
                        Resource: args.recordsKeyArn,
                    },
                    {
                        Sid: "SubmitRecords",
                        Effect: "Allow",
                        Action: ["execute-api:Invoke"],
                        Resource: api.routeArn,
                    },
                ]),
            },
            { parent: this },
        );

        this.streamName = stream.name;
        this.streamArn = stream.arn;
        this.ingestFunctionName = ingest.function.name;
        this.ingestFunctionArn = ingest.function.arn;
        this.ingestRoleArn = ingest.role.arn;
        this.ingestDeadLetterQueueArn = ingest.deadLetterQueue.arn;
        this.ingestDeadLetterQueueName = ingest.deadLetterQueue.name;
        this.logGroupName = ingest.logGroup.name;
        this.producerRoleName = producerRole.name;
        this.producerRoleArn = pulumi
            .all([producerRole.arn, producerPolicy.id])
            .apply(([arn]) => arn);
        this.api = api.endpoint;
        this.apiGatewayAccount = accountSettings?.account;

        this.registerOutputs({
            streamName: this.streamName,
            streamArn: this.streamArn,
            ingestFunctionName: this.ingestFunctionName,
            ingestFunctionArn: this.ingestFunctionArn,
            ingestRoleArn: this.ingestRoleArn,
            ingestDeadLetterQueueArn: this.ingestDeadLetterQueueArn,
            ingestDeadLetterQueueName: this.ingestDeadLetterQueueName,
            logGroupName: this.logGroupName,
            producerRoleName: this.producerRoleName,
            producerRoleArn: this.producerRoleArn,
            ...this.api,
        });
    }
}
