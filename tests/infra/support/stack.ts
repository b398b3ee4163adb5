/**
 * Builds a whole stack (the real Pulumi.<stack>.yaml, the real loader, every layer) under Pulumi mocks and
 * attributes its resources to layers. Used by the stack-wide specs (tests/infra/stacks.spec.ts, urns.spec.ts,
 * e2ee-invariant.spec.ts, tests/policies/infra-stacks.spec.ts) and scripts/resource-counts.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "../../../infra/config";
import { LAYER_NAMES, LayerName, Pipeline, createPipeline } from "../../../infra/pipeline";
import { Created, MockOptions, created, readStackConfig, settle, startMocks, stubCode } from "./harness";

export interface BuiltStack {
    readonly stack: string;
    readonly pipeline: Pipeline;
    /** Every resource registered (components and custom resources), in registration order. */
    readonly resources: readonly Created[];
}

const cache = new Map<string, BuiltStack>();

/**
 * `buildStack` once per stack and process: the result is a plain record of what was registered, so specs that only
 * read it share one build.
 */
export async function builtStack(stack: string): Promise<BuiltStack> {
    const hit = cache.get(stack);
    if (hit) return hit;
    const built = await buildStack(stack);
    cache.set(stack, built);
    return built;
}

export async function buildStack(stack: string, options: MockOptions = {}): Promise<BuiltStack> {
    await startMocks(stack, options);
    pulumi.runtime.setAllConfig(readStackConfig(stack));
    const pipeline = createPipeline(loadConfig(), { functionCode: stubCode });
    await settle();
    return { stack, pipeline, resources: [...created] };
}

/** The layer a resource belongs to: its logical name is `<layer>` or starts with `<layer>-`; else `(top level)`. */
export function layerOf(resourceName: string): LayerName | "(top level)" {
    for (const layer of LAYER_NAMES) {
        if (resourceName === layer || resourceName.startsWith(`${layer}-`)) return layer;
    }
    return "(top level)";
}

export type LayerCounts = Record<LayerName | "(top level)", number>;

/** Custom (cloud / Kubernetes) resources per layer; the layer components themselves are not counted. */
export function countByLayer(resources: readonly Created[]): LayerCounts {
    const counts = Object.fromEntries([...LAYER_NAMES, "(top level)"].map((l) => [l, 0])) as LayerCounts;
    for (const r of resources) {
        if (r.custom) counts[layerOf(r.name)] += 1;
    }
    return counts;
}

/** A fixed-width table: one row per layer, one column per stack, plus totals. */
export function formatCountTable(perStack: Readonly<Record<string, LayerCounts>>): string {
    const stacks = Object.keys(perStack);
    const rows: string[][] = [["layer", ...stacks]];
    const layers = [...LAYER_NAMES, "(top level)"] as const;
    for (const layer of layers) {
        if (layer === "(top level)" && stacks.every((s) => perStack[s][layer] === 0)) continue;
        rows.push([layer, ...stacks.map((s) => String(perStack[s][layer]))]);
    }
    rows.push(["total", ...stacks.map((s) => String(Object.values(perStack[s]).reduce((a, b) => a + b, 0)))]);
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    const line = (r: string[]): string => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
    const sep = `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
    return [line(rows[0]), sep, ...rows.slice(1).map(line)].join("\n");
}
