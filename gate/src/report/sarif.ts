/** The SARIF 2.1.0 rendering for code scanning. */
import { createHash } from "crypto";
import * as path from "path";
import type * as sarif from "sarif";
import type { PolicyInfo, ProgramNote, Severity } from "../shared/types";
import type { PackLog } from "../packs/engine";
import { describeSource, describeSynthetic } from "./text";
import { isPartial, type Finding, type GateReport, type RunName } from "./verdict";

const SECURITY_SEVERITY: Record<Exclude<Severity, "">, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };

export function fingerprint(policyPack: string, policy: string, urn: string): string {
    return createHash("sha256").update(`${policyPack}\u0000${policy}\u0000${urn}`).digest("hex");
}

/** A waiver the pack reported (policy-waivers-applied): the policy it waived and the waiver's reason. */
export interface ParsedWaiver {
    readonly policy: string;
    readonly reason: string;
}

/**
 * Reads the waived policy and the reason from a `policy-waivers-applied` message (the pack's description, a
 * newline, then the report line). Two wordings are understood: our pack's
 * `policy "<policy>" is waived for <resource> until <date> (<reason>); suppressed violation: <message>` and the
 * shorter `<policy> waived until <date>: <reason>`. undefined when the message is in neither.
 */
export function parseWaiver(message: string): ParsedWaiver | undefined {
    for (const line of message.split("\n")) {
        const a = /^policy "([^"]+)" is waived for .+? until \S+ \((.*?)\); suppressed violation: /.exec(line);
        if (a !== null) return { policy: a[1] as string, reason: a[2] as string };
        const b = /^(\S+) waived until \S+: (.+)$/.exec(line);
        if (b !== null) return { policy: b[1] as string, reason: b[2] as string };
    }
    return undefined;
}

/** A rule's short description: a sentence, the first line of the policy's (one-line) description. */
export function shortDescription(pol: PolicyInfo): string {
    const first = pol.description.split("\n")[0]?.trim() ?? "";
    if (first !== "") return first;
    return `${pol.displayName !== "" ? pol.displayName : pol.name}.`;
}

const NOTIFICATIONS = [
    { id: "remote-component-not-analyzed", text: "A remote component whose provider plugin did not construct it: its children were not analyzed (the analysis is partial)." },
    { id: "remote-component-constructed", text: "A remote component constructed by its provider plugin: its children were analyzed." },
    { id: "program-note", text: "A note from running the program (an invoke answered generically, a read, a plugin's log)." },
    { id: "policy-pack-output", text: "Output of a policy pack (its log messages, stdout and stderr)." },
    { id: "simulated-deployment-stopped", text: "The simulated deployment stopped (the program needed a value the simulation cannot invent): the preview's verdict stands." },
] as const;

function notificationLevel(level: string): sarif.Notification.level {
    return level === "error" ? "error" : level === "warning" ? "warning" : "note";
}

