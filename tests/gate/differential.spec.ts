/**
 * Differential tests: each fixture program (tests/fixtures/differential/, one idiom each) runs twice, under the
 * gate's program host and under @pulumi/pulumi's own language host code with its own mocks (support/reference.ts),
 * and the two must agree on what the engine and the analyzers would see: the same resources (URNs, types,
 * parents), the same Analyze inputs, options and providers, the same AnalyzeStack properties. The reference side
 * applies the engine's rules with its own model of them (support/engine-rules.ts), not with the gate's code.
 * A failing program must fail under both, and the gate's message must carry the program's own exception.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { readProject, readStack } from "../../gate/src/cli/project";
import { runProgram, type ProgramRun } from "../../gate/src/cli/program";
import { ResourceMessages } from "../../gate/src/packs/messages";
import type { RecordedResource } from "../../gate/src/shared/types";
import { analyzerView, engineDefaultProviders, engineUrn, goDurationSeconds, type EngineDefaultProvider, type ProviderRequest, type Wire } from "./support/engine-rules";
import { runReference } from "./support/reference";
import type { ReferenceRegistration, ReferenceResult } from "./support/reference-runner";
import { BASIC_PACK, FIXTURES, gate, ROOT } from "./helpers";

interface Case {
    readonly name: string;
    readonly dir: string;
    /** For a failing program: a fragment of the program's own exception, and the program's line if it has one. */
    readonly fails?: { readonly exception: string; readonly at?: string };
}

const diff = (name: string): string => path.join(FIXTURES, "differential", name);
const CASES: readonly Case[] = [
    { name: "references", dir: diff("references") },
    { name: "closures", dir: diff("closures") },
    { name: "esm", dir: diff("esm") },
    { name: "before-exit", dir: diff("before-exit") },
    { name: "same-names", dir: diff("same-names") },
    { name: "component-options", dir: diff("component-options") },
    { name: "throw-apply", dir: diff("throw-apply"), fails: { exception: "bucket policy for team data needs a principal", at: "index.ts:8" } },
    { name: "throw-closure", dir: diff("throw-closure"), fails: { exception: "captured\n  variable 'socket' which indirectly referenced" } },
    { name: "throw-invoke", dir: diff("throw-invoke"), fails: { exception: "is not valid JSON", at: "index.ts:5" } },
    { name: "default providers", dir: path.join(FIXTURES, "default-providers") },
    { name: "our dev stack", dir: ROOT },
];

/** What the analyzers are sent about one resource. */
interface AnalyzerSide {
    readonly type: string;
    readonly parent: string;
    /** Analyze's properties; undefined for a read (not analyzed). */
    readonly inputs?: Record<string, Wire>;
    /** AnalyzeStack's properties and options; undefined for a read (the engine leaves reads out of AnalyzeStack). */
    readonly stackProperties?: Record<string, Wire>;
    readonly options?: { protect: boolean; ignoreChanges: string[]; deleteBeforeReplace?: boolean; additionalSecretOutputs: string[]; customTimeouts: number[]; parent: string };
    /** The provider's URN and properties (a default provider's too: the engine registers it as a resource). */
    readonly provider?: { urn: string; properties?: Record<string, Wire> };
}

function gateSide(run: ProgramRun, config: Record<string, string>): Map<string, AnalyzerSide> {
    const messages = new ResourceMessages(run.registered, config);
    const stack = new Map(messages.analyzeStackRequest().getResourcesList().map((r) => [r.getUrn(), r]));
    const out = new Map<string, AnalyzerSide>();
    for (const r of run.registered) {
        const req = messages.analyzeRequest(r);
        const s = stack.get(r.urn);
        if (r.read) {
            assert.equal(s, undefined, `${r.urn} is a read, which AnalyzeStack leaves out`);
            out.set(r.urn, { type: r.type, parent: r.parent });
            continue;
        }
        assert.ok(s, `${r.urn} missing from AnalyzeStack`);
        const o = s.getOptions();
        assert.ok(o);
        const ct = o.getCustomtimeouts();
        const p = s.getProvider();
        out.set(r.urn, {
            type: r.type,
            parent: r.parent,
            ...(req !== undefined ? { inputs: req.getProperties()?.toJavaScript() as Record<string, Wire> } : {}),
            stackProperties: s.getProperties()?.toJavaScript() as Record<string, Wire>,
            options: {
                protect: o.getProtect(),
                ignoreChanges: o.getIgnorechangesList(),
                ...(o.getDeletebeforereplacedefined() ? { deleteBeforeReplace: o.getDeletebeforereplace() } : {}),
                additionalSecretOutputs: o.getAdditionalsecretoutputsList(),
                customTimeouts: [ct?.getCreate() ?? 0, ct?.getUpdate() ?? 0, ct?.getDelete() ?? 0],
                parent: o.getParent(),
            },
            ...(p !== undefined ? { provider: { urn: p.getUrn(), properties: p.getProperties()?.toJavaScript() as Record<string, Wire> } } : {}),
        });
    }
    return out;
}

