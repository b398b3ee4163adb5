/**
 * Monitoring layer (paper 5.5 and Table 3): audit logging, threat detection and alerts across all layers.
 *
 * - A multi-region CloudTrail trail with log-file validation, encrypted with the logs key, delivered to its own
 *   private, versioned, TLS-1.3-only bucket and to an encrypted CloudWatch log group; S3 data events on the data lake
 *   (storage access patterns).
 * - GuardDuty (runtime threat detection) with findings forwarded to the alert topic.
 * - An SNS alert topic encrypted with a customer-managed key.
 * - Metric filters and alarms for the Table 3 rows that apply: authentication failures, unusual ingestion volume,
 *   records-key use by unexpected principals (Decrypt by anyone but the recipient, data keys for anyone but the
 *   producer), unauthorised API calls, permission changes (IAM, KMS, S3 bucket policies), rejected network flows,
 *   dead-letter queue depth, function errors and failed orchestrations.
 *
 * The layer watches what other layers created: it takes their names and ARNs as arguments.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SecureBucket, createSecureBucket, uniqueBucketName } from "./lib/bucket";
import { LoggingLayerArgs, ValidLoggingArgs, accountEnvironment, validateLoggingArgs } from "./lib/layer";
import { Statement, denyInsecureTransport, policyDocument } from "./lib/policy";
import { principalRoleArgs } from "./lib/principal";
import { layerTags, storeTags } from "./lib/tags";
import { checkInt, required } from "./lib/validate";

const COMPONENT = "MonitoringLayer";

export interface MonitoringThresholds {
    /** Kinesis IncomingRecords (sum over 5 minutes). Required. */
    readonly ingestRecordsPer5Min: number;
    /** Messages visible in a dead-letter queue (maximum over 1 minute). Required. */
    readonly dlqDepth: number;
    /** Lambda Errors per function and failed executions per state machine (sum over 5 minutes). Required. */
    readonly functionErrors: number;
    /** Failed console logins plus API 4XX responses (sum over 5 minutes). Required. */
    readonly authFailures: number;
    /** AccessDenied / UnauthorizedOperation errors (sum over 5 minutes). Required. */
    readonly unauthorizedApiCalls: number;
    /** Rejected VPC flows (sum over 5 minutes). Default 100. */
    readonly rejectedFlows?: number;
}

export interface MonitoredRestApi {
    /** Physical name of the REST API (CloudWatch dimension `ApiName`). */
    readonly apiName: string;
    /** Stage name (dimension `Stage`). */
    readonly stage: pulumi.Input<string>;
}

/** The logs key (`logsKeyArn`) encrypts the trail, its log group and bucket, and the alert topic. */
export interface MonitoringLayerArgs extends LoggingLayerArgs {
    /** ARN of the records key whose use is watched. Required. */
    readonly recordsKeyArn: pulumi.Input<string>;
    /** ARN of the recipient role: an expected `kms:Decrypt` principal of the records key. Required. */
    readonly recipientRoleArn: pulumi.Input<string>;
    /** ARNs of the other recipient roles (the Kubernetes recipient's), expected `kms:Decrypt` principals too. Default none. */
    readonly otherRecipientRoleArns?: readonly pulumi.Input<string>[];
    /** ARN of the producer role: the only expected `kms:GenerateDataKey` principal of the records key. Required. */
    readonly producerRoleArn: pulumi.Input<string>;
    /** Buckets whose object-level access is recorded by the trail (S3 data events). Default none. */
    readonly dataEventBucketArns?: readonly pulumi.Input<string>[];
    /** Kinesis stream of accepted records (ingestion volume). Default: no volume alarm. */
    readonly streamName?: pulumi.Input<string>;
    /** Dead-letter queues by label (label -> queue name). Default none. */
    readonly deadLetterQueues?: Readonly<Record<string, pulumi.Input<string>>>;
    /** Lambda functions by label (label -> function name). Default none. */
    readonly functions?: Readonly<Record<string, pulumi.Input<string>>>;
    /** State machines by label (label -> state machine ARN). Default none. */
    readonly stateMachines?: Readonly<Record<string, pulumi.Input<string>>>;
    /** REST APIs by label (4XX responses, which include 401/403, count as authentication failures). Default none. */
    readonly restApis?: Readonly<Record<string, MonitoredRestApi>>;
    /** VPC flow-log group (rejected flows). Default none. */
    readonly flowLogGroupName?: pulumi.Input<string>;
    readonly thresholds: MonitoringThresholds;
    /** Email subscribed to the alert topic. Default none. */
    readonly alarmEmail?: string;
}

