/**
 * IAM policy evaluation, three-valued: does a statement apply to a request?
 *
 * The answer is an `Outcome`: `yes`, `no`, or `unknown` with the reasons (a condition on a value of each request,
 * such as `kms:ViaService` or `aws:SourceIp`; a value the program does not fix; a form this module does not model).
 * Callers turn `unknown` into "undecided": a violation is never proven from an assumption, and neither is
 * compliance.
 *
 * What is modelled, as the IAM User Guide describes policy evaluation:
 * - `Action` / `NotAction` with `*` and `?` (case-insensitive), through `coversAction` of ./iam.ts;
 * - `Resource` / `NotResource` with ARN wildcards: `*` and `?` match within one colon-separated segment, and a `*`
 *   that ends a segment may also match across colons; ARNs are case-sensitive; policy variables (`${aws:...}`)
 *   are resolved from the request context;
 * - `Principal` / `NotPrincipal` of resource-based policies: `"*"`, account IDs and `:root` ARNs (the account
 *   principal: the account's identity policies decide), role, user and assumed-role session ARNs, service
 *   principals. A `NotPrincipal` that names the caller's role, account or a session of it is `unknown` (whether a
 *   role session is excluded depends on naming its session ARN);
 * - `Condition`: every operator of the IAM reference (String*, Numeric*, Date*, Bool, BinaryEquals, IpAddress,
 *   NotIpAddress, Arn*, Null), the `IfExists` suffix and the `ForAllValues:` / `ForAnyValue:` set operators, with
 *   AWS's rules for a key missing from the request (positive operators fail, negated ones hold, `IfExists` holds,
 *   `ForAllValues` holds, `ForAnyValue` fails). Operators are ANDed, keys of one operator are ANDed, values of one
 *   key are ORed (negated operators: none may match).
 */
import { coversAction, type Conditions, type Principals, type Statement } from "./iam";

/** The answer to "does it apply / match?". */
export type Outcome =
    | { readonly result: "yes" }
    | { readonly result: "no" }
    | { readonly result: "unknown"; readonly reasons: readonly string[] };

export const YES: Outcome = Object.freeze({ result: "yes" });
export const NO: Outcome = Object.freeze({ result: "no" });

export function unknown(...reasons: string[]): Outcome {
    return { result: "unknown", reasons };
}

export function fromBoolean(b: boolean): Outcome {
    return b ? YES : NO;
}

function reasonsOf(outcomes: readonly Outcome[]): string[] {
    const out: string[] = [];
    for (const o of outcomes) {
        if (o.result === "unknown") {
            for (const r of o.reasons) {
                if (!out.includes(r)) out.push(r);
            }
        }
    }
    return out;
}

/** All must hold: any `no` gives `no`; all `yes` gives `yes`; otherwise `unknown`. */
export function allOf(outcomes: readonly Outcome[]): Outcome {
    if (outcomes.some((o) => o.result === "no")) return NO;
    if (outcomes.every((o) => o.result === "yes")) return YES;
    return { result: "unknown", reasons: reasonsOf(outcomes) };
}

/** One must hold: any `yes` gives `yes`; all `no` (or none) gives `no`; otherwise `unknown`. */
export function anyOf(outcomes: readonly Outcome[]): Outcome {
    if (outcomes.some((o) => o.result === "yes")) return YES;
    if (outcomes.every((o) => o.result === "no")) return NO;
    return { result: "unknown", reasons: reasonsOf(outcomes) };
}

export function not(o: Outcome): Outcome {
    return o.result === "yes" ? NO : o.result === "no" ? YES : o;
}

// ---------------------------------------------------------------------------------------------------------------
// Request context

/** A condition key's value in a request: present (one value, or several for multivalued keys), absent, or unknown. */
export type ContextValue =
    | { readonly kind: "present"; readonly values: readonly string[] }
    | { readonly kind: "absent" }
    | { readonly kind: "unknown"; readonly why: string };

/** The request context: condition key (any case) -> value. */
export interface RequestContext {
    get(key: string): ContextValue;
}

