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
 */
import { coversAction, statementLabel, type PolicyDocument, type Statement } from "./iam";
import {
    ABSENT,
    allOf,
    anyOf,
    arnResource,
    identityStatementApplies,
    NO,
    present,
    resourceStatementApplies,
    unknown,
    YES,
    type Caller,
    type ContextValue,
    type Outcome,
    type Request,
    type RequestContext,
    type ResourceMatcher,
} from "./iamEval";

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

/** Grant-related and other condition keys KMS never sets on cryptographic requests. */
const ABSENT_FOR_CRYPTO = [
    "kms:grantisforawsresource",
    "kms:grantoperations",
    "kms:granteeprincipal",
    "kms:granteeserviceprincipal",
    "kms:retiringprincipal",
    "kms:grantconstrainttype",
    "kms:grantconstraintsourcearn",
    "kms:bypasspolicylockoutsafetycheck",
    "kms:schedulekeydeletionpendingwindowindays",
    "kms:rotationperiodindays",
    "kms:replicaregion",
    "kms:primaryregion",
    "kms:wrappingalgorithm",
    "kms:wrappingkeyspec",
    "kms:expirationmodel",
    "kms:validto",
    "kms:importtype",
    "kms:signingalgorithm",
    "kms:messagetype",
    "kms:macalgorithm",
    "kms:keyagreementalgorithm",
];

function perRequest(key: string): ContextValue {
    return { kind: "unknown", why: `${key} is a value of each request, which the program does not fix` };
}

function principalLabel(p: KmsPrincipal): string {
    return `${p.kind} "${p.name}"`;
}

/** The request context of `caller` calling `action` on `key`. */
export function requestContext(key: KmsKey, caller: Caller, principal: KmsPrincipal | undefined, request?: RequestContext): RequestContext {
    const known = (v: string | undefined, why: string): ContextValue => (v === undefined ? { kind: "unknown", why } : present(v));
    const map = new Map<string, ContextValue>();
    const set = (k: string, v: ContextValue) => map.set(k, v);
    for (const k of ABSENT_FOR_CRYPTO) set(k, ABSENT);
    set("aws:securetransport", present("true")); // KMS endpoints accept HTTPS only
    set("aws:resourceaccount", known(key.account, `the account of key "${key.name}" is unknown`));
    set("aws:requestedregion", known(key.region, `the region of key "${key.name}" is unknown`));
    for (const [k, v] of Object.entries(key.attributes)) {
        set(k.toLowerCase(), known(v, `${k} of key "${key.name}" is unknown`));
    }
    if (caller.kind === "role" || caller.kind === "user") {
        const who = `${caller.kind} "${caller.name}"`;
        set("aws:principalarn", known(caller.arn, `the ARN of ${who} is unknown`));
        set("aws:principalaccount", known(caller.account, `the account of ${who} is unknown`));
        set("kms:calleraccount", known(caller.account, `the account of ${who} is unknown`));
        set("aws:principaltype", present(caller.kind === "role" ? "AssumedRole" : "User"));
        set("aws:principalisawsservice", present("false"));
        set("aws:principalservicename", ABSENT);
        set("aws:principalservicenamelist", ABSENT);
        set("aws:username", caller.kind === "user" ? present(caller.name) : ABSENT);
    } else if (caller.kind === "service") {
        set("aws:principalisawsservice", present("true"));
        set("aws:principalservicename", present(caller.service));
    }
    return {
        get(rawKey: string): ContextValue {
            const k = rawKey.toLowerCase();
            const v = map.get(k);
            if (v !== undefined) return v;
            const given = request?.get(rawKey);
            if (given !== undefined && given.kind !== "unknown") return given;
            if (k.startsWith("aws:resourcetag/")) {
                if (key.tags === undefined) return { kind: "unknown", why: `the tags of key "${key.name}" are unknown` };
                const tag = Object.entries(key.tags).find(([t]) => t.toLowerCase() === k.slice("aws:resourcetag/".length));
                return tag === undefined ? ABSENT : present(tag[1]);
            }
            if (k.startsWith("aws:principaltag/") && principal !== undefined) {
                const who = principalLabel(principal);
                if (principal.tags === undefined) return { kind: "unknown", why: `the tags of ${who} are unknown` };
                if (principal.sessionTags !== false) {
                    return { kind: "unknown", why: `sessions of ${who} may carry session tags (its trust policy allows sts:TagSession)` };
                }
                const name = rawKey.slice("aws:principaltag/".length);
                const v = principal.tags[name];
                return v === undefined ? ABSENT : present(v);
            }
            if (k === "aws:principalorgid" || k === "aws:principalorgpaths" || k === "aws:resourceorgid" || k === "aws:resourceorgpaths") {
                return { kind: "unknown", why: `${rawKey} depends on the AWS Organization, which is outside the program` };
            }
            if (caller.kind === "anyone" && (k.startsWith("aws:principal") || k === "kms:calleraccount" || k === "aws:username" || k === "aws:userid")) {
                return { kind: "unknown", why: `${rawKey} depends on the caller` };
            }
            return perRequest(rawKey);
        },
    };
}