/** The engine's view of the reference run, by its own rules: the program's resources and the default providers. */
function referenceSide(ref: ReferenceResult, c: { stack: string; project: string; dir: string; config: Record<string, string> }): Map<string, AnalyzerSide> & { defaults: string[] } {
    const engineOf = new Map<string, string>(); // mock URN -> engine URN
    const urnOf = (mock: string): string => {
        const u = engineOf.get(mock);
        if (u === undefined) throw new Error(`reference: no registration with mock URN ${mock}`);
        return u;
    };
    const byEngine = new Map<string, ReferenceRegistration & { urn: string; parentUrn: string; providerRef: string; protectEff: boolean }>();
    for (const r of ref.registrations) {
        const parentUrn = r.parent === "" ? "" : urnOf(r.parent);
        const urn = engineUrn(c.stack, c.project, parentUrn, r.type, r.name);
        engineOf.set(r.mockUrn, urn);
        const parent = parentUrn === "" ? undefined : byEngine.get(parentUrn);
        // The engine's monitor fills unset options from the parent: protect, and the provider (always for a
        // component, for a custom resource when the parent's provider is of its package).
        const protectEff = r.protect ?? parent?.protectEff ?? false;
        let providerRef = r.provider === "" ? "" : `${urnOf(r.provider.slice(0, r.provider.lastIndexOf("::")))}::${r.provider.slice(r.provider.lastIndexOf("::") + 2)}`;
        if (providerRef === "" && parent !== undefined && parent.providerRef !== "") {
            const pkgOfProvider = (parent.providerRef.split("::")[2] as string).split("$").pop()?.split(":")[2];
            if (!r.custom || pkgOfProvider === r.type.split(":")[0]) providerRef = parent.providerRef;
        }
        byEngine.set(urn, { ...r, urn, parentUrn, providerRef, protectEff });
    }
    const asEngine = (s: string): string => engineOf.get(s) ?? s;
    const registrationView = { upgrade: true, wd: c.dir, urn: urnOf, string: asEngine };
    const outputsView = { upgrade: false, wd: c.dir, urn: urnOf, string: asEngine };
    const { defaults, used } = referenceDefaultProviders(ref, [...byEngine.values()], c);
    const out = Object.assign(new Map<string, AnalyzerSide>(), { defaults: defaults.map((d) => d.urn) });
    for (const d of defaults) {
        const inputs = analyzerView(d.inputs, registrationView);
        out.set(d.urn, {
            type: d.type,
            parent: "",
            inputs,
            stackProperties: inputs,
            options: { protect: false, ignoreChanges: [], additionalSecretOutputs: [], customTimeouts: [0, 0, 0], parent: "" },
        });
    }
    for (const [urn, r] of byEngine) {
        // The engine's monitor puts the requested package version into a provider's inputs.
        const props = r.type.startsWith("pulumi:providers:") && r.version !== "" ? { ...r.props, version: r.version } : r.props;
        const inputs = analyzerView(props, registrationView);
        const mockUrn = [...engineOf].find(([, e]) => e === urn)?.[0] as string;
        const registeredOutputs = ref.outputs[mockUrn];
        const providerUrn = r.providerRef === "" ? "" : r.providerRef.slice(0, r.providerRef.lastIndexOf("::"));
        const provider = providerUrn !== "" ? byEngine.get(providerUrn) : undefined;
        if (r.kind !== "register") {
            // A read: neither analyzed nor in AnalyzeStack (the engine keeps reads apart from managed resources).
            out.set(urn, { type: r.type, parent: r.parentUrn });
            continue;
        }
        out.set(urn, {
            type: r.type,
            parent: r.parentUrn,
            ...(r.kind === "register" ? { inputs } : {}),
            // Components and the stack: what they registered; custom resources: their inputs (a preview's outputs
            // under the gate's monitor).
            stackProperties: r.custom ? inputs : registeredOutputs !== undefined ? analyzerView(registeredOutputs, outputsView) : {},
            options: {
                protect: r.kind === "register" ? r.protectEff : false,
                ignoreChanges: r.ignoreChanges,
                ...(r.deleteBeforeReplace !== undefined ? { deleteBeforeReplace: r.deleteBeforeReplace } : {}),
                additionalSecretOutputs: r.additionalSecretOutputs,
                customTimeouts: ["create", "update", "delete"].map((k) => {
                    const v = r.customTimeouts?.[k as "create"] ?? "";
                    return v === "" ? 0 : goDurationSeconds(v);
                }),
                parent: r.parentUrn,
            },
            ...(provider !== undefined
                ? { provider: { urn: provider.urn, properties: analyzerView(provider.version !== "" ? { ...provider.props, version: provider.version } : provider.props, registrationView) } }
                : used.has(r.seq)
                  ? { provider: { urn: (used.get(r.seq) as EngineDefaultProvider).urn, properties: analyzerView((used.get(r.seq) as EngineDefaultProvider).inputs, registrationView) } }
                  : {}),
        });
    }
    return out;
}

