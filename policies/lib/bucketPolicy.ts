/**
 * Finding the Deny statements that S3 bucket policies use to refuse insecure transport
 * (`aws:SecureTransport` false) and old TLS (`s3:TlsVersion` below a version).
 */
import type { PolicyResource } from "@pulumi/policy";
import { PolicyDocumentError, Statement, parsePolicyDocument, statementLabel } from "./iam";
import { BUCKET_POLICY_TYPES, BucketSettings, bucketLabel, resourceLabel, settingsByBucket, undecidedReason } from "./s3";
import { Undecided, peek } from "./unknown";

/** True if the Resource list covers the bucket itself (`arn:aws:s3:::name`) and its objects (`.../*`). */
export function coversBucketAndObjects(resources: readonly string[]): boolean {
    const bucket = resources.some((r) => r === "*" || /^arn:aws[a-z-]*:s3:::[^/*]+$/.test(r) || /^arn:aws[a-z-]*:s3:::\*$/.test(r));
    const objects = resources.some((r) => r === "*" || /^arn:aws[a-z-]*:s3:::[^/]+\/\*$/.test(r));
    return bucket && objects;
}

/**
 * A statement that denies every S3 action to everyone on the bucket and its objects (the shape both transport
 * rules require).
 */
export function deniesAllS3ToEveryone(s: Statement): boolean {
    return (
        s.effect === "Deny" &&
        s.principal?.wildcard === true &&
        (s.action ?? []).some((a) => a === "*" || a.toLowerCase() === "s3:*") &&
        coversBucketAndObjects(s.resource ?? [])
    );
}

/** The single condition of a statement as [operator, key (lower-case), values], or undefined if it has not exactly one. */
export function onlyCondition(s: Statement): [string, string, string[]] | undefined {
    const entries = Object.entries(s.condition ?? {}).flatMap(([op, block]) => Object.entries(block).map(([k, v]) => [op, k, v] as const));
    if (entries.length !== 1) {
        return undefined;
    }
    const [op, k, v] = entries[0];
    const values = (Array.isArray(v) ? v : [v]).map((x) => String(x));
    return [op, k.toLowerCase(), values];
}

/** A bucket policy document attached to a bucket, parsed. */
export interface AttachedPolicy {
    /** `BucketPolicy 'name'` or `bucket 'name' policy` (deprecated inline). */
    readonly label: string;
    readonly statements: readonly Statement[];
}

export type BucketPolicies =
    | { readonly kind: "none" }
    | { readonly kind: "undecided" }
    | {
          readonly kind: "found";
          readonly policies: readonly AttachedPolicy[];
          /** Documents that are not valid policy documents, with the parser's reason. */
          readonly invalid: readonly string[];
          /** How many attached documents are unknown during preview (recorded in `undecided`). */
          readonly unknown: number;
      };

/**
 * The policies that apply to a bucket: linked BucketPolicy resources, else the bucket's deprecated inline
 * `policy` (a wholly unknown inline policy during preview is the provider's computed output: not configured).
 * Unknown documents are recorded in `undecided` and counted; an undecidable link with nothing linked gives
 * `undecided` (also recorded).
 */
export function policiesOf(s: BucketSettings, undecided: Undecided): BucketPolicies {
    const policies: AttachedPolicy[] = [];
    const invalid: string[] = [];
    let unknown = 0;
    const parse = (label: string, read: () => unknown): void => {
        let bad: string | undefined;
        const doc = undecided.attempt(`${label} of ${bucketLabel(s.bucket)}`, () => {
            try {
                return parsePolicyDocument(read());
            } catch (e) {
                if (e instanceof PolicyDocumentError) {
                    bad = `${label} is not a valid policy document (${e.message})`;
                    return undefined;
                }
                throw e;
            }
        });
        if (doc !== undefined) {
            policies.push({ label, statements: doc.statements });
        } else if (bad !== undefined) {
            invalid.push(bad);
        } else {
            unknown++;
        }
    };
    for (const p of s.linked) {
        parse(resourceLabel(p), () => p.props["policy"]);
    }
    if (s.linked.length === 0) {
        if (s.undecided.length > 0) {
            undecided.add(undecidedReason(s.bucket, s.undecided));
            return { kind: "undecided" };
        }
        const inline = peek(s.bucket.props, "policy");
        if (inline.known && typeof inline.value === "string" && inline.value !== "") {
            parse(`${bucketLabel(s.bucket)} policy`, () => s.bucket.props["policy"]);
        } else {
            return { kind: "none" };
        }
    }
    return { kind: "found", policies, invalid, unknown };
}

export function bucketPolicySettings(resources: readonly PolicyResource[]): BucketSettings[] {
    return settingsByBucket(resources, BUCKET_POLICY_TYPES);
}

export { statementLabel };
