import assert from "node:assert/strict";
import { MonitoringLayer, MonitoringLayerArgs, REJECTED_FLOWS_PATTERN, TRAIL_PATTERNS, recordsKeyUsePattern, validateMonitoringLayerArgs } from "../../infra/monitoring";
import { ACCOUNTS, REGION, created, one, ofType, policyOf, settle, startMocks, statement, valueOf } from "./support/harness";

const ACCOUNT = ACCOUNTS.test;
const LOGS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/logs-0003`;
const RECORDS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/records-0001`;
const RECIPIENT = `arn:aws:iam::${ACCOUNT}:role/e2ee-pipeline-test-recipient`;
const PRODUCER = `arn:aws:iam::${ACCOUNT}:role/e2ee-pipeline-test-producer`;
const DATA_BUCKET = "arn:aws:s3:::e2ee-pipeline-test-data-lake";
const TRAIL_ARN = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/e2ee-pipeline-test-trail`;
const NS = "e2ee-pipeline-test/security";

const args = (over: Partial<MonitoringLayerArgs> = {}): MonitoringLayerArgs => ({
    namePrefix: "e2ee-pipeline-test",
    region: REGION,
    accountId: ACCOUNT,
    logsKeyArn: LOGS_KEY,
    logRetentionDays: 365,
    recordsKeyArn: RECORDS_KEY,
    recipientRoleArn: RECIPIENT,
    producerRoleArn: PRODUCER,
    dataEventBucketArns: [DATA_BUCKET],
    streamName: "e2ee-pipeline-test-envelopes",
    deadLetterQueues: { ingest: "e2ee-pipeline-test-ingest-dlq", process: "e2ee-pipeline-test-process-dlq" },
    functions: { ingest: "e2ee-pipeline-test-ingest", process: "e2ee-pipeline-test-process" },
    stateMachines: { pipeline: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:e2ee-pipeline-test-pipeline` },
    restApis: { ingest: { apiName: "e2ee-pipeline-test-ingest", stage: "live" }, recipient: { apiName: "e2ee-pipeline-test-recipient", stage: "live" } },
    flowLogGroupName: "/vpc/e2ee-pipeline-test/flow-logs",
    thresholds: { ingestRecordsPer5Min: 5000, dlqDepth: 2, functionErrors: 3, authFailures: 7, unauthorizedApiCalls: 4 },
    ...over,
});

describe("infra/monitoring recordsKeyUsePattern", function () {
    it("matches records-key use by anyone but every expected role (the recipient function's and the Kubernetes recipient's)", async function () {
        const key = "arn:aws:kms:eu-west-1:111111111111:key/k";
        const [a, b] = ["arn:aws:iam::111111111111:role/r", "arn:aws:iam::111111111111:role/k8s-r"];
        assert.equal(
            await valueOf(recordsKeyUsePattern("Decrypt", key, [a, b])),
            `{ ($.eventSource = "kms.amazonaws.com") && ($.eventName = "Decrypt") && ($.resources[0].ARN = "${key}") && (($.userIdentity.type != "AssumedRole") || (($.userIdentity.sessionContext.sessionIssuer.arn != "${a}") && ($.userIdentity.sessionContext.sessionIssuer.arn != "${b}"))) }`,
        );
    });
});

