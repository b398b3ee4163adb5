/**
 * The records keys of a stack as `e2ee-records-key-least-privilege` (./e2eeRecordsKeyLeastPrivilege.ts) reads them:
 * which keys are records keys, the operations it guards on them, each key's policy and grants, the key as
 * lib/kmsAccess.ts takes it, and the program's principals with each document's resource matcher for the key.
 * Values unknown during preview are recorded in the `Undecided` given.
 */
import type { PolicyResource } from "@pulumi/policy";
import { policyDocumentOrUndefined } from "../../lib/iam";
import { arnMatch, fromBoolean, NO, unknown, YES, type ResourceMatcher } from "../../lib/iamEval";
import { toKmsPrincipal, type AttachedPolicy, type StackPrincipal } from "../../lib/iamStack";
import type { DocumentSource, IdentityPolicy, KmsGrant, KmsKey, KmsOperation, KmsPrincipal } from "../../lib/kmsAccess";
import { dependsOn, known, stringProp, tagOf, UNKNOWN } from "../../lib/known";
import type { Undecided } from "../../lib/unknown";
import { KEY_ROLE_TAG, PRODUCER_PRINCIPAL, RECIPIENT_PRINCIPAL, RECORDS_KEY_ROLE } from "../../conventions";

/** The guarded operations on a records key and who may perform them. */
export const OPERATIONS: readonly (KmsOperation & { readonly allowed: string })[] = [
    { label: "kms:Decrypt", actions: ["kms:Decrypt"], allowed: RECIPIENT_PRINCIPAL },
    // Re-encrypting records under a key the caller can decrypt is a way around kms:Decrypt.
    { label: "kms:ReEncryptFrom", actions: ["kms:ReEncryptFrom"], allowed: RECIPIENT_PRINCIPAL },
    {
        label: "kms:GenerateDataKey*",
        actions: ["kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext"],
        allowed: PRODUCER_PRINCIPAL,
    },
];
export type Operation = (typeof OPERATIONS)[number];

/** The position of an operation in OPERATIONS (by its label). */
export function operationIndex(op: KmsOperation): number {
    return OPERATIONS.findIndex((o) => o.label === op.label);
}

/** The stack's keys tagged as records keys; a key whose tags are unknown is undecided. */
export function recordsKeys(resources: readonly PolicyResource[], undecided: Undecided): PolicyResource[] {
    const keys: PolicyResource[] = [];
    for (const res of resources) {
        if (res.type !== "aws:kms/key:Key") continue;
        const role = tagOf(res.props, KEY_ROLE_TAG);
        if (role === UNKNOWN) {
            undecided.add(`the tags of key "${res.name}" are unknown`);
            continue;
        }
        if (role === RECORDS_KEY_ROLE) keys.push(res);
    }
    return keys;
}

/** Whether a resource (a key policy, a grant) is for the key: its `keyId` is the key's ARN, key ID or ID, or depends on it. */
export function forKey(keyRes: PolicyResource): (r: PolicyResource) => boolean {
    const ids = ["arn", "keyId", "id"].map((p) => stringProp(keyRes.props, p)).filter((v): v is string => typeof v === "string");
    return (r) => {
        const keyId = stringProp(r.props, "keyId");
        return (typeof keyId === "string" && ids.includes(keyId)) || dependsOn(r, "keyId", keyRes);
    };
}

/**
 * The key policy (a separate aws.kms.KeyPolicy replaces the key's own; none: KMS's default policy), or undefined
 * when it cannot be read (unknown during preview: undecided; not a policy document: AWS rejects it at deployment).
 */
export function keyPolicyOf(keyRes: PolicyResource, resources: readonly PolicyResource[], undecided: Undecided): KmsKey["policy"] | undefined {
    const isForKey = forKey(keyRes);
    const holder = resources.find((r) => r.type === "aws:kms/keyPolicy:KeyPolicy" && isForKey(r)) ?? keyRes;
    const rawPolicy = known(() => holder.props["policy"]);
    if (rawPolicy === UNKNOWN) {
        undecided.add(`the policy of records key "${keyRes.name}" is unknown`);
        return undefined;
    }
    if (rawPolicy === undefined || rawPolicy === null || rawPolicy === "") return "default";
    const doc = undecided.attempt(`the policy of records key "${keyRes.name}"`, () => policyDocumentOrUndefined(rawPolicy));
    if (doc === undefined) return undefined;
    return { source: { label: `records key "${keyRes.name}" ${holder === keyRes ? "policy" : `key policy "${holder.name}"`}`, urn: holder.urn }, document: doc };
}

/** KMS condition keys of the key itself, from its inputs (undefined: unknown). */
function keyAttributes(res: PolicyResource): Record<string, string | undefined> {
    const str = (read: () => unknown, dflt: string): string | undefined => {
        const v = known(read);
        return v === UNKNOWN ? undefined : typeof v === "string" && v !== "" ? v : dflt;
    };
    const origin = known(() => {
        const xks = res.props["xksKeyId"];
        const store = res.props["customKeyStoreId"];
        return typeof xks === "string" && xks !== "" ? "EXTERNAL_KEY_STORE" : typeof store === "string" && store !== "" ? "AWS_CLOUDHSM" : "AWS_KMS";
    });
    const multi = known(() => res.props["multiRegion"] === true);
    return {
        "kms:KeySpec": str(() => res.props["customerMasterKeySpec"] ?? res.props["keySpec"], "SYMMETRIC_DEFAULT"),
        "kms:KeyUsage": str(() => res.props["keyUsage"], "ENCRYPT_DECRYPT"),
        "kms:KeyOrigin": origin === UNKNOWN ? undefined : origin,
        "kms:MultiRegion": multi === UNKNOWN ? undefined : String(multi),
    };
}

