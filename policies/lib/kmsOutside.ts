/**
 * What a KMS key's policy and grants give principals that are not among the program's (the model: ./kmsAccess.ts):
 * everyone (`"*"`, `NotPrincipal`), AWS services, and principals or accounts the program does not hold, whose tags
 * and policies cannot be read.
 */
import { coversAction, type Statement } from "./iam";
import { anyOf, NO, resourceStatementApplies, YES, type Caller, type Outcome, type Request } from "./iamEval";
import type { DocumentSource, KmsGrant, KmsKey, KmsOperation, KmsPrincipal, OutsideAccess } from "./kmsAccess";
import { callerOf, grantConstrained, grantCovers, keyResource, requestContext, rootAccount, stmtRef } from "./kmsRequest";

/** What an allow gives outside the program: proven, or undecided with the reasons. */
export interface OutsideDecision {
    decision: "allowed" | "undecided";
    reasons: string[];
}

/** The decision on an allow and the denies that may stop it; undefined when it gives nothing. */
export function outsideDecision(allow: Outcome, deny: Outcome): OutsideDecision | undefined {
    if (allow.result === "no" || deny.result === "yes") return undefined;
    if (allow.result === "yes" && deny.result === "no") return { decision: "allowed", reasons: [] };
    return { decision: "undecided", reasons: [...(allow.result === "unknown" ? allow.reasons : []), ...(deny.result === "unknown" ? deny.reasons : [])] };
}

/** The best of several decisions (one per action): allowed if any is, else undecided with every reason once. */
export function bestDecision(ds: readonly (OutsideDecision | undefined)[]): OutsideDecision | undefined {
    const allowed = ds.find((d) => d?.decision === "allowed");
    if (allowed !== undefined) return allowed;
    const undecided = ds.filter((d): d is OutsideDecision => d?.decision === "undecided");
    if (undecided.length === 0) return undefined;
    return { decision: "undecided", reasons: [...new Set(undecided.flatMap((d) => d.reasons))] };
}

/** Whether a principal ARN may name one of the program's principals. */
function inProgram(key: KmsKey, principals: readonly KmsPrincipal[], arn: string): boolean {
    return principals.some((p) => {
        const r = resourceStatementApplies(
            { index: 0, effect: "Allow", principal: { wildcard: false, aws: [arn], service: [], federated: [], canonicalUser: [] }, action: ["*"], resource: ["*"] },
            { action: "kms:Decrypt", resource: () => YES, context: requestContext(key, callerOf(p, key), p) },
            callerOf(p, key),
        );
        return r.outcome.result !== "no";
    });
}

/** Whether a Deny of the key policy applies to `caller` calling `action`. */
function keyPolicyDenies(key: KmsKey, caller: Caller, action: string): Outcome {
    if (key.policy === "default") return NO;
    const req: Request = { action, resource: keyResource(key), context: requestContext(key, caller, undefined) };
    return anyOf(key.policy.document.statements.filter((s) => s.effect === "Deny").map((s) => resourceStatementApplies(s, req, caller).outcome));
}

/** What the key policy statement `s` gives `caller` (everyone, a service) for any of `actions`. */
function statementDecision(key: KmsKey, s: Statement, caller: Caller, actions: readonly string[]): OutsideDecision | undefined {
    const resource = keyResource(key);
    return bestDecision(
        actions.map((a) => outsideDecision(resourceStatementApplies(s, { action: a, resource, context: requestContext(key, caller, undefined) }, caller).outcome, keyPolicyDenies(key, caller, a))),
    );
}

/** What one Allow statement of the key policy (from `source`) gives principals outside the program. */
function statementOutside(key: KmsKey, source: DocumentSource, principals: readonly KmsPrincipal[], op: KmsOperation, s: Statement): OutsideAccess[] {
    const out: OutsideAccess[] = [];
    const actions = op.actions.filter((a) => coversAction(s, a));
    if (actions.length === 0) return out;
    if (s.notPrincipal !== undefined || s.principal?.wildcard === true) {
        const best = statementDecision(key, s, { kind: "anyone" }, actions);
        if (best !== undefined) {
            out.push({ operation: op, source, statement: s, who: { kind: "everyone", notPrincipal: s.notPrincipal !== undefined, conditioned: s.condition !== undefined && Object.keys(s.condition).length > 0 }, ...best });
        }
        return out;
    }
    const p = s.principal;
    if (p === undefined) return out;
    for (const svc of p.service) {
        const best = statementDecision(key, s, { kind: "service", service: svc }, actions);
        if (best !== undefined) out.push({ operation: op, source, statement: s, who: { kind: "service", service: svc }, ...best });
    }
    for (const arn of p.aws) {
        const account = rootAccount(arn);
        if ((account !== undefined && account === key.account) || inProgram(key, principals, arn)) continue;
        out.push({
            operation: op,
            source,
            statement: s,
            who: { kind: "principal", arn },
            decision: "undecided",
            reasons: [
                account !== undefined
                    ? `${stmtRef(source, s)} gives ${op.label} to account ${account}, whose principals and their policies are outside the program`
                    : `${stmtRef(source, s)} gives ${op.label} to ${arn}, which is not in the program (its tags cannot be read)`,
            ],
        });
    }
    return out;
}

/** What one grant gives a grantee outside the program (a service, another principal or account). */
function grantOutside(key: KmsKey, principals: readonly KmsPrincipal[], op: KmsOperation, g: KmsGrant): OutsideAccess | undefined {
    if (!op.actions.some((a) => grantCovers(g, a)) || g.grantee === undefined) return undefined;
    const account = rootAccount(g.grantee);
    if ((account !== undefined && account === key.account) || inProgram(key, principals, g.grantee)) return undefined;
    if (/^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(g.grantee)) {
        const caller: Caller = { kind: "service", service: g.grantee };
        const constrained = grantConstrained(g);
        const best = bestDecision(op.actions.filter((a) => grantCovers(g, a)).map((a) => outsideDecision(constrained, keyPolicyDenies(key, caller, a))));
        return best === undefined ? undefined : { operation: op, source: g.source, statement: undefined, who: { kind: "service", service: g.grantee }, ...best };
    }
    return {
        operation: op,
        source: g.source,
        statement: undefined,
        who: { kind: "principal", arn: g.grantee },
        decision: "undecided",
        reasons: [`${g.source.label} gives ${op.label} to ${g.grantee}, which is not in the program (its tags cannot be read)`],
    };
}

/** What the key policy and the grants give principals that are not among `principals`. */
export function evaluateOutside(key: KmsKey, principals: readonly KmsPrincipal[], op: KmsOperation, grants: readonly KmsGrant[]): OutsideAccess[] {
    const out: OutsideAccess[] = [];
    if (key.policy !== "default") {
        for (const s of key.policy.document.statements) {
            if (s.effect === "Allow") out.push(...statementOutside(key, key.policy.source, principals, op, s));
        }
    }
    for (const g of grants) {
        const o = grantOutside(key, principals, op, g);
        if (o !== undefined) out.push(o);
    }
    return out;
}
