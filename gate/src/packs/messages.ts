/**
 * The protobuf messages the engine sends analyzers for each recorded resource (Analyze) and for the whole stack
 * (AnalyzeStack): properties, options and the resource's provider, built as the engine builds them
 * (pulumi/pulumi pkg/resource/deploy step_generator.go and pkg/resource/plugin/analyzer_plugin.go, in our words):
 * - Analyze gets a registration's inputs; a resource read with `get` gets no Analyze call (reads are not
 *   analyzed), only its place in AnalyzeStack;
 * - AnalyzeStack gets every resource with its outputs: a component's and the root stack's are what they
 *   registered (`registerOutputs`), a custom resource's are what the monitor answered (its inputs, during a
 *   preview);
 * - properties are marshalled for analyzers (shared/analyzer-properties.ts): resource references as IDs or URNs,
 *   every unknown as the unknown string, secrets kept;
 * - options: protect, ignoreChanges, deleteBeforeReplace (and whether it was set), additionalSecretOutputs,
 *   parent, and customTimeouts always present (zeros when none were given); aliases only list the alias through
 *   which the resource matched one in the stack's state, so with no state (a first preview, the gate) none;
 * - the provider: the resource's provider with its inputs, or the default provider for a custom resource without
 *   one: the default provider the program host recorded for it (host/default-providers.ts), a resource of its
 *   own that is analyzed too and listed in AnalyzeStack; for a record without one, the description the engine
 *   would give it (`pulumi:providers:<pkg>::default[_<version>]`, its inputs the stack's `<pkg>:*` config and
 *   the requested `version`);
 * - AnalyzeStack's property dependencies leave out properties that depend on nothing.
 */
import type * as analyzerpbT from "@pulumi/pulumi/proto/analyzer_pb";
import { analyzerProperties } from "../shared/analyzer-properties";
import { defaultProviderName } from "../shared/default-providers";
import type { Json, RecordedResource } from "../shared/types";
import { analyzerpb } from "./proto";
import { encodeAnalyzeRequest, encodeAnalyzeStackRequest, encodeStruct, type EncodedStruct, type WireOptions, type WireProvider, type WireStackResource } from "./wire";

/** An Analyze call: the resource's URN and the request's protobuf bytes (packs/wire.ts). */
export interface AnalyzeCall {
    readonly urn: string;
    readonly bytes: Uint8Array;
}

const EMPTY_STRUCT: EncodedStruct = new Uint8Array(0);

/** Protobuf messages for every resource; a resource's inputs are encoded once and shared by Analyze and AnalyzeStack. */
export class ResourceMessages {
    private readonly inputStructs = new Map<string, EncodedStruct>();
    private readonly byUrn = new Map<string, RecordedResource>();
    readonly resources: RecordedResource[] = [];

    constructor(
        resources: readonly RecordedResource[],
        private readonly stackConfig: Record<string, string>,
    ) {
        for (const r of resources) this.add(r);
    }

    /** Adds a resource (registrations arrive while the program runs; providers before their users). */
    add(r: RecordedResource): void {
        this.resources.push(r);
        this.byUrn.set(r.urn, r);
    }

    /** A resource's inputs as analyzers get them (Analyze, and a provider's properties). */
    private inputs(r: RecordedResource): EncodedStruct {
        let s = this.inputStructs.get(r.urn);
        if (s === undefined) {
            s = encodeStruct(analyzerProperties(r.properties));
            this.inputStructs.set(r.urn, s);
        }
        return s;
    }

    /** A resource's outputs as AnalyzeStack gets them. */
    private outputs(r: RecordedResource): EncodedStruct {
        if (r.outputs !== undefined) return encodeStruct(analyzerProperties(r.outputs));
        return r.custom ? this.inputs(r) : EMPTY_STRUCT;
    }

