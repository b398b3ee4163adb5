/**
 * Reading KMS key references (kmsKeyId, kmsKeyArn, kmsMasterKeyId, ...) from resource inputs.
 *
 * A reference is classified as:
 * - `missing`: undefined, null or "" (the service then uses its own AWS-owned or AWS-managed key);
 * - `aws-managed`: an AWS-managed alias, `alias/aws/<service>` or an alias ARN `arn:aws:kms:...:alias/aws/<service>`;
 * - `customer`: any other literal (a key ID, key ARN, custom alias or alias ARN);
 * - `computed`: unknown during preview. An unknown value is the output of a resource created or replaced in this
 *   deployment (e.g. `key.arn`). AWS-managed keys cannot be created by a stack and are only referenced through
 *   literals or data sources, whose values are known during preview, so a computed reference is a key this stack
 *   manages: it counts as customer-managed. (Rules never report a computed reference as a violation.)
 */
import { peek } from "./unknown";

export type KeyRef =
    | { readonly kind: "missing" }
    | { readonly kind: "aws-managed"; readonly value: string }
    | { readonly kind: "customer"; readonly value: string }
    | { readonly kind: "computed" };

const AWS_MANAGED = /^(arn:aws[a-z-]*:kms:[^:]*:[^:]*:)?alias\/aws\//;

/** True for `alias/aws/...` and alias ARNs ending in `:alias/aws/...`. */
export function isAwsManagedAlias(v: string): boolean {
    return AWS_MANAGED.test(v);
}

/** Classifies the key reference at `props[path...]` without throwing on unknowns. */
export function keyRef(props: unknown, ...path: string[]): KeyRef {
    const p = peek(props, ...path);
    if (!p.known) {
        return { kind: "computed" };
    }
    const v = p.value;
    if (v === undefined || v === null || v === "") {
        return { kind: "missing" };
    }
    const s = String(v);
    return isAwsManagedAlias(s) ? { kind: "aws-managed", value: s } : { kind: "customer", value: s };
}

/**
 * The problem with a key reference for a rule that requires a customer-managed key, as a message fragment, or
 * undefined when the reference is acceptable. `property` is the input's name for the message.
 */
export function cmkProblem(ref: KeyRef, property: string): string | undefined {
    switch (ref.kind) {
        case "missing":
            return `${property} is not set`;
        case "aws-managed":
            return `${property} is "${ref.value}", an AWS-managed key, not a customer-managed key`;
        default:
            return undefined;
    }
}

/** Reads a known value (through the unknown-checking proxy: an unknown throws UnknownValueError). */
export function str(v: unknown): string | undefined {
    return typeof v === "string" ? v : undefined;
}
