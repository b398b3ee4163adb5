/**
 * The Analyze and AnalyzeStack messages for recorded resources (packs/messages.ts), as the engine builds them.
 */
import { strict as assert } from "assert";
import { ResourceMessages } from "../../gate/src/packs/messages";
import type { Json, RecordedResource } from "../../gate/src/shared/types";
import { recordedResource } from "./helpers";

const SIG = "4dabf18193072939515e22adb298388d";
const U = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const P = "urn:pulumi:dev::p";

const res = (name: string, over: Partial<RecordedResource> = {}): RecordedResource => recordedResource("aws:s3/bucket:Bucket", name, over);

describe("gate ResourceMessages", () => {
    const provider = res("euw1", { urn: `${P}::pulumi:providers:aws::euw1`, type: "pulumi:providers:aws", properties: { region: "eu-west-1" } });
    const comp = res("store", { urn: `${P}::x:index:Store::store`, type: "x:index:Store", custom: false, properties: { label: "s" }, outputs: { bucket: { [SIG]: "5cf8f73096256a8f31e491e813e4eb8e", urn: `${P}::aws:s3/bucket:Bucket::b`, id: U } } });
    const bucket = res("b", {
        parent: comp.urn,
        provider: `${provider.urn}::${U}`,
        dependencies: [comp.urn],
        propertyDependencies: { tags: [comp.urn], acl: [] },
        properties: { tags: { store: { [SIG]: "5cf8f73096256a8f31e491e813e4eb8e", urn: comp.urn } } as Json, acl: "private" },
        options: { protect: true, ignoreChanges: ["tags"], deleteBeforeReplace: false, additionalSecretOutputs: ["arn"], aliases: [`${P}::aws:s3/bucket:Bucket::old`], customTimeouts: { create: 600 }, replaceOnChanges: [] },
    });
    const read = res("existing", { read: true, options: { protect: false, ignoreChanges: [], additionalSecretOutputs: [], aliases: [], replaceOnChanges: [], importId: "bucket-1" }, properties: { bucket: "bucket-1" } });
    const versioned = res("v", { options: { protect: false, ignoreChanges: [], additionalSecretOutputs: [], aliases: [], replaceOnChanges: [], version: "7.1.0-alpha.1" } });
    const m = new ResourceMessages([provider, comp, bucket, read, versioned], { "aws:region": "us-west-2", "p:other": "x" });

    it("Analyze: the inputs marshalled for analyzers (a component reference becomes its URN)", () => {
        assert.deepEqual(m.analyzeRequest(bucket)?.getProperties()?.toJavaScript(), { tags: { store: comp.urn }, acl: "private" });
    });
    it("options: protect, ignoreChanges, deleteBeforeReplace as set, secrets, parent; custom timeouts always; no aliases without state", () => {
        const o = m.analyzeRequest(bucket)?.getOptions();
        assert.ok(o);
        assert.equal(o.getProtect(), true);
        assert.deepEqual(o.getIgnorechangesList(), ["tags"]);
        assert.equal(o.getDeletebeforereplacedefined(), true);
        assert.equal(o.getDeletebeforereplace(), false);
        assert.deepEqual(o.getAdditionalsecretoutputsList(), ["arn"]);
        assert.deepEqual(o.getAliasesList(), []);
        assert.equal(o.getParent(), comp.urn);
        const ct = o.getCustomtimeouts();
        assert.deepEqual([ct?.getCreate(), ct?.getUpdate(), ct?.getDelete(), ct?.getRead()], [600, 0, 0, 0]);
        const none = m.analyzeRequest(versioned)?.getOptions();
        assert.equal(none?.getDeletebeforereplacedefined(), false);
        assert.deepEqual([none?.getCustomtimeouts()?.getCreate(), none?.getCustomtimeouts()?.getDelete()], [0, 0]);
    });
    it("an explicit provider: its URN, type, name and inputs", () => {
        const p = m.analyzeRequest(bucket)?.getProvider();
        assert.deepEqual([p?.getUrn(), p?.getType(), p?.getName(), p?.getProperties()?.toJavaScript()], [provider.urn, "pulumi:providers:aws", "euw1", { region: "eu-west-1" }]);
    });
    it("a default provider: named for the version, its properties the package's stack config", () => {
        const p = m.analyzeRequest(versioned)?.getProvider();
        assert.deepEqual([p?.getUrn(), p?.getType(), p?.getName(), p?.getProperties()?.toJavaScript()], [
            "urn:pulumi:dev::p::pulumi:providers:aws::default_7_1_0_alpha_1",
            "pulumi:providers:aws",
            "default_7_1_0_alpha_1",
            { region: "us-west-2", version: "7.1.0-alpha.1" },
        ]);
        assert.equal(m.analyzeRequest(comp)?.getProvider(), undefined);
        assert.equal(m.analyzeRequest(provider)?.getProvider(), undefined);
    });
    it("a read is not analyzed", () => {
        assert.equal(m.analyzeRequest(read), undefined);
    });
    it("AnalyzeStack: every resource the program manages, reads left out (the engine keeps them apart, in a preview and an update alike); a component's registered outputs, a custom resource's inputs", () => {
        const rs = m.analyzeStackRequest().getResourcesList();
        assert.deepEqual(rs.map((r) => r.getName()), ["euw1", "store", "b", "v"]);
        const by = (n: string) => rs.find((r) => r.getName() === n);
        assert.deepEqual(by("store")?.getProperties()?.toJavaScript(), { bucket: U });
        assert.deepEqual(by("b")?.getProperties()?.toJavaScript(), { tags: { store: comp.urn }, acl: "private" });
        assert.deepEqual(new ResourceMessages([res("c", { custom: false })], {}).analyzeStackRequest().getResourcesList()[0]?.getProperties()?.toJavaScript(), {});
    });
    it("a read gets no Analyze call", () => {
        assert.equal(m.analyzeRequest(read), undefined);
    });
    it("AnalyzeStack: parent, dependencies, and only the property dependencies that name something", () => {
        const b = m.analyzeStackRequest().getResourcesList().find((r) => r.getName() === "b");
        assert.equal(b?.getParent(), comp.urn);
        assert.deepEqual(b?.getDependenciesList(), [comp.urn]);
        const pd: Record<string, string[]> = {};
        b?.getPropertydependenciesMap().forEach((v, k) => (pd[k] = v.getUrnsList()));
        assert.deepEqual(pd, { tags: [comp.urn] });
    });
});
