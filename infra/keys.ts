/**
 * Keys layer: the KMS key hierarchy of the pipeline.
 *
 * - `records`: the producer-side envelope-encryption key. Its key policy is the authority: only the producer role
 *   may `kms:GenerateDataKey`, only the recipient roles (the function's, and the Kubernetes recipient's when there
 *   is one) may `kms:Decrypt`, both only with the envelope's encryption context (`tenant`, `schema`,
 *   `classification`, `producer`, exactly); nothing is delegated to IAM through the account root, key
 *   administrators cannot use the key, and explicit denies keep it that way even if someone later adds an IAM grant.
 * - `storage`: data at rest (S3 data lake, DynamoDB, Kinesis, SQS, Step Functions state), usable only through those services.
 * - `logs`: CloudWatch Logs (scoped by the `aws:logs:arn` encryption context), CloudTrail, and the alert topic.
 * - `secrets`: Secrets Manager and Lambda environment variables.
 * - `backup`: the AWS Backup vault; never the key of the data it protects (paper Table 2).
 *
 * Every key is SYMMETRIC_DEFAULT (AES-256-GCM), rotated every 90 days, with an explicit least-privilege policy,
 * an alias and the `e2ee:key-role` tag.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CONTEXT_FIELDS } from "../functions/src/envelope/header";
import { KEY_ROLES, KEY_ROLE_TAG, KeyRole } from "../policies/conventions";
import { LayerArgs, ValidLayerArgs, accountEnvironment, validateLayerArgs } from "./lib/layer";
import { Statement, accountRootArn, policyDocument, roleArn, viaService } from "./lib/policy";
import { layerTags } from "./lib/tags";
import { ROLE_ARN, checkInt, required } from "./lib/validate";

const COMPONENT = "KeysLayer";
export const KEY_ROTATION_PERIOD_DAYS = 90;

/** Key administration without any cryptographic use (no Decrypt, no GenerateDataKey*, no Encrypt, no grants). */
export const KEY_ADMIN_ACTIONS: readonly string[] = [
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:PutKeyPolicy",
    "kms:EnableKey",
    "kms:DisableKey",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:RotateKeyOnDemand",
    "kms:UpdateKeyDescription",
    "kms:CreateAlias",
    "kms:UpdateAlias",
    "kms:DeleteAlias",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:RevokeGrant",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
];

/** Data-key actions a producer might use; only the producer role may call any of them on the records key. */
export const GENERATE_DATA_KEY_ACTIONS: readonly string[] = [
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GenerateDataKeyPair",
    "kms:GenerateDataKeyPairWithoutPlaintext",
];

/** Actions that yield plaintext of records-key ciphertext; only the recipient role may call them. */
export const DECRYPT_ACTIONS: readonly string[] = ["kms:Decrypt", "kms:ReEncryptFrom"];

/**
 * The condition that binds a records-key request to the envelope's encryption context: its keys are exactly the
 * context fields of the envelope format (functions/src/envelope/header.ts `CONTEXT_FIELDS`). `ForAllValues` refuses
 * any other key (and holds for a request without a context, so `Null` requires each field to be present).
 */
export function recordsContextCondition(): Record<string, Record<string, string | string[]>> {
    return {
        "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": [...CONTEXT_FIELDS] },
        Null: Object.fromEntries(CONTEXT_FIELDS.map((f) => [`kms:EncryptionContext:${f}`, "false"])),
    };
}

/** Cryptographic use of a key by the services it serves (storage, secrets, backup through `kms:ViaService`; logs by CloudWatch Logs). */
const SERVICE_USE_ACTIONS: readonly string[] = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:DescribeKey",
];

