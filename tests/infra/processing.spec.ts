import assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ProcessingLayerArgs, validateProcessingLayerArgs } from "../../infra/processing";
import { created, functionLayerSpecArgs, namedState, ofType, one, policyOf, settle, specKeys, startMocks } from "./support/harness";

const ACCOUNT = "111111111111";
const REGION = "eu-west-1";

const mockState = namedState({
    account: ACCOUNT,
    outputs: { "aws:lambda/eventSourceMapping:EventSourceMapping": () => ({ uuid: "6f1c1d0e-0000-4000-8000-000000000001" }) },
});

const { records: RECORDS_KEY, storage: STORAGE_KEY, logs: LOGS_KEY, secrets: SECRETS_KEY } = specKeys(ACCOUNT);
const STREAM_ARN = `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/e2ee-pipeline-dev-envelopes`;
const BUCKET = "e2ee-pipeline-dev-data-lake";
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const DEDUP_TABLE = "e2ee-pipeline-dev-dedup";
const DEDUP_TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${DEDUP_TABLE}`;

function validArgs(): ProcessingLayerArgs {
    return {
        ...functionLayerSpecArgs(ACCOUNT),
        dataClassification: "restricted",
        streamArn: STREAM_ARN,
        streamName: "e2ee-pipeline-dev-envelopes",
        streamKeyArn: STORAGE_KEY,
        dataBucketName: BUCKET,
        dataBucketArn: BUCKET_ARN,
        dataBucketKeyArn: STORAGE_KEY,
        dedupTableName: DEDUP_TABLE,
        dedupTableArn: DEDUP_TABLE_ARN,
        dedupTableKeyArn: STORAGE_KEY,
        recordsKeyArn: RECORDS_KEY,
    };
}

/** What process and replay share: storing records once in SSE-KMS batches under `prefix` (functions/README.md, contract). */
function storeStatements(prefix: string): Record<string, unknown>[] {
    return [
        { Sid: "WriteCiphertextBatches", Effect: "Allow", Action: ["s3:PutObject"], Resource: `${BUCKET_ARN}/${prefix}*` },
        { Sid: "CheckStoredBatches", Effect: "Allow", Action: ["s3:GetObject"], Resource: `${BUCKET_ARN}/${prefix}*` },
        {
            Sid: "EncryptBatchesWithStorageKey",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey"],
            Resource: STORAGE_KEY,
            Condition: { StringEquals: { "kms:ViaService": `s3.${REGION}.amazonaws.com` } },
        },
        { Sid: "StoreLedger", Effect: "Allow", Action: ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem"], Resource: DEDUP_TABLE_ARN },
        {
            Sid: "UseDedupTableKeyThroughDynamoDb",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
            Resource: STORAGE_KEY,
            Condition: { StringEquals: { "kms:ViaService": `dynamodb.${REGION}.amazonaws.com` } },
        },
    ];
}

describe("infra/processing ProcessingLayer", function () {
    let ProcessingLayer: typeof import("../../infra/processing").ProcessingLayer;
    let layer: InstanceType<typeof ProcessingLayer>;

    before(async function () {
        await startMocks("dev", { state: mockState });
        ({ ProcessingLayer } = await import("../../infra/processing"));
        created.length = 0;
        layer = new ProcessingLayer("processing", validArgs());
        await settle();
    });

    it("runs the process function on nodejs22.x in the private subnets with CMK env encryption, DLQ, tracing, reserved concurrency", function () {
        const fn = one("aws:lambda/function:Function", "processing-process-function");
        assert.equal(fn.inputs.name, "e2ee-pipeline-dev-process");
        assert.equal(fn.inputs.runtime, "nodejs22.x");
        assert.equal(fn.inputs.kmsKeyArn, SECRETS_KEY);
        assert.deepEqual(fn.inputs.vpcConfig, { subnetIds: ["subnet-aaa", "subnet-bbb"], securityGroupIds: ["sg-123"] });
        assert.equal(fn.inputs.reservedConcurrentExecutions, 5);
        assert.equal(fn.inputs.timeout, 60);
        assert.equal(fn.inputs.memorySize, 512);
        assert.deepEqual(fn.inputs.tracingConfig, { mode: "Active" });
        assert.deepEqual(fn.inputs.deadLetterConfig, { targetArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:e2ee-pipeline-dev-process-dlq` });
        // The default prefix is the functions' contract default (DEFAULT_DATA_PREFIX); the storage key is named in
        // every upload, the ledger lives in the dedup table.
        assert.deepEqual(fn.inputs.environment, {
            variables: { DATA_BUCKET_NAME: BUCKET, DATA_BUCKET_KEY_ARN: STORAGE_KEY, DATA_PREFIX: "records/", DEDUP_TABLE_NAME: DEDUP_TABLE },
        });
        assert.equal(fn.inputs.role, `arn:aws:iam::${ACCOUNT}:role/e2ee-pipeline-dev-process`);

        const dlq = one("aws:sqs/queue:Queue", "processing-process-dlq");
        assert.equal(dlq.inputs.kmsMasterKeyId, STORAGE_KEY);
        assert.equal(dlq.inputs.sqsManagedSseEnabled, undefined);
        assert.equal((dlq.inputs.tags as Record<string, string>)["data-classification"], "restricted");
        const logs = one("aws:cloudwatch/logGroup:LogGroup", "processing-process-logs");
        assert.equal(logs.inputs.kmsKeyId, LOGS_KEY);
        assert.equal(logs.inputs.retentionInDays, 365);
    });

    it("consumes the stream through an event source mapping that bisects failures and parks them in the DLQ", function () {
        const mapping = one("aws:lambda/eventSourceMapping:EventSourceMapping", "processing-stream-mapping");
        assert.equal(mapping.inputs.eventSourceArn, STREAM_ARN);
        assert.equal(mapping.inputs.functionName, `arn:aws:lambda:${REGION}:${ACCOUNT}:function:e2ee-pipeline-dev-process`);
        assert.equal(mapping.inputs.startingPosition, "TRIM_HORIZON");
        assert.equal(mapping.inputs.batchSize, 100);
        assert.equal(mapping.inputs.maximumBatchingWindowInSeconds, 5);
        assert.equal(mapping.inputs.maximumRetryAttempts, 3);
        assert.equal(mapping.inputs.bisectBatchOnFunctionError, true);
        assert.deepEqual(mapping.inputs.functionResponseTypes, ["ReportBatchItemFailures"]);
        assert.deepEqual(mapping.inputs.destinationConfig, {
            onFailure: { destinationArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:e2ee-pipeline-dev-process-dlq` },
        });
    });

    it("gives the process role read on the stream, the exactly-once store (ledger, PutObject and HEAD under the prefix, storage key via S3), nothing on the records key", function () {
        const role = one("aws:iam/role:Role", "processing-process-role");
        assert.equal(role.inputs.name, "e2ee-pipeline-dev-process");
        assert.equal((role.inputs.tags as Record<string, string>)["e2ee:principal-role"], "process");
        const statements = policyOf(one("aws:iam/rolePolicy:RolePolicy", "processing-process-policy")).Statement;
        const own = statements.slice(7);
        assert.deepEqual(own, [
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
                Resource: STREAM_ARN,
            },
            {
                Sid: "ReadStreamServerSideEncryption",
                Effect: "Allow",
                Action: ["kms:Decrypt"],
                Resource: STORAGE_KEY,
                Condition: { StringEquals: { "kms:ViaService": `kinesis.${REGION}.amazonaws.com` } },
            },
            ...storeStatements("records/"),
        ]);
        assert.deepEqual(
            statements.slice(0, 7).map((s) => s.Sid),
            ["WriteOwnLogs", "WriteTraces", "DescribeVpcNetworking", "CreateFunctionEnis", "ManageFunctionEnis", "SendToOwnDeadLetterQueue", "EncryptDeadLetterMessages"],
        );
        for (const s of statements) {
            assert.ok(!([] as unknown[]).concat(s.Resource).includes(RECORDS_KEY), `${String(s.Sid)} touches the records key`);
            const actions = ([] as string[]).concat(s.Action as string | string[]);
            if (actions.some((a) => a.startsWith("kms:"))) {
                assert.ok(s.Condition !== undefined, `${String(s.Sid)}: KMS use must be scoped to a service`);
            }
        }
    });

    it("runs the replay function (the orchestration's task) with process's variables and the stream's name, sized for 15-minute segment calls", function () {
        const fn = one("aws:lambda/function:Function", "processing-replay-function");
        assert.equal(fn.inputs.name, "e2ee-pipeline-dev-replay");
        assert.equal(fn.inputs.handler, "index.handler");
        assert.equal(fn.inputs.runtime, "nodejs22.x");
        assert.equal(fn.inputs.role, `arn:aws:iam::${ACCOUNT}:role/e2ee-pipeline-dev-replay`);
        assert.equal(fn.inputs.kmsKeyArn, SECRETS_KEY);
        assert.deepEqual(fn.inputs.vpcConfig, { subnetIds: ["subnet-aaa", "subnet-bbb"], securityGroupIds: ["sg-123"] });
        assert.equal(fn.inputs.timeout, 900);
        assert.equal(fn.inputs.memorySize, 512);
        assert.equal(fn.inputs.reservedConcurrentExecutions, 4);
        assert.deepEqual(fn.inputs.environment, {
            variables: {
                INGEST_STREAM_NAME: "e2ee-pipeline-dev-envelopes",
                DATA_BUCKET_NAME: BUCKET,
                DATA_BUCKET_KEY_ARN: STORAGE_KEY,
                DATA_PREFIX: "records/",
                DEDUP_TABLE_NAME: DEDUP_TABLE,
            },
        });
        assert.equal(ofType("aws:lambda/eventSourceMapping:EventSourceMapping").filter((m) => m.inputs.functionName === fn.state.arn).length, 0, "replay never consumes the stream");
    });

    it("gives the replay role the stream's read actions for ranges, the exactly-once store, nothing on the records key", function () {
        const role = one("aws:iam/role:Role", "processing-replay-role");
        assert.equal((role.inputs.tags as Record<string, string>)["e2ee:principal-role"], "replay");
        const statements = policyOf(one("aws:iam/rolePolicy:RolePolicy", "processing-replay-policy")).Statement;
        assert.deepEqual(statements.slice(7), [
            { Sid: "ReadStreamRanges", Effect: "Allow", Action: ["kinesis:ListShards", "kinesis:GetShardIterator", "kinesis:GetRecords"], Resource: STREAM_ARN },
            {
                Sid: "ReadStreamServerSideEncryption",
                Effect: "Allow",
                Action: ["kms:Decrypt"],
                Resource: STORAGE_KEY,
                Condition: { StringEquals: { "kms:ViaService": `kinesis.${REGION}.amazonaws.com` } },
            },
            ...storeStatements("records/"),
        ]);
        for (const s of statements) assert.ok(!([] as unknown[]).concat(s.Resource).includes(RECORDS_KEY), `${String(s.Sid)} touches the records key`);
    });

    it("exposes the function, role and mapping", async function () {
        const [fnArn, uuid] = await new Promise<[string, string]>((resolve) =>
            pulumi.all([layer.processFunctionArn, layer.eventSourceMappingUuid]).apply(([a, b]) => resolve([a, b])),
        );
        assert.equal(fnArn, `arn:aws:lambda:${REGION}:${ACCOUNT}:function:e2ee-pipeline-dev-process`);
        assert.equal(uuid, "6f1c1d0e-0000-4000-8000-000000000001");
    });

    it("scopes PutObject and the function's DATA_PREFIX to an explicit prefix", async function () {
        created.length = 0;
        new ProcessingLayer("processing-prefix", { ...validArgs(), dataPrefix: "tenants/batches/" });
        await settle();
        for (const f of ["process", "replay"]) {
            const fn = one("aws:lambda/function:Function", `processing-prefix-${f}-function`);
            assert.equal((fn.inputs.environment as { variables: Record<string, string> }).variables.DATA_PREFIX, "tenants/batches/");
            const statements = policyOf(one("aws:iam/rolePolicy:RolePolicy", `processing-prefix-${f}-policy`)).Statement;
            for (const sid of ["WriteCiphertextBatches", "CheckStoredBatches"]) assert.equal(statements.find((s) => s.Sid === sid)?.Resource, `${BUCKET_ARN}/tenants/batches/*`, `${f} ${sid}`);
        }
    });

    it("deploys the esbuild bundle of functions/build.ts by default", async function () {
        this.timeout(120000);
        created.length = 0;
        const args = validArgs();
        new ProcessingLayer("processing-bundle", { ...args, functionCode: undefined });
        await settle();
        const fn = one("aws:lambda/function:Function", "processing-bundle-process-function");
        const code = fn.inputs.code as { path?: Promise<string> | string };
        assert.ok(code instanceof pulumi.asset.FileArchive, "code is a FileArchive");
        assert.equal(await code.path, path.resolve(__dirname, "../../functions/dist/process"));
    });

    describe("argument validation (names the argument, creates nothing)", function () {
        it("validateProcessingLayerArgs applies the defaults", function () {
            assert.deepEqual(validateProcessingLayerArgs(validArgs()), {
                namePrefix: "e2ee-pipeline-dev",
                region: REGION,
                tags: {},
                logsKeyArn: LOGS_KEY,
                logRetentionDays: 365,
                dataClassification: "restricted",
                dataPrefix: "records/",
                replaySizing: { reservedConcurrency: 4, timeoutSeconds: 900, memoryMb: 512 },
                batchSize: 100,
                batchingWindowSeconds: 5,
                maximumRetryAttempts: 3,
                sizing: { reservedConcurrency: 5, timeoutSeconds: 60, memoryMb: 512 },
            });
        });

        const cases: [string, Partial<Record<keyof ProcessingLayerArgs, unknown>>, string][] = [
            ["missing streamArn", { streamArn: undefined }, 'ProcessingLayer: argument "streamArn" is required'],
            ["missing dataBucketKeyArn", { dataBucketKeyArn: "" }, 'ProcessingLayer: argument "dataBucketKeyArn" is required'],
            [
                "records key as bucket key",
                { dataBucketKeyArn: RECORDS_KEY },
                'ProcessingLayer: argument "dataBucketKeyArn" must not be the records key (recordsKeyArn)',
            ],
            ["records key as env key", { envKeyArn: RECORDS_KEY }, 'ProcessingLayer: argument "envKeyArn" must not be the records key (recordsKeyArn)'],
            [
                "prefix without trailing slash",
                { dataPrefix: "batches" },
                'ProcessingLayer: argument "dataPrefix" must be a non-empty S3 key prefix ending with "/", got "batches"',
            ],
            ["batch size 0", { batchSize: 0 }, 'ProcessingLayer: argument "batchSize" must be an integer from 1 to 10000, got 0'],
            ["fractional concurrency", { reservedConcurrency: 2.5 }, 'ProcessingLayer: argument "reservedConcurrency" must be an integer from 1 to 1000, got 2.5'],
            ["empty security groups", { securityGroupIds: [] }, 'ProcessingLayer: argument "securityGroupIds" must not be empty'],
            ["missing queueKeyArn", { queueKeyArn: undefined }, 'ProcessingLayer: argument "queueKeyArn" is required'],
            ["missing streamName", { streamName: "" }, 'ProcessingLayer: argument "streamName" is required'],
            ["missing dedupTableArn", { dedupTableArn: undefined }, 'ProcessingLayer: argument "dedupTableArn" is required'],
            ["records key as table key", { dedupTableKeyArn: RECORDS_KEY }, 'ProcessingLayer: argument "dedupTableKeyArn" must not be the records key (recordsKeyArn)'],
            [
                "a replay timeout beyond Lambda's",
                { replaySizing: { timeoutSeconds: 901 } },
                'ProcessingLayer: argument "replaySizing.timeoutSeconds" must be an integer from 1 to 900, got 901',
            ],
            [
                "unknown classification",
                { dataClassification: "secret" },
                'ProcessingLayer: argument "dataClassification" must be one of public, internal, confidential, restricted, got "secret"',
            ],
        ];
        for (const [title, patch, message] of cases) {
            it(title, async function () {
                created.length = 0;
                assert.throws(() => validateProcessingLayerArgs({ ...validArgs(), ...patch } as ProcessingLayerArgs), { message });
                assert.throws(() => new ProcessingLayer(`bad-${title}`, { ...validArgs(), ...patch } as ProcessingLayerArgs), { message });
                await settle();
                assert.equal(created.length, 0);
            });
        }
    });
});
