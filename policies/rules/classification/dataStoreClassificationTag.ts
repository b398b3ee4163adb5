import { CLASSIFICATION_TAG, DATA_CLASSIFICATIONS } from "../../conventions";
import { resourceRule } from "../../lib/rule";

interface Config {
    tagKey?: string;
    allowedValues?: string[];
}

const DEFAULT_CLASSIFICATION_TAG = CLASSIFICATION_TAG;
const DEFAULT_CLASSIFICATIONS: readonly string[] = DATA_CLASSIFICATIONS;

/** Data stores that must carry a classification, with a readable name for messages. */
export const DATA_STORE_TYPES: Readonly<Record<string, string>> = {
    "aws:s3/bucket:Bucket": "S3 bucket",
    "aws:s3/bucketV2:BucketV2": "S3 bucket",
    "aws:dynamodb/table:Table": "DynamoDB table",
    "aws:kinesis/stream:Stream": "Kinesis stream",
    "aws:sqs/queue:Queue": "SQS queue",
    "aws:sns/topic:Topic": "SNS topic",
    "aws:cloudwatch/logGroup:LogGroup": "CloudWatch log group",
    "aws:secretsmanager/secret:Secret": "Secrets Manager secret",
    "aws:backup/vault:Vault": "Backup vault",
    "aws:rds/instance:Instance": "RDS DB instance",
    "aws:rds/cluster:Cluster": "RDS DB cluster",
    "aws:ebs/volume:Volume": "EBS volume",
};

export const dataStoreClassificationTag = resourceRule({
    name: "data-store-classification-tag",
    description: "House convention: data stores carry the tag data-classification (public, internal, confidential, restricted).",
    details:
        "Data stores (S3 buckets, DynamoDB tables, Kinesis streams, SQS queues, SNS topics, log groups, secrets, Backup vaults, RDS, EBS) must carry the tag data-classification with one of public, internal, confidential, restricted (tag key and values configurable), so that classification can drive controls.",
    severity: "medium",
    optIn: "houseConventions",
    framework: { paper: "4.2/5.2 Data protection (data classification driving controls)" },
    remediationSteps: "Add tags: { \"data-classification\": \"<public|internal|confidential|restricted>\" } to the resource (or through the provider's defaultTags).",
    configSchema: {
        properties: {
            tagKey: { type: "string", minLength: 1, default: DEFAULT_CLASSIFICATION_TAG, description: "The classification tag key." },
            allowedValues: {
                type: "array",
                items: { type: "string", minLength: 1 },
                minItems: 1,
                default: [...DEFAULT_CLASSIFICATIONS],
                description: "Accepted classification values.",
            },
        },
    },
    resourceTypes: Object.keys(DATA_STORE_TYPES),
    validateResource: (args, report) => {
        const kind = DATA_STORE_TYPES[args.type];
        if (kind === undefined) {
            return;
        }
        const cfg = args.getConfig<Config>();
        const key = cfg.tagKey ?? DEFAULT_CLASSIFICATION_TAG;
        const allowed = cfg.allowedValues ?? DEFAULT_CLASSIFICATIONS;
        const tags = args.props["tags"] as Record<string, unknown> | undefined | null;
        let value: unknown = tags?.[key];
        if (value === undefined) {
            // Provider default tags land in tagsAll (reading it when unknown throws: undecidable during preview).
            const all = args.props["tagsAll"] as Record<string, unknown> | undefined | null;
            value = all?.[key];
        }
        if (value === undefined || value === null || value === "") {
            report(`${kind} has no "${key}" tag; add it with one of: ${allowed.join(", ")}.`);
        } else if (typeof value === "string" && !allowed.includes(value)) {
            report(`${kind} tag "${key}" is "${value}"; use one of: ${allowed.join(", ")}.`);
        }
    },
});
