/**
 * Small readers for stack rules over props that may be unknown during preview (see ./unknown.ts for the
 * machinery): `known` returns UNKNOWN instead of throwing, so a stack rule can decide what it can, report only
 * what it can prove, and record the rest with `Undecided` (./unknown.ts).
 */
import type { PolicyResource } from "@pulumi/policy";
import { isUnknownValueError } from "./unknown";

export const UNKNOWN: unique symbol = Symbol("unknown");
export type Unknown = typeof UNKNOWN;

/** Runs `read`; returns UNKNOWN if it touched an unknown value. */
export function known<T>(read: () => T): T | Unknown {
    try {
        return read();
    } catch (e) {
        if (isUnknownValueError(e)) {
            return UNKNOWN;
        }
        throw e;
    }
}

/** A string-valued tag, `undefined` when absent, UNKNOWN when the tags are unknown. */
export function tagOf(props: Record<string, unknown>, key: string): string | undefined | Unknown {
    return known(() => {
        const tags = props["tags"];
        if (typeof tags !== "object" || tags === null) {
            return undefined;
        }
        const v = (tags as Record<string, unknown>)[key];
        return typeof v === "string" ? v : undefined;
    });
}

/** A known string property, or undefined when absent/not a string, or UNKNOWN. */
export function stringProp(props: Record<string, unknown>, key: string): string | undefined | Unknown {
    return known(() => {
        const v = props[key];
        return typeof v === "string" ? v : undefined;
    });
}

/** True if `r`'s property `prop` depends on `target` (by the engine's property dependencies). */
export function dependsOn(r: PolicyResource, prop: string, target: PolicyResource): boolean {
    return (r.propertyDependencies?.[prop] ?? []).some((d) => d.urn === target.urn);
}
