import assert from "node:assert/strict";
import { BACKUP_ROLE_MANAGED_POLICIES, StorageLayer, StorageLayerArgs, validateStorageLayerArgs } from "../../infra/storage";
import { ACCOUNTS, REGION, created, one, ofType, policyOf, settle, startMocks, statement, valueOf } from "./support/harness";

const ACCOUNT = ACCOUNTS.test;
const STORAGE_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/storage-0002`;
const BACKUP_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/backup-0005`;
const args = (over: Partial<StorageLayerArgs> = {}): StorageLayerArgs => ({
    namePrefix: "e2ee-pipeline-test",
    region: REGION,
    accountId: ACCOUNT,
    storageKeyArn: STORAGE_KEY,
    backupKeyArn: BACKUP_KEY,
    deletionProtection: false,
    ...over,
});
/** The data lake's name: `<namePrefix>-data-lake-<hex of its RandomId>` (set once the layer is built). */
let BUCKET: string;
let BUCKET_ARN: string;

describe("infra/storage StorageLayer", function () {
    let layer: StorageLayer;

    before(async function () {
        await startMocks("test");
        layer = new StorageLayer("storage", args());
        await settle();
        BUCKET = `e2ee-pipeline-test-data-lake-${String(one("random:index/randomId:RandomId", "storage-data-lake-suffix").state.hex)}`;
        BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
    });

    it("data lake: aws:kms default encryption with the storage key and a bucket key, versioning, all four public access blocks, owner-enforced", function () {
        const bucket = one("aws:s3/bucket:Bucket", "storage-data-lake");
        // Globally unique: a random suffix of 8 hex digits, generated once and kept in the stack's state; a bucket
        // deployed under the former name (`<namePrefix>-data-lake-<account>`) keeps it.
        assert.deepEqual(one("random:index/randomId:RandomId", "storage-data-lake-suffix").inputs, { byteLength: 4 });
        assert.match(BUCKET, /^e2ee-pipeline-test-data-lake-[0-9a-f]{8}$/);
        assert.equal(bucket.inputs.bucket, BUCKET);
        assert.deepEqual(bucket.ignoreChanges, ["bucket"]);
        assert.equal(bucket.inputs.forceDestroy, false);
        assert.equal((bucket.inputs.tags as Record<string, string>)["data-classification"], "restricted");
        const sse = one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "storage-data-lake-encryption");
        assert.equal(sse.inputs.bucket, bucket.id);
        assert.deepEqual(sse.inputs.rules, [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: STORAGE_KEY }, bucketKeyEnabled: true }]);
        const ver = one("aws:s3/bucketVersioning:BucketVersioning", "storage-data-lake-versioning");
        assert.deepEqual(ver.inputs.versioningConfiguration, { status: "Enabled" });
        const pab = one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "storage-data-lake-public-access-block");
        for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(pab.inputs[k], true, k);
        const own = one("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "storage-data-lake-ownership");
        assert.deepEqual(own.inputs.rule, { objectOwnership: "BucketOwnerEnforced" });
        // v7: no deprecated V2 resources.
        assert.equal(created.filter((c) => /V2$/.test(c.type)).length, 0);
    });

    it("data-lake bucket policy denies plain HTTP, TLS older than 1.3 and uploads that override SSE-KMS with the storage key", function () {
        const doc = policyOf(one("aws:s3/bucketPolicy:BucketPolicy", "storage-data-lake-policy"));
        assert.deepEqual(doc.Statement, [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            {
                Sid: "DenyTlsOlderThan13",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
                Condition: { NumericLessThan: { "s3:TlsVersion": "1.3" } },
            },
            {
                Sid: "DenyNonKmsUploads",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:PutObject",
                Resource: `${BUCKET_ARN}/*`,
                Condition: { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption": "aws:kms" } },
            },
            {
                // A missing key id denies too (IfExists): aws:kms without one would be encrypted under aws/s3.
                Sid: "DenyOtherKmsKeys",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:PutObject",
                Resource: `${BUCKET_ARN}/*`,
                Condition: { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption-aws-kms-key-id": STORAGE_KEY } },
            },
        ]);
    });

    it("tables: CMK (storage key), point-in-time recovery, deletion protection per environment, classification tags", async function () {
        for (const [suffix, classification] of [["catalog", "restricted"], ["dedup", "internal"]] as const) {
            const t = one("aws:dynamodb/table:Table", `storage-${suffix}-table`);
            assert.equal(t.inputs.name, `e2ee-pipeline-test-${suffix}`);
            assert.deepEqual(t.inputs.serverSideEncryption, { enabled: true, kmsKeyArn: STORAGE_KEY });
            assert.deepEqual(t.inputs.pointInTimeRecovery, { enabled: true });
            assert.equal(t.inputs.deletionProtectionEnabled, false);
            assert.equal(t.inputs.billingMode, "PAY_PER_REQUEST");
            assert.equal(t.inputs.hashKey, "recordId");
            assert.equal((t.inputs.tags as Record<string, string>)["data-classification"], classification);
        }
        assert.deepEqual(one("aws:dynamodb/table:Table", "storage-dedup-table").inputs.ttl, { attributeName: "expiresAt", enabled: true });
        assert.equal(one("aws:dynamodb/table:Table", "storage-catalog-table").inputs.ttl, undefined);
        assert.equal(await valueOf(layer.dedupTableName), "e2ee-pipeline-test-dedup");
        assert.equal(await valueOf(layer.dedupTableArn), `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/e2ee-pipeline-test-dedup`);
        assert.equal(await valueOf(layer.dataBucketArn), BUCKET_ARN);
    });

    it("backups: vault under the backup key (not the storage key), daily plan with retention, selection of the data lake and catalog", function () {
        const vault = one("aws:backup/vault:Vault", "storage-backup-vault");
        assert.equal(vault.inputs.kmsKeyArn, BACKUP_KEY);
        assert.notEqual(vault.inputs.kmsKeyArn, STORAGE_KEY);
        assert.equal(vault.inputs.forceDestroy, false);
        assert.equal((vault.inputs.tags as Record<string, string>)["data-classification"], "restricted");
        const plan = one("aws:backup/plan:Plan", "storage-backup-plan");
        const rules = plan.inputs.rules as Record<string, unknown>[];
        assert.equal(rules.length, 1);
        assert.equal(rules[0].targetVaultName, "e2ee-pipeline-test-backups");
        assert.equal(rules[0].schedule, "cron(0 3 * * ? *)");
        assert.deepEqual(rules[0].lifecycle, { deleteAfter: 35 });
        const sel = one("aws:backup/selection:Selection", "storage-backup-selection");
        const role = one("aws:iam/role:Role", "storage-backup-role");
        assert.equal(sel.inputs.planId, plan.id);
        assert.equal(sel.inputs.iamRoleArn, role.state.arn);
        assert.deepEqual(sel.inputs.resources, [BUCKET_ARN, `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/e2ee-pipeline-test-catalog`]);
        assert.deepEqual(statement(policyOf(role, "assumeRolePolicy"), "AssumeByService").Principal, { Service: "backup.amazonaws.com" });
        assert.deepEqual(
            ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn),
            BACKUP_ROLE_MANAGED_POLICIES.map((p) => `arn:aws:iam::aws:policy/${p}`),
        );
        const settings = one("aws:backup/regionSettings:RegionSettings", "storage-backup-region-settings");
        assert.deepEqual(settings.inputs.resourceTypeManagementPreference, { DynamoDB: true });
        assert.equal(ofType("aws:backup/vaultLockConfiguration:VaultLockConfiguration").length, 0);
    });

    it("with deletion protection (prod): protected tables and a locked vault", async function () {
        await startMocks("test");
        new StorageLayer("storage", args({ deletionProtection: true, backupRetentionDays: 365, backupSchedule: "cron(0 2 * * ? *)" }));
        await settle();
        for (const suffix of ["catalog", "dedup"]) {
            assert.equal(one("aws:dynamodb/table:Table", `storage-${suffix}-table`).inputs.deletionProtectionEnabled, true);
        }
        const lock = one("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "storage-backup-vault-lock");
        assert.deepEqual([lock.inputs.backupVaultName, lock.inputs.minRetentionDays], ["e2ee-pipeline-test-backups", 7]);
        const rules = one("aws:backup/plan:Plan", "storage-backup-plan").inputs.rules as Record<string, unknown>[];
        assert.deepEqual([rules[0].schedule, rules[0].lifecycle], ["cron(0 2 * * ? *)", { deleteAfter: 365 }]);
    });

    it("validateStorageLayerArgs applies the defaults", function () {
        assert.deepEqual(validateStorageLayerArgs(args()), {
            namePrefix: "e2ee-pipeline-test",
            region: REGION,
            tags: {},
            deletionProtection: false,
            backupRetentionDays: 35,
            backupSchedule: "cron(0 3 * * ? *)",
            dataClassification: "restricted",
        });
    });

    const invalid: [string, Partial<StorageLayerArgs>, string][] = [
        ["the storage key as backup key", { backupKeyArn: STORAGE_KEY }, 'StorageLayer: argument "backupKeyArn" must not be the storage key (backups never share a key with the data they protect)'],
        ["a missing backup key", { backupKeyArn: "" }, 'StorageLayer: argument "backupKeyArn" is required'],
        ["a 1-day backup retention", { backupRetentionDays: 1 }, 'StorageLayer: argument "backupRetentionDays" must be an integer from 7 to 36500, got 1'],
        ["a rate() schedule", { backupSchedule: "rate(1 day)" }, 'StorageLayer: argument "backupSchedule" must be a cron(...) expression, got "rate(1 day)"'],
        ["an unknown classification", { dataClassification: "secret" as never }, 'StorageLayer: argument "dataClassification" must be one of public, internal, confidential, restricted, got "secret"'],
    ];
    for (const [what, over, message] of invalid) {
        it(`rejects ${what} before creating anything`, async function () {
            await startMocks("test");
            assert.throws(() => validateStorageLayerArgs(args(over)), { message });
            assert.throws(() => new StorageLayer("storage", args(over)), { message });
            await settle();
            assert.equal(created.length, 0);
        });
    }
});