export const ABSENT: ContextValue = Object.freeze({ kind: "absent" });

export function present(...values: string[]): ContextValue {
    return { kind: "present", values };
}

/**
 * A context from a map of known keys (string or list: present; null: known to be absent) and a fallback for every
 * other key (by default: unknown, "a value of each request").
 */
export function contextOf(
    known: Readonly<Record<string, string | readonly string[] | null>>,
    fallback: (key: string) => ContextValue = (key) => ({ kind: "unknown", why: `${key} is a value of each request, which the program does not fix` }),
): RequestContext {
    const map = new Map<string, ContextValue>();
    for (const [k, v] of Object.entries(known)) {
        map.set(k.toLowerCase(), v === null ? ABSENT : { kind: "present", values: typeof v === "string" ? [v] : [...v] });
    }
    return {
        get(key: string): ContextValue {
            return map.get(key.toLowerCase()) ?? fallback(key);
        },
    };
}

// ---------------------------------------------------------------------------------------------------------------
// Policy variables

/**
 * Resolves policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'none'}`, and the escapes `${*}`, `${?}`,
 * `${$}`) in `text`. Returns the text, or an `unknown` outcome when a variable's value is unknown. A variable whose
 * key is absent from the request resolves to its default, else the whole text matches nothing (`undefined`).
 * `escapeGlob` keeps `${*}` and `${?}` as literal characters in a pattern (they are returned as `\u0000*` markers
 * removed by `globRegExp`).
 */
export function resolveVariables(text: string, ctx: RequestContext): { text: string } | { text: undefined } | Outcome {
    if (!text.includes("${")) {
        return { text };
    }
    let missing = false;
    let unknownWhy: string | undefined;
    const out = text.replace(/\$\{([^}]*)\}/g, (_m, inner: string) => {
        const body = inner.trim();
        if (body === "*") return "\u0000*";
        if (body === "?") return "\u0000?";
        if (body === "$") return "$";
        const m = /^([^,]+?)\s*(?:,\s*'([^']*)')?$/.exec(body);
        const key = m?.[1] ?? body;
        const dflt = m?.[2];
        const v = ctx.get(key);
        if (v.kind === "present" && v.values.length === 1) {
            return v.values[0];
        }
        if (v.kind === "absent" || (v.kind === "present" && v.values.length === 0)) {
            if (dflt !== undefined) return dflt;
            missing = true;
            return "";
        }
        unknownWhy ??= v.kind === "unknown" ? v.why : `the policy variable \${${key}} has several values`;
        return "";
    });
    if (unknownWhy !== undefined) {
        return unknown(unknownWhy);
    }
    return missing ? { text: undefined } : { text: out };
}

// ---------------------------------------------------------------------------------------------------------------
// Globs and ARNs

const regexCache = new Map<string, RegExp>();

function escapeRe(c: string): string {
    return c.replace(/[.+^${}()|[\]\\*?]/g, "\\$&");
}

/**
 * The anchored RegExp of a wildcard pattern, cached by `key`: `star(next)` and `one` are what `*` (followed by
 * `next`) and `?` match; `\u0000*` / `\u0000?` are literal (escaped variables), as is every other character.
 */
function wildcardRegExp(key: string, pattern: string, flags: string, star: (next: string | undefined) => string, one: string): RegExp {
    let re = regexCache.get(key);
    if (re === undefined) {
        let body = "";
        for (let i = 0; i < pattern.length; i++) {
            const c = pattern[i];
            if (c === "\u0000" && i + 1 < pattern.length) {
                body += escapeRe(pattern[++i]);
            } else {
                body += c === "*" ? star(pattern[i + 1]) : c === "?" ? one : escapeRe(c);
            }
        }
        re = new RegExp(`^${body}$`, flags);
        regexCache.set(key, re);
    }
    return re;
}

/** `*` any characters, `?` one character; `\u0000*` / `\u0000?` are literal (escaped variables). */
function globRegExp(pattern: string, flags: string): RegExp {
    return wildcardRegExp(`${flags}\u0001${pattern}`, pattern, flags, () => ".*", ".");
}

