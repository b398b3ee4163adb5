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
import { analyzerpb, structpb, type ProtoStruct } from "./proto";

/** Protobuf messages for every resource, built once and shared by Analyze and AnalyzeStack. */
export class ResourceMessages {
    private readonly inputStructs = new Map<string, ProtoStruct>();
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
    private inputs(r: RecordedResource): ProtoStruct {
        let s = this.inputStructs.get(r.urn);
        if (s === undefined) {
            s = structpb.Struct.fromJavaScript(analyzerProperties(r.properties));
            this.inputStructs.set(r.urn, s);
        }
        return s;
    }

    /** A resource's outputs as AnalyzeStack gets them. */
    private outputs(r: RecordedResource): ProtoStruct {
        if (r.outputs !== undefined) return structpb.Struct.fromJavaScript(analyzerProperties(r.outputs));
        return r.custom ? this.inputs(r) : structpb.Struct.fromJavaScript({});
    }

    private options(r: RecordedResource): analyzerpbT.AnalyzerResourceOptions {
        const o = new analyzerpb.AnalyzerResourceOptions();
        o.setProtect(r.options.protect);
        o.setIgnorechangesList(r.options.ignoreChanges);
        if (r.options.deleteBeforeReplace !== undefined) {
            o.setDeletebeforereplace(r.options.deleteBeforeReplace);
            o.setDeletebeforereplacedefined(true);
        }
        o.setAdditionalsecretoutputsList(r.options.additionalSecretOutputs);
        o.setAliasesList([]);
        o.setParent(r.parent);
        const ct = r.options.customTimeouts;
        const t = new analyzerpb.AnalyzerResourceOptions.CustomTimeouts();
        t.setCreate(ct?.create ?? 0);
        t.setUpdate(ct?.update ?? 0);
        t.setDelete(ct?.delete ?? 0);
        t.setRead(ct?.read ?? 0);
        o.setCustomtimeouts(t);
        return o;
    }

    /**
     * The resource's provider as the engine describes it: the explicit provider resource, or for a custom
     * resource without one, the default provider `pulumi:providers:<pkg>::default[_<version>]` whose
     * properties are the stack's `<pkg>:*` config.
     */
    private provider(r: RecordedResource): analyzerpbT.AnalyzerProviderResource | undefined {
        if (r.provider !== "") {
            const urn = r.provider.slice(0, r.provider.lastIndexOf("::"));
            const p = this.byUrn.get(urn);
            if (p === undefined) return undefined;
            const m = new analyzerpb.AnalyzerProviderResource();
            m.setUrn(p.urn);
            m.setType(p.type);
            m.setName(p.name);
            m.setProperties(this.inputs(p));
            return m;
        }
        if (!r.custom || r.type.startsWith("pulumi:providers:")) return undefined;
        const recorded = r.defaultProvider !== undefined ? this.byUrn.get(r.defaultProvider) : undefined;
        if (recorded !== undefined) {
            const m = new analyzerpb.AnalyzerProviderResource();
            m.setUrn(recorded.urn);
            m.setType(recorded.type);
            m.setName(recorded.name);
            m.setProperties(this.inputs(recorded));
            return m;
        }
        const pkg = r.type.split(":")[0] as string;
        const name = defaultProviderName(r.options.version ?? "", "");
        const [stack, project] = r.urn.split("::").slice(0, 2) as [string, string];
        const props: Record<string, Json> = {};
        for (const [k, v] of Object.entries(this.stackConfig)) {
            if (k.startsWith(`${pkg}:`)) props[k.slice(pkg.length + 1)] = v;
        }
        if (r.options.version !== undefined) props["version"] = r.options.version;
        const m = new analyzerpb.AnalyzerProviderResource();
        m.setUrn(`${stack}::${project}::pulumi:providers:${pkg}::${name}`);
        m.setType(`pulumi:providers:${pkg}`);
        m.setName(name);
        m.setProperties(structpb.Struct.fromJavaScript(analyzerProperties(props)));
        return m;
    }

    /** The Analyze request for a registration; undefined for a read, which the engine does not analyze. */
    analyzeRequest(r: RecordedResource): analyzerpbT.AnalyzeRequest | undefined {
        if (r.read) return undefined;
        const req = new analyzerpb.AnalyzeRequest();
        req.setUrn(r.urn);
        req.setType(r.type);
        req.setName(r.name);
        req.setProperties(this.inputs(r));
        req.setOptions(this.options(r));
        const p = this.provider(r);
        if (p !== undefined) req.setProvider(p);
        return req;
    }

    /**
     * AnalyzeStack: every resource the program manages. Reads (`get`) are left out, as the engine's step executor
     * keeps them apart from managed resources (its `reads`, not `news`) in a preview and an update alike.
     */
    analyzeStackRequest(): analyzerpbT.AnalyzeStackRequest {
        const req = new analyzerpb.AnalyzeStackRequest();
        req.setResourcesList(
            this.resources.filter((r) => !r.read).map((r) => {
                const m = new analyzerpb.AnalyzerResource();
                m.setUrn(r.urn);
                m.setType(r.type);
                m.setName(r.name);
                m.setProperties(this.outputs(r));
                m.setOptions(this.options(r));
                const p = this.provider(r);
                if (p !== undefined) m.setProvider(p);
                m.setParent(r.parent);
                m.setDependenciesList(r.dependencies);
                const pd = m.getPropertydependenciesMap();
                for (const [k, urns] of Object.entries(r.propertyDependencies)) {
                    if (urns.length === 0) continue;
                    const d = new analyzerpb.AnalyzerPropertyDependencies();
                    d.setUrnsList(urns);
                    pd.set(k, d);
                }
                return m;
            }),
        );
        return req;
    }
}