    private options(r: RecordedResource): WireOptions {
        const ct = r.options.customTimeouts;
        return {
            protect: r.options.protect,
            ignoreChanges: r.options.ignoreChanges,
            ...(r.options.deleteBeforeReplace !== undefined ? { deleteBeforeReplace: r.options.deleteBeforeReplace } : {}),
            additionalSecretOutputs: r.options.additionalSecretOutputs,
            aliases: [],
            parent: r.parent,
            customTimeouts: { create: ct?.create ?? 0, update: ct?.update ?? 0, delete: ct?.delete ?? 0, read: ct?.read ?? 0 },
        };
    }

    /**
     * The resource's provider as the engine describes it: the explicit provider resource, or for a custom
     * resource without one, the default provider `pulumi:providers:<pkg>::default[_<version>]` whose
     * properties are the stack's `<pkg>:*` config.
     */
    private provider(r: RecordedResource): WireProvider | undefined {
        if (r.provider !== "") {
            const urn = r.provider.slice(0, r.provider.lastIndexOf("::"));
            const p = this.byUrn.get(urn);
            if (p === undefined) return undefined;
            return { urn: p.urn, type: p.type, name: p.name, properties: this.inputs(p) };
        }
        if (!r.custom || r.type.startsWith("pulumi:providers:")) return undefined;
        const recorded = r.defaultProvider !== undefined ? this.byUrn.get(r.defaultProvider) : undefined;
        if (recorded !== undefined) return { urn: recorded.urn, type: recorded.type, name: recorded.name, properties: this.inputs(recorded) };
        const pkg = r.type.split(":")[0] as string;
        const name = defaultProviderName(r.options.version ?? "", "");
        const [stack, project] = r.urn.split("::").slice(0, 2) as [string, string];
        const props: Record<string, Json> = {};
        for (const [k, v] of Object.entries(this.stackConfig)) {
            if (k.startsWith(`${pkg}:`)) props[k.slice(pkg.length + 1)] = v;
        }
        if (r.options.version !== undefined) props["version"] = r.options.version;
        return { urn: `${stack}::${project}::pulumi:providers:${pkg}::${name}`, type: `pulumi:providers:${pkg}`, name, properties: encodeStruct(analyzerProperties(props)) };
    }

    /** The Analyze call for a registration; undefined for a read, which the engine does not analyze. */
    analyzeCall(r: RecordedResource): AnalyzeCall | undefined {
        if (r.read) return undefined;
        const provider = this.provider(r);
        return {
            urn: r.urn,
            bytes: encodeAnalyzeRequest({ type: r.type, urn: r.urn, name: r.name, properties: this.inputs(r), options: this.options(r), ...(provider !== undefined ? { provider } : {}) }),
        };
    }

    /**
     * AnalyzeStack's bytes: every resource the program manages. Reads (`get`) are left out, as the engine's step
     * executor keeps them apart from managed resources (its `reads`, not `news`) in a preview and an update alike.
     */
    analyzeStackBytes(): Uint8Array {
        return encodeAnalyzeStackRequest(
            this.resources
                .filter((r) => !r.read)
                .map((r): WireStackResource => {
                    const provider = this.provider(r);
                    return {
                        type: r.type,
                        urn: r.urn,
                        name: r.name,
                        properties: this.outputs(r),
                        options: this.options(r),
                        ...(provider !== undefined ? { provider } : {}),
                        parent: r.parent,
                        dependencies: r.dependencies,
                        propertyDependencies: Object.entries(r.propertyDependencies).filter(([, urns]) => urns.length > 0),
                    };
                }),
        );
    }

    /** The Analyze request for a registration as the pack decodes it (tests, in-process evaluation). */
    analyzeRequest(r: RecordedResource): analyzerpbT.AnalyzeRequest | undefined {
        const call = this.analyzeCall(r);
        return call === undefined ? undefined : analyzerpb.AnalyzeRequest.deserializeBinary(call.bytes);
    }

    /** The AnalyzeStack request as the pack decodes it (tests, in-process evaluation). */
    analyzeStackRequest(): analyzerpbT.AnalyzeStackRequest {
        return analyzerpb.AnalyzeStackRequest.deserializeBinary(this.analyzeStackBytes());
    }
}