/** StringLike: `*` and `?`, case-sensitive. */
export function stringLike(pattern: string, value: string): boolean {
    return globRegExp(pattern, "").test(value);
}

/**
 * ARN wildcard match, case-sensitive: `*` and `?` match within a colon-separated segment; a `*` that ends a segment
 * (followed by `:` or the end) may also match across colons. `"*"` matches any ARN.
 */
export function arnMatch(pattern: string, arn: string): boolean {
    if (pattern === "*") {
        return true;
    }
    // A `*` that ends a segment may match across colons; otherwise wildcards stay within a segment.
    const re = wildcardRegExp(`arn\u0001${pattern}`, pattern, "", (next) => (next === undefined || next === ":" ? ".*" : "[^:]*"), "[^:]");
    return re.test(arn);
}

// ---------------------------------------------------------------------------------------------------------------
// Conditions

type ValueMatcher = (policyValue: string, contextValue: string) => boolean;

function parseIPv4(s: string): number | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
    if (m === null) return undefined;
    const parts = m.slice(1).map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

function ipInCidr(cidr: string, ip: string): boolean {
    const [base, bitsText] = cidr.split("/");
    const b = parseIPv4(base);
    const a = parseIPv4(ip);
    const bits = bitsText === undefined ? 32 : Number(bitsText);
    if (b === undefined || a === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
    if (bits === 0) return true;
    const mask = (0xffffffff << (32 - bits)) >>> 0;
    return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

function toDate(s: string): number {
    return /^\d+$/.test(s) ? Number(s) * 1000 : Date.parse(s);
}

const num = (f: (a: number, b: number) => boolean): ValueMatcher => (p, c) => {
    const a = Number(c);
    const b = Number(p);
    return !Number.isNaN(a) && !Number.isNaN(b) && f(a, b);
};
const date = (f: (a: number, b: number) => boolean): ValueMatcher => (p, c) => {
    const a = toDate(c);
    const b = toDate(p);
    return !Number.isNaN(a) && !Number.isNaN(b) && f(a, b);
};

/** Base operators (lower-case, without IfExists and set prefixes): matcher and whether the operator is negated. */
const OPERATORS: ReadonlyMap<string, { readonly match: ValueMatcher; readonly negated: boolean }> = new Map([
    ["stringequals", { match: (p: string, c: string) => p === c, negated: false }],
    ["stringnotequals", { match: (p: string, c: string) => p === c, negated: true }],
    ["stringequalsignorecase", { match: (p: string, c: string) => p.toLowerCase() === c.toLowerCase(), negated: false }],
    ["stringnotequalsignorecase", { match: (p: string, c: string) => p.toLowerCase() === c.toLowerCase(), negated: true }],
    ["stringlike", { match: stringLike, negated: false }],
    ["stringnotlike", { match: stringLike, negated: true }],
    ["numericequals", { match: num((a, b) => a === b), negated: false }],
    ["numericnotequals", { match: num((a, b) => a === b), negated: true }],
    ["numericlessthan", { match: num((a, b) => a < b), negated: false }],
    ["numericlessthanequals", { match: num((a, b) => a <= b), negated: false }],
    ["numericgreaterthan", { match: num((a, b) => a > b), negated: false }],
    ["numericgreaterthanequals", { match: num((a, b) => a >= b), negated: false }],
    ["dateequals", { match: date((a, b) => a === b), negated: false }],
    ["datenotequals", { match: date((a, b) => a === b), negated: true }],
    ["datelessthan", { match: date((a, b) => a < b), negated: false }],
    ["datelessthanequals", { match: date((a, b) => a <= b), negated: false }],
    ["dategreaterthan", { match: date((a, b) => a > b), negated: false }],
    ["dategreaterthanequals", { match: date((a, b) => a >= b), negated: false }],
    ["bool", { match: (p: string, c: string) => p.toLowerCase() === c.toLowerCase(), negated: false }],
    ["binaryequals", { match: (p: string, c: string) => p === c, negated: false }],
    ["ipaddress", { match: ipInCidr, negated: false }],
    ["notipaddress", { match: ipInCidr, negated: true }],
    ["arnequals", { match: arnMatch, negated: false }],
    ["arnlike", { match: arnMatch, negated: false }],
    ["arnnotequals", { match: arnMatch, negated: true }],
    ["arnnotlike", { match: arnMatch, negated: true }],
]);

function policyValues(v: unknown): string[] {
    const list = Array.isArray(v) ? (v as unknown[]) : [v];
    return list.filter((x) => x !== undefined && x !== null).map((x) => (typeof x === "string" ? x : JSON.stringify(x)));
}

/** Evaluates one `Operator: { key: values }` entry. */
export function evaluateConditionEntry(operator: string, key: string, rawValues: unknown, ctx: RequestContext): Outcome {
    let op = operator;
    let set: "all" | "any" | undefined;
    const prefix = /^(ForAllValues|ForAnyValue):/i.exec(op);
    if (prefix !== null) {
        set = prefix[1].toLowerCase() === "forallvalues" ? "all" : "any";
        op = op.slice(prefix[0].length);
    }
    let ifExists = false;
    if (/IfExists$/i.test(op)) {
        ifExists = true;
        op = op.slice(0, -"IfExists".length);
    }
    const lower = op.toLowerCase();
    const values = policyValues(rawValues);
    const ctxValue = ctx.get(key);
    const label = `${operator} ${key}`;

    if (lower === "null") {
        if (ctxValue.kind === "unknown") return unknown(ctxValue.why);
        const isAbsent = ctxValue.kind === "absent" || ctxValue.values.length === 0;
        return fromBoolean(values.some((v) => (v.toLowerCase() === "true" ? isAbsent : !isAbsent)));
    }
    const spec = OPERATORS.get(lower);
    if (spec === undefined) {
        return unknown(`the condition operator ${operator} is not one IAM defines`);
    }
    if (ctxValue.kind === "unknown") {
        return unknown(ctxValue.why);
    }
    // Policy variables in condition values (String and Arn operators).
    const resolved: string[] = [];
    for (const v of values) {
        if (!lower.startsWith("string") && !lower.startsWith("arn")) {
            resolved.push(v);
            continue;
        }
        const r = resolveVariables(v, ctx);
        if ("result" in r) return r;
        if (r.text !== undefined) resolved.push(r.text);
    }
    const absent = ctxValue.kind === "absent" || ctxValue.values.length === 0;
    if (absent) {
        if (set === "all") return YES;
        if (set === "any") return NO;
        if (ifExists) return YES;
        return fromBoolean(spec.negated);
    }
    const ctxValues = ctxValue.kind === "present" ? ctxValue.values : [];
    const matchesSome = (c: string) => resolved.some((p) => spec.match(p, c));
    // A negated operator holds for a context value that matches none of the policy values.
    const holds = (c: string) => (spec.negated ? !matchesSome(c) : matchesSome(c));
    if (set === "all") return fromBoolean(ctxValues.every(holds));
    if (set === "any") return fromBoolean(ctxValues.some(holds));
    if (ctxValues.length > 1) {
        // A multivalued key with a single-valued operator: AWS compares each value; be explicit about the doubt.
        return unknown(`${label} compares a multivalued key without ForAllValues/ForAnyValue`);
    }
    return fromBoolean(holds(ctxValues[0]));
}

/** Evaluates a statement's `Condition` block (absent or empty: `yes`). */
export function evaluateConditions(condition: Conditions | undefined, ctx: RequestContext): Outcome {
    if (condition === undefined) {
        return YES;
    }
    const parts: Outcome[] = [];
    for (const [op, block] of Object.entries(condition)) {
        for (const [key, values] of Object.entries(block)) {
            parts.push(evaluateConditionEntry(op, key, values, ctx));
        }
    }
    return allOf(parts);
}

// ---------------------------------------------------------------------------------------------------------------
// Resources

/** Whether a `Resource` pattern (after variables) covers the request's resource. */
export type ResourceMatcher = (pattern: string) => Outcome;

/** A matcher for a known resource ARN. */
export function arnResource(arn: string): ResourceMatcher {
    return (pattern) => fromBoolean(arnMatch(pattern, arn));
}

function patternOutcome(pattern: string, matcher: ResourceMatcher, ctx: RequestContext): Outcome {
    const r = resolveVariables(pattern, ctx);
    if ("result" in r) return r;
    if (r.text === undefined) return NO;
    return matcher(r.text);
}

/** `Resource` / `NotResource` of a statement against the request's resource (neither present: `no`). */
export function resourceOutcome(s: Statement, matcher: ResourceMatcher, ctx: RequestContext): Outcome {
    if (s.resource !== undefined) {
        return anyOf(s.resource.map((p) => patternOutcome(p, matcher, ctx)));
    }
    if (s.notResource !== undefined) {
        return not(anyOf(s.notResource.map((p) => patternOutcome(p, matcher, ctx))));
    }
    return NO;
}

// ---------------------------------------------------------------------------------------------------------------
// Principals

/** Who makes the request. Roles act through sessions of the role. */
export type Caller =
    | { readonly kind: "role"; readonly name: string; readonly arn: string | undefined; readonly account: string | undefined }
    | { readonly kind: "user"; readonly name: string; readonly arn: string | undefined; readonly account: string | undefined }
    | { readonly kind: "service"; readonly service: string }
    /** Any principal, unnamed (to ask what a statement gives principals outside the program). */
    | { readonly kind: "anyone" };

/**
 * How a resource-based policy's `Principal` matches the caller: `direct` (names the caller, or `"*"`), `account`
 * (names the caller's account: its identity policies decide), `no`, or `unknown`.
 */
export type PrincipalMatch =
    | { readonly result: "direct" | "account" | "no" }
    | { readonly result: "unknown"; readonly reasons: readonly string[] };

const ROOT_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):root$/;
const IAM_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):(role|user)\/(?:.*\/)?([^/]+)$/;
const SESSION_ARN = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;