/**
 * The engine's default providers for a reference run: every registration of a custom resource and every read
 * left without a provider (after the parent's), and every invoke without one, in the order the monitor received
 * them. Returns them in registration order and, per request (its `seq`), the one it uses.
 */
function referenceDefaultProviders(
    ref: ReferenceResult,
    resources: readonly (ReferenceRegistration & { providerRef: string })[],
    c: { stack: string; project: string; config: Record<string, string> },
): { defaults: EngineDefaultProvider[]; used: Map<number, EngineDefaultProvider> } {
    const requests: ProviderRequest[] = [
        ...resources
            // A registration after its parent's provider; a read as it names it (the engine's ReadResource inherits none).
            .filter((r) => r.custom && !r.type.startsWith("pulumi:providers:") && (r.kind === "read" ? r.provider : r.providerRef) === "")
            .map((r) => ({ seq: r.seq, pkg: r.type.split(":")[0] as string, version: r.version, pluginDownloadURL: r.pluginDownloadURL })),
        ...ref.invokes.filter((i) => i.provider === "").map((i) => ({ seq: i.seq, pkg: i.token.split(":")[0] as string, version: i.version, pluginDownloadURL: i.pluginDownloadURL })),
    ];
    const defaults = engineDefaultProviders(requests, c.config, c.stack, c.project);
    const used = new Map<number, EngineDefaultProvider>();
    for (const q of requests) {
        const d = engineDefaultProviders([q], c.config, c.stack, c.project)[0] as EngineDefaultProvider;
        used.set(q.seq, defaults.find((x) => x.urn === d.urn) as EngineDefaultProvider);
    }
    return { defaults, used };
}

