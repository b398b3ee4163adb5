/**
 * A request to a KMS key as ./kmsAccess.ts evaluates it: who makes it (the caller), the values of its condition keys
 * (the request context), and what names it in documents: the key as a `Resource`, an account root as a principal,
 * a grant's operations.
 */
import { statementLabel, type Statement } from "./iam";
import { ABSENT, arnResource, NO, present, unknown, YES, type Caller, type ContextValue, type Outcome, type RequestContext, type ResourceMatcher } from "./iamEval";
import type { DocumentSource, KmsGrant, KmsKey, KmsPrincipal } from "./kmsAccess";

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

export function principalLabel(p: KmsPrincipal): string {
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

/** The principal as the caller of a request to `key`. */
export function callerOf(p: KmsPrincipal, key: KmsKey): Extract<Caller, { kind: "role" | "user" }> {
    // While a principal's account is unknown (preview), it is taken to be the key's.
    const account = p.account ?? key.account;
    return p.kind === "role" ? { kind: "role", name: p.name, arn: p.arn, account } : { kind: "user", name: p.name, arn: p.arn, account };
}

const ACCOUNT_ROOT = /^(?:(\d{12})|arn:aws[a-z-]*:iam::(\d{12}):root)$/;

/** The account an account principal names (`arn:...:iam::<account>:root` or the bare account ID); else undefined. */
export function rootAccount(principal: string): string | undefined {
    const m = ACCOUNT_ROOT.exec(principal);
    return m === null ? undefined : (m[1] ?? m[2]);
}

/** Whether a `Resource` pattern covers the key: `key.resource`, else its ARN (an unknown ARN: only `"*"`). */
export function keyResource(key: KmsKey): ResourceMatcher {
    return key.resource ?? (key.arn !== undefined ? arnResource(key.arn) : (pattern: string) => (pattern === "*" ? YES : NO));
}

/** Whether the grant's operations include `action` (`kms:Decrypt` is the operation `Decrypt`). */
export function grantCovers(g: KmsGrant, action: string): boolean {
    const op = action.replace(/^kms:/i, "").toLowerCase();
    return g.operations.some((o) => o.toLowerCase() === op);
}

/** Whether the grant applies to a request: always without constraints, else depending on its encryption context. */
export function grantConstrained(g: KmsGrant): Outcome {
    return g.constraints === undefined ? YES : unknown(`${g.source.label} applies only to requests whose encryption context matches its constraints (${g.constraints})`);
}

/** `<document> <statement>`, for messages. */
export function stmtRef(source: DocumentSource, s: Statement): string {
    return `${source.label} ${statementLabel(s)}`;
}
