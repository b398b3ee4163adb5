import assert from "node:assert/strict";
import { validateConfig } from "../../infra/config";
import { LAYER_NAMES, LAYER_TYPES, createPipeline } from "../../infra/pipeline";
import { Created, created, readStackConfig, settle, stackNames, startMocks, stubCode } from "./support/harness";
import { BuiltStack, LayerCounts, buildStack, builtStack, countByLayer, formatCountTable, layerOf } from "./support/stack";

const DATA_STORE_TYPES = [
    "aws:s3/bucket:Bucket",
    "aws:dynamodb/table:Table",
    "aws:kinesis/stream:Stream",
    "aws:sqs/queue:Queue",
    "aws:sns/topic:Topic",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:secretsmanager/secret:Secret",
    "aws:backup/vault:Vault",
];

const typesOf = (rs: readonly Created[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const r of rs) if (r.custom) m.set(r.type, (m.get(r.type) ?? 0) + 1);
    return m;
};

describe("stacks: dev and prod build under mocks with every layer", function () {
    this.timeout(120000);
    const built: Record<string, BuiltStack> = {};
    const counts: Record<string, LayerCounts> = {};

    before(async function () {
        for (const stack of stackNames()) {
            built[stack] = await builtStack(stack);
            counts[stack] = countByLayer(built[stack].resources);
        }
        // The per-layer, per-stack resource counts (also: npx ts-node --transpile-only scripts/resource-counts.ts).
        console.log(`\n${formatCountTable(counts)}\n`);
    });

    it("has exactly the dev and prod stack files", function () {
        assert.deepEqual(stackNames(), ["dev", "prod"]);
    });

    for (const stack of ["dev", "prod"]) {
        describe(stack, function () {
            it("registers each layer component once, under its layer name", function () {
                const components = built[stack].resources.filter((r) => !r.custom);
                for (const layer of LAYER_NAMES) {
                    const matches = components.filter((c) => c.type === LAYER_TYPES[layer]);
                    assert.deepEqual(matches.map((m) => m.name), [layer], `${stack}: ${LAYER_TYPES[layer]}`);
                }
            });

            it("attributes every cloud resource to a layer (only the Kubernetes provider is top level) and every layer has resources", function () {
                const top = built[stack].resources.filter((r) => r.custom && layerOf(r.name) === "(top level)");
                assert.deepEqual(
                    top.map((r) => r.type),
                    stack === "prod" ? ["pulumi:providers:kubernetes"] : [],
                );
                for (const layer of LAYER_NAMES) assert.ok(counts[stack][layer] > 0, `${stack}: layer ${layer} is empty`);
            });

            it("makes the records key wait for the producer and recipient roles its policy names (KMS requires existing principals)", function () {
                const rs = built[stack].resources;
                const records = rs.find((r) => r.type === "aws:kms/key:Key" && r.name === "keys-records-key");
                const roles = (records?.dependencies ?? []).map((urn) => rs.find((r) => r.urn === urn));
                // prod runs the recipient on Kubernetes too: its IRSA role decrypts as well.
                assert.deepEqual(roles.map((r) => [r?.type, r?.inputs.name]).sort(), [
                    ...(stack === "prod" ? [["aws:iam/role:Role", `e2ee-pipeline-${stack}-k8s-recipient`]] : []),
                    ["aws:iam/role:Role", `e2ee-pipeline-${stack}-producer`],
                    ["aws:iam/role:Role", `e2ee-pipeline-${stack}-recipient`],
                ]);
                const order = (name: string): number => rs.findIndex((r) => r.name === name);
                assert.ok(order("ingestion-producer-role") < order("keys-records-key") && order("serving-recipient-role") < order("keys-records-key"));
            });

            it("encrypts every log group with the logs key and keeps it for the stack's retention", async function () {
                const config = validateConfig(readStackConfig(stack));
                assert.ok(config.ok);
                const logsKeyArn = built[stack].resources.find((r) => r.type === "aws:kms/key:Key" && r.name === "keys-logs-key")?.state.arn;
                const groups = built[stack].resources.filter((r) => r.type === "aws:cloudwatch/logGroup:LogGroup");
                assert.ok(groups.length >= 5);
                for (const g of groups) {
                    assert.equal(g.inputs.kmsKeyId, logsKeyArn, `${g.name} kmsKeyId`);
                    assert.equal(g.inputs.retentionInDays, config.config.logRetentionDays, `${g.name} retentionInDays`);
                }
            });

            it("tags every data store with a data-classification and every KMS key with its e2ee:key-role", function () {
                for (const r of built[stack].resources.filter((x) => DATA_STORE_TYPES.includes(x.type))) {
                    const tags = (r.inputs.tags ?? {}) as Record<string, string>;
                    assert.ok(["public", "internal", "confidential", "restricted"].includes(tags["data-classification"]), `${r.type} ${r.name}`);
                }
                const roles = built[stack].resources.filter((r) => r.type === "aws:kms/key:Key").map((r) => (r.inputs.tags as Record<string, string>)["e2ee:key-role"]);
                assert.deepEqual(roles.sort(), ["backup", "logs", "records", "secrets", "storage"]);
            });

            it("rotates every KMS key every 90 days and never uses the records key for anything at rest", function () {
                const keys = built[stack].resources.filter((r) => r.type === "aws:kms/key:Key");
                for (const k of keys) {
                    assert.equal(k.inputs.enableKeyRotation, true);
                    assert.equal(k.inputs.rotationPeriodInDays, 90);
                    assert.equal(k.inputs.customerMasterKeySpec, "SYMMETRIC_DEFAULT");
                }
                const records = String(keys.find((k) => k.name === "keys-records-key")?.state.arn);
                const atRestProps = ["kmsKeyId", "kmsKeyArn", "kmsMasterKeyId", "encryptionKeyArn"];
                for (const r of built[stack].resources) {
                    for (const p of atRestProps) assert.notEqual(r.inputs[p], records, `${r.type} ${r.name}.${p} uses the records key`);
                }
            });
        });
    }

    it("wires the layers together: network into functions, storage into ingestion/processing/serving, keys by role, monitoring onto what exists", function () {
        const rs = built.dev.resources;
        const get = (type: string, name: string): Created => {
            const r = rs.find((x) => x.type === type && x.name === name);
            assert.ok(r, `${type} ${name}`);
            return r;
        };
        const keyArn = (role: string): unknown => get("aws:kms/key:Key", `keys-${role}-key`).state.arn;
        const subnets = rs.filter((r) => r.type === "aws:ec2/subnet:Subnet").map((r) => r.id);
        const workloadSg = get("aws:ec2/securityGroup:SecurityGroup", "network-workload-sg").id;
        const functions = rs.filter((r) => r.type === "aws:lambda/function:Function");
        assert.deepEqual(functions.map((f) => f.inputs.name).sort(), ["e2ee-pipeline-dev-ingest", "e2ee-pipeline-dev-process", "e2ee-pipeline-dev-recipient", "e2ee-pipeline-dev-replay"]);
        for (const f of functions) {
            assert.deepEqual(f.inputs.vpcConfig, { securityGroupIds: [workloadSg], subnetIds: subnets }, String(f.name));
            assert.equal(f.inputs.kmsKeyArn, keyArn("secrets"), `${f.name} environment key`);
        }
        const env = (name: string): Record<string, string> =>
            (get("aws:lambda/function:Function", name).inputs.environment as { variables: Record<string, string> }).variables;
        const bucket = get("aws:s3/bucket:Bucket", "storage-data-lake").state.bucket;
        assert.equal(env("ingestion-ingest-function").DEDUP_TABLE_NAME, get("aws:dynamodb/table:Table", "storage-dedup-table").state.name);
        assert.equal(env("processing-process-function").DATA_BUCKET_NAME, bucket);
        // process and replay store into the same data lake, ledger and prefix; the recipient reads that prefix.
        for (const fn of ["processing-process-function", "processing-replay-function"]) {
            assert.equal(env(fn).DATA_BUCKET_NAME, bucket, fn);
            assert.equal(env(fn).DATA_BUCKET_KEY_ARN, keyArn("storage"), fn);
            assert.equal(env(fn).DEDUP_TABLE_NAME, get("aws:dynamodb/table:Table", "storage-dedup-table").state.name, fn);
            assert.equal(env(fn).DATA_PREFIX, env("serving-recipient-function").DATA_PREFIX, fn);
        }
        assert.equal(env("processing-replay-function").INGEST_STREAM_NAME, get("aws:kinesis/stream:Stream", "ingestion-stream").state.name);
        assert.equal(env("serving-recipient-function").USER_POOL_ID, get("aws:cognito/userPool:UserPool", "serving-user-pool").id);
        assert.equal(env("serving-recipient-function").DATA_BUCKET_NAME, bucket);
        assert.equal(env("serving-recipient-function").RECORDS_KEY_ARN, keyArn("records"));
        assert.equal(get("aws:kinesis/stream:Stream", "ingestion-stream").inputs.kmsKeyId, keyArn("storage"));
        for (const q of rs.filter((r) => r.type === "aws:sqs/queue:Queue")) assert.equal(q.inputs.kmsMasterKeyId, keyArn("storage"), String(q.name));
        const dlqAlarms = rs
            .filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.inputs.metricName === "ApproximateNumberOfMessagesVisible")
            .map((r) => (r.inputs.dimensions as Record<string, string>).QueueName)
            .sort();
        assert.deepEqual(dlqAlarms, rs.filter((r) => r.type === "aws:sqs/queue:Queue").map((q) => String(q.state.name)).sort());
        const errorAlarms = rs
            .filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.inputs.metricName === "Errors")
            .map((r) => (r.inputs.dimensions as Record<string, string>).FunctionName)
            .sort();
        assert.deepEqual(errorAlarms, functions.map((f) => String(f.state.name)).sort());
        const volume = rs.find((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.inputs.metricName === "IncomingRecords");
        assert.deepEqual(volume?.inputs.dimensions, { StreamName: get("aws:kinesis/stream:Stream", "ingestion-stream").state.name });
        const sfn = get("aws:sfn/stateMachine:StateMachine", "orchestration-state-machine");
        assert.equal((sfn.inputs.encryptionConfiguration as Record<string, unknown>).kmsKeyId, keyArn("storage"));
        // The state machine replays with the replay function; the pipe feeds it the process DLQ.
        assert.match(String(sfn.inputs.definition), new RegExp(`"FunctionName":"${String(get("aws:lambda/function:Function", "processing-replay-function").state.arn)}"`));
        const pipe = get("aws:pipes/pipe:Pipe", "orchestration-dead-letter-pipe");
        assert.equal(pipe.inputs.source, get("aws:sqs/queue:Queue", "processing-process-dlq").state.arn);
        assert.equal(pipe.inputs.target, sfn.state.arn);
        const failed = rs.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.inputs.metricName === "ExecutionsFailed");
        assert.deepEqual(failed.map((a) => (a.inputs.dimensions as Record<string, string>).StateMachineArn), [sfn.state.arn]);
    });

    it("dev and prod differ in retention, deletion protection, capacity, Kubernetes and thresholds", function () {
        const pick = (stack: string, type: string, name: string): Record<string, unknown> => {
            const r = built[stack].resources.find((x) => x.type === type && x.name === name);
            assert.ok(r, `${stack}: ${type} ${name}`);
            return r.inputs;
        };
        assert.deepEqual(
            ["dev", "prod"].map((s) => pick(s, "aws:cloudwatch/logGroup:LogGroup", "network-flow-logs").retentionInDays),
            [90, 365],
        );
        assert.deepEqual(["dev", "prod"].map((s) => pick(s, "aws:dynamodb/table:Table", "storage-catalog-table").deletionProtectionEnabled), [false, true]);
        // Never weaker in dev: the key deletion window stays at 30 days in both.
        assert.deepEqual(["dev", "prod"].map((s) => pick(s, "aws:kms/key:Key", "keys-records-key").deletionWindowInDays), [30, 30]);
        assert.deepEqual(["dev", "prod"].map((s) => pick(s, "aws:kinesis/stream:Stream", "ingestion-stream").shardCount), [1, 4]);
        assert.deepEqual(["dev", "prod"].map((s) => pick(s, "aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-dlq-process-alarm").threshold), [10, 1]);
        assert.deepEqual(
            ["dev", "prod"].map((s) => built[s].resources.filter((r) => r.type.startsWith("kubernetes:")).length > 0),
            [false, true],
        );
    });

    it("dev drops no security resource that prod has: the resource types differ only by Kubernetes, zones and the vault lock", function () {
        const dev = typesOf(built.dev.resources);
        const prod = typesOf(built.prod.resources);
        const diffs: Record<string, [number, number]> = {};
        for (const t of new Set([...dev.keys(), ...prod.keys()])) {
            if ((dev.get(t) ?? 0) !== (prod.get(t) ?? 0)) diffs[t] = [dev.get(t) ?? 0, prod.get(t) ?? 0];
        }
        for (const [t, [d, p]] of Object.entries(diffs)) {
            const allowed =
                t.startsWith("kubernetes:") ||
                t === "pulumi:providers:kubernetes" ||
                // The Kubernetes recipient's IRSA role and its policy.
                ((t === "aws:iam/role:Role" || t === "aws:iam/rolePolicy:RolePolicy") && p - d === 1) ||
                t === "aws:backup/vaultLockConfiguration:VaultLockConfiguration" ||
                t === "aws:ec2/subnet:Subnet" ||
                t === "aws:ec2/routeTableAssociation:RouteTableAssociation";
            assert.ok(allowed && d <= p, `${t}: dev ${d}, prod ${p}`);
        }
        assert.deepEqual(diffs["aws:ec2/subnet:Subnet"], [2, 3]);
    });
});

