import assert from "node:assert/strict";
import { backupVaultSeparateKey } from "../../../policies/rules/backup/backupVaultSeparateKey";
import { StackResourceInput, UNKNOWN, runStackRule, urnOf } from "../harness";

const KEY = "aws:kms/key:Key";
const VAULT = "aws:backup/vault:Vault";
const TABLE = "aws:dynamodb/table:Table";
const key = (name: string, arn: unknown = UNKNOWN.string): StackResourceInput => ({ type: KEY, name, props: { arn, enableKeyRotation: true } });
/** During preview: ARNs unknown, linked through property dependencies. */
const vault = (keyName: string): StackResourceInput => ({ type: VAULT, name: "vault", props: { kmsKeyArn: UNKNOWN.string }, propertyDependencies: { kmsKeyArn: [keyName] } });
const table = (keyName: string): StackResourceInput => ({
    type: TABLE,
    name: "records",
    props: { serverSideEncryption: { enabled: true, kmsKeyArn: UNKNOWN.string } },
    propertyDependencies: { serverSideEncryption: [keyName] },
});
const run = (rs: StackResourceInput[]) => runStackRule(backupVaultSeparateKey, rs);

describe("backup-vault-separate-key", () => {
    it("accepts a vault with its own key (compared by key resource during preview)", async () => {
        const r = await run([key("storage"), key("backup"), table("storage"), vault("backup")]);
        assert.deepEqual(r.violations, []);
        assert.equal(r.unknown, undefined);
    });
    it("reports a vault using a data store's key (by key resource)", async () => {
        const r = await run([key("storage"), table("storage"), vault("storage")]);
        assert.deepEqual(r.violations, [
            {
                message:
                    "Backup vault 'vault' is encrypted with the same KMS key as DynamoDB table 'records' (serverSideEncryption.kmsKeyArn); backups must use a separate key: set kmsKeyArn to a dedicated backup key.",
                urn: urnOf(VAULT, "vault"),
            },
        ]);
    });
    it("reports a shared key by known value, across S3 encryption configurations and queues", async () => {
        const ARN = "arn:aws:kms:eu-west-1:111122223333:key/shared";
        const r = await run([
            { type: "aws:sqs/queue:Queue", name: "q", props: { kmsMasterKeyId: ARN } },
            {
                type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                name: "data-sse",
                props: { bucket: "b", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: ARN } }] },
            },
            { type: VAULT, name: "vault", props: { kmsKeyArn: ARN } },
        ]);
        assert.deepEqual(r.messages, [
            "Backup vault 'vault' is encrypted with the same KMS key as SQS queue 'q' (kmsMasterKeyId), S3 bucket encryption 'data-sse' (rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId); backups must use a separate key: set kmsKeyArn to a dedicated backup key.",
        ]);
    });
    it("matches a known ARN against the key resource another value came from, and follows aliases to their key", async () => {
        const ARN = "arn:aws:kms:eu-west-1:111122223333:key/storage";
        const byArn = await run([key("storage", ARN), table("storage"), { type: VAULT, name: "vault", props: { kmsKeyArn: ARN } }]);
        assert.equal(byArn.messages.length, 1);
        const viaAlias = await run([
            key("storage"),
            { type: "aws:kms/alias:Alias", name: "storage-alias", props: { name: "alias/storage", targetKeyId: UNKNOWN.string }, propertyDependencies: { targetKeyId: ["storage"] } },
            table("storage"),
            { type: VAULT, name: "vault", props: { kmsKeyArn: UNKNOWN.string }, propertyDependencies: { kmsKeyArn: ["storage-alias"] } },
        ]);
        assert.equal(viaAlias.messages.length, 1);
        assert.match(viaAlias.messages[0], /same KMS key as DynamoDB table 'records'/);
    });
    it("an unknown vault key that does not come from a key resource is undecided", async () => {
        const r = await run([key("storage"), table("storage"), { type: VAULT, name: "vault", props: { kmsKeyArn: UNKNOWN.string } }]);
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, "Backup vault 'vault': kmsKeyArn is unknown during preview and does not come from a KMS key resource in the stack");
    });
    it("ignores a vault without a key (backup-vault-encrypted-with-cmk reports it)", async () => {
        assert.deepEqual((await run([key("storage"), table("storage"), { type: VAULT, name: "vault", props: {} }])).violations, []);
    });
});
