/**
 * Bucket-level checks across the stack. In @pulumi/aws v7 a bucket's encryption, versioning, public access block
 * and policy are separate resources that point at the bucket through their `bucket` input (the bucket's name,
 * which is also its id). This module links those resources to the buckets they configure.
 *
 * A setting resource S is linked to bucket B when (first rule that decides):
 * 1. S's `bucket` input came from a bucket resource in the stack (`propertyDependencies.bucket`): linked iff that
 *    bucket is B. This works during preview, when `bucket: b.id` is still unknown.
 * 2. S's `bucket` is a known string: linked iff it equals B's known `bucket` (name) or `id`; if it equals another
 *    bucket's known name it is not linked to B; if B's name is unknown it cannot be decided.
 * 3. S's `bucket` is unknown and did not come from a bucket: if S depends on exactly one bucket
 *    (`dependencies`), linked iff that bucket is B; otherwise it cannot be decided.
 * Rules never report a bucket whose compliance depends on an undecided link: they report what they can prove and
 * then raise one UnknownValueError naming what they could not decide (see `Undecided` in ./unknown).
 */
import type { PolicyResource } from "@pulumi/policy";
import { peek } from "./unknown";

export const BUCKET_TYPES: readonly string[] = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];

export const SSE_TYPES: readonly string[] = [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];

export const VERSIONING_TYPES: readonly string[] = [
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2",
];

export const PUBLIC_ACCESS_BLOCK_TYPES: readonly string[] = ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"];

export const BUCKET_POLICY_TYPES: readonly string[] = ["aws:s3/bucketPolicy:BucketPolicy"];

export type Link = "linked" | "unlinked" | "undecided";

function isBucket(r: PolicyResource): boolean {
    return BUCKET_TYPES.includes(r.type);
}

function knownString(r: PolicyResource, prop: string): string | undefined {
    const p = peek(r.props, prop);
    return p.known && typeof p.value === "string" && p.value !== "" ? p.value : undefined;
}

/** How `setting` relates to `bucket` (see the module comment). `buckets` is every bucket in the stack. */
export function linkToBucket(setting: PolicyResource, bucket: PolicyResource, buckets: readonly PolicyResource[]): Link {
    const fromBuckets = (setting.propertyDependencies["bucket"] ?? []).filter(isBucket);
    if (fromBuckets.length > 0) {
        return fromBuckets.some((b) => b.urn === bucket.urn) ? "linked" : "unlinked";
    }
    const v = peek(setting.props, "bucket");
    if (v.known) {
        if (typeof v.value !== "string" || v.value === "") {
            return "unlinked";
        }
        const names = [knownString(bucket, "bucket"), knownString(bucket, "id")];
        if (names.includes(v.value)) {
            return "linked";
        }
        const other = buckets.some((b) => b.urn !== bucket.urn && (knownString(b, "bucket") === v.value || knownString(b, "id") === v.value));
        if (other || names[0] !== undefined) {
            return "unlinked";
        }
        return "undecided";
    }
    const deps = setting.dependencies.filter(isBucket);
    if (deps.length === 1) {
        return deps[0].urn === bucket.urn ? "linked" : "unlinked";
    }
    return "undecided";
}

export interface BucketSettings {
    readonly bucket: PolicyResource;
    /** Setting resources linked to the bucket. */
    readonly linked: readonly PolicyResource[];
    /** Setting resources whose link to the bucket cannot be decided during preview. */
    readonly undecided: readonly PolicyResource[];
}

/**
 * For every bucket in the stack, the setting resources of `settingTypes` that configure it (same decisions as
 * `linkToBucket`, computed once per setting with a name index, so large stacks stay linear).
 */
export function settingsByBucket(resources: readonly PolicyResource[], settingTypes: readonly string[]): BucketSettings[] {
    const buckets = resources.filter(isBucket);
    const linked = new Map<string, PolicyResource[]>(buckets.map((b) => [b.urn, []]));
    const undecided = new Map<string, PolicyResource[]>(buckets.map((b) => [b.urn, []]));
    const byName = new Map<string, PolicyResource>();
    const unnamed: PolicyResource[] = [];
    for (const b of buckets) {
        const names = [knownString(b, "bucket"), knownString(b, "id")].filter((n): n is string => n !== undefined);
        for (const n of names) {
            if (!byName.has(n)) {
                byName.set(n, b);
            }
        }
        if (knownString(b, "bucket") === undefined) {
            unnamed.push(b);
        }
    }
    for (const s of resources) {
        if (!settingTypes.includes(s.type)) {
            continue;
        }
        const fromBuckets = (s.propertyDependencies["bucket"] ?? []).filter(isBucket);
        if (fromBuckets.length > 0) {
            fromBuckets.forEach((b) => linked.get(b.urn)?.push(s));
            continue;
        }
        const v = peek(s.props, "bucket");
        if (v.known) {
            if (typeof v.value === "string" && v.value !== "") {
                const b = byName.get(v.value);
                if (b !== undefined) {
                    linked.get(b.urn)?.push(s);
                } else {
                    unnamed.forEach((u) => undecided.get(u.urn)?.push(s));
                }
            }
            continue;
        }
        const deps = s.dependencies.filter(isBucket);
        if (deps.length === 1) {
            linked.get(deps[0].urn)?.push(s);
        } else {
            buckets.forEach((b) => undecided.get(b.urn)?.push(s));
        }
    }
    return buckets.map((bucket) => ({ bucket, linked: linked.get(bucket.urn) ?? [], undecided: undecided.get(bucket.urn) ?? [] }));
}

/** `bucket 'name'` for messages. */
export function bucketLabel(r: PolicyResource): string {
    return `bucket '${r.name}'`;
}

/** `<type token short name> 'name'` for messages, e.g. `BucketVersioning 'logs-versioning'`. */
export function resourceLabel(r: PolicyResource): string {
    const short = r.type.slice(r.type.lastIndexOf(":") + 1);
    return `${short} '${r.name}'`;
}

/** The message fragment for undecided links. */
export function undecidedReason(bucket: PolicyResource, undecided: readonly PolicyResource[]): string {
    const verb = undecided.length === 1 ? "configures" : "configure";
    return `cannot tell whether ${undecided.map(resourceLabel).join(", ")} ${verb} ${bucketLabel(bucket)}: the bucket input is unknown during preview and does not come from a bucket resource in the stack`;
}
