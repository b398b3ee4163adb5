/**
 * IAM policy document parsing for the pack's IAM, KMS and E2EE rules.
 *
 * Documents arrive in several shapes: a JSON string (`JSON.stringify(...)`, the `json` output of
 * `aws.iam.getPolicyDocument`, or a literal), or an object (the typed `aws.iam.PolicyDocument`). Inside a
 * document, `Statement` is an object or an array; `Action`, `NotAction`, `Resource`, `NotResource` are a string or
 * an array; `Principal`/`NotPrincipal` is `"*"` or a map `{ AWS | Service | Federated | CanonicalUser: string | string[] }`.
 * `parsePolicyDocument` normalises all of these into `PolicyDocument`.
 *
 * Reading a document that holds an unknown value (preview) goes through @pulumi/policy's proxy and throws its
 * `UnknownValueError`, which the policy runtime turns into an advisory "can't run during preview".
 */

export type Effect = "Allow" | "Deny";

/** A normalised `Principal` or `NotPrincipal`. `wildcard` is true for `"*"` and for `{ AWS: "*" }`. */
export interface Principals {
    readonly wildcard: boolean;
    readonly aws: readonly string[];
    readonly service: readonly string[];
    readonly federated: readonly string[];
    readonly canonicalUser: readonly string[];
}

/** `Condition`: operator -> condition key -> value(s). */
export type Conditions = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

export interface Statement {
    /** Zero-based position in the document. */
    readonly index: number;
    readonly sid?: string;
    readonly effect: Effect;
    readonly action?: readonly string[];
    readonly notAction?: readonly string[];
    readonly resource?: readonly string[];
    readonly notResource?: readonly string[];
    readonly principal?: Principals;
    readonly notPrincipal?: Principals;
    readonly condition?: Conditions;
}

export interface PolicyDocument {
    readonly version?: string;
    readonly statements: readonly Statement[];
}

/** The document is not valid JSON or not shaped like an IAM policy document. */
export class PolicyDocumentError extends Error {}

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function stringList(v: unknown, what: string): string[] | undefined {
    if (v === undefined || v === null) {
        return undefined;
    }
    if (typeof v === "string") {
        return [v];
    }
    if (Array.isArray(v)) {
        const out: string[] = [];
        for (const x of v) {
            if (typeof x !== "string") {
                throw new PolicyDocumentError(`${what} must hold strings, found ${typeof x}`);
            }
            out.push(x);
        }
        return out;
    }
    throw new PolicyDocumentError(`${what} must be a string or an array of strings`);
}

function parsePrincipals(v: unknown, what: string): Principals | undefined {
    if (v === undefined || v === null) {
        return undefined;
    }
    if (v === "*") {
        return { wildcard: true, aws: ["*"], service: [], federated: [], canonicalUser: [] };
    }
    if (!isRecord(v)) {
        throw new PolicyDocumentError(`${what} must be "*" or an object`);
    }
    const aws = stringList(v["AWS"], `${what}.AWS`) ?? [];
    return {
        wildcard: aws.includes("*"),
        aws,
        service: stringList(v["Service"], `${what}.Service`) ?? [],
        federated: stringList(v["Federated"], `${what}.Federated`) ?? [],
        canonicalUser: stringList(v["CanonicalUser"], `${what}.CanonicalUser`) ?? [],
    };
}

function parseConditions(v: unknown): Conditions | undefined {
    if (v === undefined || v === null) {
        return undefined;
    }
    if (!isRecord(v)) {
        throw new PolicyDocumentError("Condition must be an object");
    }
    const out: Record<string, Record<string, unknown>> = {};
    for (const op of Object.keys(v)) {
        const block = v[op];
        if (!isRecord(block)) {
            throw new PolicyDocumentError(`Condition.${op} must be an object`);
        }
        const keys: Record<string, unknown> = {};
        for (const k of Object.keys(block)) {
            keys[k] = block[k];
        }
        out[op] = keys;
    }
    return out;
}

function parseStatement(raw: unknown, index: number): Statement {
    if (!isRecord(raw)) {
        throw new PolicyDocumentError(`Statement ${index} must be an object`);
    }
    const effect = raw["Effect"];
    if (effect !== "Allow" && effect !== "Deny") {
        throw new PolicyDocumentError(`Statement ${index}: Effect must be "Allow" or "Deny"`);
    }
    const sid = raw["Sid"];
    const stmt: {
        -readonly [K in keyof Statement]: Statement[K];
    } = { index, effect };
    if (typeof sid === "string" && sid !== "") {
        stmt.sid = sid;
    }
    const action = stringList(raw["Action"], "Action");
    const notAction = stringList(raw["NotAction"], "NotAction");
    const resource = stringList(raw["Resource"], "Resource");
    const notResource = stringList(raw["NotResource"], "NotResource");
    const principal = parsePrincipals(raw["Principal"], "Principal");
    const notPrincipal = parsePrincipals(raw["NotPrincipal"], "NotPrincipal");
    const condition = parseConditions(raw["Condition"]);
    if (action !== undefined) stmt.action = action;
    if (notAction !== undefined) stmt.notAction = notAction;
    if (resource !== undefined) stmt.resource = resource;
    if (notResource !== undefined) stmt.notResource = notResource;
    if (principal !== undefined) stmt.principal = principal;
    if (notPrincipal !== undefined) stmt.notPrincipal = notPrincipal;
    if (condition !== undefined) stmt.condition = condition;
    return stmt;
}

