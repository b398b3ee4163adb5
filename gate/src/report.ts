/**
 * The gate's verdict and its three renderings: text (like the CLI's "Policies:" section), JSON (the stable
 * contract in docs/gate.md) and SARIF 2.1.0 for code scanning.
 */
import { createHash } from "crypto";
import * as path from "path";
import type * as sarif from "sarif";
import type { PackLog } from "./analyzer";
import type { Diagnostic, EnforcementLevel, PackInfo, PolicyInfo, ProgramNote, RecordedResource, Severity, SourceLocation } from "./types";

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
    readonly resources: readonly RecordedResource[];
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

function summary(r: GateReport) {
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

/** The JSON contract (docs/gate.md). */
export function toJson(r: GateReport) {
    const f = (x: Finding) => ({
        policyPack: x.policyPack,
        policy: x.policy,
        enforcementLevel: x.enforcementLevel,
        severity: x.severity === "" ? null : x.severity,
        urn: x.urn,
        resourceType: x.resourceType,
        message: x.message,
        source: x.source === undefined ? null : { file: path.relative(r.projectDir, x.source.file).split(path.sep).join("/"), line: x.source.line, column: x.source.column },
    });
    return {
        schemaVersion: JSON_SCHEMA_VERSION,
        project: r.project,
        stack: r.stack,
        resources: r.resources.length,
        policyPacks: r.packs.map((p) => ({ name: p.name, version: p.version })),
        violations: r.violations.map(f),
        waived: r.waived.map(f),
        undecided: r.undecided.map(f),
        notes: r.notes.map((n) => ({ level: n.level, message: n.message })),
        summary: summary(r),
    };
}

function indent(s: string, pad: string): string {
    return s
        .split("\n")
        .map((l) => pad + l)
        .join("\n");
}

/** Text, grouped by pack and policy like the CLI's "Policies:" section. */
export function toText(r: GateReport): string {
    const out: string[] = [];
    for (const n of r.notes) out.push(`${n.level}: ${n.message}`);
    for (const l of r.packLogs) out.push(`${l.severity}: [policy pack ${l.pack}] ${l.message}`);
    if (out.length > 0) out.push("");
    out.push("Policies:");
    for (const p of r.packs) {
        const mine = r.violations.filter((v) => v.policyPack === p.name);
        const failed = mine.some((v) => v.enforcementLevel === "mandatory");
        out.push(`    ${failed ? "❌" : "✅"} ${p.name}@v${p.version} (local: ${p.dir})`);
        const policies = [...new Set(mine.map((v) => v.policy))];
        for (const pol of policies) {
            for (const v of mine.filter((x) => x.policy === pol)) {
                const res = v.urn === "" ? "" : `  (${v.resourceType}: ${v.urn.slice(v.urn.lastIndexOf("::") + 2)})`;
                out.push(`        - [${v.enforcementLevel}]  ${v.policy}${res}`);
                if (v.urn !== "") out.push(`          ${v.urn}`);
                if (v.source !== undefined) out.push(`          at ${path.relative(r.projectDir, v.source.file)}:${v.source.line}`);
                out.push(indent(v.message, "          "));
            }
        }
    }
    if (r.waived.length > 0) {
        out.push("", "Waived:");
        for (const w of r.waived) out.push(`    - ${w.urn === "" ? "(stack)" : w.urn}`, indent(w.message, "      "));
    }
    if (r.undecided.length > 0) {
        out.push("", "Undecided during preview (inputs unknown until deployment; advisory):");
        for (const u of r.undecided) out.push(`    - ${u.policy}  ${u.urn}`, indent(u.message, "      "));
    }
    const s = summary(r);
    out.push(
        "",
        `Resources: ${s.resources}. Policies: ${s.policies} in ${r.packs.length} pack(s). ` +
            `Violations: ${s.mandatory} mandatory, ${s.advisory} advisory. Waived: ${s.waived}. Undecided: ${s.undecided}.`,
        s.passed ? "Policy gate passed: no mandatory violation." : `Policy gate FAILED: ${s.mandatory} mandatory violation(s).`,
    );
    return out.join("\n") + "\n";
}

const SECURITY_SEVERITY: Record<Exclude<Severity, "">, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };

