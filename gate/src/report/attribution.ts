/**
 * What the simulated deployment's findings rest on, and what `pulumi up` would do (docs/gate.md, "Simulated
 * deployment"):
 * - **synthetic values**: a finding the preview did not report lists the synthetic outputs that reached its
 *   resource. Candidates are the synthesized outputs of the resources in the resource's dependency closure (its
 *   dependencies and property dependencies, transitively: the resources whose values flowed into its inputs);
 *   one is listed when its value occurs in what the policy saw: the resource's inputs (an Analyze finding) or
 *   outputs (an AnalyzeStack finding), as a whole string value, or inside one (an ARN in a policy document) when
 *   it has at least 12 characters. An AnalyzeStack finding that no upstream value reached lists the resource's
 *   own synthesized outputs (the policy read its outputs).
 * - **outside sources**: an undecided finding names where its unknowns came from. For the resource's
 *   properties holding an unknown: the outside values recorded on the property (secret config, invokes with no
 *   offline answer), the reads (`get`) among its property's dependencies, and, for a dependency holding
 *   unknowns itself, that dependency's sources (transitively). An AnalyzeStack finding whose resource holds no
 *   unknown (or a stack-level one) names every source whose unknowns reached a resource of the run.
 * - **pulumi up**: its preview fails on a preview mandatory violation; otherwise the update stops at the first
 *   registration (in the simulated order) with a mandatory Analyze violation; otherwise a mandatory AnalyzeStack
 *   violation fails it after every resource was created; otherwise it succeeds.
 */
import { UNKNOWN_STRING } from "../shared/analyzer-properties";
import type { Json, OutsideSource, RecordedResource } from "../shared/types";
import type { Finding, PulumiUp, SyntheticValue } from "./verdict";

/** Shorter values match only as a whole string value (an ID, a name), longer ones inside strings too. */
const SUBSTRING_MIN = 12;

function strings(v: Json | undefined, out: string[] = []): string[] {
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) for (const x of v) strings(x, out);
    else if (v !== null && typeof v === "object") for (const x of Object.values(v)) strings(x, out);
    return out;
}

function getPath(obj: Record<string, Json> | undefined, path: string): Json | undefined {
    let cur: Json | undefined = obj;
    for (const k of path.split(".")) cur = cur !== null && typeof cur === "object" && !Array.isArray(cur) ? cur[k] : undefined;
    return cur;
}

function containsUnknown(v: Json | undefined): boolean {
    return strings(v).some((s) => s === UNKNOWN_STRING);
}

/** The resources whose values flowed into `r`'s inputs: dependencies and property dependencies, transitively. */
export function dependencyClosure(r: RecordedResource, byUrn: ReadonlyMap<string, RecordedResource>): RecordedResource[] {
    const seen = new Set<string>([r.urn]);
    const out: RecordedResource[] = [];
    const queue = [r];
    while (queue.length > 0) {
        const cur = queue.shift() as RecordedResource;
        for (const u of [...cur.dependencies, ...Object.values(cur.propertyDependencies).flat()]) {
            if (seen.has(u)) continue;
            seen.add(u);
            const d = byUrn.get(u);
            if (d === undefined) continue;
            out.push(d);
            queue.push(d);
        }
    }
    return out;
}

/**
 * A resource's synthesized string outputs that `test` accepts, one entry per value (the outputs holding it
 * together, e.g. a key's `id` and `keyId`); a value found only inside a longer one of the same resource that was
 * found too (a key's ID inside its ARN) is left out.
 */
function valuesOf(u: RecordedResource, test: (v: string) => boolean, haystack: readonly string[]): SyntheticValue[] {
    const byValue = new Map<string, string[]>();
    for (const path of u.synthesized ?? []) {
        const v = getPath(u.outputs, path);
        if (typeof v !== "string" || v === UNKNOWN_STRING || !test(v)) continue;
        const paths = byValue.get(v);
        if (paths === undefined) byValue.set(v, [path]);
        else paths.push(path);
    }
    const values = [...byValue.keys()];
    const inside = (v: string): boolean => {
        const longer = values.filter((w) => w.length > v.length && w.includes(v));
        return longer.length > 0 && haystack.length > 0 && haystack.every((s) => !longer.reduce((rest, w) => rest.split(w).join(""), s).includes(v));
    };
    return values.filter((v) => !inside(v)).map((v) => ({ urn: u.urn, resourceType: u.type, name: u.name, paths: byValue.get(v) as string[], value: v }));
}

/** The synthetic values a finding of the simulated deployment depended on (the rule in the module comment). */
export function syntheticValuesOf(f: Finding, byUrn: ReadonlyMap<string, RecordedResource>): SyntheticValue[] {
    const r = byUrn.get(f.urn);
    if (r === undefined) return [];
    const seen = f.phase === "stack" ? (r.outputs ?? r.properties) : r.properties;
    const haystack = strings(seen);
    const whole = new Set(haystack);
    const found = (v: string): boolean => whole.has(v) || (v.length >= SUBSTRING_MIN && haystack.some((s) => s.includes(v)));
    const upstream = dependencyClosure(r, byUrn).flatMap((u) => valuesOf(u, found, haystack));
    if (upstream.length > 0 || f.phase !== "stack") return upstream;
    return valuesOf(r, () => true, []);
}

