/**
 * The gate's verdict: the report every rendering (text, JSON, SARIF) is made from, and how the packs'
 * diagnostics are sorted into violations, waivers and undecided findings.
 */
import type { PackLog } from "../packs/engine";
import type { Diagnostic, EnforcementLevel, PackInfo, ProgramNote, RecordedResource, RemoteComponentInfo, Severity, SourceLocation } from "../shared/types";

/** The advisory policy through which our pack reports applied waivers (policies/lib/rule.ts). */
export const WAIVERS_POLICY = "policy-waivers-applied";
export const JSON_SCHEMA_VERSION = 1;

export interface Finding {
    readonly policyPack: string;
    readonly policyPackVersion: string;
    readonly policy: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly severity: Severity;
    readonly urn: string;
    readonly resourceType: string;
    readonly message: string;
    readonly source?: SourceLocation;
}

export interface GateReport {
    readonly project: string;
    readonly stack: string;
    readonly projectDir: string;
    /** The program's registrations and reads (what `pulumi preview` counts). */
    readonly resources: readonly RecordedResource[];
    /** The default providers the engine registers for them, analyzed like them (absent: none). */
    readonly defaultProviders?: readonly RecordedResource[];
    readonly packs: readonly PackInfo[];
    readonly violations: Finding[];
    readonly waived: Finding[];
    readonly undecided: Finding[];
    readonly notes: readonly ProgramNote[];
    readonly packLogs: readonly PackLog[];
    readonly timings: Record<string, number>;
}

/** `can't run policy ... during preview` diagnostics: @pulumi/policy's answer to an unknown input. */
export function isUndecided(d: Diagnostic): boolean {
    return d.enforcementLevel === "advisory" && /^can't run policy '.*' during preview: /s.test(d.message);
}

/** Sorts diagnostics into violations, waivers and undecided findings. */
export function classify(diags: readonly Diagnostic[], resources: readonly RecordedResource[]): { violations: Finding[]; waived: Finding[]; undecided: Finding[] } {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const violations: Finding[] = [];
    const waived: Finding[] = [];
    const undecided: Finding[] = [];
    const seen = new Set<string>();
    for (const d of diags) {
        if (d.enforcementLevel === "disabled") continue;
        const key = `${d.policyPack}\u0000${d.policy}\u0000${d.urn}\u0000${d.message}\u0000${d.enforcementLevel}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const r = byUrn.get(d.urn);
        const f: Finding = {
            policyPack: d.policyPack,
            policyPackVersion: d.policyPackVersion,
            policy: d.policy,
            enforcementLevel: d.enforcementLevel === "remediate" ? "mandatory" : d.enforcementLevel,
            severity: d.severity,
            urn: d.urn,
            resourceType: r?.type ?? (d.urn !== "" ? (d.urn.split("::")[2] ?? "").split("$").pop() ?? "" : ""),
            message: d.message,
            ...(r?.source !== undefined ? { source: r.source } : {}),
        };
        if (d.policy === WAIVERS_POLICY) waived.push(f);
        else if (isUndecided(d)) undecided.push(f);
        else violations.push(f);
    }
    const order = (a: Finding, b: Finding): number =>
        a.policyPack.localeCompare(b.policyPack) || a.policy.localeCompare(b.policy) || a.urn.localeCompare(b.urn) || a.message.localeCompare(b.message);
    return { violations: violations.sort(order), waived: waived.sort(order), undecided: undecided.sort(order) };
}

export function mandatoryCount(r: GateReport): number {
    return r.violations.filter((v) => v.enforcementLevel === "mandatory").length;
}

export function exitCode(r: GateReport): 0 | 1 {
    return mandatoryCount(r) > 0 ? 1 : 0;
}

export function summary(r: GateReport) {
    const mandatory = mandatoryCount(r);
    return {
        resources: r.resources.length,
        policies: r.packs.reduce((n, p) => n + p.policies.length, 0),
        mandatory,
        advisory: r.violations.length - mandatory,
        waived: r.waived.length,
        undecided: r.undecided.length,
        passed: mandatory === 0,
    };
}


/** The remote components of the run (constructed by their plugin or not), in registration order. */
export function remoteComponents(r: GateReport): RemoteComponentInfo[] {
    return r.notes.flatMap((n) => (n.remoteComponent !== undefined ? [n.remoteComponent] : []));
}

/** true when something the program declared was not analyzed: a remote component its plugin did not construct. */
export function isPartial(r: GateReport): boolean {
    return remoteComponents(r).some((c) => !c.constructed);
}

/** The one-line cause `--fail-on-partial` exits 2 with, or undefined when the analysis is complete. */
export function partialCause(r: GateReport): string | undefined {
    const missing = remoteComponents(r).filter((c) => !c.constructed);
    if (missing.length === 0) return undefined;
    const each = missing.map((c) => `${c.urn} (${c.type}, package ${c.package}${c.version !== "" ? ` ${c.version}` : ""}): ${c.reason ?? "not constructed"}`);
    return `the analysis is partial (--fail-on-partial): ${missing.length === 1 ? "1 remote component was" : `${missing.length} remote components were`} not analyzed inside: ${each.join("; ")}`;
}
