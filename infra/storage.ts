/**
 * Storage layer: the data lake (ciphertext objects written by the process function), the DynamoDB tables, and
 * AWS Backup with its own key (paper Table 2: backups are encrypted independently, with keys kept apart from the
 * data they protect).
 *
 * Everything at rest uses customer-managed keys: the storage key for the bucket and tables, the backup key for
 * the vault. The bucket refuses plain HTTP and TLS older than 1.3, blocks every form of public access and is
 * versioned. Tables have point-in-time recovery; deletion protection follows the environment.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DataClassification } from "../policies/conventions";
import { createSecureBucket, uniqueBucketName } from "./lib/bucket";
import { LayerArgs, ValidLayerArgs, accountEnvironment, validateClassification, validateLayerArgs } from "./lib/layer";
import { principalRoleArgs } from "./lib/principal";
import { Statement } from "./lib/policy";
import { layerTags, storeTags } from "./lib/tags";
import { checkInt, required } from "./lib/validate";

const COMPONENT = "StorageLayer";

/**
 * AWS-managed policies of the backup role (AWS Backup's documented service-role policies), as paths below
 * `arn:<partition>:iam::aws:policy/`.
 */
export const BACKUP_ROLE_MANAGED_POLICIES: readonly string[] = [
    "service-role/AWSBackupServiceRolePolicyForBackup",
    "service-role/AWSBackupServiceRolePolicyForRestores",
    "AWSBackupServiceRolePolicyForS3Backup",
    "AWSBackupServiceRolePolicyForS3Restore",
];

/**
 * The data lake is named `<namePrefix>-data-lake-<8 random hex digits>` (bucket names are global; `uniqueBucketName`);
 * a stack deployed with the former name `<namePrefix>-data-lake-<account id>` keeps it. The backup role trusts this
 * account only.
 */
export interface StorageLayerArgs extends LayerArgs {
    /** ARN of the storage key (tag `e2ee:key-role: storage`): data lake and tables. Required. */
    readonly storageKeyArn: pulumi.Input<string>;
    /** ARN of the backup key (tag `e2ee:key-role: backup`): the backup vault. Required; must differ from `storageKeyArn`. */
    readonly backupKeyArn: pulumi.Input<string>;
    /** Deletion protection of tables and the backup vault lock. Required (true in prod). */
    readonly deletionProtection: boolean;
    /** Backup retention in days, 7-36500. Default 35. */
    readonly backupRetentionDays?: number;
    /** Backup schedule expression. Default `cron(0 3 * * ? *)`. */
    readonly backupSchedule?: string;
    /** `data-classification` of the data lake and the catalog table. Default `restricted`. */
    readonly dataClassification?: DataClassification;
}

/** `StorageLayerArgs` once checked, defaults applied. */
export interface ValidStorageLayerArgs extends ValidLayerArgs {
    readonly deletionProtection: boolean;
    readonly backupRetentionDays: number;
    readonly backupSchedule: string;
    readonly dataClassification: DataClassification;
}

/** Checks `args` (throws `StorageLayer: argument "<name>" ...`) and applies the defaults. */
export function validateStorageLayerArgs(args: StorageLayerArgs): ValidStorageLayerArgs {
    const base = validateLayerArgs(COMPONENT, args);
    required(COMPONENT, "storageKeyArn", args.storageKeyArn);
    required(COMPONENT, "backupKeyArn", args.backupKeyArn);
    if (args.storageKeyArn === args.backupKeyArn) {
        throw new Error(`${COMPONENT}: argument "backupKeyArn" must not be the storage key (backups never share a key with the data they protect)`);
    }
    if (typeof args.deletionProtection !== "boolean") {
        throw new Error(`${COMPONENT}: argument "deletionProtection" is required (true or false)`);
    }
    const backupRetentionDays = checkInt(COMPONENT, "backupRetentionDays", args.backupRetentionDays ?? 35, 7, 36500);
    const backupSchedule = args.backupSchedule ?? "cron(0 3 * * ? *)";
    if (!/^cron\([^()]+\)$/.test(backupSchedule)) {
        throw new Error(`${COMPONENT}: argument "backupSchedule" must be a cron(...) expression, got "${backupSchedule}"`);
    }
    const dataClassification = validateClassification(COMPONENT, args.dataClassification, "restricted");
    return { ...base, deletionProtection: args.deletionProtection, backupRetentionDays, backupSchedule, dataClassification };
}

/**
 * The data lake's bucket policy statements on uploads, after the TLS denies: every upload must name SSE-KMS with the
 * storage key itself (`x-amz-server-side-encryption: aws:kms` and the key's ARN as
 * `x-amz-server-side-encryption-aws-kms-key-id`). `IfExists` makes a missing header deny too: refused are uploads
 * without SSE headers, SSE-S3 or DSSE, another KMS key, and `aws:kms` without a key id (which S3 would encrypt under
 * the AWS-managed `aws/s3` key).
 */