function callerOf(p: KmsPrincipal, key: KmsKey): Extract<Caller, { kind: "role" | "user" }> {
    // While a principal's account is unknown (preview), it is taken to be the key's.
    const account = p.account ?? key.account;
    return p.kind === "role" ? { kind: "role", name: p.name, arn: p.arn, account } : { kind: "user", name: p.name, arn: p.arn, account };
}

const ACCOUNT_ROOT = /^(?:(\d{12})|arn:aws[a-z-]*:iam::(\d{12}):root)$/;

/** The default key policy KMS attaches when none is given: the key's account gets kms:*. */
function defaultKeyPolicyStatement(account: string): Statement {
    return {
        index: 0,
        sid: "Enable IAM User Permissions",
        effect: "Allow",
        principal: { wildcard: false, aws: [`arn:aws:iam::${account}:root`], service: [], federated: [], canonicalUser: [] },
        action: ["kms:*"],
        resource: ["*"],
    };
}

interface Delegation {
    readonly outcome: Outcome;
    readonly kind: Extract<AccessPath, { kind: "identity" }>["delegation"];
}

function grantCovers(g: KmsGrant, action: string): boolean {
    const op = action.replace(/^kms:/i, "").toLowerCase();
    return g.operations.some((o) => o.toLowerCase() === op);
}

function describe(o: Outcome): string {
    return o.result === "unknown" ? o.reasons.join(", ") : o.result;
}

function stmtRef(source: DocumentSource, s: Statement): string {
    return `${source.label} ${statementLabel(s)}`;
}