describe("partitions", function () {
    this.timeout(120000);
    it("builds every ARN in the provider's partition: an aws-us-gov stack names arn:aws: only where its configuration does", async function () {
        const configured = Object.values(readStackConfig("prod")).join("\n");
        const built = await buildStack("prod", { partition: "aws-us-gov" });
        const found = new Set<string>();
        const walk = (v: unknown, where: string): void => {
            if (typeof v === "string") {
                for (const m of v.match(/arn:aws:[^"\s,]*/g) ?? []) if (!configured.includes(m)) found.add(`${where}: ${m}`);
            } else if (Array.isArray(v)) v.forEach((x) => walk(x, where));
            else if (v !== null && typeof v === "object" && !(v instanceof Promise)) for (const x of Object.values(v)) walk(x, where);
        };
        for (const r of built.resources) walk(r.inputs, `${r.type} ${r.name}`);
        assert.ok(built.resources.some((r) => JSON.stringify(r.inputs).includes("arn:aws-us-gov:")), "the stack names ARNs of its partition");
        assert.deepEqual([...found], []);
    });
});

describe("createPipeline error handling", function () {
    it("reports a layer's argument error; the records key, created before that layer, is registered (nothing left waiting)", async function () {
        await startMocks("dev");
        const result = validateConfig(readStackConfig("dev"));
        assert.ok(result.ok);
        const bad = { ...result.config, ingestDomainName: "Not A Domain" };
        assert.throws(() => createPipeline(bad, { functionCode: stubCode }), {
            message: 'IngestionLayer: argument "domainName" must be a lower-case fully-qualified domain name, got "Not A Domain"',
        });
        await settle();
        assert.ok(created.some((r) => r.type === "aws:kms/key:Key" && r.name === "keys-records-key"), "the records key is registered");
    });
});