/** The keys' aliases are `alias/<namePrefix>-<role>`. */
export interface KeysLayerArgs extends LayerArgs {
    /** IAM role ARNs allowed to administer (never use) the keys; must include the deploying role. Required, non-empty. */
    readonly keyAdminArns: readonly string[];
    /**
     * The producer role (e.g. `producerPrincipal(...).role`): the only `kms:GenerateDataKey` principal of the records
     * key. The key policy names it by its name, and the records key is created after it (KMS refuses a key policy
     * whose principals do not exist yet). Required.
     */
    readonly producerRole: aws.iam.Role;
    /** The recipient role (e.g. `recipientPrincipal(...).role`): the only `kms:Decrypt` principal of the records key, likewise. Required. */
    readonly recipientRole: aws.iam.Role;
    /**
     * Other recipient roles that decrypt too, e.g. the Kubernetes recipient's (`kubernetesRecipientPrincipal(...).role`);
     * created before the keys as well. Default none.
     */
    readonly otherRecipientRoles?: readonly aws.iam.Role[];
    /** Key deletion window in days, 7-30. Default 30. */
    readonly deletionWindowInDays?: number;
}

/** `KeysLayerArgs` once checked, defaults applied. */
export interface ValidKeysLayerArgs extends ValidLayerArgs {
    readonly keyAdminArns: readonly string[];
    readonly deletionWindowInDays: number;
}

/** Checks `args` (throws `KeysLayer: argument "<name>" ...`) and applies the defaults. */
export function validateKeysLayerArgs(args: KeysLayerArgs): ValidKeysLayerArgs {
    const base = validateLayerArgs(COMPONENT, args);
    const keyAdminArns = required(COMPONENT, "keyAdminArns", args.keyAdminArns);
    if (keyAdminArns.length === 0) throw new Error(`${COMPONENT}: argument "keyAdminArns" must not be empty`);
    for (const a of keyAdminArns) {
        if (!ROLE_ARN.test(a)) throw new Error(`${COMPONENT}: argument "keyAdminArns" must contain IAM role ARNs, got "${a}"`);
    }
    const producerRole = required(COMPONENT, "producerRole", args.producerRole);
    if (required(COMPONENT, "recipientRole", args.recipientRole) === producerRole) {
        throw new Error(`${COMPONENT}: argument "recipientRole" must differ from "producerRole" (the producer never decrypts)`);
    }
    (args.otherRecipientRoles ?? []).forEach((r, i) => {
        if (r === producerRole) throw new Error(`${COMPONENT}: argument "otherRecipientRoles[${i}]" must differ from "producerRole" (the producer never decrypts)`);
    });
    const deletionWindowInDays = checkInt(COMPONENT, "deletionWindowInDays", args.deletionWindowInDays ?? 30, 7, 30);
    return { ...base, keyAdminArns, deletionWindowInDays };
}

/** Who the key policies name: the key administrators, the account (for service use), the producer and the recipient. */
export interface KeyPolicyPrincipals {
    readonly region: string;
    readonly accountId: pulumi.Input<string>;
    readonly partition: pulumi.Input<string>;
    readonly keyAdminArns: readonly string[];
    readonly producerRoleArn: pulumi.Input<string>;
    readonly recipientRoleArn: pulumi.Input<string>;
    /** Other recipients' role ARNs (the Kubernetes recipient). Default none. */
    readonly otherRecipientRoleArns?: readonly pulumi.Input<string>[];
}

/**
 * The statements of each key's policy. Every key lets its administrators administer it (never use it). The records
 * key lets only the producer create data keys and only the recipients decrypt, both only with the envelope's
 * encryption context, denies both to everyone else and denies grants; the storage, secrets and backup keys are usable only through their services; the logs key only
 * by CloudWatch Logs for this account's log groups, CloudTrail for this account's trails, and the alert topic's
 * publishers.
 */
