/**
 * Whether one principal of the program can perform one operation on a KMS key (the model: ./kmsAccess.ts), in
 * steps: for each action of the operation, the explicit denies that apply; the ways the principal may be allowed
 * (the key policy's statements, grants, and identity policies where the key policy, KMS's default policy or a grant
 * delegates to the account); the action's verdict; and the operation's decision over its actions.
 */
import type { Statement } from "./iam";
import { allOf, anyOf, identityStatementApplies, not, NO, resourceStatementApplies, unknown, YES, type Caller, type Outcome, type Request, type RequestContext } from "./iamEval";
import type { AccessPath, IdentityPolicy, KmsGrant, KmsKey, KmsOperation, KmsPrincipal, PrincipalAccess } from "./kmsAccess";
import { callerOf, grantConstrained, grantCovers, keyResource, principalLabel, requestContext, rootAccount, stmtRef } from "./kmsRequest";

/** One action of an operation asked for one principal, with what every step of its evaluation reads. */
interface ActionRequest {
    readonly key: KmsKey;
    readonly principal: KmsPrincipal;
    readonly caller: Extract<Caller, { kind: "role" | "user" }>;
    /** The principal, for messages: `role "name"`. */
    readonly who: string;
    readonly req: Request;
    readonly ctx: RequestContext;
    /** Whether the principal is of another account than the key (unknown accounts: taken to be the same). */
    readonly crossAccount: Outcome;
}

/** The request as a document sees it (a document may carry its own resource matcher). */
function requestFor(a: ActionRequest, d: IdentityPolicy): Request {
    return d.resource === undefined ? a.req : { ...a.req, resource: d.resource };
}

/** An explicit Deny that may apply, and where it is (`<document> <statement>`, or the unavailable document). */
export interface Deny {
    readonly outcome: Outcome;
    readonly where: string;
}

/** A way the principal may be allowed (`path` undefined: an unavailable document), and what names it in messages. */
export interface Candidate {
    readonly outcome: Outcome;
    readonly path: AccessPath | undefined;
    readonly what: string;
}

/** What lets identity policies decide (a key policy statement, KMS's default key policy, a grant to the account). */
interface Delegation {
    readonly outcome: Outcome;
    readonly kind: Extract<AccessPath, { kind: "identity" }>["delegation"];
}

/** An identity policy's Allow that may apply (no statement: a document that is not available). */
interface IdentityAllow {
    readonly outcome: Outcome;
    readonly doc: IdentityPolicy;
    readonly statement?: Statement;
}

function unavailable(d: IdentityPolicy): string {
    return `${d.source.label} ${d.unavailable ?? "is not available"}`;
}

function describe(o: Outcome): string {
    return o.result === "unknown" ? o.reasons.join(", ") : o.result;
}

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

/** The Deny statements of the key policy, the identity policies and the boundary, and whether each applies. */
function explicitDenies(a: ActionRequest): Deny[] {
    const { key, principal: p } = a;
    const denies: Deny[] = [];
    if (key.policy !== "default") {
        for (const s of key.policy.document.statements) {
            if (s.effect === "Deny") {
                denies.push({ outcome: resourceStatementApplies(s, a.req, a.caller).outcome, where: stmtRef(key.policy.source, s) });
            }
        }
    }
    const identityDocs = p.boundary === undefined ? p.policies : [...p.policies, p.boundary];
    for (const d of identityDocs) {
        if (d.document === undefined) {
            if (d.mayDeny === true) denies.push({ outcome: unknown(unavailable(d)), where: d.source.label });
            continue;
        }
        for (const s of d.document.statements) {
            if (s.effect === "Deny") denies.push({ outcome: identityStatementApplies(s, requestFor(a, d)), where: stmtRef(d.source, s) });
        }
    }
    return denies;
}

/** The identity policies' Allow statements that may apply (used by delegations, cross-account access and the boundary). */
function identityAllows(a: ActionRequest): IdentityAllow[] {
    const allows: IdentityAllow[] = [];
    for (const d of a.principal.policies) {
        if (d.document === undefined) {
            allows.push({ outcome: unknown(unavailable(d)), doc: d });
            continue;
        }
        for (const s of d.document.statements) {
            if (s.effect === "Allow") {
                const o = identityStatementApplies(s, requestFor(a, d));
                if (o.result !== "no") allows.push({ outcome: o, doc: d, statement: s });
            }
        }
    }
    return allows;
}

/** Whether the permissions boundary allows the action (no boundary: yes). */
function boundaryAllows(a: ActionRequest): Outcome {
    const b = a.principal.boundary;
    if (b === undefined) return YES;
    return b.document === undefined
        ? unknown(`the permissions boundary ${unavailable(b)}`)
        : anyOf(b.document.statements.filter((s) => s.effect === "Allow").map((s) => identityStatementApplies(s, requestFor(a, b))));
}