/**
 * Parses a policy document given as a JSON string or an object. Throws `PolicyDocumentError` when it is not
 * valid JSON or not shaped like a policy document.
 */
export function parsePolicyDocument(input: unknown): PolicyDocument {
    let doc: unknown = input;
    if (typeof input === "string") {
        try {
            doc = JSON.parse(input);
        } catch (e) {
            throw new PolicyDocumentError(`not valid JSON: ${(e as Error).message}`);
        }
    }
    if (!isRecord(doc)) {
        throw new PolicyDocumentError("a policy document must be a JSON object");
    }
    const rawStatements = doc["Statement"];
    const list: unknown[] =
        rawStatements === undefined || rawStatements === null
            ? []
            : Array.isArray(rawStatements)
              ? Array.from(rawStatements as unknown[])
              : [rawStatements];
    const version = doc["Version"];
    const statements = list.map((s, i) => parseStatement(s, i));
    return typeof version === "string" ? { version, statements } : { statements };
}

/**
 * The parsed document, or undefined when it is not a policy document (AWS rejects it at deployment). Errors other
 * than `PolicyDocumentError` (e.g. reading a value unknown during preview) propagate.
 */
export function policyDocumentOrUndefined(input: unknown): PolicyDocument | undefined {
    try {
        return parsePolicyDocument(input);
    } catch (e) {
        if (e instanceof PolicyDocumentError) {
            return undefined;
        }
        throw e;
    }
}

/** `Sid "X"` or `statement 2` (1-based), for messages. */
export function statementLabel(s: Statement): string {
    return s.sid !== undefined ? `statement "${s.sid}"` : `statement ${s.index + 1}`;
}

const globCache = new Map<string, RegExp>();

/** IAM glob match (`*` and `?`), case-insensitive as IAM action names are. */
export function globMatch(pattern: string, value: string): boolean {
    let re = globCache.get(pattern);
    if (re === undefined) {
        const body = pattern
            .split("")
            .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
            .join("");
        re = new RegExp(`^${body}$`, "i");
        globCache.set(pattern, re);
    }
    return re.test(value);
}

/** True if `"*"` or `"<service>:*"`. */
export function isWildcardAction(a: string): boolean {
    return a === "*" || /^[A-Za-z0-9-]+:\*$/.test(a);
}

/** True if the statement's Action/NotAction covers `action` (e.g. "kms:Decrypt"), whatever the effect. */
export function coversAction(s: Statement, action: string): boolean {
    if (s.action !== undefined) {
        return s.action.some((p) => globMatch(p, action));
    }
    if (s.notAction !== undefined) {
        return !s.notAction.some((p) => globMatch(p, action));
    }
    return false;
}

/**
 * True if the statement's Resource/NotResource covers `resource`, an ARN. `resource === undefined` means
 * "an ARN we do not know": only `"*"` (or a NotResource that cannot exclude it: never) covers it for sure.
 */
export function coversResource(s: Statement, resource: string | undefined): boolean {
    if (s.resource !== undefined) {
        return s.resource.some((p) => p === "*" || (resource !== undefined && globMatch(p, resource)));
    }
    if (s.notResource !== undefined) {
        return resource !== undefined && !s.notResource.some((p) => globMatch(p, resource));
    }
    return false;
}

/** True if the statement has at least one condition key. */
export function hasConditions(s: Statement): boolean {
    return s.condition !== undefined && Object.values(s.condition).some((block) => Object.keys(block).length > 0);
}

/** All condition keys used by a statement, lower-cased (condition keys are case-insensitive). */
export function conditionKeys(s: Statement): string[] {
    if (s.condition === undefined) {
        return [];
    }
    return Object.values(s.condition).flatMap((block) => Object.keys(block).map((k) => k.toLowerCase()));
}

/** Condition operators that restrict a key to the listed values (negated, Null and IfExists operators do not). */
const POSITIVE_OPERATORS = new Set(["stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"]);

/**
 * The positive conditions of a statement, as { key (lower-cased), operator (lower-cased, without ForAllValues/
 * ForAnyValue), values }.
 */
export function positiveConditions(s: Statement): { key: string; operator: string; values: string[] }[] {
    const out: { key: string; operator: string; values: string[] }[] = [];
    for (const [op, block] of Object.entries(s.condition ?? {})) {
        const operator = op.replace(/^(ForAllValues|ForAnyValue):/i, "").toLowerCase();
        if (!POSITIVE_OPERATORS.has(operator)) {
            continue;
        }
        for (const [key, value] of Object.entries(block)) {
            const values = (Array.isArray(value) ? (value as unknown[]) : [value]).filter((v): v is string => typeof v === "string");
            out.push({ key: key.toLowerCase(), operator, values });
        }
    }
    return out;
}

