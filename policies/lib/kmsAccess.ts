/**
 * Who can perform an operation (e.g. kms:Decrypt) on a KMS key: the key policy, the principals' identity policies
 * and KMS grants, evaluated together as AWS KMS documents its authorization:
 *
 * - An explicit `Deny` that applies (key policy, identity policy, permissions boundary) wins over every allow,
 *   grants included.
 * - The key policy allows a principal directly (its ARN, a session of it, or `"*"` with conditions it satisfies).
 *   For a principal of another account the key policy's allow is not enough: its own identity policies must allow
 *   too.
 * - IAM policies count only when the key policy allows the principal's account (`arn:...:iam::<account>:root` or
 *   the bare account ID): then an identity policy statement whose action and resource cover the key decides. A key
 *   with no policy has KMS's default policy, which gives the key's account `kms:*`. A `"*"` principal is a direct
 *   grant to everyone it matches, not a delegation.
 * - A grant (`aws.kms.Grant`) allows its grantee the listed operations, without key policy or IAM; a grant to an
 *   account delegates to that account's identity policies. Grant constraints (encryption context) depend on each
 *   request.
 * - A permissions boundary limits what identity policies grant; whether it also limits a key-policy grant that names
 *   the role is left undecided when the boundary does not allow the operation.
 *
 * Documents that are not available (AWS-managed or external policies, values unknown during preview) make a
 * decision undecided where they could grant (the key delegates to IAM) or, when they may contain a Deny, where they
 * could deny. Service control policies, resource control policies and session policies are outside a program: they
 * can only restrict, and are not considered.
 *
 * The steps live apart: the request (caller, condition values, what names the key) in ./kmsRequest.ts, one
 * principal's decision in ./kmsPrincipal.ts, what the key gives principals outside the program in ./kmsOutside.ts.
 */
import type { PolicyDocument, Statement } from "./iam";
import type { RequestContext, ResourceMatcher } from "./iamEval";
import { evaluateOutside } from "./kmsOutside";
import { evaluatePrincipal } from "./kmsPrincipal";

export { requestContext } from "./kmsRequest";

/** Where a document comes from, for messages and report locations. */
export interface DocumentSource {
    /** E.g. `records key "records-key" policy`, `process-reencrypt policy`, `e2ee-process inlinePolicies[0].policy`. */
    readonly label: string;
    /** The URN of the resource that holds it (where a finding is reported). */
    readonly urn: string;
}

export interface KmsKey {
    /** The key's logical name, for messages. */
    readonly name: string;
    readonly urn: string;
    /** The key ARN; undefined when unknown. */
    readonly arn: string | undefined;
    readonly account: string | undefined;
    readonly region: string | undefined;
    /** The key's tags (for aws:ResourceTag); undefined when unknown. */
    readonly tags: Readonly<Record<string, string>> | undefined;
    /**
     * KMS condition keys of the key itself (kms:KeySpec, kms:KeyUsage, kms:KeyOrigin, kms:MultiRegion,
     * kms:MultiRegionKeyType), lower-case keys; undefined: unknown.
     */
    readonly attributes: Readonly<Record<string, string | undefined>>;
    /** The key policy, or `default` (no policy given: KMS's default policy). */
    readonly policy: { readonly source: DocumentSource; readonly document: PolicyDocument } | "default";
    /** Whether a `Resource` pattern covers the key; defaults to matching `arn` (unknown ARN: only `"*"`). */
    readonly resource?: ResourceMatcher;
}

/** An identity-based policy in effect for a principal. */
export interface IdentityPolicy {
    readonly source: DocumentSource;
    /** The document; undefined when it is not available (then `unavailable` says why). */
    readonly document: PolicyDocument | undefined;
    readonly unavailable?: string;
    /** For an unavailable document: whether it may hold a Deny statement (default false). */
    readonly mayDeny?: boolean;
    /** How it reaches the principal when not attached directly, e.g. `through group "devs"`. */
    readonly via?: string;
    /** Overrides the key's resource matcher for this document (a preview document derived from the key ARN). */
    readonly resource?: ResourceMatcher;
}