/** Evaluates one principal and one operation. */
function evaluatePrincipal(key: KmsKey, p: KmsPrincipal, op: KmsOperation, grants: readonly KmsGrant[]): PrincipalAccess {
    const caller = callerOf(p, key);
    const ctx = requestContext(key, caller, p, op.request);
    const who = principalLabel(p);
    const keyResource = key.resource ?? (key.arn !== undefined ? arnResource(key.arn) : (pattern: string) => (pattern === "*" ? YES : NO));
    // A principal or key whose account is unknown (preview) is taken to be in the other's account.
    const crossAccount: Outcome = p.account !== undefined && key.account !== undefined && p.account !== key.account ? YES : NO;

    const allowed: AccessPath[] = [];
    const reasons: string[] = [];
    const deniedBy: string[] = [];
    let anyUnknown = false;
    let anyAllowed = false;

    for (const action of op.actions) {
        const req: Request = { action, resource: keyResource, context: ctx };
        const reqFor = (d: IdentityPolicy): Request => (d.resource === undefined ? req : { ...req, resource: d.resource });

        // Explicit denies.
        const denies: { outcome: Outcome; where: string }[] = [];
        if (key.policy !== "default") {
            for (const s of key.policy.document.statements) {
                if (s.effect === "Deny") {
                    denies.push({ outcome: resourceStatementApplies(s, req, caller).outcome, where: stmtRef(key.policy.source, s) });
                }
            }
        }
        const identityDocs = p.boundary === undefined ? p.policies : [...p.policies, p.boundary];
        for (const d of identityDocs) {
            if (d.document === undefined) {
                if (d.mayDeny === true) denies.push({ outcome: unknown(`${d.source.label} ${d.unavailable ?? "is not available"}`), where: d.source.label });
                continue;
            }
            for (const s of d.document.statements) {
                if (s.effect === "Deny") denies.push({ outcome: identityStatementApplies(s, reqFor(d)), where: stmtRef(d.source, s) });
            }
        }
        const deny = anyOf(denies.map((d) => d.outcome));
        if (deny.result === "yes") {
            deniedBy.push(...denies.filter((d) => d.outcome.result === "yes").map((d) => d.where));
            continue;
        }

        // Identity policies' allows (used by delegations, cross-account grants and the boundary).
        const identityAllows: { outcome: Outcome; doc: IdentityPolicy; statement?: Statement }[] = [];
        for (const d of p.policies) {
            if (d.document === undefined) {
                identityAllows.push({ outcome: unknown(`${d.source.label} ${d.unavailable ?? "is not available"}`), doc: d });
                continue;
            }
            for (const s of d.document.statements) {
                if (s.effect === "Allow") {
                    const o = identityStatementApplies(s, reqFor(d));
                    if (o.result !== "no") identityAllows.push({ outcome: o, doc: d, statement: s });
                }
            }
        }
        const identityAllow = anyOf(identityAllows.map((a) => a.outcome));
        let boundaryAllows: Outcome = YES;
        if (p.boundary !== undefined) {
            const b = p.boundary;
            boundaryAllows =
                b.document === undefined
                    ? unknown(`the permissions boundary ${b.source.label} ${b.unavailable ?? "is not available"}`)
                    : anyOf(b.document.statements.filter((s) => s.effect === "Allow").map((s) => identityStatementApplies(s, reqFor(b))));
        }

        const paths: { outcome: Outcome; path: AccessPath | undefined; what: string }[] = [];
        const delegations: Delegation[] = [];

        // The key policy.
        if (key.policy === "default") {
            // KMS's default key policy: the key's account (unknown during preview: the principal's) gets kms:*.
            const account = key.account ?? caller.account;
            if (account === undefined) {
                delegations.push({ outcome: YES, kind: { kind: "default-policy" } });
            } else {
                const r = resourceStatementApplies(defaultKeyPolicyStatement(account), req, caller);
                if (r.outcome.result !== "no") delegations.push({ outcome: r.outcome, kind: { kind: "default-policy" } });
            }
        } else {
            const source = key.policy.source;
            for (const s of key.policy.document.statements) {
                if (s.effect !== "Allow") continue;
                const r = resourceStatementApplies(s, req, caller);
                if (r.outcome.result === "no") continue;
                if (r.via === "account") {
                    delegations.push({ outcome: r.outcome, kind: { kind: "key-policy", statement: s } });
                    continue;
                }
                // direct (or unknown principal match): cross-account principals also need their identity policies.
                let o = allOf([r.outcome, anyOf([not(crossAccount), identityAllow])]);
                if (p.boundary !== undefined && boundaryAllows.result !== "yes") {
                    o = allOf([o, unknown(`whether the permissions boundary of ${who} limits a grant of its key policy (${describe(boundaryAllows)})`)]);
                }
                paths.push({ outcome: o, path: { kind: "key-policy", source, statement: s }, what: stmtRef(source, s) });
            }
        }

        // Grants.
        for (const g of grants) {
            if (!grantCovers(g, action)) continue;
            const grantee = g.grantee;
            let match: Outcome;
            let toAccount = false;
            if (grantee === undefined) {
                match = unknown(`the grantee of ${g.source.label} is unknown`);
            } else {
                const acct = ACCOUNT_ROOT.exec(grantee);
                if (acct !== null) {
                    toAccount = true;
                    const a = acct[1] ?? acct[2];
                    match = caller.account === undefined ? unknown(`the account of ${who} is unknown`) : caller.account === a ? YES : NO;
                } else {
                    const r = resourceStatementApplies(
                        { index: 0, effect: "Allow", principal: { wildcard: false, aws: [grantee], service: [], federated: [], canonicalUser: [] }, action: [action], resource: ["*"] },
                        { ...req, context: ctx },
                        caller,
                    );
                    match = r.outcome;
                }
            }
            if (match.result === "no") continue;
            const constrained = g.constraints === undefined ? YES : unknown(`${g.source.label} applies only to requests whose encryption context matches its constraints (${g.constraints})`);
            const o = allOf([match, constrained]);
            if (toAccount) {
                delegations.push({ outcome: o, kind: { kind: "grant", source: g.source } });
            } else {
                const cross = crossAccount.result === "no" ? YES : unknown(`whether a grant to ${who} of another account also needs its identity policies`);
                paths.push({ outcome: allOf([o, cross]), path: { kind: "grant", source: g.source }, what: g.source.label });
            }
        }

        // Identity policies through delegations.
        const delegation = anyOf(delegations.map((d) => d.outcome));
        if (delegation.result !== "no") {
            for (const a of identityAllows) {
                for (const d of delegations) {
                    if (d.outcome.result === "no") continue;
                    const o = allOf([d.outcome, a.outcome, boundaryAllows]);
                    if (o.result === "no") continue;
                    const path: AccessPath | undefined =
                        a.statement === undefined
                            ? undefined
                            : { kind: "identity", source: a.doc.source, statement: a.statement, delegation: d.kind, ...(a.doc.via !== undefined ? { via: a.doc.via } : {}) };
                    paths.push({ outcome: o, path, what: a.statement === undefined ? a.doc.source.label : stmtRef(a.doc.source, a.statement) });
                }
            }
        }

        const allow = anyOf(paths.map((x) => x.outcome));
        if (allow.result === "no") {
            continue;
        }
        if (allow.result === "yes" && deny.result === "no") {
            anyAllowed = true;
            for (const x of paths) {
                if (x.outcome.result === "yes" && x.path !== undefined) allowed.push(x.path);
            }
            continue;
        }
        anyUnknown = true;
        if (allow.result === "yes") {
            const via = paths.filter((x) => x.outcome.result === "yes").map((x) => x.what);
            for (const d of denies) {
                if (d.outcome.result === "unknown") {
                    reasons.push(`${who} has ${op.label} through ${via.join(" and ")}, unless ${d.where} denies it (${d.outcome.reasons.join(", ")})`);
                }
            }
        } else {
            for (const x of paths) {
                if (x.outcome.result === "unknown") {
                    reasons.push(`whether ${x.what} gives ${who} ${op.label}: ${x.outcome.reasons.join(", ")}`);
                }
            }
        }
    }

    const unique = <T,>(xs: T[], key: (x: T) => string): T[] => {
        const seen = new Set<string>();
        return xs.filter((x) => {
            const k = key(x);
            if (seen.has(k)) return false;
            seen.add(k);
            return true;
        });
    };
    if (anyAllowed) {
        return {
            principal: p,
            operation: op,
            decision: "allowed",
            paths: unique(allowed, (x) => `${x.kind}|${x.source.urn}|${x.source.label}|${x.kind === "grant" ? "" : x.statement.index}`),
            reasons: [],
            deniedBy: [],
        };
    }
    return {
        principal: p,
        operation: op,
        decision: anyUnknown ? "undecided" : "not-allowed",
        paths: [],
        reasons: unique(reasons, (r) => r),
        deniedBy: anyUnknown ? [] : unique(deniedBy, (d) => d),
    };
}

