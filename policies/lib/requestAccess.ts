/**
 * One concrete request, decided as AWS decides it: the explicit denies first, then the allows of the caller's
 * identity policies and of the resource's own policy, following the policy evaluation logic of the IAM User Guide
 * for the resources a pipeline's requests reach:
 *
 * - **KMS keys**: the key policy is the authority (./kmsAccess.ts): it allows a principal itself, or delegates to
 *   the account so that identity policies decide; grants and permissions boundaries as kmsAccess models them.
 * - **Resources with a resource-based policy or none** (S3 buckets and objects, Lambda functions, SQS queues, and
 *   tables or streams without one): for a caller of the resource's account, an allow in its identity policies or in
 *   the resource policy (naming the caller, or `"*"`) is enough; a resource policy that names the account delegates
 *   to the identity policies; a caller of another account needs both.
 * - **AWS service principals** (API Gateway invoking a function): they have no identity policies; only the
 *   resource policy can allow them.
 *
 * Three-valued like ./iamEval.ts: the request's condition keys are the values it carries (`context`), keys with a
 * prefix the request lists completely (`complete`) are absent when not listed, and every other key is unknown, so a
 * condition on it leaves the decision undecided instead of guessing. Service control policies, resource control
 * policies, session policies and VPC endpoint policies are outside a program and not considered (they can only
 * restrict).
 *
 * `lambdaPermissionStatement` writes the statement Lambda adds to a function's policy for an `aws.lambda.Permission`.
 */
import { coversAction, parsePolicyDocument, statementLabel, type PolicyDocument, type Statement } from "./iam";
import {
    ABSENT,
    allOf,
    anyOf,
    arnMatch,
    evaluateConditionEntry,
    identityStatementApplies,
    matchNotPrincipal,
    matchPrincipal,
    present,
    resourceOutcome,
    resourceStatementApplies,
    unknown,
    YES,
    type Caller,
    type ContextValue,
    type Outcome,
    type Request,
    type RequestContext,
} from "./iamEval";
import { evaluateKeyAccess, type AccessPath, type DocumentSource, type KmsGrant, type KmsKey, type KmsPrincipal } from "./kmsAccess";

/** A condition key's value in a request: one value, or several for a multivalued key. */
export type RequestValue = string | readonly string[];

export interface AccessRequest {
    /** The IAM action, e.g. `s3:PutObject` (HEAD is `s3:GetObject`). */
    readonly action: string;
    /** The ARN of what the action applies to (an object ARN for object actions, a key ARN for KMS). */
    readonly resource: string;
    /** The condition keys the request carries and their values (any case). */
    readonly context: Readonly<Record<string, RequestValue>>;
    /**
     * Prefixes (any case) of the condition keys `context` lists completely: a key starting with one of them that is
     * not in `context` is absent from the request (e.g. `s3:x-amz-server-side-encryption` of an upload that sends no
     * SSE header). Every other key not in `context` is unknown. Default none.
     */
    readonly complete?: readonly string[];
}

/** Who makes the request: a role or user with its identity policies (./kmsAccess.ts), or an AWS service. */
export type Requester =
    | { readonly kind: "principal"; readonly principal: KmsPrincipal }
    | { readonly kind: "service"; readonly service: string };

export interface ResourcePolicy {
    readonly source: DocumentSource;
    readonly document: PolicyDocument;
}

/** What the request acts on. */
export type RequestTarget =
    | { readonly kind: "kms-key"; readonly key: KmsKey; readonly grants?: readonly KmsGrant[] }
    | {
          readonly kind: "resource";
          /** The resource's account; undefined: unknown. */
          readonly account: string | undefined;
          /** Its resource-based policy (bucket policy, function policy, queue policy); undefined: it has none. */
          readonly policy?: ResourcePolicy;
          /** Why its resource-based policy cannot be read (a type this module does not model); the decision is then undecided. */
          readonly policyUnavailable?: string;
      };

export interface AccessDecision {
    /** `allowed` and `denied` are proven; `undecided` says why in `reasons`. */
    readonly decision: "allowed" | "denied" | "undecided";
    /** The statements that allow the request (`<document> statement "<sid>"`), when allowed. */
    readonly allowedBy: readonly string[];
    /** The explicit Deny statements that apply, when denied by one. */
    readonly deniedBy: readonly string[];
    /** Denied without an explicit deny: which allow is missing, and why the statements that come close do not apply. Undecided: what is not known. */
    readonly reasons: readonly string[];
}