/** CloudTrail metric filter patterns (CIS AWS Foundations 4.x style), except the records-key ones built per stack. */
export const TRAIL_PATTERNS = {
    authFailures: '{ ($.eventName = "ConsoleLogin") && ($.errorMessage = "Failed authentication") }',
    unauthorizedApiCalls: '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    iamPolicyChanges:
        "{ ($.eventSource = \"iam.amazonaws.com\") && (($.eventName = \"DeleteGroupPolicy\") || ($.eventName = \"DeleteRolePolicy\") || " +
        '($.eventName = "DeleteUserPolicy") || ($.eventName = "PutGroupPolicy") || ($.eventName = "PutRolePolicy") || ' +
        '($.eventName = "PutUserPolicy") || ($.eventName = "CreatePolicy") || ($.eventName = "DeletePolicy") || ' +
        '($.eventName = "CreatePolicyVersion") || ($.eventName = "DeletePolicyVersion") || ($.eventName = "AttachRolePolicy") || ' +
        '($.eventName = "DetachRolePolicy") || ($.eventName = "AttachUserPolicy") || ($.eventName = "DetachUserPolicy") || ' +
        '($.eventName = "AttachGroupPolicy") || ($.eventName = "DetachGroupPolicy") || ($.eventName = "UpdateAssumeRolePolicy")) }',
    kmsKeyChanges:
        '{ ($.eventSource = "kms.amazonaws.com") && (($.eventName = "PutKeyPolicy") || ($.eventName = "DisableKey") || ' +
        '($.eventName = "ScheduleKeyDeletion") || ($.eventName = "DisableKeyRotation") || ($.eventName = "CancelKeyDeletion")) }',
    s3PolicyChanges:
        '{ ($.eventSource = "s3.amazonaws.com") && (($.eventName = "PutBucketAcl") || ($.eventName = "PutBucketPolicy") || ' +
        '($.eventName = "DeleteBucketPolicy") || ($.eventName = "PutBucketPublicAccessBlock") || ' +
        '($.eventName = "DeleteBucketPublicAccessBlock") || ($.eventName = "PutBucketEncryption") || ' +
        '($.eventName = "DeleteBucketEncryption") || ($.eventName = "PutBucketReplication") || ($.eventName = "DeleteBucketReplication")) }',
} as const;

/** Metric filter pattern: records-key events of `eventName` by anyone but the `expected` roles. */
export function recordsKeyUsePattern(
    eventName: "Decrypt" | "GenerateDataKey",
    recordsKeyArn: pulumi.Input<string>,
    expected: readonly pulumi.Input<string>[],
): pulumi.Output<string> {
    // Users, root and services have no session issuer: any identity that is not an assumed role matches too.
    return pulumi.all([pulumi.output(recordsKeyArn), pulumi.all([...expected])]).apply(([key, arns]) => {
        const notIssuer = arns.map((a) => `($.userIdentity.sessionContext.sessionIssuer.arn != "${a}")`);
        const others = notIssuer.length === 1 ? notIssuer[0] : `(${notIssuer.join(" && ")})`;
        return `{ ($.eventSource = "kms.amazonaws.com") && ($.eventName = "${eventName}") && ($.resources[0].ARN = "${key}") && (($.userIdentity.type != "AssumedRole") || ${others}) }`;
    });
}

/** VPC flow-log space-delimited pattern matching rejected flows. */
export const REJECTED_FLOWS_PATTERN =
    "[version, account, eni, source, destination, srcport, destport, protocol, packets, bytes, windowstart, windowend, action=\"REJECT\", flowlogstatus]";

const LABEL = /^[a-z0-9][a-z0-9-]{0,40}$/;

/** `MonitoringLayerArgs` once checked, defaults applied. */
export interface ValidMonitoringLayerArgs extends ValidLoggingArgs {
    readonly thresholds: Required<MonitoringThresholds>;
}