/**
 * Whether a `Resource` pattern covers a key whose ARN is not known yet (preview): `"*"` does, a literal ARN is
 * another key's, a wildcard pattern for KMS may be this key's.
 */
export function pendingKeyMatcher(keyName: string): ResourceMatcher {
    return (pattern) => {
        if (pattern === "*") return YES;
        if (!/[*?]/.test(pattern)) return NO;
        const service = pattern.split(":")[2];
        if (service !== undefined && !/[*?]/.test(service) && service !== "kms") return NO;
        return unknown(`the ARN of records key "${keyName}" is unknown`);
    };
}

/** The key as lib/kmsAccess.ts takes it, with its policy. */
export function kmsKeyOf(keyRes: PolicyResource, policy: KmsKey["policy"]): KmsKey {
    const tags = known(() => {
        const t: unknown = keyRes.props["tags"];
        return typeof t === "object" && t !== null ? (JSON.parse(JSON.stringify(t)) as Record<string, string>) : {};
    });
    const arn = stringProp(keyRes.props, "arn");
    const keyArn = typeof arn === "string" ? arn : undefined;
    const arnParts = keyArn === undefined ? undefined : /^arn:[^:]+:kms:([^:]*):(\d{12}):/.exec(keyArn);
    return {
        name: keyRes.name,
        urn: keyRes.urn,
        arn: keyArn,
        account: arnParts?.[2],
        region: arnParts?.[1],
        tags: tags === UNKNOWN ? undefined : tags,
        attributes: keyAttributes(keyRes),
        policy,
        ...(keyArn === undefined ? { resource: pendingKeyMatcher(keyRes.name) } : {}),
    };
}

/** A grant on a records key, with its resource. */
export type KeyGrant = KmsGrant & { readonly res: PolicyResource };

/** The grants (aws.kms.Grant) on the key; a grant whose operations are unknown is undecided. */
export function keyGrants(keyRes: PolicyResource, resources: readonly PolicyResource[], undecided: Undecided): KeyGrant[] {
    const isForKey = forKey(keyRes);
    const grants: KeyGrant[] = [];
    for (const g of resources.filter((r) => r.type === "aws:kms/grant:Grant" && isForKey(r))) {
        const operations = known(() => Array.from((g.props["operations"] as unknown[] | undefined) ?? []).filter((o): o is string => typeof o === "string"));
        if (operations === UNKNOWN) {
            undecided.add(`the operations of grant "${g.name}" are unknown`);
            continue;
        }
        const grantee = stringProp(g.props, "granteePrincipal");
        if (grantee === UNKNOWN) undecided.add(`the grantee of grant "${g.name}" is unknown`);
        const constraints = known(() => {
            const c = Array.from((g.props["constraints"] as unknown[] | undefined) ?? []);
            return c.length === 0 ? undefined : JSON.stringify(c);
        });
        if (constraints === UNKNOWN) undecided.add(`the constraints of grant "${g.name}" are unknown`);
        grants.push({
            res: g,
            source: { label: `grant "${g.name}"`, urn: g.urn },
            grantee: typeof grantee === "string" ? grantee : undefined,
            operations,
            ...(constraints === UNKNOWN ? { constraints: "unknown during preview" } : constraints !== undefined ? { constraints } : {}),
        });
    }
    return grants;
}

/** The program's principals as the key's evaluation takes them, and the resource matcher each document has for the key. */
export interface KeyPrincipals {
    readonly principals: readonly KmsPrincipal[];
    /** The matcher of the (first) document from `source`; the key's own when there is none. */
    matcherOf(source: DocumentSource): ResourceMatcher;
}

/**
 * The principals for the key's evaluation. While the key's ARN is unknown (preview), a document built from it names
 * the key with whatever it holds there, so its `Resource` covers the key.
 */
export function keyPrincipals(principals: readonly StackPrincipal[], keyRes: PolicyResource, key: KmsKey): KeyPrincipals {
    const keyArn = key.arn;
    const matchers = new Map<IdentityPolicy, ResourceMatcher>();
    const defaultMatcher: ResourceMatcher = key.resource ?? ((p) => fromBoolean(keyArn !== undefined && arnMatch(p, keyArn)));
    const adjust = (a: AttachedPolicy): IdentityPolicy => {
        const derived = keyArn === undefined && dependsOn(a.holder, a.depProperty, keyRes);
        const policyOut: IdentityPolicy = derived ? { ...a.policy, resource: () => YES } : a.policy;
        matchers.set(policyOut, derived ? () => YES : defaultMatcher);
        return policyOut;
    };
    return {
        principals: principals.map((p) => toKmsPrincipal(p, adjust)),
        matcherOf: (source) => [...matchers.entries()].find(([d]) => d.source === source)?.[1] ?? defaultMatcher,
    };
}
