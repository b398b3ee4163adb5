/** The SARIF 2.1.0 rendering for code scanning. */
import { createHash } from "crypto";
import * as path from "path";
import type * as sarif from "sarif";
import type { PolicyInfo, Severity } from "../shared/types";
import type { Finding, GateReport } from "./verdict";

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
