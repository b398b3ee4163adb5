/**
 * Building a pack from a subset of the policies:
 *
 *   import { PolicyPack } from "@pulumi/policy";
 *   import { selectPolicies } from "@e2ee-pipeline/policy-pack/select";
 *   new PolicyPack("my-pack", { policies: selectPolicies({ frameworks: ["securityhub"], severities: ["high", "critical"] }) });
 *
 * Every criterion that is given must match (AND); within a criterion any value may match (OR). The selection
 * keeps the pack's order, and `policy-waivers-applied` is always appended last (unless `includeWaiverReport` is
 * false) so that waivers stay visible.
 */
import type { Severity } from "@pulumi/policy";
import { PackRule, allRules, groupOf } from "./all";
import { POLICY_WAIVERS_APPLIED } from "./rules/waivers/policyWaiversApplied";

export type FrameworkName = "paper" | "securityhub" | "checkov";

export interface Selection {
    /** Keep policies mapped to at least one of these catalogues (every policy maps to the paper). */
    readonly frameworks?: readonly FrameworkName[];
    /** Keep policies mapped to one of these AWS Security Hub control IDs, e.g. "S3.5". */
    readonly securityHubControls?: readonly string[];
    /** Keep policies mapped to one of these Checkov IDs, e.g. "CKV_AWS_145". */
    readonly checkovIds?: readonly string[];
    readonly severities?: readonly Severity[];
    /** Exact policy names; an unknown name is an error. */
    readonly names?: readonly string[];
    /** Policy names to leave out; an unknown name is an error. */
    readonly excludeNames?: readonly string[];
    /** Groups (directories under rules/), e.g. "encryption", "s3"; an unknown group is an error. */
    readonly groups?: readonly string[];
    /** Keep policies carrying at least one of these tags exactly, e.g. "securityhub:S3.8". */
    readonly tags?: readonly string[];
    /** Append policy-waivers-applied (default true). */
    readonly includeWaiverReport?: boolean;
}

function mapsTo(r: PackRule, f: FrameworkName): boolean {
    switch (f) {
        case "paper":
            return r.frameworkRef.paper.length > 0;
        case "securityhub":
            return (r.frameworkRef.securityHub ?? []).length > 0;
        case "checkov":
            return (r.frameworkRef.checkov ?? []).length > 0;
    }
}

function checkKnown(kind: string, given: readonly string[] | undefined, known: readonly string[]): void {
    const bad = (given ?? []).filter((x) => !known.includes(x));
    if (bad.length > 0) {
        throw new Error(`selectPolicies: unknown ${kind}: ${bad.join(", ")}`);
    }
}

/** The policies matching `selection`, in pack order. `from` defaults to every policy of the pack. */
export function selectPolicies(selection: Selection = {}, from: readonly PackRule[] = allRules): PackRule[] {
    const names = from.map((r) => r.name);
    checkKnown("policy name(s)", selection.names, names);
    checkKnown("policy name(s)", selection.excludeNames, names);
    const groupNames = [...new Set(names.map((n) => groupOf(n)).filter((g): g is string => g !== undefined))];
    checkKnown("group(s)", selection.groups, groupNames);
    const any = <T>(wanted: readonly T[] | undefined, test: (x: T) => boolean): boolean => wanted === undefined || wanted.some(test);
    const picked = from.filter(
        (r) =>
            r.name !== POLICY_WAIVERS_APPLIED &&
            any(selection.frameworks, (f) => mapsTo(r, f)) &&
            any(selection.securityHubControls, (id) => (r.frameworkRef.securityHub ?? []).includes(id)) &&
            any(selection.checkovIds, (id) => (r.frameworkRef.checkov ?? []).includes(id)) &&
            any(selection.severities, (s) => r.severity === s) &&
            any(selection.names, (n) => r.name === n) &&
            !(selection.excludeNames ?? []).includes(r.name) &&
            any(selection.groups, (g) => groupOf(r.name) === g) &&
            any(selection.tags, (t) => (r.tags ?? []).includes(t)),
    );
    const report = from.find((r) => r.name === POLICY_WAIVERS_APPLIED);
    if (selection.includeWaiverReport !== false && report !== undefined) {
        picked.push(report);
    }
    return picked;
}
