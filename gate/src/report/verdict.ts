/**
 * The gate's verdict: the report every rendering (text, JSON, SARIF) is made from, and how the packs'
 * diagnostics are sorted into violations, waivers and undecided findings.
 */
import type { PackLog } from "../packs/engine";
import type { Diagnostic, EnforcementLevel, OutsideSource, PackInfo, ProgramNote, RecordedResource, RemoteComponentInfo, Severity, SourceLocation } from "../shared/types";

/** The advisory policy through which our pack reports applied waivers (policies/lib/rule.ts). */
export const WAIVERS_POLICY = "policy-waivers-applied";
export const JSON_SCHEMA_VERSION = 1;

/** Which run found a finding: the preview (`pulumi preview`), or the simulated deployment (`pulumi up`'s update). */
export type RunName = "preview" | "deploy";

/** A synthetic output a finding of the simulated deployment depended on (report/attribution.ts). */
export interface SyntheticValue {
    /** The resource whose output it is. */
    readonly urn: string;
    readonly resourceType: string;
    readonly name: string;
    /** The output paths (`arn`, `metadata.uid`, ...) holding the value the simulation made up (often one). */
    readonly paths: readonly string[];
    readonly value: string;
}

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
    readonly run: RunName;
    /** The call that produced it: Analyze (a resource, its inputs) or AnalyzeStack (every resource's outputs). */
    readonly phase?: "resource" | "stack";
    /** The simulated deployment's findings: whether the preview reported the same finding (same message). */
    readonly inPreview?: boolean;
    /** The simulated deployment's findings the preview did not report: the synthetic outputs that reached it. */
    readonly syntheticValues?: readonly SyntheticValue[];
    /** The simulated deployment's undecided findings: where the unknown values came from. */
    readonly outsideSources?: readonly OutsideSource[];
}

/** What `pulumi up` would do, from both runs' mandatory findings. */
export interface PulumiUp {
    /**
     * `preview-fails`: its preview has a mandatory violation, so the update never starts; `update-stops`: the
     * update stops at a resource's mandatory Analyze violation, before creating it; `fails-after-update`: every
     * resource is created, then a stack policy's mandatory violation fails the update; `succeeds`.
     */
    readonly outcome: "preview-fails" | "update-stops" | "fails-after-update" | "succeeds";
    /**
     * The first registration, in the simulated run's order, with a mandatory violation from Analyze: where the
     * update stops (once the preview passes, when it does not yet).
     */
    readonly stopsAt?: { readonly urn: string; readonly resourceType: string; readonly policies: readonly string[] };
}

/** The simulated deployment: its findings, or why it stopped. */
export interface SimulationReport {
    /** `completed`: the program ran and was analyzed as `pulumi up` would; `stopped`: see `reason`. */
    readonly status: "completed" | "stopped";
    /** Why the simulation stopped (the program needed a value the simulation cannot invent, or it failed). */
    readonly reason?: string;
    readonly resources: readonly RecordedResource[];
    readonly violations: Finding[];
    readonly waived: Finding[];
    readonly undecided: Finding[];
    readonly notes: readonly ProgramNote[];
    readonly packLogs: readonly PackLog[];
    /** What `pulumi up` would do (when completed). */
    readonly up?: PulumiUp;
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
    /** The simulated deployment; undefined with --no-simulate. Top-level findings are the preview's. */
    readonly simulation?: SimulationReport;
}

/** `can't run policy ... during preview` diagnostics: @pulumi/policy's answer to an unknown input. */
export function isUndecided(d: Diagnostic): boolean {
    return d.enforcementLevel === "advisory" && /^can't run policy '.*' during preview: /s.test(d.message);
}

/** Sorts diagnostics into violations, waivers and undecided findings (of the run `run`). */
export function classify(
    diags: readonly (Diagnostic & { readonly phase?: "resource" | "stack" })[],
    resources: readonly RecordedResource[],
    run: RunName = "preview",
): { violations: Finding[]; waived: Finding[]; undecided: Finding[] } {
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
            run,
            ...(d.phase !== undefined ? { phase: d.phase } : {}),
        };
        if (d.policy === WAIVERS_POLICY) waived.push(f);
        else if (isUndecided(d)) undecided.push(f);
        else violations.push(f);
    }
    const order = (a: Finding, b: Finding): number =>
        a.policyPack.localeCompare(b.policyPack) || a.policy.localeCompare(b.policy) || a.urn.localeCompare(b.urn) || a.message.localeCompare(b.message);
    return { violations: violations.sort(order), waived: waived.sort(order), undecided: undecided.sort(order) };
}

/** The preview's mandatory violations. */
export function mandatoryCount(r: GateReport): number {
    return r.violations.filter((v) => v.enforcementLevel === "mandatory").length;
}

/** The simulated deployment's mandatory violations (0 when it did not run or stopped: the preview's verdict stands). */
export function simulationMandatoryCount(r: GateReport): number {
    const s = r.simulation;
    return s === undefined || s.status !== "completed" ? 0 : s.violations.filter((v) => v.enforcementLevel === "mandatory").length;
}

/** 1 on a mandatory violation in either run. */
export function exitCode(r: GateReport): 0 | 1 {
    return mandatoryCount(r) > 0 || simulationMandatoryCount(r) > 0 ? 1 : 0;
}

/** The JSON summary: the preview's counts, and `passed` for the verdict of both runs (exit code 0). */
export function summary(r: GateReport) {
    const mandatory = mandatoryCount(r);
    return {
        resources: r.resources.length,
        policies: r.packs.reduce((n, p) => n + p.policies.length, 0),
        mandatory,
        advisory: r.violations.length - mandatory,
        waived: r.waived.length,
        undecided: r.undecided.length,
        passed: exitCode(r) === 0,
    };
}

/** The simulated deployment's counts (when it completed). */
export function simulationSummary(s: SimulationReport) {
    const mandatory = s.violations.filter((v) => v.enforcementLevel === "mandatory").length;
    return { resources: s.resources.length, mandatory, advisory: s.violations.length - mandatory, waived: s.waived.length, undecided: s.undecided.length };
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
