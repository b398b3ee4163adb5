/**
 * The pack as other teams consume it, end to end, outside the repository (in the OS temp directory, removed
 * afterwards) and without the registry (tests/policies/package/offline.ts: `npm install --offline` from a lock file
 * derived from ours, tarballs from npm's cache):
 *
 * - `npm pack` of the pack (prepack builds dist/ with tsc); the tarball ships JavaScript and declarations, and its
 *   `exports` map resolves; the library entries create no PolicyPack, the pack entry does.
 * - A team's own pack, in a fresh project that installs the tarball: `selectPolicies` with two groups and one
 *   excluded policy, its own tsconfig.json, launched exactly as the CLI launches it (`run-policy-pack`, type-checking).
 *   Over the Analyzer protocol: GetAnalyzerInfo lists exactly the selected policies with their metadata; Analyze of
 *   a violating resource returns the violation; with `"all": "mandatory"` an applied waiver's report stays advisory
 *   and an expired waiver's violation is mandatory. The same through the gate on a fixture program.
 * - Our pack from a copy of its directory with its own `npm install`: the same protocol checks for every policy.
 *
 * Expected diagnostics come from the harness (tests/policies/harness.ts) run in this process on the same
 * resources and config: the pack processes must report exactly what the policies report.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { allRules, type PackRule } from "../../policies/all";
import { resetAppliedWaivers } from "../../policies/lib/rule";
import { selectPolicies, type Selection } from "../../policies/select";
import { fixture, gate } from "../gate/helpers";
import { PackProcess, type AnalyzerInfo, type Diag, type PackConfig, type PolicyMeta, type Resource } from "./package/analyzer";
import { cleanEnv, lockFor, npm, npmInstallOffline, ok, readLock, run, type LocalTarball, type Run } from "./package/offline";
import { runPack, type Diagnostic } from "./harness";

const ROOT = path.resolve(__dirname, "..", "..");
const POLICIES = path.join(ROOT, "policies");
const PKG = JSON.parse(fs.readFileSync(path.join(POLICIES, "package.json"), "utf8")) as {
    name: string;
    version: string;
    main: string;
    types: string;
    exports: Record<string, string | { types: string; default: string }>;
    typesVersions: Record<string, Record<string, string[]>>;
    dependencies: Record<string, string>;
};
/** The export that creates our PolicyPack; every other one must be side-effect free. */
const PACK_EXPORT = "./pack";

/** The team's selection: two groups, one policy of them left out. */
const SELECTION: Selection = { groups: ["encryption", "s3"], excludeNames: ["s3-bucket-requires-tls13"] };
const CONSUMER = { name: "storage-team-policies", version: "0.3.0" };
const CONSUMER_INDEX = `import { PolicyPack } from "@pulumi/policy";
import { groups, type PackRule } from "@e2ee-pipeline/policy-pack";
import { selectPolicies, type Selection } from "@e2ee-pipeline/policy-pack/select";

const selection: Selection = ${JSON.stringify(SELECTION)};
const policies: PackRule[] = selectPolicies(selection);
if (!policies.some((p) => groups["s3"].includes(p))) {
    throw new Error("no s3 policy selected");
}

new PolicyPack("${CONSUMER.name}", { policies, enforcementLevel: "mandatory" });
`;
/** The team's tsconfig.json, as Pulumi's TypeScript templates write one. */
const CONSUMER_TSCONFIG = {
    compilerOptions: {
        strict: true,
        outDir: "bin",
        target: "es2020",
        module: "nodenext",
        moduleResolution: "nodenext",
        sourceMap: true,
        experimentalDecorators: true,
        pretty: true,
        noFallthroughCasesInSwitch: true,
        noImplicitReturns: true,
        forceConsistentCasingInFileNames: true,
    },
    files: ["index.ts"],
};

const QUEUE = "aws:sqs/queue:Queue";
/** An unencrypted queue violates sqs-queue-encrypted-with-cmk (in the encryption group). */
const queues: Resource[] = [
    { type: QUEUE, name: "legacy", props: {} },
    { type: QUEUE, name: "old", props: {} },
];
const WAIVED: PackConfig = {
    all: { enforcementLevel: "mandatory" },
    "sqs-queue-encrypted-with-cmk": {
        waivers: [
            { resource: "legacy", reason: "decommissioned in Q1", expires: "2999-12-31" },
            { resource: "old", reason: "migration", expires: "2000-01-01" },
        ],
    },
};