function who(r: Requester): string {
    return r.kind === "service" ? `service ${r.service}` : `${r.principal.kind} "${r.principal.name}"`;
}

function callerOf(r: Requester): Caller {
    if (r.kind === "service") return { kind: "service", service: r.service };
    const p = r.principal;
    return p.kind === "role" ? { kind: "role", name: p.name, arn: p.arn, account: p.account } : { kind: "user", name: p.name, arn: p.arn, account: p.account };
}

/** The context of the request: what the requester and the resource fix, then the request's own values. */
export function accessContext(requester: Requester, resourceAccount: string | undefined, request: AccessRequest): RequestContext {
    const given = new Map<string, ContextValue>();
    for (const [k, v] of Object.entries(request.context)) {
        given.set(k.toLowerCase(), typeof v === "string" ? present(v) : present(...v));
    }
    const fixed = new Map<string, ContextValue>();
    const known = (v: string | undefined, why: string): ContextValue => (v === undefined ? { kind: "unknown", why } : present(v));
    fixed.set("aws:resourceaccount", known(resourceAccount, "the account of the resource is unknown"));
    let principal: KmsPrincipal | undefined;
    if (requester.kind === "principal") {
        principal = requester.principal;
        const p = principal;
        const label = who(requester);
        fixed.set("aws:principalarn", known(p.arn, `the ARN of ${label} is unknown`));
        fixed.set("aws:principalaccount", known(p.account, `the account of ${label} is unknown`));
        fixed.set("aws:principaltype", present(p.kind === "role" ? "AssumedRole" : "User"));
        fixed.set("aws:principalisawsservice", present("false"));
        fixed.set("aws:principalservicename", ABSENT);
        fixed.set("aws:username", p.kind === "user" ? present(p.name) : ABSENT);
    } else {
        fixed.set("aws:principalisawsservice", present("true"));
        fixed.set("aws:principalservicename", present(requester.service));
    }
    const complete = (request.complete ?? []).map((c) => c.toLowerCase());
    return {
        get(rawKey: string): ContextValue {
            const k = rawKey.toLowerCase();
            const f = fixed.get(k);
            if (f !== undefined) return f;
            const g = given.get(k);
            if (g !== undefined) return g;
            if (k.startsWith("aws:principaltag/") && principal !== undefined) {
                const label = `${principal.kind} "${principal.name}"`;
                if (principal.tags === undefined) return { kind: "unknown", why: `the tags of ${label} are unknown` };
                if (principal.sessionTags !== false) return { kind: "unknown", why: `sessions of ${label} may carry session tags` };
                const tag = Object.entries(principal.tags).find(([t]) => t.toLowerCase() === k.slice("aws:principaltag/".length));
                return tag === undefined ? ABSENT : present(tag[1]);
            }
            if (complete.some((c) => k.startsWith(c))) return ABSENT;
            return { kind: "unknown", why: `the request does not say ${rawKey}` };
        },
    };
}

// ---------------------------------------------------------------------------------------------------------------
// Why a statement does not apply (for the missing allow of a denied request)

function describeValue(ctx: RequestContext, key: string): string {
    const v = ctx.get(key);
    if (v.kind === "absent") return "the request has none";
    if (v.kind === "unknown") return v.why;
    return `the request has ${v.values.map((x) => JSON.stringify(x)).join(", ")}`;
}

/** The parts of `s` that keep it from applying to the request (empty: it applies, or only unknown parts remain). */
export function whyNot(s: Statement, req: Request, caller: Caller | undefined, resourceArn: string): string[] {
    const out: string[] = [];
    if (!coversAction(s, req.action)) return [`it does not cover ${req.action}`];
    if (caller !== undefined) {
        const pm = s.principal !== undefined ? matchPrincipal(s.principal, caller) : s.notPrincipal !== undefined ? matchNotPrincipal(s.notPrincipal, caller) : { result: "no" as const };
        if (pm.result === "no") {
            const named = s.principal !== undefined ? [...s.principal.aws, ...s.principal.service, ...s.principal.federated].join(", ") : "NotPrincipal";
            out.push(`its Principal names ${named || "no principal"}, not the caller`);
        }
    }
    if (resourceOutcome(s, req.resource, req.context).result === "no") {
        out.push(`its Resource (${(s.resource ?? s.notResource ?? []).join(", ")}) does not cover ${resourceArn}`);
    }
    for (const [op, block] of Object.entries(s.condition ?? {})) {
        for (const [key, values] of Object.entries(block)) {
            if (evaluateConditionEntry(op, key, values, req.context).result === "no") {
                out.push(`its condition ${op} ${key} ${JSON.stringify(values)} does not hold (${describeValue(req.context, key)})`);
            }
        }
    }
    return out;
}

