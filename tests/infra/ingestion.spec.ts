import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import type { Principal } from "../../infra/components/principal";
import { IngestionLayerArgs, validateIngestionLayerArgs } from "../../infra/ingestion";
import { created, functionLayerSpecArgs, namedState, one, ofType, policyOf, settle, specKeys, startMocks, valueOf } from "./support/harness";

const ACCOUNT = "111111111111";
const REGION = "eu-west-1";
const API_ID = "a1b2c3d4e5";

/** The generated API key the mocks return, and the ARN of its secret (Secrets Manager appends 6 characters to the name). */
const API_KEY = "k".repeat(20) + "0123456789ABCDEFGHIJ";
const secretArn = (namePrefix: unknown): string => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${String(namePrefix)}AbCdEf`;
const API_KEY_SECRET_ARN = secretArn("e2ee-pipeline-dev-ingest-api-key-");
/** How the mocks receive an input the program registered as a secret (the runtime's secret signature). */
const asSecret = (value: string): Record<string, string> => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });

const mockState = namedState({
    account: ACCOUNT,
    ids: { "aws:apigateway/restApi:RestApi": API_ID },
    outputs: {
        "aws:apigateway/domainName:DomainName": () => ({ regionalDomainName: "d-abc123.execute-api.eu-west-1.amazonaws.com", regionalZoneId: "ZLY8HYME6SFDD" }),
        "random:index/randomPassword:RandomPassword": () => ({ result: API_KEY }),
        "aws:secretsmanager/secret:Secret": (_n, inputs) => ({ arn: secretArn(inputs.namePrefix) }),
    },
});


const { records: RECORDS_KEY, storage: STORAGE_KEY, logs: LOGS_KEY, secrets: SECRETS_KEY } = specKeys(ACCOUNT);
const CERT = `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/0b1e4c7a-1d2e-4f3a-9b8c-7d6e5f4a3b21`;
const DEDUP_TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/e2ee-pipeline-dev-dedup`;
/** The producer's role, created before the layer as the pipeline creates it. */
let producer: Principal;

function validArgs(): IngestionLayerArgs {
    return {
        ...functionLayerSpecArgs(ACCOUNT),
        logRetentionDays: 90,
        domainName: "ingest.dev.pipeline.example.com",
        certificateArn: CERT,
        streamKeyArn: STORAGE_KEY,
        dedupTableName: "e2ee-pipeline-dev-dedup",
        dedupTableArn: DEDUP_TABLE_ARN,
        dedupTableKeyArn: STORAGE_KEY,
        recordsKeyArn: RECORDS_KEY,
        producerRole: producer.role,
        apiKeySecretKeyArn: SECRETS_KEY,
    };
}