/** Checks `args` (throws `MonitoringLayer: argument "<name>" ...`) and applies the defaults. */
export function validateMonitoringLayerArgs(args: MonitoringLayerArgs): ValidMonitoringLayerArgs {
    const logging = validateLoggingArgs(COMPONENT, args);
    required(COMPONENT, "recordsKeyArn", args.recordsKeyArn);
    required(COMPONENT, "recipientRoleArn", args.recipientRoleArn);
    required(COMPONENT, "producerRoleArn", args.producerRoleArn);
    const t = required(COMPONENT, "thresholds", args.thresholds);
    const count = (key: keyof MonitoringThresholds, value: number): number => checkInt(COMPONENT, `thresholds.${key}`, value, 1, Number.MAX_SAFE_INTEGER);
    const thresholds = {
        ingestRecordsPer5Min: count("ingestRecordsPer5Min", t.ingestRecordsPer5Min),
        dlqDepth: count("dlqDepth", t.dlqDepth),
        functionErrors: count("functionErrors", t.functionErrors),
        authFailures: count("authFailures", t.authFailures),
        unauthorizedApiCalls: count("unauthorizedApiCalls", t.unauthorizedApiCalls),
        rejectedFlows: count("rejectedFlows", t.rejectedFlows ?? 100),
    };
    for (const [argName, record] of [
        ["deadLetterQueues", args.deadLetterQueues],
        ["functions", args.functions],
        ["stateMachines", args.stateMachines],
        ["restApis", args.restApis],
    ] as const) {
        for (const label of Object.keys(record ?? {})) {
            if (!LABEL.test(label)) {
                throw new Error(`${COMPONENT}: argument "${argName}" has an invalid label "${label}" (lower-case letters, digits, "-")`);
            }
        }
    }
    if (args.alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(args.alarmEmail)) {
        throw new Error(`${COMPONENT}: argument "alarmEmail" must be an email address, got "${args.alarmEmail}"`);
    }
    return { ...logging, thresholds };
}

/** What the parts of the monitoring layer share. */
interface MonitoringParts {
    readonly parent: pulumi.Resource;
    /** The layer's name, prefix of its children's names. */
    readonly name: string;
    readonly args: MonitoringLayerArgs;
    readonly v: ValidMonitoringLayerArgs;
    readonly accountId: pulumi.Output<string>;
    readonly partition: pulumi.Output<string>;
    readonly tags: Record<string, string>;
    /** Built from explicit names, known before deployment, so that policies naming them can be checked during preview. */
    readonly trailArn: pulumi.Output<string>;
    readonly topicArn: pulumi.Output<string>;
}

/** The alert topic, encrypted with the logs key; only CloudWatch alarms and EventBridge of this account publish. */
function createAlertTopic(m: MonitoringParts): aws.sns.Topic {
    const { parent, name, args, v, accountId, topicArn } = m;
    // Alert topic, encrypted with the logs key; only CloudWatch alarms and EventBridge of this account publish.
    const topic = new aws.sns.Topic(
        `${name}-alerts`,
        {
            name: `${v.namePrefix}-security-alerts`,
            kmsMasterKeyId: args.logsKeyArn,
            tags: storeTags(v.tags, "monitoring", "internal"),
        },
        { parent },
    );
    new aws.sns.TopicPolicy(
        `${name}-alerts-policy`,
        {
            arn: topic.arn,
            policy: policyDocument([
                {
                    Sid: "AlarmsAndEventsPublish",
                    Effect: "Allow",
                    Principal: { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] },
                    Action: "sns:Publish",
                    Resource: topicArn,
                    Condition: { StringEquals: { "aws:SourceAccount": accountId } },
                },
                denyInsecureTransport("sns:Publish", topicArn),
            ]),
        },
        { parent },
    );
    if (args.alarmEmail !== undefined) {
        new aws.sns.TopicSubscription(`${name}-alerts-email`, { topic: topic.arn, protocol: "email", endpoint: args.alarmEmail }, { parent });
    }

    return topic;
}