const LAUNCH_TIMEOUT = 240_000;

function expectedMeta(r: PackRule): PolicyMeta {
    return {
        name: r.name,
        kind: "validateStack" in r ? "stack" : "resource",
        description: r.description,
        enforcementLevel: r.enforcementLevel ?? "mandatory",
        severity: r.severity ?? "",
        remediationSteps: r.remediationSteps ?? "",
        tags: r.tags ?? [],
        framework: {
            name: r.framework?.name ?? "",
            version: r.framework?.version ?? "",
            reference: r.framework?.reference ?? "",
            specification: r.framework?.specification ?? "",
        },
        configSchema: r.configSchema === undefined ? undefined : { properties: JSON.parse(JSON.stringify(r.configSchema.properties)) as Record<string, unknown>, required: r.configSchema.required ?? [] },
    };
}

/** What the harness reports for `resources` under `config`, worded as the pack process words it. */
async function expected(rules: readonly PackRule[], resources: readonly Resource[], config: PackConfig): Promise<Diag[]> {
    resetAppliedWaivers();
    const byName = new Map(rules.map((r) => [r.name, r]));
    const d: Diagnostic[] = await runPack(rules as readonly (ResourceValidationPolicy | StackValidationPolicy)[], resources, config as Record<string, Record<string, unknown>>);
    resetAppliedWaivers();
    return d.map((x) => {
        const description = byName.get(x.policy)?.description ?? "";
        return { policy: x.policy, enforcementLevel: x.enforcementLevel as Diag["enforcementLevel"], message: x.message === "" ? description : `${description}\n${x.message}`, urn: x.urn ?? "" };
    });
}

/** The protocol checks for one launched pack serving `rules`. */
function protocolChecks(what: string, get: () => { pack: PackProcess; info: AnalyzerInfo }, rules: () => readonly PackRule[], name: string, version: string): void {
    it(`${what}: GetAnalyzerInfo lists exactly the pack's policies, in order, with their metadata`, () => {
        const { info } = get();
        assert.equal(info.name, name);
        assert.equal(info.version, version);
        assert.deepEqual(info.policies.map((p) => p.name), rules().map((r) => r.name));
        assert.deepEqual(info.policies, rules().map(expectedMeta));
    });

    it(`${what}: Analyze of a violating resource returns the violation`, async () => {
        const { pack, info } = get();
        await pack.configure(info, {});
        const got = await pack.analyze(queues[0]);
        assert.ok(got.some((d) => d.policy === "sqs-queue-encrypted-with-cmk" && d.enforcementLevel === "mandatory"), JSON.stringify(got));
        assert.deepEqual(got, await expected(rules().filter((r) => "validateResource" in r), [queues[0]], {}));
    });

    it(`${what}: "all": "mandatory" with waivers: the waiver report stays advisory, the expired waiver's violation is mandatory`, async () => {
        const { pack, info } = get();
        await pack.configure(info, WAIVED);
        const got = await pack.preview(queues);
        const want = await expected(rules(), queues, WAIVED);
        assert.deepEqual(got, want);
        const report = got.filter((d) => d.policy === "policy-waivers-applied");
        assert.equal(report.length, 1, JSON.stringify(got));
        assert.equal(report[0].enforcementLevel, "advisory");
        assert.match(report[0].message, /policy "sqs-queue-encrypted-with-cmk" is waived for legacy until 2999-12-31 \(decommissioned in Q1\)/);
        const expired = got.filter((d) => d.policy === "sqs-queue-encrypted-with-cmk");
        assert.deepEqual(expired.map((d) => [d.urn, d.enforcementLevel]), [["urn:pulumi:dev::e2ee-pipeline::aws:sqs/queue:Queue::old", "mandatory"]]);
        assert.match(expired[0].message, /\(the waiver for this resource expired on 2000-01-01: migration\)$/);
    });
}

