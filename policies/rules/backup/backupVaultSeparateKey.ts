import type { PolicyResource } from "@pulumi/policy";
import { stackRule } from "../../lib/rule";
import { SSE_TYPES } from "../../lib/s3";
import { Undecided, peek } from "../../lib/unknown";

/**
 * Where data stores keep their KMS key: type -> [top-level property, path to the key reference, label].
 * The top-level property is the one `propertyDependencies` is keyed by.
 */
export const DATA_STORE_KEYS: Readonly<Record<string, readonly { readonly top: string; readonly path: readonly string[]; readonly label: string }[]>> = {
    "aws:dynamodb/table:Table": [{ top: "serverSideEncryption", path: ["serverSideEncryption", "kmsKeyArn"], label: "DynamoDB table" }],
    "aws:sqs/queue:Queue": [{ top: "kmsMasterKeyId", path: ["kmsMasterKeyId"], label: "SQS queue" }],
    "aws:sns/topic:Topic": [{ top: "kmsMasterKeyId", path: ["kmsMasterKeyId"], label: "SNS topic" }],
    "aws:kinesis/stream:Stream": [{ top: "kmsKeyId", path: ["kmsKeyId"], label: "Kinesis stream" }],
    "aws:cloudwatch/logGroup:LogGroup": [{ top: "kmsKeyId", path: ["kmsKeyId"], label: "CloudWatch log group" }],
    "aws:secretsmanager/secret:Secret": [{ top: "kmsKeyId", path: ["kmsKeyId"], label: "Secrets Manager secret" }],
    "aws:ebs/volume:Volume": [{ top: "kmsKeyId", path: ["kmsKeyId"], label: "EBS volume" }],
    "aws:rds/instance:Instance": [{ top: "kmsKeyId", path: ["kmsKeyId"], label: "RDS DB instance" }],
    "aws:rds/cluster:Cluster": [{ top: "kmsKeyId", path: ["kmsKeyId"], label: "RDS DB cluster" }],
    "aws:efs/fileSystem:FileSystem": [{ top: "kmsKeyId", path: ["kmsKeyId"], label: "EFS file system" }],
    ...Object.fromEntries(
        SSE_TYPES.map((t) => [
            t,
            [0, 1, 2].map((i) => ({ top: "rules", path: ["rules", String(i), "applyServerSideEncryptionByDefault", "kmsMasterKeyId"], label: "S3 bucket encryption" })),
        ]),
    ),
};

const KEY_TYPES = ["aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey", "aws:kms/externalKey:ExternalKey"];
const ALIAS_TYPE = "aws:kms/alias:Alias";

/**
 * What identifies the key a property refers to: its known value, and for a value that came from a key (or an
 * alias of a key) in the stack, `urn:<key URN>` plus the key's known arn/keyId/id. `decided` is false when the
 * value is unknown and did not come from a key resource.
 */
export function keyIdentity(r: PolicyResource, top: string, path: readonly string[]): { ids: Set<string>; decided: boolean; present: boolean } {
    const ids = new Set<string>();
    const v = peek(r.props, ...path);
    const present = !v.known || (v.value !== undefined && v.value !== null && v.value !== "");
    if (v.known && typeof v.value === "string" && v.value !== "") {
        ids.add(v.value);
    }
    const addKey = (k: PolicyResource): void => {
        ids.add(`urn:${k.urn}`);
        for (const p of ["arn", "keyId", "id"]) {
            const x = peek(k.props, p);
            if (x.known && typeof x.value === "string" && x.value !== "") {
                ids.add(x.value);
            }
        }
    };
    let fromKey = false;
    for (const d of r.propertyDependencies[top] ?? []) {
        if (KEY_TYPES.includes(d.type)) {
            addKey(d);
            fromKey = true;
        } else if (d.type === ALIAS_TYPE) {
            for (const k of d.propertyDependencies["targetKeyId"] ?? []) {
                if (KEY_TYPES.includes(k.type)) {
                    addKey(k);
                    fromKey = true;
                }
            }
            const n = peek(d.props, "name");
            if (n.known && typeof n.value === "string") {
                ids.add(n.value);
            }
        }
    }
    return { ids, decided: v.known || fromKey, present };
}

function overlaps(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
    for (const x of a) {
        if (b.has(x)) {
            return true;
        }
    }
    return false;
}

export const backupVaultSeparateKey = stackRule({
    name: "backup-vault-separate-key",
    description: "AWS Backup vaults must be encrypted with a KMS key that no data store in the stack uses (backups under separate keys).",
    details:
        "AWS Backup vaults must be encrypted with a key of their own: a vault's kmsKeyArn must not be the key of any data store in the stack (DynamoDB, SQS, SNS, Kinesis, log groups, secrets, EBS, RDS, EFS, S3 encryption configurations). Keys are compared by value and, during preview, by the key resource the value came from.",
    severity: "high",
    framework: { paper: "Table 2: backups (independent encryption, separate keys kept apart from the data they protect)" },
    remediationSteps: "Create a dedicated aws.kms.Key for backups (tag e2ee:key-role = backup) and set the vault's kmsKeyArn to it; do not use it for any data store.",
    validateStack: (args, report) => {
        const resources = args.resources as PolicyResource[];
        const undecided = new Undecided();
        const stores = resources.flatMap((r) =>
            (DATA_STORE_KEYS[r.type] ?? []).map((loc) => ({ r, loc, key: keyIdentity(r, loc.top, loc.path) })).filter((s) => s.key.present),
        );
        for (const vault of resources.filter((r) => r.type === "aws:backup/vault:Vault")) {
            const vk = keyIdentity(vault, "kmsKeyArn", ["kmsKeyArn"]);
            if (!vk.present) {
                continue; // no key at all: backup-vault-encrypted-with-cmk reports it
            }
            if (!vk.decided) {
                undecided.add(`Backup vault '${vault.name}': kmsKeyArn is unknown during preview and does not come from a KMS key resource in the stack`);
                continue;
            }
            const shared = new Map<string, string>();
            for (const s of stores) {
                if (overlaps(vk.ids, s.key.ids)) {
                    shared.set(s.r.urn, `${s.loc.label} '${s.r.name}' (${s.loc.path.join(".").replace(/\.(\d+)\./g, "[$1].")})`);
                } else if (!s.key.decided) {
                    undecided.add(`Backup vault '${vault.name}': the key of ${s.loc.label} '${s.r.name}' is unknown during preview and does not come from a KMS key resource in the stack`);
                }
            }
            if (shared.size > 0) {
                report(
                    `Backup vault '${vault.name}' is encrypted with the same KMS key as ${[...shared.values()].join(", ")}; backups must use a separate key: set kmsKeyArn to a dedicated backup key.`,
                    vault.urn,
                );
            }
        }
        undecided.finish();
    },
});
