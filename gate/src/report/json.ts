/** The JSON rendering: the stable contract in docs/gate.md. */
import * as path from "path";
import { isPartial, JSON_SCHEMA_VERSION, simulationSummary, summary, type Finding, type GateReport } from "./verdict";

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
        run: x.run,
        ...(x.run === "deploy"
            ? {
                  phase: x.phase ?? "resource",
                  inPreview: x.inPreview === true,
                  ...(x.syntheticValues !== undefined ? { syntheticValues: x.syntheticValues } : {}),
                  ...(x.outsideSources !== undefined ? { outsideSources: x.outsideSources } : {}),
              }
            : {}),
    });
    const note = (n: GateReport["notes"][number]) => ({ level: n.level, message: n.message, ...(n.remoteComponent !== undefined ? { remoteComponent: n.remoteComponent } : {}) });
    const s = r.simulation;
    return {
        schemaVersion: JSON_SCHEMA_VERSION,
        project: r.project,
        stack: r.stack,
        resources: r.resources.length,
        defaultProviders: r.defaultProviders?.length ?? 0,
        policyPacks: r.packs.map((p) => ({ name: p.name, version: p.version })),
        violations: r.violations.map(f),
        waived: r.waived.map(f),
        undecided: r.undecided.map(f),
        notes: r.notes.map(note),
        partial: isPartial(r),
        simulation:
            s === undefined
                ? { status: "off" as const }
                : s.status === "stopped"
                  ? { status: s.status, reason: s.reason ?? "" }
                  : {
                        status: s.status,
                        resources: s.resources.length,
                        violations: s.violations.map(f),
                        waived: s.waived.map(f),
                        undecided: s.undecided.map(f),
                        notes: s.notes.map(note),
                        pulumiUp: s.up,
                        summary: simulationSummary(s),
                    },
        summary: summary(r),
    };
}