export function dataLakeUploadStatements(bucketArn: pulumi.Input<string>, storageKeyArn: pulumi.Input<string>): Statement[] {
    const objects = pulumi.interpolate`${bucketArn}/*`;
    return [
        {
            // Uploads may not override the default SSE-KMS with SSE-S3 (or anything but aws:kms).
            Sid: "DenyNonKmsUploads",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: objects,
            Condition: { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption": "aws:kms" } },
        },
        {
            Sid: "DenyOtherKmsKeys",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: objects,
            Condition: { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption-aws-kms-key-id": storageKeyArn } },
        },
    ];
}

export class StorageLayer extends pulumi.ComponentResource {
    public readonly dataBucketName: pulumi.Output<string>;
    public readonly dataBucketArn: pulumi.Output<string>;
    /** Record catalog (record id -> object key), keyed by `recordId`. */
    public readonly catalogTableName: pulumi.Output<string>;
    public readonly catalogTableArn: pulumi.Output<string>;
    /** Dedup table of the ingest function (`DEDUP_TABLE_NAME`), keyed by `recordId`, TTL attribute `expiresAt`. */
    public readonly dedupTableName: pulumi.Output<string>;
    public readonly dedupTableArn: pulumi.Output<string>;
    public readonly backupVaultName: pulumi.Output<string>;
    public readonly backupVaultArn: pulumi.Output<string>;
    public readonly backupPlanId: pulumi.Output<string>;

    constructor(name: string, args: StorageLayerArgs, opts?: pulumi.ComponentResourceOptions) {
        const v = validateStorageLayerArgs(args);
        super("e2ee:pipeline:StorageLayer", name, {}, opts);

        const { namePrefix, backupRetentionDays, backupSchedule, dataClassification: classification } = v;
        const { accountId, partition } = accountEnvironment(this, args);
        const tags = layerTags(v.tags, "storage");

        // Data lake: ciphertext batches only (records are envelope-encrypted by the producer), SSE-KMS on top.
        const lake = createSecureBucket(
            `${name}-data-lake`,
            {
                bucketName: uniqueBucketName(`${name}-data-lake`, `${namePrefix}-data-lake`, this),
                keepDeployedName: true,
                partition,
                kmsKeyArn: args.storageKeyArn,
                tags: storeTags(v.tags, "storage", classification),
                extraStatements: (arn) => dataLakeUploadStatements(arn, args.storageKeyArn),
            },
            this,
        );

        const table = (suffix: string, tableClassification: DataClassification, ttl: boolean): aws.dynamodb.Table =>
            new aws.dynamodb.Table(
                `${name}-${suffix}-table`,
                {
                    name: `${namePrefix}-${suffix}`,
                    billingMode: "PAY_PER_REQUEST",
                    hashKey: "recordId",
                    attributes: [{ name: "recordId", type: "S" }],
                    serverSideEncryption: { enabled: true, kmsKeyArn: args.storageKeyArn },
                    pointInTimeRecovery: { enabled: true },
                    deletionProtectionEnabled: args.deletionProtection,
                    ...(ttl ? { ttl: { attributeName: "expiresAt", enabled: true } } : {}),
                    tags: storeTags(v.tags, "storage", tableClassification),
                },
                { parent: this },
            );
        const catalog = table("catalog", classification, false);
        // Record ids and expiry times only.
        const dedup = table("dedup", "internal", true);

        // Backups: a vault encrypted with the backup key, a daily plan and a selection of the data lake and catalog.
        const vault = new aws.backup.Vault(
            `${name}-backup-vault`,
            {
                name: `${namePrefix}-backups`,
                kmsKeyArn: args.backupKeyArn,
                forceDestroy: false,
                tags: storeTags(v.tags, "storage", classification),
            },
            { parent: this },
        );
        if (v.deletionProtection) {
            // Governance-mode lock: recovery points cannot be deleted before their minimum retention.
            new aws.backup.VaultLockConfiguration(
                `${name}-backup-vault-lock`,
                { backupVaultName: vault.name, minRetentionDays: 7, maxRetentionDays: 36500 },
                { parent: this },
            );
        }
        // DynamoDB advanced backup features: recovery points are encrypted with the vault's (backup) key,
        // not with the table's key.
        new aws.backup.RegionSettings(
            `${name}-backup-region-settings`,
            {
                resourceTypeOptInPreference: { DynamoDB: true, S3: true },
                resourceTypeManagementPreference: { DynamoDB: true },
            },
            { parent: this },
        );
        const plan = new aws.backup.Plan(
            `${name}-backup-plan`,
            {
                name: `${namePrefix}-daily`,
                rules: [
                    {
                        ruleName: "daily",
                        targetVaultName: vault.name,
                        schedule: backupSchedule,
                        startWindow: 60,
                        completionWindow: 360,
                        lifecycle: { deleteAfter: backupRetentionDays },
                        recoveryPointTags: tags,
                    },
                ],
                tags,
            },
            { parent: this },
        );
        const backupRole = new aws.iam.Role(
            `${name}-backup-role`,
            principalRoleArgs({
                namePrefix,
                principal: "backup",
                layer: "storage",
                description: "AWS Backup service role for the pipeline's backup plan",
                trust: { service: "backup.amazonaws.com" },
                accountId,
                tags: v.tags,
            }),
            { parent: this },
        );
        const attachments = BACKUP_ROLE_MANAGED_POLICIES.map(
            (policy, i) =>
                new aws.iam.RolePolicyAttachment(
                    `${name}-backup-role-policy-${i}`,
                    { role: backupRole.name, policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/${policy}` },
                    { parent: this },
                ),
        );
        new aws.backup.Selection(
            `${name}-backup-selection`,
            {
                name: `${namePrefix}-data`,
                planId: plan.id,
                iamRoleArn: backupRole.arn,
                resources: [lake.bucket.arn, catalog.arn],
            },
            { parent: this, dependsOn: attachments },
        );

        this.dataBucketName = lake.bucket.bucket;
        this.dataBucketArn = lake.bucket.arn;
        this.catalogTableName = catalog.name;
        this.catalogTableArn = catalog.arn;
        this.dedupTableName = dedup.name;
        this.dedupTableArn = dedup.arn;
        this.backupVaultName = vault.name;
        this.backupVaultArn = vault.arn;
        this.backupPlanId = plan.id;
        this.registerOutputs({
            dataBucketName: this.dataBucketName,
            catalogTableName: this.catalogTableName,
            dedupTableName: this.dedupTableName,
            backupVaultName: this.backupVaultName,
        });
    }
}
