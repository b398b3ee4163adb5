/** Small readers shared by the customer-managed-key rules. Values are read through the unknown-checking proxy. */
import { cmkProblem, keyRef } from "../../lib/keys";
import { peek } from "../../lib/unknown";

/** `setting is false` / `setting is not set` when props[path] is not true, else undefined (unknown: throws as the proxy does). */
export function notTrue(props: Record<string, unknown>, label: string, ...path: string[]): string | undefined {
    let cur: unknown = props;
    for (const k of path) {
        cur = typeof cur === "object" && cur !== null ? (cur as Record<string, unknown>)[k] : undefined;
    }
    if (cur === true) {
        return undefined;
    }
    return `${label} is ${cur === undefined || cur === null ? "not set" : String(cur)}`;
}

/** The problem with the key at props[path] for a rule requiring a customer-managed key (computed keys count as customer-managed). */
export function keyProblem(props: unknown, label: string, ...path: string[]): string | undefined {
    return cmkProblem(keyRef(props, ...path), label);
}

/** A known string at props[path], else undefined. */
export function knownString(props: unknown, ...path: string[]): string | undefined {
    const v = peek(props, ...path);
    return v.known && typeof v.value === "string" && v.value !== "" ? v.value : undefined;
}