/** The account an AWS principal entry names as a whole (`123456789012` or `arn:...:iam::123456789012:root`). */
export function accountPrincipal(entry: string): string | undefined {
    if (/^\d{12}$/.test(entry)) return entry;
    return ROOT_ARN.exec(entry)?.[1];
}

function awsEntryMatch(entry: string, caller: Caller): PrincipalMatch {
    if (entry === "*") return { result: "direct" };
    if (caller.kind === "service") return { result: "no" };
    if (caller.kind === "anyone") {
        return { result: "unknown", reasons: [`whether the caller is ${entry}`] };
    }
    const account = accountPrincipal(entry);
    if (account !== undefined) {
        if (caller.account === undefined) return { result: "unknown", reasons: [`the account of ${caller.kind} "${caller.name}" is unknown`] };
        return { result: caller.account === account ? "account" : "no" };
    }
    const iam = IAM_ARN.exec(entry);
    if (iam !== null) {
        const [, acct, kind, name] = iam;
        if (kind !== caller.kind) return { result: "no" };
        if (caller.arn !== undefined) {
            // Exact ARN; a role of the same account and name is the same role whatever the path (names are unique).
            return { result: caller.arn === entry || (name === caller.name && IAM_ARN.exec(caller.arn)?.[1] === acct) ? "direct" : "no" };
        }
        if (name !== caller.name) return { result: "no" };
        if (caller.account === undefined || caller.account === acct) return { result: "direct" };
        return { result: "no" };
    }
    const session = SESSION_ARN.exec(entry);
    if (session !== null) {
        const [, acct, role, sessionName] = session;
        if (caller.kind !== "role" || role !== caller.name || (caller.account !== undefined && caller.account !== acct)) return { result: "no" };
        return { result: "unknown", reasons: [`${entry} names one session ("${sessionName}") of role "${role}"; the session name is chosen when the role is assumed`] };
    }
    if (/^A[A-Z]{3}[A-Z0-9]{12,}$/.test(entry)) {
        return { result: "unknown", reasons: [`the principal ${entry} is a unique ID (a deleted or renamed principal)`] };
    }
    return { result: "no" };
}