export function fingerprint(policyPack: string, policy: string, urn: string): string {
    return createHash("sha256").update(`${policyPack}\u0000${policy}\u0000${urn}`).digest("hex");
}

/**
 * SARIF 2.1.0 for GitHub code scanning. `repoRoot`: source files are given relative to it.
 * Undecided findings are emitted with level "note"; waivers are not emitted (they are not problems).
 */
export function toSarif(r: GateReport, repoRoot: string, toolVersion: string): sarif.Log {
    const rules: sarif.ReportingDescriptor[] = [];
    const ruleIndex = new Map<string, number>();
    const policyInfo = new Map<string, PolicyInfo>();
    for (const p of r.packs) for (const pol of p.policies) policyInfo.set(`${p.name}/${pol.name}`, pol);
    for (const p of r.packs) {
        for (const pol of p.policies) {
            const id = `${p.name}/${pol.name}`;
            ruleIndex.set(id, rules.length);
            const level = pol.enforcementLevel === "mandatory" || pol.enforcementLevel === "remediate" ? "error" : pol.enforcementLevel === "disabled" ? "none" : "warning";
            const props: Record<string, unknown> = { tags: ["security", "pulumi-policy", ...pol.tags], precision: "high" };
            if (pol.severity !== "") props["security-severity"] = SECURITY_SEVERITY[pol.severity];
            if (pol.framework !== undefined) props["framework"] = pol.framework;
            rules.push({
                id,
                name: pol.name,
                shortDescription: { text: pol.displayName !== "" ? pol.displayName : pol.name },
                fullDescription: { text: pol.description !== "" ? pol.description : pol.name },
                ...(pol.remediationSteps !== "" ? { help: { text: pol.remediationSteps, markdown: pol.remediationSteps } } : {}),
                ...(pol.url !== "" ? { helpUri: pol.url } : {}),
                defaultConfiguration: { level },
                properties: props,
            });
        }
    }
    const fallbackFile = path.relative(repoRoot, path.join(r.projectDir, "Pulumi.yaml")).split(path.sep).join("/");
    const result = (f: Finding, level: sarif.Result.level): sarif.Result => {
        const id = `${f.policyPack}/${f.policy}`;
        const uri = f.source !== undefined ? path.relative(repoRoot, f.source.file).split(path.sep).join("/") : fallbackFile;
        const region: sarif.Region = f.source !== undefined ? { startLine: f.source.line, startColumn: f.source.column } : { startLine: 1 };
        return {
            ruleId: id,
            ...(ruleIndex.has(id) ? { ruleIndex: ruleIndex.get(id) } : {}),
            level,
            message: { text: f.urn === "" ? f.message : `${f.message}\n(resource ${f.urn})` },
            locations: [
                {
                    physicalLocation: { artifactLocation: { uri, uriBaseId: "%SRCROOT%" }, region },
                    ...(f.urn !== "" ? { logicalLocations: [{ fullyQualifiedName: f.urn, name: f.urn.slice(f.urn.lastIndexOf("::") + 2), kind: "resource" }] } : {}),
                },
            ],
            partialFingerprints: { "pulumiPolicyGate/v1": fingerprint(f.policyPack, f.policy, f.urn) },
            properties: { enforcementLevel: f.enforcementLevel, resourceType: f.resourceType, stack: r.stack },
        };
    };
    const results: sarif.Result[] = [
        ...r.violations.map((v) => result(v, v.enforcementLevel === "mandatory" ? "error" : "warning")),
        ...r.undecided.map((u) => result(u, "note")),
    ];
    return {
        $schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [
            {
                tool: { driver: { name: "pulumi-policy-gate", version: toolVersion, informationUri: "https://www.pulumi.com/docs/iac/using-pulumi/crossguard/", rules } },
                automationDetails: { id: `pulumi-policy-gate/${r.project}/${r.stack}/` },
                originalUriBaseIds: { "%SRCROOT%": { uri: "file://" + repoRoot.split(path.sep).join("/").replace(/\/?$/, "/") } },
                results,
            },
        ],
    };
}