/** True if the statement is scoped to tagged resources (attribute-based access): a positive aws:ResourceTag/<key> condition. */
export function isScopedByResourceTag(s: Statement): boolean {
    return positiveConditions(s).some((c) => c.key.startsWith("aws:resourcetag/") && c.values.length > 0 && !c.values.includes("*"));
}

/**
 * True if the statement's positive aws:ResourceTag/<key> conditions rule out a resource with these tags (so the
 * statement does not apply to it). Tag keys in conditions are matched case-insensitively, values as IAM does
 * (StringLike with globs, StringEqualsIgnoreCase without case).
 */
export function excludedByResourceTags(s: Statement, tags: Readonly<Record<string, string>>): boolean {
    const lowerTags = new Map(Object.entries(tags).map(([k, v]) => [k.toLowerCase(), v]));
    return positiveConditions(s).some((c) => {
        if (!c.key.startsWith("aws:resourcetag/")) {
            return false;
        }
        const actual = lowerTags.get(c.key.slice("aws:resourcetag/".length));
        if (actual === undefined) {
            return true;
        }
        return !c.values.some((v) =>
            c.operator === "stringlike" ? globMatchCase(v, actual) : c.operator === "stringequalsignorecase" ? v.toLowerCase() === actual.toLowerCase() : v === actual,
        );
    });
}

function globMatchCase(pattern: string, value: string): boolean {
    const body = pattern
        .split("")
        .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
        .join("");
    return new RegExp(`^${body}$`).test(value);
}

/** Where a resource keeps its policy documents, and what kind they are. */
export type DocumentKind = "identity" | "trust" | "resource";

export interface LocatedDocument {
    /** The property path, e.g. `policy` or `inlinePolicies[0].policy`. */
    readonly property: string;
    readonly kind: DocumentKind;
    /** The raw value: a JSON string or an object. */
    readonly raw: unknown;
}

/** Types whose `policy` input is an identity-based policy document. */
export const IDENTITY_POLICY_TYPES: readonly string[] = [
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
];

/** Types whose `policy` input is a resource-based policy document. */
export const RESOURCE_POLICY_TYPES: readonly string[] = [
    "aws:kms/key:Key",
    "aws:kms/keyPolicy:KeyPolicy",
    "aws:s3/bucketPolicy:BucketPolicy",
];

export const ROLE_TYPE = "aws:iam/role:Role";

const ALL_KINDS: readonly DocumentKind[] = ["identity", "trust", "resource"];

/**
 * The policy documents of the given kinds (default: all) a resource carries in its inputs. Only the properties
 * holding those kinds are read, so a rule about trust policies never touches a role's inline policies. Missing
 * (undefined/empty) documents are skipped. Accessing an unknown document throws the policy runtime's
 * UnknownValueError.
 */
export function documentsOf(type: string, props: Record<string, unknown>, kinds: readonly DocumentKind[] = ALL_KINDS): LocatedDocument[] {
    const out: LocatedDocument[] = [];
    const push = (property: string, kind: DocumentKind, raw: unknown) => {
        if (raw !== undefined && raw !== null && raw !== "") {
            out.push({ property, kind, raw });
        }
    };
    if (IDENTITY_POLICY_TYPES.includes(type)) {
        if (kinds.includes("identity")) {
            push("policy", "identity", props["policy"]);
        }
    } else if (RESOURCE_POLICY_TYPES.includes(type)) {
        if (kinds.includes("resource")) {
            push("policy", "resource", props["policy"]);
        }
    } else if (type === ROLE_TYPE) {
        if (kinds.includes("trust")) {
            push("assumeRolePolicy", "trust", props["assumeRolePolicy"]);
        }
        const inline = kinds.includes("identity") ? props["inlinePolicies"] : undefined;
        if (Array.isArray(inline)) {
            inline.forEach((p: unknown, i: number) => {
                if (isRecord(p)) {
                    push(`inlinePolicies[${i}].policy`, "identity", p["policy"]);
                }
            });
        }
    }
    return out;
}

/** Parses each located document; a document that cannot be parsed is returned with its error. */
export function parseLocated(
    docs: readonly LocatedDocument[],
): { located: LocatedDocument; doc?: PolicyDocument; error?: PolicyDocumentError }[] {
    return docs.map((located) => {
        try {
            return { located, doc: parsePolicyDocument(located.raw) };
        } catch (e) {
            if (e instanceof PolicyDocumentError) {
                return { located, error: e };
            }
            throw e;
        }
    });
}

/** Formats a list for messages: `"a", "b"`. */
export function quoteList(xs: readonly string[]): string {
    return xs.map((x) => `"${x}"`).join(", ");
}