describe("gate on same-named classes: findings point at the inner resource's own statement", function () {
    this.timeout(120_000);
    const dir = diff("same-names");
    let json: { violations: { urn: string; source: { file: string; line: number } | null }[] };
    let text: string;
    let sarifLog: { runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
    before(async () => {
        const [j, t, s] = await Promise.all([
            gate(["--cwd", dir, "--policy-pack", BASIC_PACK, "--format", "json"]),
            gate(["--cwd", dir, "--policy-pack", BASIC_PACK]),
            gate(["--cwd", dir, "--policy-pack", BASIC_PACK, "--format", "sarif"]),
        ]);
        assert.equal(j.code, 1, j.stderr);
        json = JSON.parse(j.stdout) as typeof json;
        text = t.stdout;
        sarifLog = JSON.parse(s.stdout) as typeof sarifLog;
    });
    it("JSON", () => {
        const v = json.violations.find((x) => x.urn.endsWith("::logs-bucket"));
        assert.deepEqual(v?.source && { file: v.source.file, line: v.source.line }, { file: "index.ts", line: 17 });
    });
    it("text", () => {
        assert.ok(text.split("\n").includes("          at index.ts:17"), text);
    });
    it("SARIF", () => {
        const locs = (sarifLog.runs[0]?.results ?? []).map((r) => r.locations[0]?.physicalLocation).map((p) => `${p?.artifactLocation.uri}:${p?.region.startLine}`);
        assert.ok(locs.includes("tests/fixtures/differential/same-names/index.ts:17"), locs.join(", "));
    });
});

describe("gate differential: the gate's program host against the language host's own code", function () {
    this.timeout(300_000);
    const runs = new Map<string, { gate: ProgramRun | Error; ref: ReferenceResult & { output: string }; config: Record<string, string>; stack: string; project: string }>();

    before(async () => {
        // Two programs at a time (a program host or a reference run each).
        const queue = [...CASES];
        const worker = async (): Promise<void> => {
            for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
                const project = readProject(c.dir);
                const stack = readStack(project, "dev");
                const req = { programDir: c.dir, main: project.main, project: project.name, stack: "dev", organization: "organization", config: stack.config, secureKeys: stack.secureKeys, typescript: project.typescript };
                const gate = await runProgram(req, 120_000).catch((e: unknown) => e as Error);
                const ref = await runReference({ programDir: c.dir, main: project.main, project: project.name, stack: "dev", organization: "organization", config: stack.config });
                runs.set(c.name, { gate, ref, config: stack.config, stack: "dev", project: project.name });
            }
        };
        await Promise.all([worker(), worker()]);
    });

    for (const c of CASES) {
        describe(c.name, () => {
            if (c.fails !== undefined) {
                const f = c.fails;
                it("fails under both, and the gate's message carries the program's own exception", () => {
                    const r = runs.get(c.name);
                    assert.ok(r);
                    assert.ok(r.ref.error !== undefined, `the reference run did not fail; output:\n${r.ref.output}`);
                    assert.ok(r.ref.error.includes(f.exception), `reference error: ${r.ref.error}`);
                    assert.ok(r.gate instanceof Error, "the gate ran the program without failing");
                    const message = r.gate.message;
                    assert.ok(message.startsWith("the program failed: "), message);
                    assert.ok(message.includes(r.ref.error.split("\n")[0] as string), `the gate's message lacks the program's exception '${r.ref.error}':\n${message}`);
                    if (f.at !== undefined) assert.ok(message.includes(`at ${f.at}`), message);
                    assert.ok(!message.includes("without finishing") && !message.includes("promises were still active"), message);
                });
                return;
            }
            it("runs under both", () => {
                const r = runs.get(c.name);
                assert.ok(r);
                assert.ok(!(r.gate instanceof Error), `the gate failed: ${r.gate instanceof Error ? r.gate.message : ""}`);
                assert.equal(r.ref.error, undefined, `the reference run failed: ${r.ref.error}\n${r.ref.output}`);
            });
            it("the same resources: URNs, types, parents", () => {
                const r = runs.get(c.name);
                assert.ok(r && !(r.gate instanceof Error));
                const ref = referenceSide(r.ref, { stack: r.stack, project: r.project, dir: c.dir, config: r.config });
                const gate = gateSide(r.gate, r.config);
                const summary = (m: Map<string, AnalyzerSide>) => [...m].map(([urn, s]) => `${urn} ${s.type} <- ${s.parent}`).sort();
                assert.deepEqual(summary(gate), summary(ref));
            });
            it("the same Analyze inputs, options and providers, and AnalyzeStack properties", () => {
                const r = runs.get(c.name);
                assert.ok(r && !(r.gate instanceof Error));
                const ref = referenceSide(r.ref, { stack: r.stack, project: r.project, dir: c.dir, config: r.config });
                const gate = gateSide(r.gate, r.config);
                for (const [urn, want] of ref) {
                    assert.deepEqual(gate.get(urn), want, urn);
                }
            });
            it("the same default providers, in the engine's order, each registered before the first resource that uses it", () => {
                const r = runs.get(c.name);
                assert.ok(r && !(r.gate instanceof Error));
                const gate = r.gate;
                const ref = referenceSide(r.ref, { stack: r.stack, project: r.project, dir: c.dir, config: r.config });
                assert.deepEqual(gate.defaultProviders.map((d) => d.urn), ref.defaults);
                for (const d of gate.defaultProviders) {
                    const first = gate.registered.findIndex((x) => x.defaultProvider === d.urn);
                    assert.ok(first < 0 || gate.registered.indexOf(d) < first, `${d.urn} is registered after ${gate.registered[first]?.urn}`);
                }
            });
        });
    }

    describe("idioms the fixtures exercise, as the gate records them", () => {
        const resources = (name: string): RecordedResource[] => {
            const g = runs.get(name)?.gate;
            assert.ok(g !== undefined && !(g instanceof Error), `${name}: ${g instanceof Error ? g.message : "not run"}`);
            return g.resources;
        };
        it("resource references reach analyzers as IDs (unknown during a preview, known for a read) and components as URNs", () => {
            const rs = resources("references");
            const messages = new ResourceMessages(rs, {});
            const props = (name: string) => messages.analyzeRequest(rs.find((x) => x.name === name) as RecordedResource)?.getProperties()?.toJavaScript();
            const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
            assert.equal(props("attach")?.["role"], unknown);
            assert.deepEqual(props("attach-all")?.["roles"], [unknown, "named-role"]);
            assert.deepEqual(props("holder"), {
                single: unknown,
                list: [unknown, unknown],
                map: { a: unknown, b: "existing-bucket-id" },
                nested: { deep: { provider: unknown, list: [{ key: unknown }] } },
                secret: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: unknown },
            });
            assert.deepEqual(props("child"), { parentRef: "urn:pulumi:dev::diff-references::fixture:refs:Holder::holder" });
        });
        it("a beforeExit registration and the S3 notification of onObjectCreated are recorded", () => {
            assert.ok(resources("before-exit").some((x) => x.name === "late"));
            assert.ok(resources("closures").some((x) => x.type === "aws:s3/bucketNotification:BucketNotification"));
        });
        it("closures over namespace imports serialize as under the language host: the local module's function by value, the SDK's by require", () => {
            const fn = resources("closures").find((x) => x.type === "aws:lambda/function:Function" && x.name === "handler") as RecordedResource;
            const code = ((fn.properties["code"] as { assets: Record<string, { text: string }> }).assets["__index.js"] as { text: string }).text;
            assert.ok(code.includes("var __helper = {greet: __greet};"), code);
            assert.ok(code.includes('const settings = require("@pulumi/pulumi/runtime/settings.js");'), code);
        });
        it("ESM: the .js specifier, top-level await and the default export's outputs", () => {
            const rs = resources("esm");
            assert.ok(rs.some((x) => x.name === "esm-bucket") && rs.some((x) => x.name === "esm-key"));
            const stack = rs.find((x) => x.type === "pulumi:pulumi:Stack") as RecordedResource;
            assert.deepEqual(Object.keys(stack.outputs ?? {}).sort(), ["bucketName", "keyArn"]);
            const at = (name: string) => {
                const src = rs.find((x) => x.name === name)?.source;
                return src === undefined ? undefined : `${path.relative(diff("esm"), src.file)}:${src.line}`;
            };
            assert.deepEqual([at("esm-bucket"), at("esm-key")], ["index.ts:8", "index.ts:11"]);
        });
        it("default providers: one per package and version, first use first, the package's config and version as inputs; not for an explicit provider's resources", () => {
            const run = runs.get("default providers")?.gate;
            assert.ok(run !== undefined && !(run instanceof Error));
            const version = (pkg: string) => (JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", "@pulumi", pkg, "package.json"), "utf8")) as { version: string }).version;
            const name = (v: string) => `default_${v.replace(/\./g, "_")}`;
            const aws = `urn:pulumi:dev::fixture-default-providers::pulumi:providers:aws::${name(version("aws"))}`;
            const random = `urn:pulumi:dev::fixture-default-providers::pulumi:providers:random::${name(version("random"))}`;
            assert.deepEqual(run.defaultProviders.map((d) => d.urn), [aws, random]);
            const messages = new ResourceMessages(run.registered, runs.get("default providers")?.config ?? {});
            const awsProvider = run.defaultProviders[0] as RecordedResource;
            assert.deepEqual(messages.analyzeRequest(awsProvider)?.getProperties()?.toJavaScript(), { region: "us-east-1", defaultTags: '{"tags":{"owner":"data-platform"}}', version: version("aws") });
            const by = (n: string) => run.resources.find((x) => x.name === n) as RecordedResource;
            assert.deepEqual([by("logs").defaultProvider, by("suffix").defaultProvider, by("replica").defaultProvider], [aws, random, undefined]);
            assert.equal(messages.analyzeRequest(by("replica"))?.getProvider()?.getName(), "euw1");
            assert.equal(run.resources.length, 5);
        });
        it("same-named classes: each resource located at its own statement", () => {
            const at = (name: string) => {
                const s = resources("same-names").find((x) => x.name === name)?.source;
                return s === undefined ? undefined : `${path.basename(s.file)}:${s.line}`;
            };
            assert.equal(at("main"), "index.ts:22");
            assert.equal(at("main-vpc"), "index.ts:9");
            assert.equal(at("logs"), "index.ts:23");
            assert.equal(at("logs-bucket"), "index.ts:17");
        });
    });
});