/**
 * SARIF 2.1.0 for GitHub code scanning. `repoRoot`: source files are given relative to it.
 * Undecided findings are emitted with level "note"; waivers as results of the waived policy with an external
 * suppression (the waiver's reason as justification); notes and pack output as tool execution notifications.
 * The preview is the first run (category `pulumi-policy-gate/<project>/<stack>`); a completed simulated
 * deployment is a second run of its own category (`.../<stack>/deploy`), so code scanning tracks each run's
 * alerts apart (a finding can be undecided in one and a violation in the other under the same fingerprint).
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
                shortDescription: { text: shortDescription(pol) },
                fullDescription: { text: pol.description !== "" ? pol.description : pol.name },
                ...(pol.remediationSteps !== "" ? { help: { text: pol.remediationSteps, markdown: pol.remediationSteps } } : {}),
                ...(pol.url !== "" ? { helpUri: pol.url } : {}),
                defaultConfiguration: { level },
                properties: props,
            });
        }
    }
    const fallbackFile = path.relative(repoRoot, path.join(r.projectDir, "Pulumi.yaml")).split(path.sep).join("/");
    const result = (f: Finding, level: sarif.Result.level, policy = f.policy): sarif.Result => {
        const id = `${f.policyPack}/${policy}`;
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
            partialFingerprints: { "pulumiPolicyGate/v1": fingerprint(f.policyPack, policy, f.urn) },
            properties: {
                enforcementLevel: f.enforcementLevel,
                resourceType: f.resourceType,
                stack: r.stack,
                run: f.run,
                ...(f.run === "deploy" ? { phase: f.phase ?? "resource", inPreview: f.inPreview === true } : {}),
                ...(f.syntheticValues !== undefined ? { syntheticValues: f.syntheticValues } : {}),
                ...(f.outsideSources !== undefined ? { outsideSources: f.outsideSources } : {}),
            },
        };
    };
    /** The message with what a simulated deployment's finding rests on. */
    const withBasis = (f: Finding): Finding => {
        const extra: string[] = [];
        if (f.syntheticValues !== undefined && f.inPreview !== true && f.syntheticValues.length > 0) {
            extra.push(`found with synthetic values: ${describeSynthetic(f.syntheticValues)}`);
        }
        if (f.outsideSources !== undefined) {
            extra.push(`from: ${f.outsideSources.length > 0 ? f.outsideSources.map(describeSource).join("; ") : "no value from outside the program reached it"}`);
        }
        return extra.length === 0 ? f : { ...f, message: `${f.message}\n${extra.join("\n")}` };
    };
    // A waiver is the waived policy's result, suppressed: the same rule and fingerprint as the violation it
    // stands for, so code scanning shows that alert as suppressed rather than fixed.
    const waiver = (w: Finding): sarif.Result => {
        const parsed = parseWaiver(w.message);
        const waivedPolicy = parsed !== undefined && policyInfo.has(`${w.policyPack}/${parsed.policy}`) ? parsed.policy : w.policy;
        const pol = policyInfo.get(`${w.policyPack}/${waivedPolicy}`);
        const level = pol?.enforcementLevel === "mandatory" || pol?.enforcementLevel === "remediate" ? "error" : "warning";
        // The message without the waivers policy's own description line, which would read as the waived rule's.
        const desc = policyInfo.get(`${w.policyPack}/${w.policy}`)?.description;
        const lines = w.message.split("\n");
        const message = desc !== undefined && lines.length > 1 && lines[0] === desc ? lines.slice(1).join("\n") : w.message;
        const base = result({ ...w, message }, level, waivedPolicy);
        return {
            ...base,
            properties: { ...base.properties, enforcementLevel: level === "error" ? "mandatory" : "advisory", waived: true },
            suppressions: [{ kind: "external", status: "accepted", justification: parsed?.reason ?? message }],
        };
    };
    const results = (found: { readonly violations: readonly Finding[]; readonly waived: readonly Finding[]; readonly undecided: readonly Finding[] }): sarif.Result[] => [
        ...found.violations.map((v) => result(withBasis(v), v.enforcementLevel === "mandatory" ? "error" : "warning")),
        ...found.undecided.map((u) => result(withBasis(u), "note")),
        ...found.waived.map(waiver),
    ];
    const descriptor = (id: (typeof NOTIFICATIONS)[number]["id"]): sarif.ReportingDescriptorReference => ({ id, index: NOTIFICATIONS.findIndex((n) => n.id === id) });
    const notifications = (notes: readonly ProgramNote[], packLogs: readonly PackLog[]): sarif.Notification[] => [
        ...notes.map((n): sarif.Notification => {
            const rc = n.remoteComponent;
            return {
                level: notificationLevel(n.level),
                message: { text: n.message },
                descriptor: descriptor(rc === undefined ? "program-note" : rc.constructed ? "remote-component-constructed" : "remote-component-not-analyzed"),
                ...(rc !== undefined
                    ? {
                          locations: [{ logicalLocations: [{ fullyQualifiedName: rc.urn, name: rc.urn.slice(rc.urn.lastIndexOf("::") + 2), kind: "resource" }] }],
                          properties: { remoteComponent: rc },
                      }
                    : {}),
            };
        }),
        ...packLogs.map((l): sarif.Notification => ({ level: notificationLevel(l.severity), message: { text: `[policy pack ${l.pack}] ${l.message}` }, descriptor: descriptor("policy-pack-output") })),
    ];
    const sim = r.simulation;
    const stopped: sarif.Notification[] =
        sim?.status === "stopped" ? [{ level: "warning", message: { text: `the simulated deployment stopped: ${sim.reason ?? ""}` }, descriptor: descriptor("simulated-deployment-stopped") }] : [];
    const run = (name: RunName, res: sarif.Result[], notes: sarif.Notification[]): sarif.Run => ({
        tool: {
            driver: {
                name: "pulumi-policy-gate",
                version: toolVersion,
                informationUri: "https://www.pulumi.com/docs/iac/using-pulumi/crossguard/",
                rules,
                notifications: NOTIFICATIONS.map((n) => ({ id: n.id, shortDescription: { text: n.text } })),
            },
        },
        invocations: [{ executionSuccessful: true, toolExecutionNotifications: notes, properties: { partial: isPartial(r) } }],
        automationDetails: { id: `pulumi-policy-gate/${r.project}/${r.stack}/${name === "deploy" ? "deploy/" : ""}` },
        originalUriBaseIds: { "%SRCROOT%": { uri: "file://" + repoRoot.split(path.sep).join("/").replace(/\/?$/, "/") } },
        results: res,
    });
    return {
        $schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [
            run("preview", results(r), [...notifications(r.notes, r.packLogs), ...stopped]),
            ...(sim?.status === "completed" ? [run("deploy", results(sim), notifications(sim.notes, sim.packLogs))] : []),
        ],
    };
}