function ref(source: DocumentSource, s: Statement): string {
    return `${source.label} ${statementLabel(s)}`;
}

/** Why no Allow applies: the Allow statements that cover the action and what keeps each from applying. */
function missingAllow(
    requester: Requester,
    req: Request,
    documents: readonly { readonly source: DocumentSource; readonly statements: readonly Statement[]; readonly resourceBased: boolean }[],
    resourceArn: string,
): string[] {
    const caller = callerOf(requester);
    const near: string[] = [];
    for (const d of documents) {
        for (const s of d.statements) {
            if (s.effect !== "Allow" || !coversAction(s, req.action)) continue;
            const parts = whyNot(s, req, d.resourceBased ? caller : undefined, resourceArn);
            if (parts.length > 0) near.push(`${ref(d.source, s)} covers ${req.action} but ${parts.join("; ")}`);
        }
    }
    const sources = documents.map((d) => d.source.label);
    const head = `no statement allows ${who(requester)} ${req.action} on ${resourceArn} (${sources.length > 0 ? `read: ${sources.join(", ")}` : "no policy applies"})`;
    return [head, ...near];
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

function pathLabel(p: AccessPath): string {
    if (p.kind === "grant") return p.source.label;
    if (p.kind === "key-policy") return ref(p.source, p.statement);
    const by = p.delegation.kind === "key-policy" ? `delegated by key policy ${statementLabel(p.delegation.statement)}` : p.delegation.kind === "grant" ? `delegated by ${p.delegation.source.label}` : "delegated by the default key policy";
    return `${ref(p.source, p.statement)} (${by}${p.via !== undefined ? `, ${p.via}` : ""})`;
}

function evaluateKeyRequest(requester: Extract<Requester, { kind: "principal" }>, target: Extract<RequestTarget, { kind: "kms-key" }>, request: AccessRequest): AccessDecision {
    const { key } = target;
    const ctx = accessContext(requester, key.account, request);
    const access = evaluateKeyAccess(key, [requester.principal], target.grants ?? [], [{ label: request.action, actions: [request.action], request: ctx }]);
    const a = access.principals[0];
    if (a.decision === "allowed") return { decision: "allowed", allowedBy: a.paths.map(pathLabel), deniedBy: [], reasons: [] };
    if (a.decision === "undecided") return { decision: "undecided", allowedBy: [], deniedBy: [], reasons: [...a.reasons] };
    if (a.deniedBy.length > 0) return { decision: "denied", allowedBy: [], deniedBy: [...a.deniedBy], reasons: [] };
    const req: Request = { action: request.action, resource: (p) => (arnMatch(p, request.resource) ? YES : { result: "no" }), context: ctx };
    const docs = [
        ...(key.policy === "default" ? [] : [{ source: key.policy.source, statements: key.policy.document.statements, resourceBased: true }]),
        ...requester.principal.policies.filter((d) => d.document !== undefined).map((d) => ({ source: d.source, statements: d.document?.statements ?? [], resourceBased: false })),
    ];
    const reasons = missingAllow(requester, req, docs, request.resource);
    const identityWouldAllow = requester.principal.policies.some((d) => d.document?.statements.some((s) => s.effect === "Allow" && identityStatementApplies(s, req).result === "yes"));
    if (identityWouldAllow) {
        reasons.push(`an identity policy allows it, but the key policy of "${key.name}" neither allows the caller itself nor delegates to its account, so identity policies do not count`);
    }
    return { decision: "denied", allowedBy: [], deniedBy: [], reasons };
}

/** Decides `request` by `requester` on `target` (see the module comment for the rules). */
export function evaluateRequest(requester: Requester, target: RequestTarget, request: AccessRequest): AccessDecision {
    if (target.kind === "kms-key" && requester.kind === "principal") {
        return evaluateKeyRequest(requester, target, request);
    }
    const resourceAccount = target.kind === "kms-key" ? target.key.account : target.account;
    const ctx = accessContext(requester, resourceAccount, request);
    const req: Request = { action: request.action, resource: (p) => (arnMatch(p, request.resource) ? YES : { result: "no" }), context: ctx };
    const caller = callerOf(requester);
    const policy: ResourcePolicy | undefined =
        target.kind === "kms-key" ? (target.key.policy === "default" ? undefined : target.key.policy) : target.policy;
    const unavailable = target.kind === "resource" ? target.policyUnavailable : undefined;
    const identity = requester.kind === "principal" ? requester.principal.policies : [];
    const boundary = requester.kind === "principal" ? requester.principal.boundary : undefined;

    // Explicit denies: the identity policies (and boundary), and the resource policy.
    const denies: { outcome: Outcome; where: string }[] = [];
    for (const d of boundary === undefined ? identity : [...identity, boundary]) {
        if (d.document === undefined) {
            if (d.mayDeny === true) denies.push({ outcome: unknown(`${d.source.label} ${d.unavailable ?? "is not available"}`), where: d.source.label });
            continue;
        }
        for (const s of d.document.statements) if (s.effect === "Deny") denies.push({ outcome: identityStatementApplies(s, req), where: ref(d.source, s) });
    }
    for (const s of policy?.document.statements ?? []) {
        if (s.effect === "Deny") denies.push({ outcome: resourceStatementApplies(s, req, caller).outcome, where: ref(policy?.source as DocumentSource, s) });
    }
    if (unavailable !== undefined) denies.push({ outcome: unknown(unavailable), where: "the resource policy" });
    const deny = anyOf(denies.map((d) => d.outcome));
    if (deny.result === "yes") {
        return { decision: "denied", allowedBy: [], deniedBy: denies.filter((d) => d.outcome.result === "yes").map((d) => d.where), reasons: [] };
    }

    // Allows.
    const identityAllows: { outcome: Outcome; where: string }[] = [];
    for (const d of identity) {
        if (d.document === undefined) {
            identityAllows.push({ outcome: unknown(`${d.source.label} ${d.unavailable ?? "is not available"}`), where: d.source.label });
            continue;
        }
        for (const s of d.document.statements) {
            if (s.effect === "Allow") identityAllows.push({ outcome: identityStatementApplies(s, req), where: ref(d.source, s) });
        }
    }
    let boundaryAllows: Outcome = YES;
    if (boundary !== undefined) {
        boundaryAllows =
            boundary.document === undefined
                ? unknown(`the permissions boundary ${boundary.source.label} ${boundary.unavailable ?? "is not available"}`)
                : anyOf(boundary.document.statements.filter((s) => s.effect === "Allow").map((s) => identityStatementApplies(s, req)));
    }
    const identityAllow = allOf([anyOf(identityAllows.map((a) => a.outcome)), boundaryAllows]);
    const principalAccount = requester.kind === "principal" ? requester.principal.account : undefined;
    const sameAccount: Outcome =
        requester.kind === "service"
            ? { result: "no" }
            : principalAccount === undefined || resourceAccount === undefined
              ? unknown("whether the caller and the resource are in the same account")
              : principalAccount === resourceAccount
                ? YES
                : { result: "no" };

    const paths: { outcome: Outcome; where: string[] }[] = [];
    for (const s of policy?.document.statements ?? []) {
        if (s.effect !== "Allow") continue;
        const r = resourceStatementApplies(s, req, caller);
        if (r.outcome.result === "no") continue;
        const where = ref(policy?.source as DocumentSource, s);
        if (r.via === "account") {
            // The account is named: its identity policies decide (and must allow).
            paths.push({ outcome: allOf([r.outcome, identityAllow]), where: [where, ...identityAllows.filter((a) => a.outcome.result === "yes").map((a) => a.where)] });
        } else if (requester.kind === "service") {
            paths.push({ outcome: r.outcome, where: [where] });
        } else {
            // Named directly (or "*"): enough in the same account; across accounts the identity policies must allow too.
            const boundaryNote = boundary !== undefined && boundaryAllows.result !== "yes" ? unknown(`whether the permissions boundary of ${who(requester)} limits a grant of the resource policy`) : YES;
            paths.push({ outcome: allOf([r.outcome, anyOf([sameAccount, identityAllow]), boundaryNote]), where: [where] });
        }
    }
    if (requester.kind === "principal") {
        // Same account: the identity policies alone. Across accounts they count only with a resource policy allow (above).
        paths.push({ outcome: allOf([identityAllow, sameAccount]), where: identityAllows.filter((a) => a.outcome.result === "yes").map((a) => a.where) });
    }
    const allow = anyOf(paths.map((p) => p.outcome));
    if (allow.result === "yes" && deny.result === "no") {
        return { decision: "allowed", allowedBy: [...new Set(paths.filter((p) => p.outcome.result === "yes").flatMap((p) => p.where))], deniedBy: [], reasons: [] };
    }
    if (allow.result === "no") {
        const docs = [
            ...(policy !== undefined ? [{ source: policy.source, statements: policy.document.statements, resourceBased: true }] : []),
            ...identity.filter((d) => d.document !== undefined).map((d) => ({ source: d.source, statements: d.document?.statements ?? [], resourceBased: false })),
        ];
        return { decision: "denied", allowedBy: [], deniedBy: [], reasons: missingAllow(requester, req, docs, request.resource) };
    }
    const reasons: string[] = [];
    if (allow.result === "unknown") reasons.push(...allow.reasons);
    for (const d of denies) if (d.outcome.result === "unknown") reasons.push(`unless ${d.where} denies it: ${d.outcome.reasons.join(", ")}`);
    return { decision: "undecided", allowedBy: [], deniedBy: [], reasons: [...new Set(reasons)] };
}

// ---------------------------------------------------------------------------------------------------------------
// Lambda function policies

/** The inputs of an `aws.lambda.Permission` that make its statement. */
export interface LambdaPermission {
    readonly statementId?: string;
    readonly action: string;
    /** A service principal (`apigateway.amazonaws.com`), an account id, an ARN, or `*`. */
    readonly principal: string;
    readonly sourceArn?: string;
    readonly sourceAccount?: string;
    readonly principalOrgId?: string;
    readonly functionUrlAuthType?: string;
    readonly eventSourceToken?: string;
    readonly qualifier?: string;
}

/**
 * The statement Lambda adds to a function's resource-based policy for one permission (AddPermission): the principal
 * as `Service`, `AWS` or `"*"`, the function (qualified when the permission is), and the conditions Lambda writes
 * (`ArnLike AWS:SourceArn`, `StringEquals AWS:SourceAccount`, `aws:PrincipalOrgID`, `lambda:FunctionUrlAuthType`,
 * `lambda:EventSourceToken`).
 */
export function lambdaPermissionStatement(p: LambdaPermission, functionArn: string, index = 0): Statement {
    // An account id or an ARN is an AWS principal; anything else (`apigateway.amazonaws.com`) a service principal.
    const principal = p.principal === "*" ? "*" : /^\d{12}$/.test(p.principal) || p.principal.startsWith("arn:") ? { AWS: p.principal } : { Service: p.principal };
    const stringEquals: Record<string, string> = {};
    if (p.sourceAccount !== undefined) stringEquals["AWS:SourceAccount"] = p.sourceAccount;
    if (p.principalOrgId !== undefined) stringEquals["aws:PrincipalOrgID"] = p.principalOrgId;
    if (p.functionUrlAuthType !== undefined) stringEquals["lambda:FunctionUrlAuthType"] = p.functionUrlAuthType;
    if (p.eventSourceToken !== undefined) stringEquals["lambda:EventSourceToken"] = p.eventSourceToken;
    const condition: Record<string, Record<string, string>> = {};
    if (Object.keys(stringEquals).length > 0) condition.StringEquals = stringEquals;
    if (p.sourceArn !== undefined) condition.ArnLike = { "AWS:SourceArn": p.sourceArn };
    const doc = parsePolicyDocument({
        Version: "2012-10-17",
        Statement: [
            {
                ...(p.statementId !== undefined ? { Sid: p.statementId } : {}),
                Effect: "Allow",
                Principal: principal,
                Action: p.action,
                Resource: p.qualifier !== undefined ? `${functionArn}:${p.qualifier}` : functionArn,
                ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
            },
        ],
    });
    return { ...doc.statements[0], index };
}
