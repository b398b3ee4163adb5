/**
 * Typed access to @pulumi/policy's unknown-value machinery (its `proxy` module is marked internal and ships no
 * type declarations for these names).
 *
 * During `pulumi preview`, inputs that depend on outputs not yet known (e.g. a new key's ARN) reach a policy as
 * sentinel strings, and the policy server wraps every resource's props in `unknownCheckingProxy`: reading an
 * unknown throws `UnknownValueError`, which the server reports as an advisory "can't run policy ... during
 * preview" instead of a violation. Resource rules simply read their inputs and let that happen. Stack rules use
 * `peek` (which never throws) to decide what they can, and `Undecided` to raise one UnknownValueError after they
 * have reported every violation they could prove.
 */

interface UnknownValueErrorInstance extends Error {
    readonly unknownTypeSentinel: string;
    readonly props: readonly PropertyKey[];
}

interface ProxyModule {
    unknownCheckingProxy<T>(toProxy: T): T;
    UnknownValueError: new (unknownTypeSentinel: string, props: PropertyKey[]) => UnknownValueErrorInstance;
    getSpecialProxyTarget: string;
    unknownBooleanValue: string;
    unknownNumberValue: string;
    unknownStringValue: string;
    unknownArrayValue: string;
    unknownAssetValue: string;
    unknownArchiveValue: string;
    unknownObjectValue: string;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const proxy = require("@pulumi/policy/proxy") as ProxyModule;

/** The proxy @pulumi/policy's server wraps every resource's props in. */
export const unknownCheckingProxy: <T>(toProxy: T) => T = proxy.unknownCheckingProxy;

/** The error the proxy throws when a policy reads an unknown value (the server turns it into an advisory). */
export const UnknownValueError = proxy.UnknownValueError;
export type UnknownValueError = UnknownValueErrorInstance;

/** The sentinel values that stand for unknowns in deserialized resource properties. */
export const UNKNOWN = {
    boolean: proxy.unknownBooleanValue,
    number: proxy.unknownNumberValue,
    string: proxy.unknownStringValue,
    array: proxy.unknownArrayValue,
    asset: proxy.unknownAssetValue,
    archive: proxy.unknownArchiveValue,
    object: proxy.unknownObjectValue,
} as const;

const sentinels: ReadonlySet<unknown> = new Set<unknown>(Object.values(UNKNOWN));

/** True when `v` is one of the unknown sentinels. */
export function isUnknownSentinel(v: unknown): v is string {
    return sentinels.has(v);
}

export function isUnknownValueError(e: unknown): e is UnknownValueError {
    return e instanceof proxy.UnknownValueError;
}

/** The object under an `unknownCheckingProxy` (or `o` itself); reading it never throws. */
export function raw<T>(o: T): T {
    if (o !== null && typeof o === "object") {
        const target = (o as Record<string, unknown>)[proxy.getSpecialProxyTarget];
        if (target !== undefined) {
            return target as T;
        }
    }
    return o;
}

/** The result of `peek`: a value that is known (possibly `undefined`), or unknown during preview. */
export type Peeked = { readonly known: true; readonly value: unknown } | { readonly known: false; readonly path: readonly string[] };

/**
 * Reads `o[path[0]][path[1]]...` without throwing on unknowns. A missing intermediate gives a known `undefined`;
 * an unknown anywhere on the path gives `{ known: false }` with the path up to the unknown.
 */
export function peek(o: unknown, ...path: string[]): Peeked {
    let cur: unknown = raw(o);
    for (let i = 0; i < path.length; i++) {
        if (isUnknownSentinel(cur)) {
            return { known: false, path: path.slice(0, i) };
        }
        if (cur === null || typeof cur !== "object") {
            return { known: true, value: undefined };
        }
        cur = raw((cur as Record<string, unknown>)[path[i]]);
    }
    if (isUnknownSentinel(cur)) {
        return { known: false, path };
    }
    return { known: true, value: cur };
}

/**
 * Deep copy of `v` without proxies; unknown sentinels are kept as they are (use `containsUnknown` to test).
 */
export function unwrapDeep(v: unknown): unknown {
    const r = raw(v);
    if (Array.isArray(r)) {
        return r.map(unwrapDeep);
    }
    if (r !== null && typeof r === "object") {
        return Object.fromEntries(Object.entries(r).map(([k, x]) => [k, unwrapDeep(x)]));
    }
    return r;
}

/** True when `v` (deeply) contains an unknown sentinel. */
export function containsUnknown(v: unknown): boolean {
    const r = raw(v);
    if (isUnknownSentinel(r)) {
        return true;
    }
    if (Array.isArray(r)) {
        return r.some(containsUnknown);
    }
    if (r !== null && typeof r === "object") {
        return Object.values(r).some(containsUnknown);
    }
    return false;
}

/** An UnknownValueError with a message that says what could not be decided and why. */
export function undecidable(what: string, sentinel: string = UNKNOWN.string): UnknownValueError {
    const e = new proxy.UnknownValueError(sentinel, []);
    e.message = what;
    return e;
}

/**
 * Collects what a stack rule cannot decide during preview. The rule reports every violation it can prove, then
 * calls `finish()`, which throws one UnknownValueError naming everything left undecided (the server reports it as
 * an advisory "can't run policy ... during preview: <reasons>"). When nothing is undecided, `finish()` returns.
 */
export class Undecided {
    private readonly reasons: string[] = [];

    add(reason: string): void {
        if (!this.reasons.includes(reason)) {
            this.reasons.push(reason);
        }
    }

    /** Runs `fn`; an UnknownValueError it throws is recorded (with `context`) instead of propagated. */
    attempt<T>(context: string, fn: () => T): T | undefined {
        try {
            return fn();
        } catch (e) {
            if (isUnknownValueError(e)) {
                this.add(`${context}: ${e.message}`);
                return undefined;
            }
            throw e;
        }
    }

    get isEmpty(): boolean {
        return this.reasons.length === 0;
    }

    finish(): void {
        if (this.reasons.length > 0) {
            throw undecidable(this.reasons.join("; "));
        }
    }
}