describe("infra/monitoring MonitoringLayer", function () {
    before(async function () {
        await startMocks("test");
        new MonitoringLayer("monitoring", args());
        await settle();
    });

    it("multi-region trail with log-file validation, logs-key encryption, CloudWatch delivery and S3 data events on the data lake", function () {
        const trail = one("aws:cloudtrail/trail:Trail", "monitoring-trail");
        const bucket = one("aws:s3/bucket:Bucket", "monitoring-trail-bucket");
        const lg = one("aws:cloudwatch/logGroup:LogGroup", "monitoring-trail-logs");
        const role = one("aws:iam/role:Role", "monitoring-trail-role");
        assert.equal(trail.inputs.name, "e2ee-pipeline-test-trail");
        assert.equal(trail.inputs.isMultiRegionTrail, true);
        assert.equal(trail.inputs.includeGlobalServiceEvents, true);
        assert.equal(trail.inputs.enableLogFileValidation, true);
        assert.equal(trail.inputs.kmsKeyId, LOGS_KEY);
        assert.equal(trail.inputs.s3BucketName, bucket.state.bucket);
        assert.equal(trail.inputs.cloudWatchLogsGroupArn, `${String(lg.state.arn)}:*`);
        assert.equal(trail.inputs.cloudWatchLogsRoleArn, role.state.arn);
        assert.deepEqual(trail.inputs.eventSelectors, [
            { readWriteType: "All", includeManagementEvents: true, dataResources: [{ type: "AWS::S3::Object", values: [`${DATA_BUCKET}/`] }] },
        ]);
        assert.equal(lg.inputs.kmsKeyId, LOGS_KEY);
        assert.equal(lg.inputs.retentionInDays, 365);
        assert.deepEqual(policyOf(one("aws:iam/rolePolicy:RolePolicy", "monitoring-trail-role-policy")).Statement[0].Resource, `${String(lg.state.arn)}:log-stream:*`);
        assert.deepEqual(statement(policyOf(role, "assumeRolePolicy"), "AssumeByService").Principal, { Service: "cloudtrail.amazonaws.com" });
    });

    it("trail bucket: own encryption, versioning, public access block, TLS 1.3 policy and CloudTrail writes scoped to this trail", function () {
        const bucket = one("aws:s3/bucket:Bucket", "monitoring-trail-bucket");
        const arn = String(bucket.state.arn);
        // A globally unique name of its own (random suffix kept in state); a deployed bucket keeps the name it has.
        const suffix = one("random:index/randomId:RandomId", "monitoring-trail-bucket-suffix");
        assert.deepEqual(suffix.inputs, { byteLength: 4 });
        assert.equal(bucket.inputs.bucket, `e2ee-pipeline-test-cloudtrail-${String(suffix.state.hex)}`);
        assert.deepEqual(bucket.ignoreChanges, ["bucket"]);
        assert.deepEqual(
            one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "monitoring-trail-bucket-encryption").inputs.rules,
            [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: LOGS_KEY }, bucketKeyEnabled: true }],
        );
        assert.deepEqual(one("aws:s3/bucketVersioning:BucketVersioning", "monitoring-trail-bucket-versioning").inputs.versioningConfiguration, { status: "Enabled" });
        const pab = one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "monitoring-trail-bucket-public-access-block");
        for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(pab.inputs[k], true, k);
        const doc = policyOf(one("aws:s3/bucketPolicy:BucketPolicy", "monitoring-trail-bucket-policy"));
        assert.deepEqual(doc.Statement.map((s) => s.Sid), ["DenyInsecureTransport", "DenyTlsOlderThan13", "CloudTrailAclCheck", "CloudTrailWrite"]);
        assert.deepEqual(statement(doc, "DenyTlsOlderThan13").Condition, { NumericLessThan: { "s3:TlsVersion": "1.3" } });
        assert.deepEqual(statement(doc, "CloudTrailWrite"), {
            Sid: "CloudTrailWrite",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `${arn}/AWSLogs/${ACCOUNT}/*`,
            Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": TRAIL_ARN } },
        });
    });

    it("GuardDuty detector with S3 and Lambda network protection; findings >= 4 go to the alert topic", function () {
        const d = one("aws:guardduty/detector:Detector", "monitoring-guardduty");
        assert.equal(d.inputs.enable, true);
        assert.deepEqual(
            ofType("aws:guardduty/detectorFeature:DetectorFeature").map((f) => [f.inputs.name, f.inputs.status, f.inputs.detectorId]),
            [["S3_DATA_EVENTS", "ENABLED", d.id], ["LAMBDA_NETWORK_LOGS", "ENABLED", d.id]],
        );
        const rule = one("aws:cloudwatch/eventRule:EventRule", "monitoring-guardduty-findings");
        assert.deepEqual(JSON.parse(String(rule.inputs.eventPattern)), {
            source: ["aws.guardduty"],
            "detail-type": ["GuardDuty Finding"],
            detail: { severity: [{ numeric: [">=", 4] }] },
        });
        const topic = one("aws:sns/topic:Topic", "monitoring-alerts");
        assert.equal(one("aws:cloudwatch/eventTarget:EventTarget", "monitoring-guardduty-findings-target").inputs.arn, topic.state.arn);
    });

    it("alert topic encrypted with a customer-managed key; only this account's alarms and events publish, over TLS", function () {
        const topic = one("aws:sns/topic:Topic", "monitoring-alerts");
        assert.equal(topic.inputs.kmsMasterKeyId, LOGS_KEY);
        assert.equal((topic.inputs.tags as Record<string, string>)["data-classification"], "internal");
        const doc = policyOf(one("aws:sns/topicPolicy:TopicPolicy", "monitoring-alerts-policy"));
        assert.deepEqual(statement(doc, "AlarmsAndEventsPublish").Condition, { StringEquals: { "aws:SourceAccount": ACCOUNT } });
        assert.deepEqual(statement(doc, "DenyInsecureTransport").Condition, { Bool: { "aws:SecureTransport": "false" } });
        assert.equal(ofType("aws:sns/topicSubscription:TopicSubscription").length, 0);
    });

    it("metric filters: Table 3 rows from CloudTrail, records-key use by unexpected principals, rejected flows", function () {
        const filters = Object.fromEntries(ofType("aws:cloudwatch/logMetricFilter:LogMetricFilter").map((f) => [f.name, f.inputs]));
        const trailLogs = "/aws/cloudtrail/e2ee-pipeline-test";
        const expect: Record<string, [string, string, string]> = {
            "monitoring-auth-failures-filter": [trailLogs, TRAIL_PATTERNS.authFailures, "AuthFailures"],
            "monitoring-unauthorized-api-calls-filter": [trailLogs, TRAIL_PATTERNS.unauthorizedApiCalls, "UnauthorizedApiCalls"],
            "monitoring-iam-policy-changes-filter": [trailLogs, TRAIL_PATTERNS.iamPolicyChanges, "IamPolicyChanges"],
            "monitoring-kms-key-changes-filter": [trailLogs, TRAIL_PATTERNS.kmsKeyChanges, "KmsKeyChanges"],
            "monitoring-s3-policy-changes-filter": [trailLogs, TRAIL_PATTERNS.s3PolicyChanges, "S3PolicyChanges"],
            "monitoring-records-key-unexpected-decrypt-filter": [
                trailLogs,
                `{ ($.eventSource = "kms.amazonaws.com") && ($.eventName = "Decrypt") && ($.resources[0].ARN = "${RECORDS_KEY}") && (($.userIdentity.type != "AssumedRole") || ($.userIdentity.sessionContext.sessionIssuer.arn != "${RECIPIENT}")) }`,
                "RecordsKeyUnexpectedDecrypt",
            ],
            "monitoring-records-key-unexpected-data-key-filter": [
                trailLogs,
                `{ ($.eventSource = "kms.amazonaws.com") && ($.eventName = "GenerateDataKey") && ($.resources[0].ARN = "${RECORDS_KEY}") && (($.userIdentity.type != "AssumedRole") || ($.userIdentity.sessionContext.sessionIssuer.arn != "${PRODUCER}")) }`,
                "RecordsKeyUnexpectedDataKey",
            ],
            "monitoring-rejected-flows-filter": ["/vpc/e2ee-pipeline-test/flow-logs", REJECTED_FLOWS_PATTERN, "RejectedFlows"],
        };
        assert.deepEqual(Object.keys(filters).sort(), Object.keys(expect).sort());
        for (const [name, [logGroupName, pattern, metricName]] of Object.entries(expect)) {
            assert.equal(filters[name].logGroupName, logGroupName, name);
            assert.equal(filters[name].pattern, pattern, name);
            assert.deepEqual(filters[name].metricTransformation, { name: metricName, namespace: NS, value: "1", defaultValue: "0" }, name);
        }
        for (const f of Object.values(filters)) assert.ok(String(f.pattern).length <= 1024, "metric filter patterns are limited to 1024 characters");
    });

    it("alarms: every Table 3 signal, per DLQ, per function, per state machine; all notify the alert topic", function () {
        const topicArn = one("aws:sns/topic:Topic", "monitoring-alerts").state.arn;
        const alarms = Object.fromEntries(ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => [String(a.inputs.name).replace("e2ee-pipeline-test-", ""), a.inputs]));
        const summary = Object.fromEntries(
            Object.entries(alarms).map(([k, a]) => [k, [a.namespace, a.metricName, a.statistic, a.period, a.threshold, a.dimensions ?? null]]),
        );
        assert.deepEqual(summary, {
            "auth-failures": [NS, "AuthFailures", "Sum", 300, 7, null],
            "unauthorized-api-calls": [NS, "UnauthorizedApiCalls", "Sum", 300, 4, null],
            "iam-policy-changes": [NS, "IamPolicyChanges", "Sum", 300, 1, null],
            "kms-key-changes": [NS, "KmsKeyChanges", "Sum", 300, 1, null],
            "s3-policy-changes": [NS, "S3PolicyChanges", "Sum", 300, 1, null],
            "records-key-unexpected-decrypt": [NS, "RecordsKeyUnexpectedDecrypt", "Sum", 300, 1, null],
            "records-key-unexpected-data-key": [NS, "RecordsKeyUnexpectedDataKey", "Sum", 300, 1, null],
            "rejected-flows": [NS, "RejectedFlows", "Sum", 300, 100, null],
            "api-4xx-ingest": ["AWS/ApiGateway", "4XXError", "Sum", 300, 7, { ApiName: "e2ee-pipeline-test-ingest", Stage: "live" }],
            "api-4xx-recipient": ["AWS/ApiGateway", "4XXError", "Sum", 300, 7, { ApiName: "e2ee-pipeline-test-recipient", Stage: "live" }],
            "ingest-volume": ["AWS/Kinesis", "IncomingRecords", "Sum", 300, 5000, { StreamName: "e2ee-pipeline-test-envelopes" }],
            "dlq-ingest": ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", 60, 2, { QueueName: "e2ee-pipeline-test-ingest-dlq" }],
            "dlq-process": ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", 60, 2, { QueueName: "e2ee-pipeline-test-process-dlq" }],
            "errors-ingest": ["AWS/Lambda", "Errors", "Sum", 300, 3, { FunctionName: "e2ee-pipeline-test-ingest" }],
            "errors-process": ["AWS/Lambda", "Errors", "Sum", 300, 3, { FunctionName: "e2ee-pipeline-test-process" }],
            "failed-executions-pipeline": [
                "AWS/States",
                "ExecutionsFailed",
                "Sum",
                300,
                3,
                { StateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:e2ee-pipeline-test-pipeline` },
            ],
        });
        for (const a of Object.values(alarms)) {
            assert.deepEqual(a.alarmActions, [topicArn]);
            assert.equal(a.comparisonOperator, "GreaterThanOrEqualToThreshold");
            assert.equal(a.treatMissingData, "notBreaching");
        }
    });

    it("optional watches are left out when not given, and an alarm email subscribes to the topic", async function () {
        await startMocks("test");
        new MonitoringLayer("monitoring", {
            ...args(),
            streamName: undefined,
            deadLetterQueues: undefined,
            functions: undefined,
            stateMachines: undefined,
            restApis: undefined,
            flowLogGroupName: undefined,
            dataEventBucketArns: undefined,
            alarmEmail: "secops@example.com",
        });
        await settle();
        assert.equal(ofType("aws:cloudwatch/metricAlarm:MetricAlarm").length, 7);
        assert.deepEqual(one("aws:cloudtrail/trail:Trail", "monitoring-trail").inputs.eventSelectors, [{ readWriteType: "All", includeManagementEvents: true }]);
        const sub = one("aws:sns/topicSubscription:TopicSubscription", "monitoring-alerts-email");
        assert.deepEqual([sub.inputs.protocol, sub.inputs.endpoint], ["email", "secops@example.com"]);
    });

    it("validateMonitoringLayerArgs applies the defaults", function () {
        assert.deepEqual(validateMonitoringLayerArgs(args({ logRetentionDays: undefined })), {
            namePrefix: "e2ee-pipeline-test",
            region: REGION,
            tags: {},
            logsKeyArn: LOGS_KEY,
            logRetentionDays: 365,
            thresholds: { ingestRecordsPer5Min: 5000, dlqDepth: 2, functionErrors: 3, authFailures: 7, unauthorizedApiCalls: 4, rejectedFlows: 100 },
        });
    });

    const invalid: [string, Partial<MonitoringLayerArgs>, string][] = [
        ["a missing recipient role", { recipientRoleArn: "" }, 'MonitoringLayer: argument "recipientRoleArn" is required'],
        ["a zero DLQ threshold", { thresholds: { ingestRecordsPer5Min: 1, dlqDepth: 0, functionErrors: 1, authFailures: 1, unauthorizedApiCalls: 1 } }, 'MonitoringLayer: argument "thresholds.dlqDepth" must be an integer from 1 to 9007199254740991, got 0'],
        ["a bad function label", { functions: { "Ingest Fn": "x" } }, 'MonitoringLayer: argument "functions" has an invalid label "Ingest Fn" (lower-case letters, digits, "-")'],
        ["a bad email", { alarmEmail: "nobody" }, 'MonitoringLayer: argument "alarmEmail" must be an email address, got "nobody"'],
        ["a 30-day retention", { logRetentionDays: 30 }, 'MonitoringLayer: argument "logRetentionDays" must be a CloudWatch Logs retention value of at least 90 days (90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653), got 30'],
        ["a 91-day retention (CloudWatch Logs has no such value)", { logRetentionDays: 91 }, 'MonitoringLayer: argument "logRetentionDays" must be a CloudWatch Logs retention value of at least 90 days (90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653), got 91'],
    ];
    for (const [what, over, message] of invalid) {
        it(`rejects ${what} before creating anything`, async function () {
            await startMocks("test");
            assert.throws(() => validateMonitoringLayerArgs(args(over)), { message });
            assert.throws(() => new MonitoringLayer("monitoring", args(over)), { message });
            await settle();
            assert.equal(created.length, 0);
        });
    }
});