describe("infra/ingestion IngestionLayer", function () {
    let IngestionLayer: typeof import("../../infra/ingestion").IngestionLayer;
    let layer: InstanceType<typeof IngestionLayer>;

    before(async function () {
        await startMocks("dev", { state: mockState });
        ({ IngestionLayer } = await import("../../infra/ingestion"));
        const { producerPrincipal } = await import("../../infra/components/principal");
        created.length = 0;
        producer = producerPrincipal("ingestion-producer", {
            namePrefix: "e2ee-pipeline-dev",
            region: REGION,
            accountId: ACCOUNT,
            trust: { principalArns: ["arn:aws:iam::222222222222:role/dev-record-producer"], externalId: "external-id-0123456789" },
        });
        layer = new IngestionLayer("ingestion", validArgs());
        await settle();
    });

    it("creates a regional REST API reachable only through its TLS 1.3 custom domain", function () {
        const api = one("aws:apigateway/restApi:RestApi", "ingestion-ingest-api");
        assert.deepEqual(api.inputs.endpointConfiguration, { types: "REGIONAL" });
        assert.equal(api.inputs.disableExecuteApiEndpoint, true);
        assert.equal(api.inputs.securityPolicy, "SecurityPolicy_TLS13_1_3_2025_09");
        assert.equal(api.inputs.endpointAccessMode, "STRICT");
        assert.equal(api.inputs.name, "e2ee-pipeline-dev-ingest");
        assert.deepEqual(api.inputs.binaryMediaTypes, ["application/octet-stream"]);

        const domain = one("aws:apigateway/domainName:DomainName", "ingestion-ingest-domain");
        assert.equal(domain.inputs.domainName, "ingest.dev.pipeline.example.com");
        assert.equal(domain.inputs.securityPolicy, "SecurityPolicy_TLS13_1_3_2025_09");
        assert.equal(domain.inputs.endpointAccessMode, "STRICT");
        assert.deepEqual(domain.inputs.endpointConfiguration, { types: "REGIONAL" });
        assert.equal(domain.inputs.regionalCertificateArn, CERT);
        assert.equal(domain.inputs.certificateArn, undefined);

        const mapping = one("aws:apigateway/basePathMapping:BasePathMapping", "ingestion-ingest-base-path");
        assert.equal(mapping.inputs.basePath, "v1");
        assert.equal(mapping.inputs.stageName, "live");
    });

    it("requires SigV4 (AWS_IAM) and an API key on POST /records", function () {
        const resource = one("aws:apigateway/resource:Resource", "ingestion-ingest-path-0");
        assert.equal(resource.inputs.pathPart, "records");
        assert.equal(resource.inputs.parentId, "root0000");
        const method = one("aws:apigateway/method:Method", "ingestion-ingest-method");
        assert.equal(method.inputs.httpMethod, "POST");
        assert.equal(method.inputs.authorization, "AWS_IAM");
        assert.equal(method.inputs.apiKeyRequired, true);
        assert.equal(method.inputs.authorizerId, undefined);
        assert.equal(created.filter((c) => c.type === "aws:apigateway/authorizer:Authorizer").length, 0);
        const integration = one("aws:apigateway/integration:Integration", "ingestion-ingest-integration");
        assert.equal(integration.inputs.type, "AWS_PROXY");
        assert.match(String(integration.inputs.uri), /function:e2ee-pipeline-dev-ingest\/invocations$/);
        const permission = one("aws:lambda/permission:Permission", "ingestion-ingest-invoke");
        assert.equal(permission.inputs.principal, "apigateway.amazonaws.com");
        assert.equal(permission.inputs.sourceArn, `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/live/POST/records`);
        assert.equal(permission.inputs.sourceAccount, ACCOUNT);
    });

    it("logs access to a KMS-encrypted log group, traces, throttles and meters the stage", function () {
        const logs = one("aws:cloudwatch/logGroup:LogGroup", "ingestion-ingest-access-logs");
        assert.equal(logs.inputs.kmsKeyId, LOGS_KEY);
        assert.equal(logs.inputs.retentionInDays, 90);
        assert.equal((logs.inputs.tags as Record<string, string>)["data-classification"], "confidential");

        const stage = one("aws:apigateway/stage:Stage", "ingestion-ingest-stage");
        assert.equal(stage.inputs.stageName, "live");
        assert.equal(stage.inputs.xrayTracingEnabled, true);
        const als = stage.inputs.accessLogSettings as { destinationArn: string; format: string };
        assert.equal(als.destinationArn, `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/apigateway/e2ee-pipeline-dev-ingest/access`);
        const format = JSON.parse(als.format) as Record<string, string>;
        assert.equal(format.ip, "$context.identity.sourceIp");
        assert.equal(format.userArn, "$context.identity.userArn");
        assert.equal(format.status, "$context.status");

        const settings = one("aws:apigateway/methodSettings:MethodSettings", "ingestion-ingest-method-settings");
        assert.equal(settings.inputs.methodPath, "*/*");
        assert.deepEqual(settings.inputs.settings, {
            throttlingRateLimit: 50,
            throttlingBurstLimit: 100,
            metricsEnabled: true,
            loggingLevel: "OFF",
            dataTraceEnabled: false,
            cachingEnabled: false,
        });

        const plan = one("aws:apigateway/usagePlan:UsagePlan", "ingestion-ingest-usage-plan");
        assert.deepEqual(plan.inputs.throttleSettings, { rateLimit: 50, burstLimit: 100 });
        assert.deepEqual(plan.inputs.quotaSettings, { limit: 1000000, period: "DAY" });
        assert.deepEqual(plan.inputs.apiStages, [{ apiId: API_ID, stage: "live" }]);
        const key = one("aws:apigateway/apiKey:ApiKey", "ingestion-ingest-api-key");
        assert.deepEqual(key.inputs, {
            name: "e2ee-pipeline-dev-ingest-key",
            // The provider SDK's default.
            description: "Managed by Pulumi",
            enabled: true,
            value: asSecret(API_KEY),
            tags: { "e2ee:layer": "ingestion", "managed-by": "pulumi" },
        });
        const planKey = one("aws:apigateway/usagePlanKey:UsagePlanKey", "ingestion-ingest-usage-plan-key");
        assert.equal(planKey.inputs.keyType, "API_KEY");
        assert.equal(planKey.inputs.keyId, "ingestion-ingest-api-key-id");
        assert.equal(planKey.inputs.usagePlanId, "ingestion-ingest-usage-plan-id");
    });

    it("generates the API key (40 letters and digits) and keeps it, as a secret value, in a secret encrypted with the secrets key", async function () {
        const password = one("random:index/randomPassword:RandomPassword", "ingestion-ingest-api-key-value");
        assert.deepEqual(password.inputs, { length: 40, special: false, keepers: { rotation: "1" } });
        const secret = one("aws:secretsmanager/secret:Secret", "ingestion-ingest-api-key-secret");
        assert.deepEqual(secret.inputs, {
            namePrefix: "e2ee-pipeline-dev-ingest-api-key-",
            description: "API key of e2ee-pipeline-dev-ingest (the x-api-key header); callers read it with secretsmanager:GetSecretValue.",
            kmsKeyId: SECRETS_KEY,
            tags: { "e2ee:layer": "ingestion", "managed-by": "pulumi", "data-classification": "restricted" },
        });
        const version = one("aws:secretsmanager/secretVersion:SecretVersion", "ingestion-ingest-api-key-secret-version");
        assert.deepEqual(version.inputs, { secretId: "ingestion-ingest-api-key-secret-id", secretString: asSecret(API_KEY) });
        assert.equal(await valueOf(layer.apiKeySecretArn), API_KEY_SECRET_ARN);
        assert.equal(await valueOf(layer.api.apiKeySecretArn ?? ""), API_KEY_SECRET_ARN);
    });

    it("puts a WAF web ACL with a per-IP rate-based block rule in front of the stage, with redacted logging", function () {
        const acl = one("aws:wafv2/webAcl:WebAcl", "ingestion-ingest-waf");
        assert.equal(acl.inputs.scope, "REGIONAL");
        assert.deepEqual(acl.inputs.defaultAction, { allow: {} });
        const rules = acl.inputs.rules as Record<string, unknown>[];
        assert.deepEqual(rules[0], {
            name: "rate-limit-per-ip",
            priority: 0,
            action: { block: {} },
            statement: { rateBasedStatement: { limit: 1000, aggregateKeyType: "IP", evaluationWindowSec: 300 } },
            visibilityConfig: { cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: "e2ee-pipeline-dev-ingest-rate" },
        });
        assert.deepEqual(
            rules.map((r) => (r.statement as { managedRuleGroupStatement?: { name: string } }).managedRuleGroupStatement?.name),
            [undefined, "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"],
        );
        const assoc = one("aws:wafv2/webAclAssociation:WebAclAssociation", "ingestion-ingest-waf-association");
        assert.equal(assoc.inputs.resourceArn, `arn:aws:apigateway:${REGION}::/restapis/${API_ID}/stages/live`);
        assert.equal(assoc.inputs.webAclArn, `arn:aws:wafv2:${REGION}:${ACCOUNT}:regional/webacl/e2ee-pipeline-dev-ingest-waf/0000`);
        const wafLogs = one("aws:cloudwatch/logGroup:LogGroup", "ingestion-ingest-waf-logs");
        assert.equal(wafLogs.inputs.name, "aws-waf-logs-e2ee-pipeline-dev-ingest");
        assert.equal(wafLogs.inputs.kmsKeyId, LOGS_KEY);
        const wafLogging = one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "ingestion-ingest-waf-logging");
        assert.deepEqual(wafLogging.inputs.logDestinationConfigs, [`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:aws-waf-logs-e2ee-pipeline-dev-ingest`]);
        assert.deepEqual(wafLogging.inputs.redactedFields, [{ singleHeader: { name: "authorization" } }, { singleHeader: { name: "x-api-key" } }]);
    });

    it("encrypts the Kinesis stream with the customer-managed stream key", function () {
        const stream = one("aws:kinesis/stream:Stream", "ingestion-stream");
        assert.equal(stream.inputs.name, "e2ee-pipeline-dev-envelopes");
        assert.equal(stream.inputs.encryptionType, "KMS");
        assert.equal(stream.inputs.kmsKeyId, STORAGE_KEY);
        assert.equal(stream.inputs.retentionPeriod, 24);
        assert.deepEqual(stream.inputs.streamModeDetails, { streamMode: "ON_DEMAND" });
        assert.equal((stream.inputs.tags as Record<string, string>)["data-classification"], "confidential");
    });

    it("runs the ingest function in the private subnets with CMK-encrypted env, DLQ, tracing and reserved concurrency", function () {
        const fn = one("aws:lambda/function:Function", "ingestion-ingest-function");
        assert.equal(fn.inputs.name, "e2ee-pipeline-dev-ingest");
        assert.equal(fn.inputs.runtime, "nodejs22.x");
        assert.equal(fn.inputs.handler, "index.handler");
        assert.equal(fn.inputs.kmsKeyArn, SECRETS_KEY);
        assert.deepEqual(fn.inputs.vpcConfig, { subnetIds: ["subnet-aaa", "subnet-bbb"], securityGroupIds: ["sg-123"] });
        assert.equal(fn.inputs.reservedConcurrentExecutions, 10);
        assert.equal(fn.inputs.timeout, 10);
        assert.deepEqual(fn.inputs.tracingConfig, { mode: "Active" });
        assert.deepEqual(fn.inputs.deadLetterConfig, { targetArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:e2ee-pipeline-dev-ingest-dlq` });
        assert.equal(fn.inputs.role, `arn:aws:iam::${ACCOUNT}:role/e2ee-pipeline-dev-ingest`);
        assert.deepEqual(fn.inputs.environment, {
            variables: {
                INGEST_STREAM_NAME: "e2ee-pipeline-dev-envelopes",
                DEDUP_TABLE_NAME: "e2ee-pipeline-dev-dedup",
                MAX_ENVELOPE_BYTES: "262144",
            },
        });
        const logs = one("aws:cloudwatch/logGroup:LogGroup", "ingestion-ingest-logs");
        assert.equal(logs.inputs.name, "/aws/lambda/e2ee-pipeline-dev-ingest");
        assert.equal(logs.inputs.kmsKeyId, LOGS_KEY);
        assert.deepEqual(fn.inputs.loggingConfig, {
            logFormat: "JSON",
            logGroup: "/aws/lambda/e2ee-pipeline-dev-ingest",
            applicationLogLevel: "INFO",
            systemLogLevel: "WARN",
        });

        const dlq = one("aws:sqs/queue:Queue", "ingestion-ingest-dlq");
        assert.equal(dlq.inputs.kmsMasterKeyId, STORAGE_KEY);
        assert.equal(dlq.inputs.sqsManagedSseEnabled, undefined);
        assert.equal((dlq.inputs.tags as Record<string, string>)["data-classification"], "confidential");
        const dlqPolicy = policyOf(one("aws:sqs/queuePolicy:QueuePolicy", "ingestion-ingest-dlq-policy"));
        assert.deepEqual(dlqPolicy.Statement, [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "sqs:*",
                Resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:e2ee-pipeline-dev-ingest-dlq`,
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ]);
    });

    it("gives the ingest role exactly its own resources and no permission on the records key", function () {
        const role = one("aws:iam/role:Role", "ingestion-ingest-role");
        assert.equal(role.inputs.name, "e2ee-pipeline-dev-ingest");
        assert.equal((role.inputs.tags as Record<string, string>)["e2ee:principal-role"], "ingest");
        assert.deepEqual(policyOf(role, "assumeRolePolicy").Statement, [
            {
                Sid: "AssumeByService",
                Effect: "Allow",
                Principal: { Service: "lambda.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
            },
        ]);
        const policy = one("aws:iam/rolePolicy:RolePolicy", "ingestion-ingest-policy");
        assert.equal(policy.inputs.role, "e2ee-pipeline-dev-ingest");
        const bySid = new Map(policyOf(policy).Statement.map((s) => [s.Sid as string, s]));
        assert.deepEqual([...bySid.keys()], [
            "WriteOwnLogs",
            "WriteTraces",
            "DescribeVpcNetworking",
            "CreateFunctionEnis",
            "ManageFunctionEnis",
            "SendToOwnDeadLetterQueue",
            "EncryptDeadLetterMessages",
            "PutEnvelopesOnStream",
            "EncryptStreamRecords",
            "DeduplicateRecordIds",
            "UseDedupTableKeyThroughDynamoDb",
        ]);
        assert.deepEqual(bySid.get("PutEnvelopesOnStream"), {
            Sid: "PutEnvelopesOnStream",
            Effect: "Allow",
            Action: ["kinesis:PutRecord", "kinesis:PutRecords"],
            Resource: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/e2ee-pipeline-dev-envelopes`,
        });
        assert.deepEqual(bySid.get("EncryptStreamRecords"), {
            Sid: "EncryptStreamRecords",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey"],
            Resource: STORAGE_KEY,
            Condition: { StringEquals: { "kms:ViaService": `kinesis.${REGION}.amazonaws.com` } },
        });
        assert.deepEqual(bySid.get("DeduplicateRecordIds"), {
            Sid: "DeduplicateRecordIds",
            Effect: "Allow",
            // Powertools idempotency: claim (put), read a claim (get), mark COMPLETED (update), release (delete).
            Action: ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
            Resource: DEDUP_TABLE_ARN,
        });
        assert.deepEqual(bySid.get("UseDedupTableKeyThroughDynamoDb"), {
            Sid: "UseDedupTableKeyThroughDynamoDb",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
            Resource: STORAGE_KEY,
            Condition: { StringEquals: { "kms:ViaService": `dynamodb.${REGION}.amazonaws.com` } },
        });
        assert.deepEqual(bySid.get("WriteOwnLogs")?.Resource, `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/e2ee-pipeline-dev-ingest:*`);
        assert.deepEqual(bySid.get("CreateFunctionEnis")?.Resource, [
            `arn:aws:ec2:${REGION}:${ACCOUNT}:network-interface/*`,
            `arn:aws:ec2:${REGION}:${ACCOUNT}:subnet/subnet-aaa`,
            `arn:aws:ec2:${REGION}:${ACCOUNT}:subnet/subnet-bbb`,
            `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/sg-123`,
        ]);
        // Wildcard resources only for actions without resource-level permissions.
        for (const s of bySid.values()) {
            if (s.Resource === "*") {
                for (const a of s.Action as string[]) assert.match(a, /^(xray:Put|ec2:Describe)/, `${a} must not have Resource "*"`);
            }
        }
    });

    it("gives the producer role (created before the layer) GenerateDataKey on the records key, Invoke on the one route and the API key's secret; it is assumed with an external id", async function () {
        const role = one("aws:iam/role:Role", "ingestion-producer-role");
        assert.equal(role.inputs.name, "e2ee-pipeline-dev-producer");
        assert.equal(await valueOf(layer.producerRoleName), "e2ee-pipeline-dev-producer");
        assert.equal((role.inputs.tags as Record<string, string>)["e2ee:principal-role"], "producer");
        assert.deepEqual(policyOf(role, "assumeRolePolicy").Statement, [
            {
                Sid: "AssumeByProducer",
                Effect: "Allow",
                Principal: { AWS: ["arn:aws:iam::222222222222:role/dev-record-producer"] },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "sts:ExternalId": "external-id-0123456789" } },
            },
        ]);
        assert.deepEqual(policyOf(one("aws:iam/rolePolicy:RolePolicy", "ingestion-producer-policy")).Statement, [
            { Sid: "CreateRecordDataKeys", Effect: "Allow", Action: ["kms:GenerateDataKey"], Resource: RECORDS_KEY },
            {
                Sid: "SubmitRecords",
                Effect: "Allow",
                Action: ["execute-api:Invoke"],
                Resource: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/live/POST/records`,
            },
            { Sid: "ReadApiKey", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: API_KEY_SECRET_ARN },
            {
                Sid: "DecryptApiKeyThroughSecretsManager",
                Effect: "Allow",
                Action: ["kms:Decrypt"],
                Resource: SECRETS_KEY,
                Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${REGION}.amazonaws.com`, "kms:EncryptionContext:SecretARN": API_KEY_SECRET_ARN } },
            },
        ]);
    });

    it("grants kms:Decrypt on the records key to no role of the layer", function () {
        const policies = ofType("aws:iam/rolePolicy:RolePolicy");
        assert.deepEqual(policies.map((p) => p.name).sort(), ["ingestion-apigateway-logs-policy", "ingestion-ingest-policy", "ingestion-producer-policy"]);
        for (const p of policies) {
            for (const s of policyOf(p).Statement) {
                const resources = ([] as unknown[]).concat(s.Resource);
                const actions = ([] as unknown[]).concat(s.Action);
                if (resources.includes(RECORDS_KEY)) {
                    assert.deepEqual(actions, ["kms:GenerateDataKey"], `${p.name} ${String(s.Sid)}`);
                    assert.equal(p.name, "ingestion-producer-policy");
                }
            }
        }
    });

    it("exposes known names and the endpoint URL", async function () {
        assert.equal(layer.api.endpointUrl, "https://ingest.dev.pipeline.example.com/v1/records");
        assert.equal(layer.api.apiName, "e2ee-pipeline-dev-ingest");
        const [streamArn, producerRoleArn] = await new Promise<[string, string]>((resolve) =>
            pulumi.all([layer.streamArn, layer.producerRoleArn]).apply(([a, b]) => resolve([a, b])),
        );
        assert.equal(streamArn, `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/e2ee-pipeline-dev-envelopes`);
        assert.equal(producerRoleArn, `arn:aws:iam::${ACCOUNT}:role/e2ee-pipeline-dev-producer`);
    });

    it("sets the API Gateway account's CloudWatch Logs role, scoped to this account's log groups", function () {
        const role = one("aws:iam/role:Role", "ingestion-apigateway-logs-role");
        assert.equal(role.inputs.name, "e2ee-pipeline-dev-apigateway-logs");
        assert.equal((role.inputs.tags as Record<string, string>)["e2ee:principal-role"], "api-logging");
        assert.deepEqual((policyOf(role, "assumeRolePolicy").Statement[0] as { Principal: unknown }).Principal, { Service: "apigateway.amazonaws.com" });
        assert.deepEqual(policyOf(one("aws:iam/rolePolicy:RolePolicy", "ingestion-apigateway-logs-policy")).Statement, [
            {
                Sid: "WriteApiLogs",
                Effect: "Allow",
                Action: [
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:DescribeLogGroups",
                    "logs:DescribeLogStreams",
                    "logs:PutLogEvents",
                    "logs:GetLogEvents",
                    "logs:FilterLogEvents",
                ],
                Resource: [`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:*`, `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:*:*`],
            },
        ]);
        const account = one("aws:apigateway/account:Account", "ingestion-apigateway-account");
        assert.equal(account.inputs.cloudwatchRoleArn, `arn:aws:iam::${ACCOUNT}:role/e2ee-pipeline-dev-apigateway-logs`);
        assert.ok(layer.apiGatewayAccount !== undefined);
    });

    it("leaves the account setting alone when manageApiGatewayAccount is false", async function () {
        created.length = 0;
        const other = new IngestionLayer("ingestion-noacct", { ...validArgs(), manageApiGatewayAccount: false });
        await settle();
        assert.equal(ofType("aws:apigateway/account:Account").length, 0);
        assert.equal(other.apiGatewayAccount, undefined);
        assert.equal(ofType("aws:apigateway/stage:Stage").length, 1);
    });

    it("rotates the key when apiKeyRotation changes (the RandomPassword's keeper)", async function () {
        created.length = 0;
        new IngestionLayer("ingestion-rotated", { ...validArgs(), apiKeyRotation: "2026-01-15" });
        await settle();
        assert.deepEqual(one("random:index/randomPassword:RandomPassword", "ingestion-rotated-ingest-api-key-value").inputs.keepers, { rotation: "2026-01-15" });
    });

    it("uses provisioned capacity when a shard count is given", async function () {
        created.length = 0;
        new IngestionLayer("ingestion-prov", { ...validArgs(), namePrefix: "e2ee-pipeline-prod", streamShardCount: 4 });
        await settle();
        const stream = one("aws:kinesis/stream:Stream", "ingestion-prov-stream");
        assert.deepEqual(stream.inputs.streamModeDetails, { streamMode: "PROVISIONED" });
        assert.equal(stream.inputs.shardCount, 4);
    });

    describe("argument validation (names the argument, creates nothing)", function () {
        it("validateIngestionLayerArgs applies the defaults", function () {
            assert.deepEqual(validateIngestionLayerArgs(validArgs()), {
                namePrefix: "e2ee-pipeline-dev",
                region: REGION,
                tags: {},
                logsKeyArn: LOGS_KEY,
                logRetentionDays: 90,
                dataClassification: "confidential",
                domainName: "ingest.dev.pipeline.example.com",
                basePath: "v1",
                throttleRateLimit: 50,
                throttleBurstLimit: 100,
                quotaPerDay: 1000000,
                wafRateLimitPer5Min: 1000,
                streamRetentionHours: 24,
                maxEnvelopeBytes: 262144,
                sizing: { reservedConcurrency: 10, timeoutSeconds: 10, memoryMb: 256 },
                apiKeySecret: { kmsKeyArn: SECRETS_KEY, rotation: "1" },
            });
        });

        const cases: [string, Partial<Record<keyof IngestionLayerArgs, unknown>>, string][] = [
            ["missing domainName", { domainName: undefined }, 'IngestionLayer: argument "domainName" is required'],
            [
                "upper-case domainName",
                { domainName: "Ingest.Example.com" },
                'IngestionLayer: argument "domainName" must be a lower-case fully-qualified domain name, got "Ingest.Example.com"',
            ],
            ["missing certificateArn", { certificateArn: undefined }, 'IngestionLayer: argument "certificateArn" is required'],
            ["records key as stream key", { streamKeyArn: RECORDS_KEY }, 'IngestionLayer: argument "streamKeyArn" must not be the records key (recordsKeyArn)'],
            ["records key as queue key", { queueKeyArn: RECORDS_KEY }, 'IngestionLayer: argument "queueKeyArn" must not be the records key (recordsKeyArn)'],
            ["missing producerRole", { producerRole: undefined }, 'IngestionLayer: argument "producerRole" is required'],
            ["missing apiKeySecretKeyArn", { apiKeySecretKeyArn: undefined }, 'IngestionLayer: argument "apiKeySecretKeyArn" is required'],
            ["records key as the API key secret's key", { apiKeySecretKeyArn: RECORDS_KEY }, 'IngestionLayer: argument "apiKeySecretKeyArn" must not be the records key (recordsKeyArn)'],
            ["bad apiKeyRotation", { apiKeyRotation: "next week" }, 'IngestionLayer: argument "apiKeyRotation" must be 1-64 letters, digits, ".", "_", ":" or "-", got "next week"'],
            ["empty subnets", { privateSubnetIds: [] }, 'IngestionLayer: argument "privateSubnetIds" must not be empty'],
            ["missing envKeyArn", { envKeyArn: undefined }, 'IngestionLayer: argument "envKeyArn" is required'],
            ["timeout above API Gateway's limit", { timeoutSeconds: 30 }, 'IngestionLayer: argument "timeoutSeconds" must be an integer from 1 to 29, got 30'],
            ["WAF limit too low", { wafRateLimitPer5Min: 5 }, 'IngestionLayer: argument "wafRateLimitPer5Min" must be an integer from 10 to 2000000000, got 5'],
            [
                "bad log retention",
                { logRetentionDays: 10 },
                'IngestionLayer: argument "logRetentionDays" must be a CloudWatch Logs retention value of at least 90 days (90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653), got 10',
            ],
            ["a 60-day log retention (below the 90-day floor)", { logRetentionDays: 60 }, 'IngestionLayer: argument "logRetentionDays" must be a CloudWatch Logs retention value of at least 90 days (90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653), got 60'],
            [
                "bad namePrefix",
                { namePrefix: "E2EE_dev" },
                'IngestionLayer: argument "namePrefix" must be 1-40 lower-case letters, digits or "-", starting with a letter, got "E2EE_dev"',
            ],
            ["bad basePath", { basePath: "/v1" }, 'IngestionLayer: argument "basePath" must be 1-63 lower-case letters, digits or "-", got "/v1"'],
        ];
        for (const [title, patch, message] of cases) {
            it(title, async function () {
                created.length = 0;
                assert.throws(() => validateIngestionLayerArgs({ ...validArgs(), ...patch } as IngestionLayerArgs), { message });
                assert.throws(() => new IngestionLayer(`bad-${title}`, { ...validArgs(), ...patch } as IngestionLayerArgs), { message });
                await settle();
                assert.equal(created.length, 0);
            });
        }
    });
});