function bestMatch(matches: readonly PrincipalMatch[]): PrincipalMatch {
    if (matches.some((m) => m.result === "direct")) return { result: "direct" };
    if (matches.some((m) => m.result === "account")) return { result: "account" };
    const unknowns = matches.filter((m): m is { result: "unknown"; reasons: readonly string[] } => m.result === "unknown");
    if (unknowns.length > 0) return { result: "unknown", reasons: unknowns.flatMap((u) => u.reasons) };
    return { result: "no" };
}

/** How a `Principal` element matches the caller. */
export function matchPrincipal(p: Principals, caller: Caller): PrincipalMatch {
    if (p.wildcard) return { result: "direct" };
    const matches: PrincipalMatch[] = p.aws.map((e) => awsEntryMatch(e, caller));
    if (caller.kind === "service") {
        matches.push({ result: p.service.includes(caller.service) ? "direct" : "no" });
    } else if (caller.kind === "anyone" && (p.service.length > 0 || p.federated.length > 0 || p.canonicalUser.length > 0)) {
        matches.push({ result: "unknown", reasons: ["whether the caller is one of the named principals"] });
    }
    return bestMatch(matches);
}

/**
 * How a `NotPrincipal` element applies to the caller: `direct` when the caller is not named in any form (the
 * statement applies), `no` when the caller is named exactly (a service, a user), `unknown` when its role, a session
 * of it or its account is named (AWS then requires the session ARN to exclude a role session).
 */