/** The multi-region trail: its private bucket, its encrypted log group and the role that delivers to it. */
function createTrail(m: MonitoringParts): { trail: aws.cloudtrail.Trail; trailBucket: SecureBucket; trailLogGroup: aws.cloudwatch.LogGroup } {
    const { parent, name, args, v, accountId, partition, tags, trailArn } = m;
    const { namePrefix, region, logRetentionDays: retention } = v;
    const trailLogGroupName = `/aws/cloudtrail/${namePrefix}`;
    const trailLogGroupArn = pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:log-group:${trailLogGroupName}`;
    const trailBucket = createSecureBucket(
        `${name}-trail-bucket`,
        {
            // A stack deployed with the former name `<namePrefix>-cloudtrail-<account id>` keeps it.
            bucketName: uniqueBucketName(`${name}-trail-bucket`, `${namePrefix}-cloudtrail`, parent),
            keepDeployedName: true,
            partition,
            kmsKeyArn: args.logsKeyArn,
            tags: storeTags(v.tags, "monitoring", "confidential"),
            extraStatements: (arn): Statement[] => [
                {
                    Sid: "CloudTrailAclCheck",
                    Effect: "Allow",
                    Principal: { Service: "cloudtrail.amazonaws.com" },
                    Action: "s3:GetBucketAcl",
                    Resource: arn,
                    Condition: { StringEquals: { "aws:SourceArn": trailArn } },
                },
                {
                    Sid: "CloudTrailWrite",
                    Effect: "Allow",
                    Principal: { Service: "cloudtrail.amazonaws.com" },
                    Action: "s3:PutObject",
                    Resource: pulumi.interpolate`${arn}/AWSLogs/${accountId}/*`,
                    Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trailArn } },
                },
            ],
        },
        parent,
    );
    const trailLogGroup = new aws.cloudwatch.LogGroup(
        `${name}-trail-logs`,
        {
            name: trailLogGroupName,
            kmsKeyId: args.logsKeyArn,
            retentionInDays: retention,
            tags: storeTags(v.tags, "monitoring", "confidential"),
        },
        { parent },
    );
    const trailRole = new aws.iam.Role(
        `${name}-trail-role`,
        principalRoleArgs({
            namePrefix,
            principal: "cloudtrail",
            roleName: `${namePrefix}-cloudtrail-logs`,
            layer: "monitoring",
            description: "CloudTrail delivery to CloudWatch Logs",
            trust: { service: "cloudtrail.amazonaws.com" },
            accountId,
            tags: v.tags,
        }),
        { parent },
    );
    const trailRolePolicy = new aws.iam.RolePolicy(
        `${name}-trail-role-policy`,
        {
            name: `${namePrefix}-cloudtrail-logs`,
            role: trailRole.name,
            policy: policyDocument([
                {
                    Sid: "DeliverTrailEvents",
                    Effect: "Allow",
                    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                    Resource: pulumi.interpolate`${trailLogGroupArn}:log-stream:*`,
                },
            ]),
        },
        { parent, dependsOn: [trailLogGroup] },
    );
    const dataEventBuckets = args.dataEventBucketArns ?? [];
    const trail = new aws.cloudtrail.Trail(
        `${name}-trail`,
        {
            name: `${namePrefix}-trail`,
            s3BucketName: trailBucket.bucket.bucket,
            isMultiRegionTrail: true,
            includeGlobalServiceEvents: true,
            enableLogFileValidation: true,
            enableLogging: true,
            kmsKeyId: args.logsKeyArn,
            cloudWatchLogsGroupArn: pulumi.interpolate`${trailLogGroupArn}:*`,
            cloudWatchLogsRoleArn: trailRole.arn,
            eventSelectors: [
                {
                    readWriteType: "All",
                    includeManagementEvents: true,
                    ...(dataEventBuckets.length > 0
                        ? { dataResources: [{ type: "AWS::S3::Object", values: dataEventBuckets.map((arn) => pulumi.interpolate`${arn}/`) }] }
                        : {}),
                },
            ],
            tags,
        },
        { parent, dependsOn: [trailBucket.bucket, trailBucket.policy, trailLogGroup, trailRolePolicy] },
    );

    return { trail, trailBucket, trailLogGroup };
}

/** GuardDuty with S3 and Lambda network protection; findings of medium severity and above go to the alert topic. */
function createGuardDuty(m: MonitoringParts, topic: aws.sns.Topic): aws.guardduty.Detector {
    const { parent, name, v, tags } = m;
    const { namePrefix } = v;
    const detector = new aws.guardduty.Detector(
        `${name}-guardduty`,
        { enable: true, findingPublishingFrequency: "FIFTEEN_MINUTES", tags },
        { parent },
    );
    for (const feature of ["S3_DATA_EVENTS", "LAMBDA_NETWORK_LOGS"]) {
        new aws.guardduty.DetectorFeature(
            `${name}-guardduty-${feature.toLowerCase().replace(/_/g, "-")}`,
            { detectorId: detector.id, name: feature, status: "ENABLED" },
            { parent },
        );
    }
    const findingsRule = new aws.cloudwatch.EventRule(
        `${name}-guardduty-findings`,
        {
            name: `${namePrefix}-guardduty-findings`,
            description: "GuardDuty findings of severity 4 and above",
            eventPattern: JSON.stringify({
                source: ["aws.guardduty"],
                "detail-type": ["GuardDuty Finding"],
                detail: { severity: [{ numeric: [">=", 4] }] },
            }),
            tags,
        },
        { parent },
    );
    new aws.cloudwatch.EventTarget(`${name}-guardduty-findings-target`, { rule: findingsRule.name, arn: topic.arn }, { parent });

    return detector;
}

/** The alarms: CloudTrail metric filters, rejected flows, and the other layers' API, stream, queue, function and state machine metrics. */
function createAlarms(m: MonitoringParts, topic: aws.sns.Topic, trailLogGroup: aws.cloudwatch.LogGroup, metricNamespace: string): Record<string, pulumi.Output<string>> {
    const { parent, name, args, v, tags, topicArn } = m;
    const { namePrefix, thresholds } = v;
    const alarmNames: Record<string, pulumi.Output<string>> = {};
    const alarm = (
        label: string,
        description: string,
        metric: { namespace: string; metricName: string; statistic: string; period: number; dimensions?: Record<string, pulumi.Input<string>> },
        threshold: number,
    ): void => {
        const a = new aws.cloudwatch.MetricAlarm(
            `${name}-${label}-alarm`,
            {
                name: `${namePrefix}-${label}`,
                alarmDescription: description,
                namespace: metric.namespace,
                metricName: metric.metricName,
                statistic: metric.statistic,
                period: metric.period,
                ...(metric.dimensions ? { dimensions: metric.dimensions } : {}),
                evaluationPeriods: 1,
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                threshold,
                treatMissingData: "notBreaching",
                alarmActions: [topicArn],
                okActions: [topicArn],
                tags,
            },
            { parent, dependsOn: [topic] },
        );
        alarmNames[label] = a.name;
    };
    const filterAlarm = (
        label: string,
        description: string,
        logGroupName: pulumi.Input<string>,
        pattern: pulumi.Input<string>,
        threshold: number,
        dependsOn: pulumi.Resource[],
    ): void => {
        const metricName = label
            .split("-")
            .map((w) => w[0].toUpperCase() + w.slice(1))
            .join("");
        new aws.cloudwatch.LogMetricFilter(
            `${name}-${label}-filter`,
            {
                name: `${namePrefix}-${label}`,
                logGroupName,
                pattern,
                metricTransformation: { name: metricName, namespace: metricNamespace, value: "1", defaultValue: "0" },
            },
            { parent, dependsOn },
        );
        alarm(label, description, { namespace: metricNamespace, metricName, statistic: "Sum", period: 300 }, threshold);
    };

    const tlg = trailLogGroup.name;
    filterAlarm("auth-failures", "Identity/ingestion: failed console authentications (Table 3: authentication failures)", tlg, TRAIL_PATTERNS.authFailures, thresholds.authFailures, [trailLogGroup]);
    filterAlarm("unauthorized-api-calls", "Orchestration/identity: AccessDenied or UnauthorizedOperation errors (Table 3: unauthorised API calls)", tlg, TRAIL_PATTERNS.unauthorizedApiCalls, thresholds.unauthorizedApiCalls, [trailLogGroup]);
    filterAlarm("iam-policy-changes", "Identity/storage: IAM policy changes (Table 3: permission changes)", tlg, TRAIL_PATTERNS.iamPolicyChanges, 1, [trailLogGroup]);
    filterAlarm("kms-key-changes", "Storage: KMS key policy, state or rotation changes (Table 3: permission changes, encryption status)", tlg, TRAIL_PATTERNS.kmsKeyChanges, 1, [trailLogGroup]);
    filterAlarm("s3-policy-changes", "Storage: S3 bucket policy, ACL, public access or encryption changes (Table 3: permission changes)", tlg, TRAIL_PATTERNS.s3PolicyChanges, 1, [trailLogGroup]);
    filterAlarm("records-key-unexpected-decrypt", "Identity: kms:Decrypt with the records key by a principal other than the recipient roles (E2EE: only the recipient decrypts)", tlg, recordsKeyUsePattern("Decrypt", args.recordsKeyArn, [args.recipientRoleArn, ...(args.otherRecipientRoleArns ?? [])]), 1, [trailLogGroup]);
    filterAlarm("records-key-unexpected-data-key", "Identity: kms:GenerateDataKey with the records key by a principal other than the producer role", tlg, recordsKeyUsePattern("GenerateDataKey", args.recordsKeyArn, [args.producerRoleArn]), 1, [trailLogGroup]);
    if (args.flowLogGroupName !== undefined) {
        filterAlarm("rejected-flows", "Network: rejected VPC flows (Table 3: unexpected outbound connections)", args.flowLogGroupName, REJECTED_FLOWS_PATTERN, thresholds.rejectedFlows, []);
    }
    for (const [label, api] of Object.entries(args.restApis ?? {})) {
        alarm(
            `api-4xx-${label}`,
            `Ingestion/serving: 4XX responses of the ${label} API, including 401/403 authentication and authorisation failures (Table 3: authentication failures)`,
            { namespace: "AWS/ApiGateway", metricName: "4XXError", statistic: "Sum", period: 300, dimensions: { ApiName: api.apiName, Stage: api.stage } },
            thresholds.authFailures,
        );
    }
    if (args.streamName !== undefined) {
        alarm(
            "ingest-volume",
            "Ingestion: unusual volume of incoming records (Table 3: unusual volume)",
            { namespace: "AWS/Kinesis", metricName: "IncomingRecords", statistic: "Sum", period: 300, dimensions: { StreamName: args.streamName } },
            thresholds.ingestRecordsPer5Min,
        );
    }
    for (const [label, queueName] of Object.entries(args.deadLetterQueues ?? {})) {
        alarm(
            `dlq-${label}`,
            `Processing: messages in the ${label} dead-letter queue (failed records)`,
            { namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", statistic: "Maximum", period: 60, dimensions: { QueueName: queueName } },
            thresholds.dlqDepth,
        );
    }
    for (const [label, functionName] of Object.entries(args.functions ?? {})) {
        alarm(
            `errors-${label}`,
            `Processing: errors of the ${label} function (Table 3: errors)`,
            { namespace: "AWS/Lambda", metricName: "Errors", statistic: "Sum", period: 300, dimensions: { FunctionName: functionName } },
            thresholds.functionErrors,
        );
    }
    for (const [label, stateMachineArn] of Object.entries(args.stateMachines ?? {})) {
        alarm(
            `failed-executions-${label}`,
            `Orchestration: failed executions of the ${label} state machine`,
            { namespace: "AWS/States", metricName: "ExecutionsFailed", statistic: "Sum", period: 300, dimensions: { StateMachineArn: stateMachineArn } },
            thresholds.functionErrors,
        );
    }

    return alarmNames;
}

export class MonitoringLayer extends pulumi.ComponentResource {
    public readonly trailArn: pulumi.Output<string>;
    public readonly trailBucketName: pulumi.Output<string>;
    public readonly trailLogGroupName: pulumi.Output<string>;
    public readonly alertTopicArn: pulumi.Output<string>;
    public readonly guardDutyDetectorId: pulumi.Output<string>;
    /** Alarm names by label. */
    public readonly alarmNames: Readonly<Record<string, pulumi.Output<string>>>;
    /** Namespace of the custom metrics from the metric filters. */
    public readonly metricNamespace: string;

    constructor(name: string, args: MonitoringLayerArgs, opts?: pulumi.ComponentResourceOptions) {
        const v = validateMonitoringLayerArgs(args);
        super("e2ee:pipeline:MonitoringLayer", name, {}, opts);

        const { namePrefix, region } = v;
        const { accountId, partition } = accountEnvironment(this, args);
        const m: MonitoringParts = {
            parent: this,
            name,
            args,
            v,
            accountId,
            partition,
            tags: layerTags(v.tags, "monitoring"),
            trailArn: pulumi.interpolate`arn:${partition}:cloudtrail:${region}:${accountId}:trail/${namePrefix}-trail`,
            topicArn: pulumi.interpolate`arn:${partition}:sns:${region}:${accountId}:${namePrefix}-security-alerts`,
        };
        const metricNamespace = `${namePrefix}/security`;
        const topic = createAlertTopic(m);
        const { trail, trailBucket, trailLogGroup } = createTrail(m);
        const detector = createGuardDuty(m, topic);
        const alarmNames = createAlarms(m, topic, trailLogGroup, metricNamespace);

        this.trailArn = trail.arn;
        this.trailBucketName = trailBucket.bucket.bucket;
        this.trailLogGroupName = trailLogGroup.name;
        this.alertTopicArn = topic.arn;
        this.guardDutyDetectorId = detector.id;
        this.alarmNames = alarmNames;
        this.metricNamespace = metricNamespace;
        this.registerOutputs({
            trailArn: this.trailArn,
            alertTopicArn: this.alertTopicArn,
            guardDutyDetectorId: this.guardDutyDetectorId,
        });
    }
}