export interface KmsPrincipal {
    readonly kind: "role" | "user";
    /** The role or user name (or the logical name while the name is unknown). */
    readonly name: string;
    readonly urn: string;
    readonly arn: string | undefined;
    readonly account: string | undefined;
    /** Tags (for aws:PrincipalTag); undefined when unknown. */
    readonly tags: Readonly<Record<string, string>> | undefined;
    /** Whether sessions of the role may carry session tags (its trust policy allows sts:TagSession). */
    readonly sessionTags: boolean | "unknown";
    readonly policies: readonly IdentityPolicy[];
    readonly boundary?: IdentityPolicy;
}

export interface KmsGrant {
    readonly source: DocumentSource;
    /** The grantee principal ARN (or service principal); undefined when unknown. */
    readonly grantee: string | undefined;
    /** Grant operations, e.g. `Decrypt`, `GenerateDataKey`. */
    readonly operations: readonly string[];
    /** A description of the grant's constraints when it has any (they depend on each request's encryption context). */
    readonly constraints?: string;
}

/** An operation asked about, as one or more IAM actions (any of them counts). */
export interface KmsOperation {
    readonly label: string;
    readonly actions: readonly string[];
    /**
     * The values of one concrete request (its encryption context, `kms:ViaService`, ...): consulted for every
     * condition key the principal and the key do not fix, before the key is taken as a value of each request
     * (unknown). Its `unknown` answers fall through. Default: none (the question is about every request).
     */
    readonly request?: RequestContext;
}

export type AccessPath =
    | { readonly kind: "key-policy"; readonly source: DocumentSource; readonly statement: Statement }
    | {
          readonly kind: "identity";
          readonly source: DocumentSource;
          readonly statement: Statement;
          readonly via?: string;
          /** What lets IAM policies decide: a key policy statement, KMS's default key policy, or a grant to the account. */
          readonly delegation: { readonly kind: "key-policy"; readonly statement: Statement } | { readonly kind: "default-policy" } | { readonly kind: "grant"; readonly source: DocumentSource };
      }
    | { readonly kind: "grant"; readonly source: DocumentSource };

export interface PrincipalAccess {
    readonly principal: KmsPrincipal;
    readonly operation: KmsOperation;
    /** `allowed` (proven, with the paths), `not-allowed` (proven), or `undecided` (with the reasons). */
    readonly decision: "allowed" | "not-allowed" | "undecided";
    readonly paths: readonly AccessPath[];
    readonly reasons: readonly string[];
    /** The explicit Deny statements that apply (a `not-allowed` decision they make), as `<document> <statement>`. */
    readonly deniedBy: readonly string[];
}

/** Access the key policy or a grant gives principals that are not among the program's principals. */
export interface OutsideAccess {
    readonly operation: KmsOperation;
    readonly source: DocumentSource;
    /** The key policy statement (undefined for a grant). */
    readonly statement: Statement | undefined;
    readonly who:
        | { readonly kind: "everyone"; readonly notPrincipal: boolean; readonly conditioned: boolean }
        | { readonly kind: "service"; readonly service: string }
        | { readonly kind: "principal"; readonly arn: string };
    readonly decision: "allowed" | "undecided";
    readonly reasons: readonly string[];
}

export interface KeyAccess {
    readonly principals: readonly PrincipalAccess[];
    readonly outside: readonly OutsideAccess[];
}

/**
 * Who among `principals` can perform each operation on the key, and what the key policy and grants give principals
 * outside them.
 */
export function evaluateKeyAccess(
    key: KmsKey,
    principals: readonly KmsPrincipal[],
    grants: readonly KmsGrant[],
    operations: readonly KmsOperation[],
): KeyAccess {
    const result: PrincipalAccess[] = [];
    const outside: OutsideAccess[] = [];
    for (const op of operations) {
        for (const p of principals) {
            result.push(evaluatePrincipal(key, p, op, grants));
        }
        outside.push(...evaluateOutside(key, principals, op, grants));
    }
    return { principals: result, outside };
}