export function matchNotPrincipal(p: Principals, caller: Caller): PrincipalMatch {
    if (p.wildcard) return { result: "no" };
    if (caller.kind === "anyone") return { result: "unknown", reasons: ["whether the caller is one of the principals NotPrincipal excludes"] };
    if (caller.kind === "service") return { result: p.service.includes(caller.service) ? "no" : "direct" };
    const named = p.aws.map((e) => awsEntryMatch(e, caller));
    if (named.every((m) => m.result === "no")) return { result: "direct" };
    if (caller.kind === "user" && named.some((m) => m.result === "direct")) return { result: "no" };
    return { result: "unknown", reasons: [`NotPrincipal names ${caller.kind} "${caller.name}", a session of it or its account; whether its sessions are excluded depends on naming each session ARN`] };
}

// ---------------------------------------------------------------------------------------------------------------
// Statements

export interface Request {
    /** The action, e.g. `kms:Decrypt`. */
    readonly action: string;
    readonly resource: ResourceMatcher;
    readonly context: RequestContext;
}

/** Whether an identity-based statement applies to the request (action, resource, condition), whatever its effect. */
export function identityStatementApplies(s: Statement, req: Request): Outcome {
    if (!coversAction(s, req.action)) return NO;
    return allOf([resourceOutcome(s, req.resource, req.context), evaluateConditions(s.condition, req.context)]);
}

/**
 * Whether a resource-based statement applies to the caller's request, and how its principal matches
 * (`direct` or `account`). `no` / `unknown` outcomes have no `via`.
 */
export function resourceStatementApplies(s: Statement, req: Request, caller: Caller): { readonly outcome: Outcome; readonly via?: "direct" | "account" } {
    if (!coversAction(s, req.action)) return { outcome: NO };
    const pm: PrincipalMatch =
        s.principal !== undefined ? matchPrincipal(s.principal, caller) : s.notPrincipal !== undefined ? matchNotPrincipal(s.notPrincipal, caller) : { result: "no" };
    if (pm.result === "no") return { outcome: NO };
    const rest = allOf([resourceOutcome(s, req.resource, req.context), evaluateConditions(s.condition, req.context)]);
    if (pm.result === "unknown") {
        return { outcome: rest.result === "no" ? NO : allOf([rest, { result: "unknown", reasons: pm.reasons }]) };
    }
    return rest.result === "yes" ? { outcome: YES, via: pm.result } : { outcome: rest, via: pm.result };
}
