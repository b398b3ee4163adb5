/** The text rendering, grouped by pack and policy like the CLI's "Policies:" section. */
import * as path from "path";
import { remoteComponents, summary, type GateReport } from "./verdict";

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
    const remote = remoteComponents(r);
    const opaque = remote.filter((c) => !c.constructed);
    const defaults = r.defaultProviders ?? [];
    out.push(
        "",
        `Resources: ${s.resources}. Policies: ${s.policies} in ${r.packs.length} pack(s). ` +
            `Violations: ${s.mandatory} mandatory, ${s.advisory} advisory. Waived: ${s.waived}. Undecided: ${s.undecided}.`,
        ...(defaults.length > 0
            ? [`Default providers: ${defaults.length} (${defaults.map((d) => `${d.type}::${d.name}`).join(", ")}), analyzed as the engine registers them; not counted in Resources.`]
            : []),
        ...(remote.length > 0 ? [`Remote components: ${remote.length - opaque.length} constructed by their provider plugin, ${opaque.length} not analyzed inside.`] : []),
        ...(opaque.length > 0
            ? [`Analysis PARTIAL: ${opaque.map((c) => c.urn).join(", ")} not analyzed inside (see the warnings above; --fail-on-partial exits 2).`]
            : []),
        s.passed ? "Policy gate passed: no mandatory violation." : `Policy gate FAILED: ${s.mandatory} mandatory violation(s).`,
    );
    return out.join("\n") + "\n";
}