export function keyPolicies(p: KeyPolicyPrincipals): Record<KeyRole, Statement[]> {
    const { region, accountId } = p;
    const producerArn = p.producerRoleArn;
    const others = p.otherRecipientRoleArns ?? [];
    // One recipient: its ARN, as before; several: the list.
    const recipientArn: pulumi.Input<string> | pulumi.Input<string>[] = others.length === 0 ? p.recipientRoleArn : [p.recipientRoleArn, ...others];
    const root = accountRootArn(p.partition, accountId);
    const partition = p.partition;
    const admins = p.keyAdminArns;
    const sameAccount = { "kms:CallerAccount": accountId };
    const via = (...services: string[]): string[] => services.map((s) => viaService(s, region));

    const adminStatement: Statement = {
        Sid: "KeyAdministration",
        Effect: "Allow",
        Principal: { AWS: [...admins] },
        Action: KEY_ADMIN_ACTIONS,
        Resource: "*",
    };
    const serviceUse = (services: string[]): Statement[] => [
        {
            Sid: "UseThroughServicesOnly",
            Effect: "Allow",
            Principal: { AWS: root },
            Action: SERVICE_USE_ACTIONS,
            Resource: "*",
            Condition: { StringEquals: { ...sameAccount, "kms:ViaService": via(...services) } },
        },
        {
            Sid: "GrantsForAwsResourcesOnly",
            Effect: "Allow",
            Principal: { AWS: root },
            Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
            Resource: "*",
            Condition: {
                StringEquals: { ...sameAccount, "kms:ViaService": via(...services) },
                Bool: { "kms:GrantIsForAWSResource": "true" },
            },
        },
    ];

    return {
        records: [
            adminStatement,
            {
                Sid: "ProducerGenerateDataKey",
                Effect: "Allow",
                Principal: { AWS: producerArn },
                Action: ["kms:GenerateDataKey"],
                Resource: "*",
                Condition: recordsContextCondition(),
            },
            {
                Sid: "RecipientDecrypt",
                Effect: "Allow",
                Principal: { AWS: recipientArn },
                Action: ["kms:Decrypt"],
                Resource: "*",
                Condition: recordsContextCondition(),
            },
            {
                Sid: "DenyDecryptExceptRecipient",
                Effect: "Deny",
                Principal: "*",
                Action: DECRYPT_ACTIONS,
                Resource: "*",
                Condition: { ArnNotEquals: { "aws:PrincipalArn": recipientArn } },
            },
            {
                Sid: "DenyDataKeysExceptProducer",
                Effect: "Deny",
                Principal: "*",
                Action: GENERATE_DATA_KEY_ACTIONS,
                Resource: "*",
                Condition: { ArnNotEquals: { "aws:PrincipalArn": producerArn } },
            },
            {
                Sid: "DenyGrants",
                Effect: "Deny",
                Principal: "*",
                Action: ["kms:CreateGrant"],
                Resource: "*",
            },
        ],
        storage: [adminStatement, ...serviceUse(["s3", "dynamodb", "kinesis", "sqs", "states"])],
        logs: [
            adminStatement,
            {
                Sid: "CloudWatchLogsEncryptLogGroups",
                Effect: "Allow",
                Principal: { Service: `logs.${region}.amazonaws.com` },
                Action: SERVICE_USE_ACTIONS,
                Resource: "*",
                Condition: {
                    ArnLike: { "kms:EncryptionContext:aws:logs:arn": pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:log-group:*` },
                },
            },
            {
                Sid: "CloudTrailEncryptLogFiles",
                Effect: "Allow",
                Principal: { Service: "cloudtrail.amazonaws.com" },
                Action: ["kms:GenerateDataKey"],
                Resource: "*",
                Condition: {
                    StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": pulumi.interpolate`arn:${partition}:cloudtrail:*:${accountId}:trail/*` },
                    StringEquals: { "aws:SourceAccount": accountId },
                },
            },
            {
                Sid: "CloudTrailDescribeKey",
                Effect: "Allow",
                Principal: { Service: "cloudtrail.amazonaws.com" },
                Action: ["kms:DescribeKey"],
                Resource: "*",
                Condition: { StringEquals: { "aws:SourceAccount": accountId } },
            },
            {
                Sid: "AlarmsAndEventsPublishToEncryptedTopic",
                Effect: "Allow",
                Principal: { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] },
                Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                Resource: "*",
                Condition: { StringEquals: { "aws:SourceAccount": accountId } },
            },
        ],
        secrets: [adminStatement, ...serviceUse(["secretsmanager", "lambda"])],
        backup: [adminStatement, ...serviceUse(["backup"])],
    };
}

/** What each key is for (the second sentence of its description). */
export const KEY_DESCRIPTIONS: Readonly<Record<KeyRole, string>> = {
    records: "Producer-side envelope encryption of records: producer generates data keys, only the recipient decrypts.",
    storage: "Encryption at rest of the data lake, tables, streams and queues (through those services only).",
    logs: "Encryption of CloudWatch log groups, CloudTrail log files and the alert topic.",
    secrets: "Encryption of secrets and Lambda environment variables.",
    backup: "Encryption of the backup vault; independent of the keys of the data it protects.",
};


export class KeysLayer extends pulumi.ComponentResource {
    public readonly accountId: pulumi.Output<string>;
    public readonly recordsKey: aws.kms.Key;
    public readonly storageKey: aws.kms.Key;
    public readonly logsKey: aws.kms.Key;
    public readonly secretsKey: aws.kms.Key;
    public readonly backupKey: aws.kms.Key;
    /** Alias name per key role. */
    public readonly aliases: Readonly<Record<KeyRole, string>>;
    public readonly producerRoleArn: pulumi.Output<string>;
    public readonly recipientRoleArn: pulumi.Output<string>;

    constructor(name: string, args: KeysLayerArgs, opts?: pulumi.ComponentResourceOptions) {
        const v = validateKeysLayerArgs(args);
        super("e2ee:pipeline:KeysLayer", name, {}, opts);

        const { namePrefix, region, keyAdminArns: admins, deletionWindowInDays } = v;
        const { accountId, partition } = accountEnvironment(this, args);
        // Built from the roles' names, which are known before deployment, so the policy can be checked during preview.
        const producerArn = roleArn(partition, accountId, args.producerRole.name);
        const recipientArn = roleArn(partition, accountId, args.recipientRole.name);
        const otherRecipientArns = (args.otherRecipientRoles ?? []).map((r) => roleArn(partition, accountId, r.name));
        const tags = layerTags(v.tags, "keys");
        const policies = keyPolicies({
            region,
            accountId,
            partition,
            keyAdminArns: admins,
            producerRoleArn: producerArn,
            recipientRoleArn: recipientArn,
            otherRecipientRoleArns: otherRecipientArns,
        });

        const keys = {} as Record<KeyRole, aws.kms.Key>;
        const aliases = {} as Record<KeyRole, string>;
        for (const role of KEY_ROLES) {
            keys[role] = new aws.kms.Key(
                `${name}-${role}-key`,
                {
                    description: `${namePrefix} ${role} key. ${KEY_DESCRIPTIONS[role]}`,
                    customerMasterKeySpec: "SYMMETRIC_DEFAULT",
                    keyUsage: "ENCRYPT_DECRYPT",
                    enableKeyRotation: true,
                    rotationPeriodInDays: KEY_ROTATION_PERIOD_DAYS,
                    deletionWindowInDays,
                    multiRegion: false,
                    bypassPolicyLockoutSafetyCheck: false,
                    policy: policyDocument(policies[role]),
                    tags: { ...tags, [KEY_ROLE_TAG]: role },
                },
                role === "records" ? { parent: this, dependsOn: [args.producerRole, args.recipientRole, ...(args.otherRecipientRoles ?? [])] } : { parent: this },
            );
            aliases[role] = `alias/${namePrefix}-${role}`;
            new aws.kms.Alias(`${name}-${role}-alias`, { name: aliases[role], targetKeyId: keys[role].keyId }, { parent: this });
        }

        this.accountId = accountId;
        this.recordsKey = keys.records;
        this.storageKey = keys.storage;
        this.logsKey = keys.logs;
        this.secretsKey = keys.secrets;
        this.backupKey = keys.backup;
        this.aliases = aliases;
        this.producerRoleArn = producerArn;
        this.recipientRoleArn = recipientArn;
        this.registerOutputs({
            recordsKeyArn: keys.records.arn,
            storageKeyArn: keys.storage.arn,
            logsKeyArn: keys.logs.arn,
            secretsKeyArn: keys.secrets.arn,
            backupKeyArn: keys.backup.arn,
        });
    }
}