/** What the key policy gives: the principal itself (candidates) or its account (delegations to identity policies). */
function keyPolicyCandidates(a: ActionRequest, identityAllow: Outcome, boundary: Outcome): { paths: Candidate[]; delegations: Delegation[] } {
    const { key, principal: p, caller, req } = a;
    const paths: Candidate[] = [];
    const delegations: Delegation[] = [];
    if (key.policy === "default") {
        // KMS's default key policy: the key's account (unknown during preview: the principal's) gets kms:*.
        const account = key.account ?? caller.account;
        if (account === undefined) {
            delegations.push({ outcome: YES, kind: { kind: "default-policy" } });
        } else {
            const r = resourceStatementApplies(defaultKeyPolicyStatement(account), req, caller);
            if (r.outcome.result !== "no") delegations.push({ outcome: r.outcome, kind: { kind: "default-policy" } });
        }
        return { paths, delegations };
    }
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
        let o = allOf([r.outcome, anyOf([not(a.crossAccount), identityAllow])]);
        if (p.boundary !== undefined && boundary.result !== "yes") {
            o = allOf([o, unknown(`whether the permissions boundary of ${a.who} limits a grant of its key policy (${describe(boundary)})`)]);
        }
        paths.push({ outcome: o, path: { kind: "key-policy", source, statement: s }, what: stmtRef(source, s) });
    }
    return { paths, delegations };
}

/** Whether a grant's grantee is the principal, and whether it names the principal's account rather than itself. */
function granteeMatch(a: ActionRequest, g: KmsGrant): { readonly match: Outcome; readonly toAccount: boolean } {
    const grantee = g.grantee;
    if (grantee === undefined) return { match: unknown(`the grantee of ${g.source.label} is unknown`), toAccount: false };
    const account = rootAccount(grantee);
    if (account !== undefined) {
        const match = a.caller.account === undefined ? unknown(`the account of ${a.who} is unknown`) : a.caller.account === account ? YES : NO;
        return { match, toAccount: true };
    }
    const r = resourceStatementApplies(
        { index: 0, effect: "Allow", principal: { wildcard: false, aws: [grantee], service: [], federated: [], canonicalUser: [] }, action: [a.req.action], resource: ["*"] },
        { ...a.req, context: a.ctx },
        a.caller,
    );
    return { match: r.outcome, toAccount: false };
}

/** What the grants give: the principal itself (candidates) or its account (delegations to identity policies). */
function grantCandidates(a: ActionRequest, grants: readonly KmsGrant[]): { paths: Candidate[]; delegations: Delegation[] } {
    const paths: Candidate[] = [];
    const delegations: Delegation[] = [];
    for (const g of grants) {
        if (!grantCovers(g, a.req.action)) continue;
        const { match, toAccount } = granteeMatch(a, g);
        if (match.result === "no") continue;
        const o = allOf([match, grantConstrained(g)]);
        if (toAccount) {
            delegations.push({ outcome: o, kind: { kind: "grant", source: g.source } });
        } else {
            const cross = a.crossAccount.result === "no" ? YES : unknown(`whether a grant to ${a.who} of another account also needs its identity policies`);
            paths.push({ outcome: allOf([o, cross]), path: { kind: "grant", source: g.source }, what: g.source.label });
        }
    }
    return { paths, delegations };
}

/** The identity policies' allows where a delegation lets them decide (within the boundary). */
function delegatedCandidates(allows: readonly IdentityAllow[], delegations: readonly Delegation[], boundary: Outcome): Candidate[] {
    const paths: Candidate[] = [];
    if (anyOf(delegations.map((d) => d.outcome)).result === "no") return paths;
    for (const a of allows) {
        for (const d of delegations) {
            if (d.outcome.result === "no") continue;
            const o = allOf([d.outcome, a.outcome, boundary]);
            if (o.result === "no") continue;
            const path: AccessPath | undefined =
                a.statement === undefined
                    ? undefined
                    : { kind: "identity", source: a.doc.source, statement: a.statement, delegation: d.kind, ...(a.doc.via !== undefined ? { via: a.doc.via } : {}) };
            paths.push({ outcome: o, path, what: a.statement === undefined ? a.doc.source.label : stmtRef(a.doc.source, a.statement) });
        }
    }
    return paths;
}

/** Every way the principal may be allowed the action: the key policy, grants, then delegated identity policies. */
function candidates(a: ActionRequest, grants: readonly KmsGrant[]): Candidate[] {
    const allows = identityAllows(a);
    const boundary = boundaryAllows(a);
    const fromKey = keyPolicyCandidates(a, anyOf(allows.map((x) => x.outcome)), boundary);
    const fromGrants = grantCandidates(a, grants);
    return [...fromKey.paths, ...fromGrants.paths, ...delegatedCandidates(allows, [...fromKey.delegations, ...fromGrants.delegations], boundary)];
}