describe("the pack as an npm package and as a copied directory (outside the repository, offline)", function () {
    this.timeout(LAUNCH_TIMEOUT);
    let tmp: string;
    let tarball: LocalTarball;
    let tarFiles: string[];
    let consumerDir: string;
    let copyDir: string;
    let consumer: { pack: PackProcess; info: AnalyzerInfo } | undefined;
    let copy: { pack: PackProcess; info: AnalyzerInfo } | undefined;
    let tscRuns: Promise<Run[]>;
    const timings: Record<string, number> = {};

    before(async function () {
        this.timeout(600_000);
        const t0 = Date.now();
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "e2ee-policy-pack-"));
        const rootLock = readLock(path.join(ROOT, "package-lock.json"));

        // npm pack, from a copy of the pack's directory whose node_modules is the repository's (prepack runs tsc).
        const stage = path.join(tmp, "stage");
        fs.cpSync(POLICIES, stage, { recursive: true, filter: (src) => !/[\\/](node_modules|dist)$|\.tgz$/.test(src) });
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(stage, "node_modules"), "dir");
        const packed = ok("npm pack", await npm(["pack", "--json", "--pack-destination", tmp], stage));
        const info = (JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[])[0];
        tarFiles = info.files.map((f) => f.path);
        const file = path.join(tmp, info.filename);
        const manifest = JSON.parse(fs.readFileSync(path.join(stage, "package.json"), "utf8")) as LocalTarball["manifest"];
        tarball = { spec: `file:../${info.filename}`, file, manifest };
        timings["npm pack"] = packed.ms;

        // The team's project: the tarball and what its pack imports, with the ranges our package declares.
        consumerDir = path.join(tmp, "storage-team-policies");
        fs.mkdirSync(consumerDir);
        const pick = (n: string): [string, string] => [n, PKG.dependencies[n]];
        const consumerPkg = {
            name: CONSUMER.name,
            version: CONSUMER.version,
            private: true,
            main: "index.ts",
            dependencies: Object.fromEntries([[PKG.name, tarball.spec], ...["@pulumi/policy", "@pulumi/pulumi", "@types/node", "typescript"].map(pick)]),
        };
        fs.writeFileSync(path.join(consumerDir, "package.json"), JSON.stringify(consumerPkg, null, 2) + "\n");
        fs.writeFileSync(path.join(consumerDir, "PulumiPolicy.yaml"), "runtime: nodejs\ndescription: The storage team's policies, selected from the e2ee pipeline pack.\n");
        fs.writeFileSync(path.join(consumerDir, "tsconfig.json"), JSON.stringify(CONSUMER_TSCONFIG, null, 4) + "\n");
        fs.writeFileSync(path.join(consumerDir, "index.ts"), CONSUMER_INDEX);

        // Our pack's directory, copied as a team copies it (what git tracks or what the tarball has: no build output).
        copyDir = path.join(tmp, "copy", "policies");
        fs.cpSync(POLICIES, copyDir, { recursive: true, filter: (src) => !/[\\/](node_modules|dist)$|\.tgz$/.test(src) });
        const copyPkg = JSON.parse(fs.readFileSync(path.join(copyDir, "package.json"), "utf8")) as { name: string; version: string; dependencies: Record<string, string> };

        const [ci, cc] = await Promise.all([
            npmInstallOffline(consumerDir, lockFor(rootLock, consumerPkg, [tarball])),
            npmInstallOffline(copyDir, lockFor(rootLock, copyPkg)),
        ]);
        timings["npm install (team project)"] = ci.ms;
        timings["npm install (copied directory)"] = cc.ms;

        // The team's code and our declarations type-checked by tsc, with the template's resolution (nodenext) and with
        // node10's (which ignores `exports`: typesVersions maps the subpaths), while the packs start.
        const node10 = { ...CONSUMER_TSCONFIG, compilerOptions: { ...CONSUMER_TSCONFIG.compilerOptions, module: "commonjs", moduleResolution: "node" } };
        fs.writeFileSync(path.join(consumerDir, "tsconfig.node10.json"), JSON.stringify(node10));
        const tsc = path.join("node_modules", "typescript", "bin", "tsc");
        tscRuns = Promise.all(["tsconfig.json", "tsconfig.node10.json"].map((p) => run(process.execPath, [tsc, "-p", p, "--noEmit", "--listFiles", "--pretty", "false"], consumerDir)));

        // Both launched as the CLI launches them, at once; ts-node's cache (the launcher's vendored ts-node keeps
        // one) inside the temp directory, so each run type-checks from scratch and leaves nothing behind.
        const env = { TS_NODE_CACHE_DIRECTORY: path.join(tmp, "ts-node-cache"), PULUMI_CONFIG: "{}" };
        const [a, b] = await Promise.all([PackProcess.launch(consumerDir, env, LAUNCH_TIMEOUT), PackProcess.launch(copyDir, env, LAUNCH_TIMEOUT)]);
        consumer = { pack: a, info: await a.info() };
        copy = { pack: b, info: await b.info() };
        timings["launch with type-checking (team pack)"] = a.startMs;
        timings["launch with type-checking (copied directory)"] = b.startMs;
        timings["setup"] = Date.now() - t0;
    });

    after(async function () {
        this.timeout(180_000);
        const t0 = Date.now();
        await Promise.all([consumer?.pack.stop(), copy?.pack.stop(), tscRuns?.catch(() => undefined)]);
        timings["stop"] = Date.now() - t0;
        if (tmp !== undefined) {
            const t1 = Date.now();
            await fs.promises.rm(tmp, { recursive: true, force: true });
            timings["cleanup"] = Date.now() - t1;
        }
        if (Object.keys(timings).length > 0) {
            console.log(`      package test timings (ms): ${Object.entries(timings).map(([k, v]) => `${k} ${v}`).join(", ")}`);
        }
    });

    describe("the tarball", () => {
        it("ships the pack entry's sources, compiled JavaScript and declarations for every module, and its docs", () => {
            for (const f of ["package.json", "PulumiPolicy.yaml", "README.md", "CHANGELOG.md", "versions.json", "tsconfig.json", PKG.main]) {
                assert.ok(tarFiles.includes(f), f);
            }
            const sources = tarFiles.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
            assert.ok(sources.length > allRules.length, "sources");
            for (const s of sources) {
                assert.ok(tarFiles.includes(`dist/${s.replace(/\.ts$/, ".js")}`), `dist for ${s}`);
                assert.ok(tarFiles.includes(`dist/${s.replace(/\.ts$/, ".d.ts")}`), `declarations for ${s}`);
            }
            assert.deepEqual(tarFiles.filter((f) => f.startsWith("scripts/") || f.includes("node_modules/")), []);
        });

        it("every exports target, the types and typesVersions entries are in it", () => {
            const targets = Object.values(PKG.exports).flatMap((t) => (typeof t === "string" ? [t] : [t.types, t.default]));
            targets.push(PKG.types, ...Object.values(PKG.typesVersions["*"]).flat());
            for (const t of targets) {
                assert.ok(tarFiles.includes(t.replace(/^\.\//, "")), t);
            }
            const sub = Object.keys(PKG.exports).filter((k) => k !== "." && k !== "./package.json");
            assert.deepEqual(Object.keys(PKG.typesVersions["*"]).sort(), sub.map((k) => k.slice(2)).sort(), "typesVersions mirrors exports (TypeScript's node10 resolution ignores exports)");
        });

        it("the library entries create no PolicyPack; the pack entry creates ours", async () => {
            const entries = Object.keys(PKG.exports).filter((k) => k !== "./package.json");
            const results = await Promise.all(
                entries.map(async (k) => {
                    const spec = k === "." ? PKG.name : `${PKG.name}/${k.slice(2)}`;
                    // A library entry must let the process end by itself (a served pack would keep it alive until the
                    // guard ends it, after printing its port); the pack entry is given 3 s to print its port.
                    const code =
                        k === PACK_EXPORT
                            ? `require(${JSON.stringify(spec)}); setTimeout(() => process.exit(0), 3000);`
                            : `setTimeout(() => process.exit(3), 20000).unref(); const m = require(${JSON.stringify(spec)}); console.log("exports: " + Object.keys(m).sort().join(","));`;
                    const r = await run(process.execPath, ["-e", code], consumerDir, cleanEnv());
                    return { k, r };
                }),
            );
            for (const { k, r } of results) {
                if (k === PACK_EXPORT) {
                    assert.match(r.stdout, /^\d+$/m, `${k} serves a pack: ${r.stderr}`);
                } else {
                    assert.equal(r.code, 0, `${k}: ${r.stderr}`);
                    assert.doesNotMatch(r.stdout, /^\d+$/m, `${k} must not serve a pack`);
                }
            }
            const root = results.find((x) => x.k === ".");
            assert.match(root?.r.stdout ?? "", /exports: .*allRules.*groups.*selectPolicies/);
        });
    });

    describe("a team's pack built with selectPolicies, from the installed tarball", () => {
        const rules = (): PackRule[] => selectPolicies(SELECTION);

        it("selects two groups less one policy, with the waiver report last", () => {
            const names = rules().map((r) => r.name);
            assert.ok(!names.includes("s3-bucket-requires-tls13"));
            assert.ok(names.includes("s3-bucket-public-access-blocked") && names.includes("sqs-queue-encrypted-with-cmk"));
            assert.equal(names[names.length - 1], "policy-waivers-applied");
        });

        protocolChecks("launched by run-policy-pack", () => consumer as NonNullable<typeof consumer>, rules, CONSUMER.name, CONSUMER.version);

        it("tsc type-checks it with nodenext and with node10 resolution (typesVersions), our modules from dist/*.d.ts", async () => {
            for (const r of await tscRuns) {
                const lines = r.stdout.split("\n");
                // @pulumi/policy's own index.d.ts re-exports names its proxy.d.ts does not declare (without skipLibCheck).
                const errors = lines.filter((l) => /error TS\d+/.test(l) && !l.startsWith("node_modules/@pulumi/policy/"));
                assert.deepEqual(errors, []);
                const ours = lines.filter((l) => l.includes(`node_modules/${PKG.name}/`)).map((l) => l.slice(l.indexOf(PKG.name) + PKG.name.length + 1));
                assert.ok(ours.includes("dist/library.d.ts") && ours.includes("dist/select.d.ts"), ours.join("\n"));
                assert.deepEqual(ours.filter((f) => !f.startsWith("dist/") || !f.endsWith(".d.ts")), [], "declarations only, never the shipped sources");
            }
        });

        it("through the gate: npm run gate -- --policy-pack <the team's pack> on a fixture program", async function () {
            this.timeout(180_000);
            const cfg = path.join(tmp, "gate-config.json");
            fs.writeFileSync(cfg, JSON.stringify({ all: "mandatory", "s3-bucket-encrypted-with-cmk": { waivers: [{ resource: "raw", reason: "legacy bucket", expires: "2999-12-31" }] } }));
            const r = await gate(["--cwd", fixture("violating"), "--policy-pack", consumerDir, "--policy-pack-config", cfg, "--format", "json"]);
            assert.ok(r.stdout.trim().startsWith("{"), `expected the gate's JSON report; exit ${String(r.code)}, stderr: ${r.stderr}`);
            const j = JSON.parse(r.stdout) as {
                policyPacks: { name: string; version: string }[];
                violations: { policy: string; enforcementLevel: string; urn: string }[];
                waived: { policy: string; enforcementLevel: string; urn: string; message: string }[];
                summary: { policies: number; passed: boolean };
            };
            assert.deepEqual(j.policyPacks.map((p) => [p.name, p.version]), [[CONSUMER.name, CONSUMER.version]]);
            assert.equal(j.summary.policies, rules().length);
            const selected = new Set(rules().map((x) => x.name));
            assert.deepEqual(j.violations.filter((v) => !selected.has(v.policy)), []);
            const urn = (n: string): string => `urn:pulumi:dev::fixture-violating::aws:s3/bucket:Bucket::${n}`;
            assert.deepEqual(j.violations.filter((v) => v.policy === "s3-bucket-encrypted-with-cmk").map((v) => [v.urn, v.enforcementLevel]), [[urn("logs"), "mandatory"]]);
            assert.deepEqual(j.waived.map((w) => [w.policy, w.urn, w.enforcementLevel]), [["policy-waivers-applied", urn("raw"), "advisory"]]);
            assert.match(j.waived[0].message, /policy "s3-bucket-encrypted-with-cmk" is waived for raw until 2999-12-31 \(legacy bucket\)/);
            assert.equal(r.code, 1, r.stderr);
            assert.equal(j.summary.passed, false);
        });
    });

    describe("our pack from a copy of its directory with its own npm install", () => {
        protocolChecks("launched by run-policy-pack", () => copy as NonNullable<typeof copy>, () => [...allRules], "e2ee-pipeline-policies", PKG.version);
    });
});