function not(o: Outcome): Outcome {
    return o.result === "yes" ? NO : o.result === "no" ? YES : o;
}

/** What the key policy and the grants give principals that are not among `principals`. */
function evaluateOutside(key: KmsKey, principals: readonly KmsPrincipal[], op: KmsOperation, grants: readonly KmsGrant[]): OutsideAccess[] {
    const out: OutsideAccess[] = [];
    const keyResource = key.resource ?? (key.arn !== undefined ? arnResource(key.arn) : (pattern: string) => (pattern === "*" ? YES : NO));
    const known = (arn: string) =>
        principals.some((p) => {
            const r = resourceStatementApplies(
                { index: 0, effect: "Allow", principal: { wildcard: false, aws: [arn], service: [], federated: [], canonicalUser: [] }, action: ["*"], resource: ["*"] },
                { action: "kms:Decrypt", resource: () => YES, context: requestContext(key, callerOf(p, key), p) },
                callerOf(p, key),
            );
            return r.outcome.result !== "no";
        });
    const denied = (caller: Caller, action: string): Outcome => {
        if (key.policy === "default") return NO;
        const req: Request = { action, resource: keyResource, context: requestContext(key, caller, undefined) };
        return anyOf(key.policy.document.statements.filter((s) => s.effect === "Deny").map((s) => resourceStatementApplies(s, req, caller).outcome));
    };
    const decide = (allow: Outcome, deny: Outcome): { decision: "allowed" | "undecided"; reasons: string[] } | undefined => {
        if (allow.result === "no" || deny.result === "yes") return undefined;
        if (allow.result === "yes" && deny.result === "no") return { decision: "allowed", reasons: [] };
        return { decision: "undecided", reasons: [...(allow.result === "unknown" ? allow.reasons : []), ...(deny.result === "unknown" ? deny.reasons : [])] };
    };

    if (key.policy !== "default") {
        const source = key.policy.source;
        for (const s of key.policy.document.statements) {
            if (s.effect !== "Allow") continue;
            const actions = op.actions.filter((a) => coversAction(s, a));
            if (actions.length === 0) continue;
            const everyone = s.notPrincipal !== undefined || s.principal?.wildcard === true;
            if (everyone) {
                const caller: Caller = { kind: "anyone" };
                const best = bestDecision(
                    actions.map((a) =>
                        decide(resourceStatementApplies(s, { action: a, resource: keyResource, context: requestContext(key, caller, undefined) }, caller).outcome, denied(caller, a)),
                    ),
                );
                if (best !== undefined) {
                    out.push({ operation: op, source, statement: s, who: { kind: "everyone", notPrincipal: s.notPrincipal !== undefined, conditioned: s.condition !== undefined && Object.keys(s.condition).length > 0 }, ...best });
                }
                continue;
            }
            const p = s.principal;
            if (p === undefined) continue;
            for (const svc of p.service) {
                const caller: Caller = { kind: "service", service: svc };
                const best = bestDecision(
                    actions.map((a) =>
                        decide(resourceStatementApplies(s, { action: a, resource: keyResource, context: requestContext(key, caller, undefined) }, caller).outcome, denied(caller, a)),
                    ),
                );
                if (best !== undefined) out.push({ operation: op, source, statement: s, who: { kind: "service", service: svc }, ...best });
            }
            for (const arn of p.aws) {
                const acct = ACCOUNT_ROOT.exec(arn);
                const keyAccount = acct !== null && (acct[1] ?? acct[2]) === key.account;
                if (keyAccount || known(arn)) continue;
                out.push({
                    operation: op,
                    source,
                    statement: s,
                    who: { kind: "principal", arn },
                    decision: "undecided",
                    reasons: [
                        acct !== null
                            ? `${stmtRef(source, s)} gives ${op.label} to account ${acct[1] ?? acct[2]}, whose principals and their policies are outside the program`
                            : `${stmtRef(source, s)} gives ${op.label} to ${arn}, which is not in the program (its tags cannot be read)`,
                    ],
                });
            }
        }
    }
    for (const g of grants) {
        if (!op.actions.some((a) => grantCovers(g, a)) || g.grantee === undefined) continue;
        const acct = ACCOUNT_ROOT.exec(g.grantee);
        if ((acct !== null && (acct[1] ?? acct[2]) === key.account) || known(g.grantee)) continue;
        if (/^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(g.grantee)) {
            const caller: Caller = { kind: "service", service: g.grantee };
            const constrained = g.constraints === undefined ? YES : unknown(`${g.source.label} applies only to requests whose encryption context matches its constraints (${g.constraints})`);
            const best = bestDecision(op.actions.filter((a) => grantCovers(g, a)).map((a) => decide(constrained, denied(caller, a))));
            if (best !== undefined) out.push({ operation: op, source: g.source, statement: undefined, who: { kind: "service", service: g.grantee }, ...best });
            continue;
        }
        out.push({
            operation: op,
            source: g.source,
            statement: undefined,
            who: { kind: "principal", arn: g.grantee },
            decision: "undecided",
            reasons: [`${g.source.label} gives ${op.label} to ${g.grantee}, which is not in the program (its tags cannot be read)`],
        });
    }
    return out;
}

function bestDecision(
    ds: readonly ({ decision: "allowed" | "undecided"; reasons: string[] } | undefined)[],
): { decision: "allowed" | "undecided"; reasons: string[] } | undefined {
    const allowed = ds.find((d) => d?.decision === "allowed");
    if (allowed !== undefined) return allowed;
    const undecided = ds.filter((d): d is { decision: "undecided"; reasons: string[] } => d?.decision === "undecided");
    if (undecided.length === 0) return undefined;
    return { decision: "undecided", reasons: [...new Set(undecided.flatMap((d) => d.reasons))] };
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
