/**
 * Default providers: the engine registers one per package, version and download URL for the resources, reads and
 * invokes that name no provider, and analyzes it like any resource; the gate does the same
 * (host/default-providers.ts, shared/default-providers.ts), and counts them apart from the program's resources.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ResourceMessages } from "../../gate/src/packs/messages";
import { defaultProviderInputs, defaultProviderName, disabledDefaultProviders, intoQName, isDenied, parseStrictSemver } from "../../gate/src/shared/default-providers";
import type { RecordedResource } from "../../gate/src/shared/types";
import { FIXTURES, gate, ROOT, SECRET_SIG, SECRET_VALUE_SIG, UNKNOWN } from "./helpers";

const DIR = path.join(FIXTURES, "default-providers");
const PACK = path.join(FIXTURES, "packs", "providers");
const version = (pkg: string): string => (JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", "@pulumi", pkg, "package.json"), "utf8")) as { version: string }).version;
const defaultUrn = (stack: string, pkg: string): string => `urn:pulumi:${stack}::fixture-default-providers::pulumi:providers:${pkg}::default_${version(pkg).replace(/\./g, "_")}`;

interface Report {
    resources: number;
    defaultProviders: number;
    violations: { policy: string; urn: string; resourceType: string; enforcementLevel: string; message: string; source: unknown }[];
    summary: { resources: number; passed: boolean };
}

describe("gate default providers (CLI)", function () {
    this.timeout(180_000);

    it("a policy on provider resources judges the default provider: no region in the stack's config fails the gate", async () => {
        const r = await gate(["--cwd", DIR, "--stack", "noregion", "--policy-pack", PACK, "--format", "json"]);
        assert.equal(r.code, 1, r.stderr);
        const j = JSON.parse(r.stdout) as Report;
        const mandatory = j.violations.filter((v) => v.enforcementLevel === "mandatory");
        assert.deepEqual(
            mandatory.map((v) => [v.policy, v.urn, v.resourceType, v.source]),
            [["aws-provider-region", defaultUrn("noregion", "aws"), "pulumi:providers:aws", null]],
        );
        assert.ok(mandatory[0]?.message.endsWith(`provider 'default_${version("aws").replace(/\./g, "_")}' names no region`), mandatory[0]?.message);
        // Counted apart: the program's 5 registrations, as Pulumi's own mocks count them, and 2 default providers.
        assert.equal(j.resources, 5);
        assert.equal(j.summary.resources, 5);
        assert.equal(j.defaultProviders, 2);
    });

    it("AnalyzeStack lists the default provider with the explicit one; the text report counts default providers apart", async () => {
        const [j, t] = await Promise.all([
            gate(["--cwd", DIR, "--stack", "dev", "--policy-pack", PACK, "--format", "json"]),
            gate(["--cwd", DIR, "--stack", "dev", "--policy-pack", PACK]),
        ]);
        assert.equal(j.code, 0, j.stderr);
        const listed = (JSON.parse(j.stdout) as Report).violations.filter((v) => v.policy === "aws-providers-listed").map((v) => v.message.split("\n")[1]);
        assert.deepEqual(listed.sort(), [`default_${version("aws").replace(/\./g, "_")}: region us-east-1, version ${version("aws")}`, `euw1: region eu-west-1, version ${version("aws")}`].sort());
        const lines = t.stdout.split("\n");
        assert.ok(lines.includes("Resources: 5. Policies: 2 in 1 pack(s). Violations: 0 mandatory, 2 advisory. Waived: 0. Undecided: 0."), t.stdout);
        assert.ok(
            lines.includes(
                `Default providers: 2 (pulumi:providers:aws::default_${version("aws").replace(/\./g, "_")}, pulumi:providers:random::default_${version("random").replace(/\./g, "_")}), analyzed as the engine registers them; not counted in Resources.`,
            ),
            t.stdout,
        );
    });

    it("pulumi:disable-default-providers: a resource that needs a disabled default provider fails the run with the engine's message", async () => {
        const r = await gate(["--cwd", DIR, "--stack", "norandom", "--policy-pack", PACK]);
        assert.equal(r.code, 2, r.stderr);
        const first = r.stderr.split("\n").find((l) => l.startsWith("error: "));
        assert.equal(
            first,
            "error: [program] the program failed: Default provider for 'random' disabled. 'urn:pulumi:norandom::fixture-default-providers::random:index/randomId:RandomId::suffix' must use an explicit provider. (at index.ts:7)",
        );
    });
});

describe("gate default providers: the engine's rules", () => {
    it("names: default, then the version's parts, then the download URL as a QName (ProviderRequest.DefaultName)", () => {
        const table: [string, string, string][] = [
            ["", "", "default"],
            ["7.48.0", "", "default_7_48_0"],
            ["1.0.0-alpha.1", "", "default_1_0_0_alpha_1"],
            ["1.0.0-rc.1+build.5", "", "default_1_0_0_rc_1_build_5"],
            ["1.2.3", "github://api.github.com/pulumiverse/", "default_1_2_3_github_/api.github.com/pulumiverse"],
            ["", "https://example.com/x", "default_https_/example.com/x"],
            ["", "https://exämple.com", "default_https_/ex__mple.com"],
        ];
        for (const [v, url, want] of table) assert.equal(defaultProviderName(v, url), want, `${v} ${url}`);
        assert.equal(intoQName("//"), "_");
    });

    it("versions parse as the engine parses them (strict semver)", () => {
        for (const ok of ["1.2.3", "0.0.0", "1.2.3-alpha.0", "1.2.3+001", "10.20.30-x-y.1+b.2"]) assert.ok(parseStrictSemver(ok), ok);
        for (const bad of ["v1.2.3", "1.2", "01.2.3", "1.2.3-", "1.2.3-01", "1.2.3+", "1.2.3-a..b", "1.2.3.4"]) assert.equal(parseStrictSemver(bad), undefined, bad);
    });

    it("pulumi:disable-default-providers: a JSON list, '*' for all, never the pulumi package; malformed values are errors", () => {
        assert.deepEqual(disabledDefaultProviders({}), { packages: [] });
        assert.deepEqual(disabledDefaultProviders({ "pulumi:disable-default-providers": "" }), { packages: [] });
        assert.deepEqual(disabledDefaultProviders({ "pulumi:disable-default-providers": '[" aws ", "random"]' }), { packages: ["aws", "random"] });
        assert.ok("error" in disabledDefaultProviders({ "pulumi:disable-default-providers": "aws" }));
        assert.deepEqual(disabledDefaultProviders({ "pulumi:disable-default-providers": "[1]" }), { error: "pulumi:disable-default-providers[0] must be a string" });
        assert.equal(isDenied("aws", ["*"]), true);
        assert.equal(isDenied("pulumi", ["*"]), false);
        assert.equal(isDenied("aws", ["random"]), false);
    });

    it("inputs: the package's config (secure values as secrets: decrypted with their value, else unknown), version, and __internal with the download URL", () => {
        const config = { "aws:region": "us-east-1", "aws:skipMetadataApiCheck": "false", "random:x": "1", "proj:name": "n" };
        assert.deepEqual(defaultProviderInputs("aws", config, ["aws:accessKey"], "7.48.0", ""), {
            region: "us-east-1",
            skipMetadataApiCheck: "false",
            accessKey: { [SECRET_SIG]: SECRET_VALUE_SIG, value: UNKNOWN },
            __internal: {},
            version: "7.48.0",
        });
        // A secure value the gate decrypted (its value in the config): a secret with that value.
        assert.deepEqual(defaultProviderInputs("aws", { ...config, "aws:secretKey": "s3cr3t" }, [], "", "", ["aws:secretKey"]), {
            region: "us-east-1",
            skipMetadataApiCheck: "false",
            secretKey: { [SECRET_SIG]: SECRET_VALUE_SIG, value: "s3cr3t" },
        });
        assert.deepEqual(defaultProviderInputs("aws", config, [], "", "https://example.com/"), { region: "us-east-1", skipMetadataApiCheck: "false", __internal: { pluginDownloadURL: "https://example.com" } });
        // The dynamic providers get every key, namespaced.
        assert.deepEqual(defaultProviderInputs("pulumi-nodejs", config, [], "", ""), config);
    });

    it("Analyze: a resource's default provider is the recorded one, its inputs as analyzers see them (no __ keys)", () => {
        const base = () => ({ dependencies: [], propertyDependencies: {}, provider: "", options: { protect: false, ignoreChanges: [], additionalSecretOutputs: [], aliases: [], replaceOnChanges: [] }, read: false });
        const provider: RecordedResource = {
            ...base(),
            urn: "urn:pulumi:dev::p::pulumi:providers:aws::default_7_48_0",
            type: "pulumi:providers:aws",
            name: "default_7_48_0",
            custom: true,
            parent: "",
            properties: defaultProviderInputs("aws", { "aws:region": "eu-west-1" }, ["aws:secretKey"], "7.48.0", ""),
            isDefaultProvider: true,
        };
        const bucket: RecordedResource = { ...base(), urn: "urn:pulumi:dev::p::aws:s3/bucket:Bucket::b", type: "aws:s3/bucket:Bucket", name: "b", custom: true, parent: "", properties: {}, defaultProvider: provider.urn };
        const m = new ResourceMessages([provider, bucket], { "aws:region": "eu-west-1" });
        const p = m.analyzeRequest(bucket)?.getProvider();
        assert.deepEqual([p?.getUrn(), p?.getName(), p?.getProperties()?.toJavaScript()], [
            provider.urn,
            "default_7_48_0",
            { region: "eu-west-1", secretKey: { [SECRET_SIG]: SECRET_VALUE_SIG, value: UNKNOWN }, version: "7.48.0" },
        ]);
        assert.deepEqual(m.analyzeRequest(provider)?.getProperties()?.toJavaScript(), p?.getProperties()?.toJavaScript());
        assert.deepEqual(m.analyzeStackRequest().getResourcesList().map((r) => r.getUrn()), [provider.urn, bucket.urn]);
    });
});
