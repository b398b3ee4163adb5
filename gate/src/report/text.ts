/** The text rendering, grouped by pack and policy like the CLI's "Policies:" section. */
import * as path from "path";
import type { OutsideSource } from "../shared/types";
import { mandatoryCount, remoteComponents, simulationMandatoryCount, simulationSummary, summary, type Finding, type GateReport, type SimulationReport, type SyntheticValue } from "./verdict";

function indent(s: string, pad: string): string {
    return s
        .split("\n")
        .map((l) => pad + l)
        .join("\n");
}

/** An outside source as the report names it. */
export function describeSource(s: OutsideSource): string {
    return s.kind === "secret-config" ? `secret config '${s.name}'` : s.kind === "invoke" ? `invoke ${s.name} (no offline answer)` : `${s.name} (read with get)`;
}

/** The synthetic values a finding rests on, as the report names them. */
export function describeSynthetic(values: readonly SyntheticValue[]): string {
    return values.length > 0 ? values.map((v) => `${v.paths.join(" and ")} of ${v.resourceType} '${v.name}' (${v.value})`).join("; ") : "none reached it literally";
}

/** The violations of one run, grouped by pack and policy; `pad` indents the whole section. */
function policies(r: GateReport, violations: readonly Finding[], pad: string): string[] {
    const out: string[] = [];
    for (const p of r.packs) {
        const mine = violations.filter((v) => v.policyPack === p.name);
        const failed = mine.some((v) => v.enforcementLevel === "mandatory");
        out.push(`${pad}    ${failed ? "❌" : "✅"} ${p.name}@v${p.version} (local: ${p.dir})`);
        const names = [...new Set(mine.map((v) => v.policy))];
        for (const pol of names) {
            for (const v of mine.filter((x) => x.policy === pol)) {
                const res = v.urn === "" ? "" : `  (${v.resourceType}: ${v.urn.slice(v.urn.lastIndexOf("::") + 2)})`;
                out.push(`${pad}        - [${v.enforcementLevel}]  ${v.policy}${res}`);
                if (v.urn !== "") out.push(`${pad}          ${v.urn}`);
                if (v.source !== undefined) out.push(`${pad}          at ${path.relative(r.projectDir, v.source.file)}:${v.source.line}`);
                out.push(indent(v.message, `${pad}          `));
                if (v.syntheticValues !== undefined && v.inPreview !== true) {
                    out.push(`${pad}          found with synthetic values: ${describeSynthetic(v.syntheticValues)}`);
                }
            }
        }
    }
    return out;
}

function pulumiUpLine(s: SimulationReport): string {
    const up = s.up;
    if (up === undefined) return "";
    const at = up.stopsAt !== undefined ? `${up.stopsAt.urn} (${up.stopsAt.policies.join(", ")})` : "";
    switch (up.outcome) {
        case "preview-fails":
            return `pulumi up: its preview fails on the mandatory violations above, so the update does not start${at !== "" ? `; once they are fixed, the update would stop at ${at}, before creating it` : ""}.`;
        case "update-stops":
            return `pulumi up: the update would stop at ${at}, before creating it; resources registered before it may already be created, none that waits for it is.`;
        case "fails-after-update":
            return "pulumi up: every resource would be created, then the stack policies' mandatory violations fail the update.";
        default:
            return "pulumi up: would pass these policies.";
    }
}

