/** The allow-list of intentionally public entry points the entry-point rules share. */
import { globMatch } from "../../lib/iam";

export const PUBLIC_ROUTES_SCHEMA = {
    type: "array" as const,
    items: { type: "string" as const, minLength: 1 },
    default: [] as string[],
    description: "Entry points that are public on purpose: the resource's logical name, or its route (\"GET /health\", \"$default\"; globs with *, case-sensitive paths).",
};

/** True when one of `names` (logical name, route) matches an allow-list entry. */
export function allowed(list: readonly string[], ...names: readonly (string | undefined)[]): boolean {
    return list.some((p) => names.some((n) => n !== undefined && (p === n || (p.includes("*") && globMatch(p, n)))));
}
