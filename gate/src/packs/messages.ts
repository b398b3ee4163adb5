/**
 * The protobuf messages the engine sends analyzers for each recorded resource (Analyze) and for the whole stack
 * (AnalyzeStack): properties, options and the resource's provider.
 */
import type * as analyzerpbT from "@pulumi/pulumi/proto/analyzer_pb";
import type { Json, RecordedResource } from "../shared/types";
import { analyzerpb, structpb, type ProtoStruct } from "./proto";

/** Protobuf messages for every resource, built once and shared by Analyze and AnalyzeStack. */
export class ResourceMessages {
    private readonly structs = new Map<string, ProtoStruct>();
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

    private props(r: RecordedResource): ProtoStruct {
        let s = this.structs.get(r.urn);
        if (s === undefined) {
            s = structpb.Struct.fromJavaScript(r.properties);
            this.structs.set(r.urn, s);
        }
        return s;
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
        o.setAliasesList(r.options.aliases);
        o.setParent(r.parent);
        const ct = r.options.customTimeouts;
        if (ct !== undefined) {
            const t = new analyzerpb.AnalyzerResourceOptions.CustomTimeouts();
            if (ct.create !== undefined) t.setCreate(ct.create);
            if (ct.update !== undefined) t.setUpdate(ct.update);
            if (ct.delete !== undefined) t.setDelete(ct.delete);
            o.setCustomtimeouts(t);
        }
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
            m.setProperties(this.props(p));
            return m;
        }
        if (!r.custom || r.type.startsWith("pulumi:providers:")) return undefined;
        const pkg = r.type.split(":")[0] as string;
        const name = r.options.version !== undefined ? `default_${r.options.version.replace(/[.-]/g, "_")}` : "default";
        const [stack, project] = r.urn.split("::").slice(0, 2) as [string, string];
        const props: Record<string, Json> = {};
        for (const [k, v] of Object.entries(this.stackConfig)) {
            if (k.startsWith(`${pkg}:`)) props[k.slice(pkg.length + 1)] = v;
        }
        const m = new analyzerpb.AnalyzerProviderResource();
        m.setUrn(`${stack}::${project}::pulumi:providers:${pkg}::${name}`);
        m.setType(`pulumi:providers:${pkg}`);
        m.setName(name);
        m.setProperties(structpb.Struct.fromJavaScript(props));
        return m;
    }

    analyzeRequest(r: RecordedResource): analyzerpbT.AnalyzeRequest {
        const req = new analyzerpb.AnalyzeRequest();
        req.setUrn(r.urn);
        req.setType(r.type);
        req.setName(r.name);
        req.setProperties(this.props(r));
        req.setOptions(this.options(r));
        const p = this.provider(r);
        if (p !== undefined) req.setProvider(p);
        return req;
    }

    analyzeStackRequest(): analyzerpbT.AnalyzeStackRequest {
        const req = new analyzerpb.AnalyzeStackRequest();
        req.setResourcesList(
            this.resources.map((r) => {
                const m = new analyzerpb.AnalyzerResource();
                m.setUrn(r.urn);
                m.setType(r.type);
                m.setName(r.name);
                m.setProperties(this.props(r));
                m.setOptions(this.options(r));
                const p = this.provider(r);
                if (p !== undefined) m.setProvider(p);
                m.setParent(r.parent);
                m.setDependenciesList(r.dependencies);
                const pd = m.getPropertydependenciesMap();
                for (const [k, urns] of Object.entries(r.propertyDependencies)) {
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