function sourceKey(s: OutsideSource): string {
    return `${s.kind}\u0000${s.name}`;
}

/** Where the unknowns of a resource's inputs (or outputs) came from, memoized per resource. */
export class OutsideSources {
    private readonly memo = new Map<string, OutsideSource[]>();

    constructor(private readonly byUrn: ReadonlyMap<string, RecordedResource>) {}

    of(r: RecordedResource): OutsideSource[] {
        const cached = this.memo.get(r.urn);
        if (cached !== undefined) return cached;
        this.memo.set(r.urn, []); // a cycle adds nothing
        const found = new Map<string, OutsideSource>();
        const add = (s: OutsideSource): void => void found.set(sourceKey(s), s);
        if (r.read) add({ kind: "read", name: r.urn });
        const values = { ...r.properties, ...(r.outputs ?? {}) };
        for (const [p, v] of Object.entries(values)) {
            if (!containsUnknown(v)) continue;
            for (const s of r.outside?.[p] ?? []) add(s);
            for (const u of r.propertyDependencies[p] ?? r.dependencies) {
                const d = this.byUrn.get(u);
                if (d === undefined) continue;
                if (d.read) add({ kind: "read", name: d.urn });
                else if (containsUnknown({ ...d.properties, ...(d.outputs ?? {}) })) for (const s of this.of(d)) add(s);
            }
        }
        const out = [...found.values()].sort((a, b) => sourceKey(a).localeCompare(sourceKey(b)));
        this.memo.set(r.urn, out);
        return out;
    }

    /** Every source whose unknowns reached a resource of the run. */
    all(resources: readonly RecordedResource[]): OutsideSource[] {
        const found = new Map<string, OutsideSource>();
        for (const r of resources) for (const s of this.of(r)) found.set(sourceKey(s), s);
        return [...found.values()].sort((a, b) => sourceKey(a).localeCompare(sourceKey(b)));
    }
}

/** The outside sources of an undecided finding of the simulated deployment (the rule in the module comment). */
export function outsideSourcesOf(f: Finding, sources: OutsideSources, resources: readonly RecordedResource[], byUrn: ReadonlyMap<string, RecordedResource>): OutsideSource[] {
    const r = byUrn.get(f.urn);
    const own = r !== undefined ? sources.of(r) : [];
    if (own.length > 0 || (f.phase !== "stack" && r !== undefined)) return own;
    return sources.all(resources);
}

function key(f: Finding): string {
    return `${f.policyPack}\u0000${f.policy}\u0000${f.urn}\u0000${f.message}`;
}

/** The simulated deployment's findings with what they rest on: `inPreview`, `syntheticValues`, `outsideSources`. */
export function annotate(
    deploy: { violations: Finding[]; waived: Finding[]; undecided: Finding[] },
    preview: { readonly violations: readonly Finding[]; readonly waived: readonly Finding[]; readonly undecided: readonly Finding[] },
    resources: readonly RecordedResource[],
): { violations: Finding[]; waived: Finding[]; undecided: Finding[] } {
    const previewKeys = new Set([...preview.violations, ...preview.waived, ...preview.undecided].map(key));
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const sources = new OutsideSources(byUrn);
    const one = (f: Finding, undecided: boolean): Finding => {
        const inPreview = previewKeys.has(key(f));
        return {
            ...f,
            inPreview,
            ...(inPreview ? {} : { syntheticValues: syntheticValuesOf(f, byUrn) }),
            ...(undecided ? { outsideSources: outsideSourcesOf(f, sources, resources, byUrn) } : {}),
        };
    };
    return {
        violations: deploy.violations.map((f) => one(f, false)),
        waived: deploy.waived.map((f) => one(f, false)),
        undecided: deploy.undecided.map((f) => one(f, true)),
    };
}

/** What `pulumi up` would do (the rule in the module comment). */
export function pulumiUp(previewMandatory: number, violations: readonly Finding[], resources: readonly RecordedResource[]): PulumiUp {
    const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory");
    const order = new Map(resources.map((r, i) => [r.urn, i]));
    const perResource = mandatory.filter((v) => v.phase === "resource" && order.has(v.urn));
    let stopsAt: PulumiUp["stopsAt"];
    if (perResource.length > 0) {
        const first = perResource.reduce((a, b) => ((order.get(b.urn) as number) < (order.get(a.urn) as number) ? b : a));
        const policies = [...new Set(perResource.filter((v) => v.urn === first.urn).map((v) => v.policy))].sort();
        stopsAt = { urn: first.urn, resourceType: first.resourceType, policies };
    }
    const outcome: PulumiUp["outcome"] =
        previewMandatory > 0 ? "preview-fails" : stopsAt !== undefined ? "update-stops" : mandatory.length > 0 ? "fails-after-update" : "succeeds";
    return { outcome, ...(stopsAt !== undefined ? { stopsAt } : {}) };
}