function simulationSection(r: GateReport, s: SimulationReport): string[] {
    if (s.status === "stopped") {
        return ["", "Simulated deployment STOPPED (the preview's verdict stands):", indent(s.reason ?? "", "    ")];
    }
    const out = ["", "Simulated deployment (the program as `pulumi up` would deploy it, with synthetic outputs):"];
    // What the preview's notes and pack output already said is not repeated.
    const previewNotes = new Set(r.notes.map((n) => n.message));
    for (const n of s.notes) if (!previewNotes.has(n.message)) out.push(`    ${n.level}: ${n.message}`);
    const previewLogs = new Set(r.packLogs.map((l) => `${l.pack}\u0000${l.message}`));
    for (const l of s.packLogs) if (!previewLogs.has(`${l.pack}\u0000${l.message}`)) out.push(`    ${l.severity}: [policy pack ${l.pack}] ${l.message}`);
    out.push(...policies(r, s.violations, ""));
    if (s.waived.length > 0) {
        out.push("    Waived:");
        for (const w of s.waived) out.push(`        - ${w.urn === "" ? "(stack)" : w.urn}`, indent(w.message, "          "));
    }
    if (s.undecided.length > 0) {
        out.push("    Undecided after the simulated deployment (values from outside the program; advisory):");
        for (const u of s.undecided) {
            const from = (u.outsideSources ?? []).map(describeSource);
            out.push(`        - ${u.policy}  ${u.urn}`, indent(u.message, "          "), `          from: ${from.length > 0 ? from.join("; ") : "no value from outside the program reached it"}`);
        }
    }
    out.push(`    ${pulumiUpLine(s)}`);
    return out;
}

/** Text, grouped by pack and policy like the CLI's "Policies:" section; the simulated deployment after it. */
export function toText(r: GateReport): string {
    const out: string[] = [];
    for (const n of r.notes) out.push(`${n.level}: ${n.message}`);
    for (const l of r.packLogs) out.push(`${l.severity}: [policy pack ${l.pack}] ${l.message}`);
    if (out.length > 0) out.push("");
    out.push("Policies:");
    out.push(...policies(r, r.violations, ""));
    if (r.waived.length > 0) {
        out.push("", "Waived:");
        for (const w of r.waived) out.push(`    - ${w.urn === "" ? "(stack)" : w.urn}`, indent(w.message, "      "));
    }
    if (r.undecided.length > 0) {
        out.push("", "Undecided during preview (inputs unknown until deployment; advisory):");
        for (const u of r.undecided) out.push(`    - ${u.policy}  ${u.urn}`, indent(u.message, "      "));
    }
    const sim = r.simulation;
    if (sim !== undefined) out.push(...simulationSection(r, sim));
    const s = summary(r);
    const remote = remoteComponents(r);
    const opaque = remote.filter((c) => !c.constructed);
    let simLine: string[] = [];
    if (sim !== undefined) {
        if (sim.status === "stopped") simLine = ["Simulated deployment: stopped (see above); the verdict is the preview's."];
        else {
            const ss = simulationSummary(sim);
            simLine = [`Simulated deployment: ${ss.resources} resources. Violations: ${ss.mandatory} mandatory, ${ss.advisory} advisory. Waived: ${ss.waived}. Undecided: ${ss.undecided}.`];
        }
    }
    const preview = mandatoryCount(r);
    const deploy = simulationMandatoryCount(r);
    const defaults = r.defaultProviders ?? [];
    out.push(
        "",
        `Resources: ${s.resources}. Policies: ${s.policies} in ${r.packs.length} pack(s). ` +
            `Violations: ${s.mandatory} mandatory, ${s.advisory} advisory. Waived: ${s.waived}. Undecided: ${s.undecided}.`,
        ...simLine,
        ...(defaults.length > 0
            ? [`Default providers: ${defaults.length} (${defaults.map((d) => `${d.type}::${d.name}`).join(", ")}), analyzed as the engine registers them; not counted in Resources.`]
            : []),
        ...(remote.length > 0 ? [`Remote components: ${remote.length - opaque.length} constructed by their provider plugin, ${opaque.length} not analyzed inside.`] : []),
        ...(opaque.length > 0
            ? [`Analysis PARTIAL: ${opaque.map((c) => c.urn).join(", ")} not analyzed inside (see the warnings above; --fail-on-partial exits 2).`]
            : []),
        s.passed
            ? "Policy gate passed: no mandatory violation."
            : preview > 0
              ? `Policy gate FAILED: ${preview} mandatory violation(s).`
              : `Policy gate FAILED: ${deploy} mandatory violation(s) in the simulated deployment (what pulumi up would block).`,
    );
    return out.join("\n") + "\n";
}