/** What one action's denies and candidates decide. */
export type ActionVerdict =
    | { readonly kind: "denied"; readonly by: readonly string[] }
    | { readonly kind: "not-allowed" }
    | { readonly kind: "allowed"; readonly paths: readonly AccessPath[] }
    | { readonly kind: "undecided"; readonly reasons: readonly string[] };

/**
 * The verdict on one action: denied when a Deny applies, not allowed when no candidate may allow, allowed when one
 * does and no Deny may apply; otherwise undecided, with the denies that may apply (when allowed) or the candidates
 * that may allow.
 */
export function decideAction(who: string, opLabel: string, denies: readonly Deny[], paths: readonly Candidate[]): ActionVerdict {
    const deny = anyOf(denies.map((d) => d.outcome));
    if (deny.result === "yes") return { kind: "denied", by: denies.filter((d) => d.outcome.result === "yes").map((d) => d.where) };
    const allow = anyOf(paths.map((x) => x.outcome));
    if (allow.result === "no") return { kind: "not-allowed" };
    if (allow.result === "yes" && deny.result === "no") {
        return { kind: "allowed", paths: paths.flatMap((x) => (x.outcome.result === "yes" && x.path !== undefined ? [x.path] : [])) };
    }
    const reasons: string[] = [];
    if (allow.result === "yes") {
        const via = paths.filter((x) => x.outcome.result === "yes").map((x) => x.what);
        for (const d of denies) {
            if (d.outcome.result === "unknown") {
                reasons.push(`${who} has ${opLabel} through ${via.join(" and ")}, unless ${d.where} denies it (${d.outcome.reasons.join(", ")})`);
            }
        }
    } else {
        for (const x of paths) {
            if (x.outcome.result === "unknown") {
                reasons.push(`whether ${x.what} gives ${who} ${opLabel}: ${x.outcome.reasons.join(", ")}`);
            }
        }
    }
    return { kind: "undecided", reasons };
}

function unique<T>(xs: readonly T[], key: (x: T) => string): T[] {
    const seen = new Set<string>();
    return xs.filter((x) => {
        const k = key(x);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
    });
}

/**
 * The decision on an operation from the verdicts on its actions: allowed when any action is (with every allowing
 * path once); else undecided when any action is (with its reasons); else not allowed (with the denies that decided).
 */
export function decideOperation(p: KmsPrincipal, op: KmsOperation, verdicts: readonly ActionVerdict[]): PrincipalAccess {
    const allowed = verdicts.flatMap((v) => (v.kind === "allowed" ? v.paths : []));
    if (verdicts.some((v) => v.kind === "allowed")) {
        return {
            principal: p,
            operation: op,
            decision: "allowed",
            paths: unique(allowed, (x) => `${x.kind}|${x.source.urn}|${x.source.label}|${x.kind === "grant" ? "" : x.statement.index}`),
            reasons: [],
            deniedBy: [],
        };
    }
    const anyUnknown = verdicts.some((v) => v.kind === "undecided");
    return {
        principal: p,
        operation: op,
        decision: anyUnknown ? "undecided" : "not-allowed",
        paths: [],
        reasons: unique(
            verdicts.flatMap((v) => (v.kind === "undecided" ? v.reasons : [])),
            (r) => r,
        ),
        deniedBy: anyUnknown ? [] : unique(verdicts.flatMap((v) => (v.kind === "denied" ? v.by : [])), (d) => d),
    };
}

/** Evaluates one principal and one operation. */
export function evaluatePrincipal(key: KmsKey, p: KmsPrincipal, op: KmsOperation, grants: readonly KmsGrant[]): PrincipalAccess {
    const caller = callerOf(p, key);
    const ctx = requestContext(key, caller, p, op.request);
    const resource = keyResource(key);
    // A principal or key whose account is unknown (preview) is taken to be in the other's account.
    const crossAccount: Outcome = p.account !== undefined && key.account !== undefined && p.account !== key.account ? YES : NO;
    const who = principalLabel(p);
    const verdicts = op.actions.map((action) => {
        const a: ActionRequest = { key, principal: p, caller, who, req: { action, resource, context: ctx }, ctx, crossAccount };
        const denies = explicitDenies(a);
        const denied = anyOf(denies.map((d) => d.outcome)).result === "yes";
        return decideAction(a.who, op.label, denies, denied ? [] : candidates(a, grants));
    });
    return decideOperation(p, op, verdicts);
}
