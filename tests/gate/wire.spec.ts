/**
 * The requests encoded straight into bytes (packs/wire.ts, packs/messages.ts) against the reference: the same
 * messages built with @pulumi/pulumi's generated classes and `Struct.fromJavaScript`, then `serializeBinary()`.
 * The bytes must be identical, for every kind of property value and option.
 */
import { strict as assert } from "assert";
import type * as analyzerpbT from "@pulumi/pulumi/proto/analyzer_pb";
import { ResourceMessages } from "../../gate/src/packs/messages";
import { analyzerpb, structpb } from "../../gate/src/packs/proto";
import { encodeStruct } from "../../gate/src/packs/wire";
import { analyzerProperties } from "../../gate/src/shared/analyzer-properties";
import { defaultProviderName } from "../../gate/src/shared/default-providers";
import type { Json, RecordedResource } from "../../gate/src/shared/types";
import { recordedResource } from "./helpers";

const SIG = "4dabf18193072939515e22adb298388d";
const U = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const P = "urn:pulumi:dev::p";

/** The generated classes' way: what the gate sent before it encoded requests itself. */
class Reference {
    private readonly byUrn: Map<string, RecordedResource>;
    constructor(
        private readonly resources: readonly RecordedResource[],
        private readonly stackConfig: Record<string, string>,
    ) {
        this.byUrn = new Map(resources.map((r) => [r.urn, r]));
    }
    private struct(o: Record<string, Json>) {
        return structpb.Struct.fromJavaScript(analyzerProperties(o));
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
    private provider(r: RecordedResource): analyzerpbT.AnalyzerProviderResource | undefined {
        const m = new analyzerpb.AnalyzerProviderResource();
        const of = (p: RecordedResource) => {
            m.setUrn(p.urn);
            m.setType(p.type);
            m.setName(p.name);
            m.setProperties(this.struct(p.properties));
            return m;
        };
        if (r.provider !== "") {
            const p = this.byUrn.get(r.provider.slice(0, r.provider.lastIndexOf("::")));
            return p === undefined ? undefined : of(p);
        }
        if (!r.custom || r.type.startsWith("pulumi:providers:")) return undefined;
        const recorded = r.defaultProvider !== undefined ? this.byUrn.get(r.defaultProvider) : undefined;
        if (recorded !== undefined) return of(recorded);
        const pkg = r.type.split(":")[0] as string;
        const name = defaultProviderName(r.options.version ?? "", "");
        const [stack, project] = r.urn.split("::").slice(0, 2) as [string, string];
        const props: Record<string, Json> = {};
        for (const [k, v] of Object.entries(this.stackConfig)) if (k.startsWith(`${pkg}:`)) props[k.slice(pkg.length + 1)] = v;
        if (r.options.version !== undefined) props["version"] = r.options.version;
        m.setUrn(`${stack}::${project}::pulumi:providers:${pkg}::${name}`);
        m.setType(`pulumi:providers:${pkg}`);
        m.setName(name);
        m.setProperties(this.struct(props));
        return m;
    }
    analyze(r: RecordedResource): Uint8Array {
        const req = new analyzerpb.AnalyzeRequest();
        req.setUrn(r.urn);
        req.setType(r.type);
        req.setName(r.name);
        req.setProperties(this.struct(r.properties));
        req.setOptions(this.options(r));
        const p = this.provider(r);
        if (p !== undefined) req.setProvider(p);
        return req.serializeBinary();
    }
    analyzeStack(): Uint8Array {
        const req = new analyzerpb.AnalyzeStackRequest();
        req.setResourcesList(
            this.resources
                .filter((r) => !r.read)
                .map((r) => {
                    const m = new analyzerpb.AnalyzerResource();
                    m.setUrn(r.urn);
                    m.setType(r.type);
                    m.setName(r.name);
                    m.setProperties(r.outputs !== undefined ? this.struct(r.outputs) : r.custom ? this.struct(r.properties) : structpb.Struct.fromJavaScript({}));
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
        return req.serializeBinary();
    }
}

const res = (name: string, over: Partial<RecordedResource> = {}): RecordedResource => recordedResource("aws:s3/bucket:Bucket", name, over);

/** Deterministic property trees of every value kind, keys that sort differently by code unit, unicode text. */
function tree(seed: number, depth = 0): Json {
    let s = seed;
    const next = (n: number): number => {
        s = (s * 1103515245 + 12345) % 2 ** 31;
        return s % n;
    };
    const leaf = (): Json => {
        const pick = next(11);
        if (pick === 0) return null;
        if (pick === 1) return next(2) === 0;
        if (pick === 2) return next(1000) - 500;
        if (pick === 3) return (next(100000) - 50000) / 7;
        if (pick === 4) return "";
        if (pick === 5) return "zażółć 🚀 \u00e9\u0301 " + "x".repeat(next(60));
        if (pick === 6) return U;
        if (pick === 7) return { [SIG]: "1b47061264138c4ac30d75fd1eb44270", value: `secret-${next(9)}` };
        if (pick === 8) return 2 ** 53 + next(3);
        if (pick === 9) return [];
        return `v${next(1000)}`;
    };
    const node = (d: number): Json => {
        if (d > 3 || next(3) === 0) return leaf();
        if (next(2) === 0) return Array.from({ length: next(4) }, () => node(d + 1));
        const o: Record<string, Json> = {};
        for (const k of ["b", "B", "a", "Z", "_x", "é", "ab", "a b", "10", "9", ""].slice(0, next(8))) o[k] = node(d + 1);
        return o;
    };
    return node(depth);
}

describe("gate wire encoding (the same bytes as the generated classes)", () => {
    const provider = res("euw1", { urn: `${P}::pulumi:providers:aws::euw1`, type: "pulumi:providers:aws", properties: { region: "eu-west-1", version: "6.0.0" } });
    const comp = res("store", { urn: `${P}::x:index:Store::store`, type: "x:index:Store", custom: false, properties: { label: "s" }, outputs: { bucket: { [SIG]: "5cf8f73096256a8f31e491e813e4eb8e", urn: `${P}::aws:s3/bucket:Bucket::b`, id: U } } });
    const bare = res("bare-component", { urn: `${P}::x:index:Store::bare`, type: "x:index:Store", custom: false });
    const bucket = res("b", {
        parent: comp.urn,
        provider: `${provider.urn}::${U}`,
        dependencies: [comp.urn, provider.urn],
        propertyDependencies: { tags: [comp.urn], acl: [], Zeta: [comp.urn, provider.urn], "": [comp.urn] },
        properties: { tags: { store: { [SIG]: "5cf8f73096256a8f31e491e813e4eb8e", urn: comp.urn } } as Json, acl: "private" },
        options: { protect: true, ignoreChanges: ["tags", ""], deleteBeforeReplace: false, additionalSecretOutputs: ["arn"], aliases: [`${P}::aws:s3/bucket:Bucket::old`], customTimeouts: { create: 600, delete: 0.5, read: 3 }, replaceOnChanges: [] },
    });
    const dbr = res("dbr", { options: { protect: false, ignoreChanges: [], deleteBeforeReplace: true, additionalSecretOutputs: [], aliases: [], replaceOnChanges: [], customTimeouts: { update: 60 } } });
    const read = res("existing", { read: true, options: { protect: false, ignoreChanges: [], additionalSecretOutputs: [], aliases: [], replaceOnChanges: [], importId: "bucket-1" }, properties: { bucket: "bucket-1" } });
    const versioned = res("v", { options: { protect: false, ignoreChanges: [], additionalSecretOutputs: [], aliases: [], replaceOnChanges: [], version: "7.1.0-alpha.1" } });
    const deployed = res("deployed", { properties: { bucket: "d" }, outputs: { bucket: "d", arn: "arn:aws:s3:::d", id: "d", tags: {} } });
    const generated = Array.from({ length: 200 }, (_, i) => res(`g${i}`, { properties: { ...(tree(i + 1) as object), fixed: tree(1000 + i) }, ...(i % 3 === 0 ? { outputs: { out: tree(5000 + i), id: `g${i}` } } : {}) }));
    const all = [provider, comp, bare, bucket, dbr, read, versioned, deployed, ...generated];
    const config = { "aws:region": "us-west-2", "aws:profile": "", "p:other": "x" };
    const m = new ResourceMessages(all, config);
    const ref = new Reference(all, config);

    it("Struct: every value kind, keys in jspb.Map's order", () => {
        for (let i = 0; i < 300; i++) {
            const t = tree(i * 31 + 7);
            const o = typeof t === "object" && t !== null && !Array.isArray(t) ? t : { v: t };
            assert.deepEqual(Buffer.from(encodeStruct(o)), Buffer.from(structpb.Struct.fromJavaScript(o).serializeBinary()), JSON.stringify(o));
        }
        assert.equal(encodeStruct({}).length, 0);
    });

    it("Struct: strings google-protobuf writes in its own UTF-8 (lone surrogates, short and long strings), -0, large numbers", () => {
        const long = "x".repeat(100);
        const strings = ["a\uD800b", "\uD800", "\uDC00x", "x\uDBFF", "\uDC00\uD800", `${long}\uD800${long}`, `${long}\uD83D\uDE80${long}`, "\u00e9\u20ac\uFFFF", `${long}\u00e9`];
        const cases: Record<string, Json>[] = [
            ...strings.map((v) => ({ v, [v]: [v, { [v]: v }] })),
            { zero: 0, negativeZero: -0, big: 1e308, tiny: 5e-324, negative: -(2 ** 53) },
        ];
        for (const o of cases) {
            assert.deepEqual(Buffer.from(encodeStruct(o)), Buffer.from(structpb.Struct.fromJavaScript(o).serializeBinary()), JSON.stringify(o));
        }
    });

    it("Analyze: every registration's request, byte for byte; none for a read", () => {
        for (const r of all) {
            const call = m.analyzeCall(r);
            if (r.read) {
                assert.equal(call, undefined);
                continue;
            }
            assert.equal(call?.urn, r.urn);
            assert.deepEqual(Buffer.from(call?.bytes ?? []), Buffer.from(ref.analyze(r)), r.name);
        }
    });

    it("AnalyzeStack: the whole request, byte for byte", () => {
        assert.deepEqual(Buffer.from(m.analyzeStackBytes()), Buffer.from(ref.analyzeStack()));
    });

    it("a value JSON cannot carry is refused with its type", () => {
        assert.throws(() => encodeStruct({ f: undefined as unknown as Json }), /a property value of type undefined has no protobuf Value form/);
    });
});
