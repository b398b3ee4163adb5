/**
 * The pure parts of remote-component support: the plugin cache lookup as the engine does it
 * (sdk/go/common/workspace/plugins.go), the default provider's name, Construct's outputs as the engine returns
 * them to the program, the plugin's port line, Configure's variables, children's inherited source statement.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { withRemoteSources } from "../../gate/src/cli/run";
import { compareVersions, declaredPluginVersion, findResourcePlugin, listInstalledPlugins, parseVersion, pluginCacheDir, selectPlugin, type InstalledPlugin } from "../../gate/src/host/plugins";
import { parsePort } from "../../gate/src/host/engine-worker";
import { configVariables, containsUnknowns, unwrapSecrets } from "../../gate/src/host/provider-plugin";
import { defaultProviderName, downgradeOutputs, parallelism, withoutResourceRefs } from "../../gate/src/host/remote";
import type { ProgramNote, RecordedResource } from "../../gate/src/shared/types";
import { recordedResource, SECRET_SIG, SECRET_VALUE_SIG, UNKNOWN } from "./helpers";

const OUTPUT = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
const REF = "5cf8f73096256a8f31e491e813e4eb8e";

function tmp(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "gate-plugins-"));
}

/** A plugin cache with the given directories (each with an executable `pulumi-resource-<name>`). */
function cache(dirs: string[], extra: (root: string) => void = () => undefined): string {
    const home = tmp();
    const root = path.join(home, "plugins");
    fs.mkdirSync(root, { recursive: true });
    for (const d of dirs) {
        fs.mkdirSync(path.join(root, d));
        const m = /^resource-(.+)-v/.exec(d);
        if (m !== null) fs.writeFileSync(path.join(root, d, `pulumi-resource-${m[1]}`), "#!/bin/sh\n", { mode: 0o755 });
    }
    extra(root);
    return home;
}

const env = (home: string, more: Record<string, string> = {}): NodeJS.ProcessEnv => ({ PULUMI_HOME: home, PATH: "", ...more });

describe("gate: plugin cache lookup and remote-component helpers", () => {
    describe("versions (blang/semver ParseTolerant and precedence)", () => {
        it("parses tolerantly: v prefix, short versions, leading zeros; rejects what semver rejects", () => {
            const table: [string, [number, number, number, (string | number)[]] | undefined][] = [
                ["1.2.3", [1, 2, 3, []]],
                ["v2.21.0", [2, 21, 0, []]],
                ["1.2", [1, 2, 0, []]],
                ["3", [3, 0, 0, []]],
                ["01.02.03", [1, 2, 3, []]],
                ["1.0.0-alpha.1+sha.abc", [1, 0, 0, ["alpha", 1]]],
                ["1.0.0-rc.1.x-y", [1, 0, 0, ["rc", 1, "x-y"]]],
                ["1.2-beta", undefined],
                ["1.0.0-01", undefined],
                ["x.y.z", undefined],
                ["", undefined],
            ];
            for (const [text, want] of table) {
                const v = parseVersion(text);
                assert.deepEqual(v === undefined ? undefined : [v.major, v.minor, v.patch, [...v.pre]], want, text);
            }
        });
        it("orders by precedence: prerelease before release, numeric before alphanumeric, build ignored", () => {
            const order = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0"];
            for (let i = 0; i + 1 < order.length; i++) {
                assert.ok(compareVersions(parseVersion(order[i] as string)!, parseVersion(order[i + 1] as string)!) < 0, `${order[i]} < ${order[i + 1]}`);
            }
            assert.equal(compareVersions(parseVersion("1.0.0+a")!, parseVersion("1.0.0+b")!), 0);
        });
    });

    describe("the cache as `pulumi plugin ls` lists it", () => {
        it("reads <kind>-<name>-v<version> directories; skips .partial installs, .tmp<digits> directories, lock files, other kinds and names", () => {
            const home = cache(
                ["resource-awsx-v2.21.0", "resource-awsx-v2.22.0", "resource-aws-native-v1.2.3", "resource-eks-v3.0.0", "resource-eks-v3.1.0.tmp123456", "analyzer-policy-v1.0.0", "language-nodejs-v3.0.0", "widget-x-v1.0.0", "resource-bad-vx.y"],
                (root) => {
                    fs.writeFileSync(path.join(root, "resource-awsx-v2.22.0.partial"), "");
                    fs.writeFileSync(path.join(root, "resource-eks-v3.0.0.lock"), "");
                    fs.writeFileSync(path.join(root, "resource-eks-v3.0.0.lastused"), "");
                    fs.writeFileSync(path.join(root, "resource-file-v1.0.0"), "not a directory");
                },
            );
            const got = listInstalledPlugins(pluginCacheDir(env(home)))
                .map((p) => `${p.kind} ${p.name} ${p.version.text}`)
                .sort();
            assert.deepEqual(got, ["analyzer policy 1.0.0", "language nodejs 3.0.0", "resource aws-native 1.2.3", "resource awsx 2.21.0", "resource eks 3.0.0"]);
            assert.deepEqual(listInstalledPlugins(path.join(home, "nowhere")), []);
        });
        it("PULUMI_HOME, else ~/.pulumi", () => {
            assert.equal(pluginCacheDir({ PULUMI_HOME: "/opt/pulumi" }), path.join("/opt/pulumi", "plugins"));
            assert.equal(pluginCacheDir({}), path.join(os.homedir(), ".pulumi", "plugins"));
        });
    });

    describe("version selection as the engine's", () => {
        const installed = (versions: string[]): InstalledPlugin[] => versions.map((v) => ({ kind: "resource", name: "awsx", version: parseVersion(v)!, dir: `/c/resource-awsx-v${v}` }));
        const pick = (versions: string[], requested: string | undefined, legacy = false) =>
            selectPlugin(installed(versions), "resource", "awsx", requested === undefined ? undefined : parseVersion(requested), legacy)?.version.text;
        it("a requested version: exactly that version (SelectCompatiblePlugin), not a newer one", () => {
            assert.equal(pick(["2.20.0", "2.21.0", "2.22.0"], "2.21.0"), "2.21.0");
            assert.equal(pick(["2.20.0", "2.22.0"], "2.21.0"), undefined);
            assert.equal(pick(["2.21.0+build1"], "2.21.0"), "2.21.0+build1");
        });
        it("a requested prerelease: exactly that prerelease (SelectPrereleasePlugin)", () => {
            assert.equal(pick(["3.0.0-alpha.1", "3.0.0"], "3.0.0-alpha.1"), "3.0.0-alpha.1");
            assert.equal(pick(["3.0.0"], "3.0.0-alpha.1"), undefined);
        });
        it("no version, or PULUMI_ENABLE_LEGACY_PLUGIN_SEARCH: the newest at least the requested, releases before prereleases", () => {
            assert.equal(pick(["2.20.0", "2.22.0", "2.21.0"], undefined), "2.22.0");
            assert.equal(pick(["2.22.0", "3.0.0-alpha.1"], undefined), "2.22.0");
            assert.equal(pick(["3.0.0-alpha.1", "3.0.0-alpha.2"], undefined), "3.0.0-alpha.2");
            assert.equal(pick(["2.20.0", "2.22.0"], "2.21.0", true), "2.22.0");
            assert.equal(pick(["2.20.0"], "2.21.0", true), undefined);
        });
    });

    describe("findResourcePlugin", () => {
        it("finds the cache entry and its executable; names the installed versions when the requested one is missing", () => {
            const home = cache(["resource-gatetest-v0.2.0"]);
            const miss = findResourcePlugin("gatetest", "0.1.0", [], env(home));
            assert.equal(miss.found, undefined);
            assert.equal(
                "reason" in miss ? miss.reason : "",
                `the resource plugin gatetest 0.1.0 is not installed (not in ${path.join(home, "plugins")}; installed: 0.2.0 (the engine runs the exact version the program asks for and would download it)); \`pulumi plugin install resource gatetest 0.1.0\` installs it`,
            );
            const hit = findResourcePlugin("gatetest", "0.2.0", [], env(home));
            assert.deepEqual(hit.found, {
                name: "gatetest",
                version: "0.2.0",
                source: "cache",
                dir: path.join(home, "plugins", "resource-gatetest-v0.2.0"),
                run: { kind: "executable", path: path.join(home, "plugins", "resource-gatetest-v0.2.0", "pulumi-resource-gatetest") },
            });
            assert.equal(findResourcePlugin("gatetest", "", [], env(home)).found?.version, "0.2.0");
        });
        it("a directory with PulumiPlugin.yaml and no executable runs through its runtime", () => {
            const home = cache([]);
            const dir = path.join(home, "plugins", "resource-gatetest-v0.1.0");
            fs.mkdirSync(dir);
            fs.writeFileSync(path.join(dir, "PulumiPlugin.yaml"), "runtime:\n  name: nodejs\n  options:\n    typescript: false\n");
            assert.deepEqual(findResourcePlugin("gatetest", "0.1.0", [], env(home)).found?.run, { kind: "runtime", runtime: "nodejs", options: { typescript: false } });
        });
        it("$PATH first (unless PULUMI_IGNORE_AMBIENT_PLUGINS is true), project plugins before both", () => {
            const home = cache(["resource-gatetest-v0.1.0"]);
            const bin = tmp();
            fs.writeFileSync(path.join(bin, "pulumi-resource-gatetest"), "#!/bin/sh\n", { mode: 0o755 });
            const project = tmp();
            fs.writeFileSync(path.join(project, "pulumi-resource-gatetest"), "#!/bin/sh\n", { mode: 0o755 });
            assert.equal(findResourcePlugin("gatetest", "0.1.0", [], env(home, { PATH: bin })).found?.source, "path");
            assert.equal(findResourcePlugin("gatetest", "0.1.0", [], env(home, { PATH: bin, PULUMI_IGNORE_AMBIENT_PLUGINS: "true" })).found?.source, "cache");
            assert.equal(findResourcePlugin("gatetest", "0.1.0", [], env(home, { PATH: bin, PULUMI_IGNORE_AMBIENT_PLUGINS: "no" })).found?.source, "path");
            assert.equal(findResourcePlugin("gatetest", "0.1.0", [{ name: "gatetest", path: project }], env(home, { PATH: bin })).found?.source, "project");
            // A project plugin whose version differs from the requested one is skipped.
            assert.equal(findResourcePlugin("gatetest", "0.1.0", [{ name: "gatetest", path: project, version: "0.3.0" }], env(home, { PATH: bin })).found?.source, "path");
        });
    });

    it("the plugin version the program's node_modules declare (pulumi.resource packages), for a registration without one", () => {
        const dir = tmp();
        const pkg = (rel: string, json: object) => {
            fs.mkdirSync(path.join(dir, "node_modules", rel), { recursive: true });
            fs.writeFileSync(path.join(dir, "node_modules", rel, "package.json"), JSON.stringify(json));
        };
        pkg("@pulumi/awsx", { name: "@pulumi/awsx", version: "2.21.0", pulumi: { resource: true } });
        pkg("@pulumi/eks", { name: "@pulumi/eks", version: "3.1.0", pulumi: { resource: true, name: "eks", version: "3.1.1" } });
        pkg("their-component", { name: "their-component", version: "1.0.0", pulumi: { resource: true, name: "theirs" } });
        pkg("@pulumi/pulumi", { name: "@pulumi/pulumi", version: "3.270.0" });
        assert.equal(declaredPluginVersion(dir, "awsx"), "2.21.0");
        assert.equal(declaredPluginVersion(dir, "eks"), "3.1.1");
        assert.equal(declaredPluginVersion(dir, "theirs"), "1.0.0");
        assert.equal(declaredPluginVersion(dir, "pulumi"), "");
        assert.equal(declaredPluginVersion(path.join(dir, "none"), "awsx"), "");
    });

    describe("what the engine sends and returns", () => {
        it("default provider names: default_<major>_<minor>_<patch>[_pre...][_build...][_<download URL>]", () => {
            assert.equal(defaultProviderName("", ""), "default");
            assert.equal(defaultProviderName("2.21.0", ""), "default_2_21_0");
            assert.equal(defaultProviderName("3.0.0-alpha.1+abc", ""), "default_3_0_0_alpha_1_abc");
            assert.equal(defaultProviderName("1.0.0", "https://example.com/x"), "default_1_0_0_https_/example.com/x");
            assert.equal(defaultProviderName("", "github://api.github.com/org/2fa~x"), "default_github_/api.github.com/org/2fa_x");
        });
        it("Construct's outputs: output values become their value (unknown if none), secret when secret, their URNs dependencies", () => {
            const out = downgradeOutputs(
                {
                    plain: "x",
                    known: { [SECRET_SIG]: OUTPUT, value: "v", dependencies: ["urn:a"] },
                    unknown: { [SECRET_SIG]: OUTPUT, dependencies: ["urn:b"] },
                    secret: { [SECRET_SIG]: OUTPUT, value: 1, secret: true },
                    nested: { list: [{ [SECRET_SIG]: OUTPUT, value: true, dependencies: ["urn:c"] }] },
                },
                { plain: ["urn:p"], known: ["urn:a", "urn:k"] },
            );
            assert.deepEqual(out.object, { plain: "x", known: "v", unknown: UNKNOWN, secret: { [SECRET_SIG]: SECRET_VALUE_SIG, value: 1 }, nested: { list: [true] } });
            assert.deepEqual(out.dependencies, { plain: ["urn:p"], known: ["urn:a", "urn:k"], unknown: ["urn:b"], nested: ["urn:c"] });
        });
        it("resource references as ID (unknown when empty) or URN for a plugin that does not accept references", () => {
            assert.deepEqual(
                withoutResourceRefs({ a: { [SECRET_SIG]: REF, urn: "urn:r", id: "i-1" }, b: [{ [SECRET_SIG]: REF, urn: "urn:c" }], c: { [SECRET_SIG]: REF, urn: "urn:d", id: "" } }),
                { a: "i-1", b: ["urn:c"], c: UNKNOWN },
            );
        });
        it("the port line: trimmed, .NET progress escapes removed, 1-65535", () => {
            assert.equal(parsePort("12345\n"), 12345);
            assert.equal(parsePort(" 8080\r"), 8080);
            assert.equal(parsePort("\x1b]9;4;3;\x1b\\4242\x1b]9;4;0;\x1b\\"), 4242);
            assert.equal(parsePort("0"), undefined);
            assert.equal(parsePort("70000"), undefined);
            assert.equal(parsePort("listening on 80"), undefined);
        });
        it("Configure's variables: <pkg>:config:<key>, secrets unwrapped, non-strings as JSON, version left out", () => {
            assert.deepEqual(configVariables("awsx", { region: "eu-west-1", version: "2.21.0", tags: { a: "b" }, token: { [SECRET_SIG]: SECRET_VALUE_SIG, value: "s" } }), {
                "awsx:config:region": "eu-west-1",
                "awsx:config:tags": '{"a":"b"}',
                "awsx:config:token": "s",
            });
            assert.deepEqual(unwrapSecrets([{ [SECRET_SIG]: SECRET_VALUE_SIG, value: { x: 1 } }]), [{ x: 1 }]);
            assert.equal(containsUnknowns({ a: [1, UNKNOWN] }), true);
            assert.equal(containsUnknowns({ a: [1, "x"] }), false);
        });
        it("parallel: PULUMI_PARALLEL when positive, else 4 per CPU", () => {
            assert.equal(parallelism({ PULUMI_PARALLEL: "7" }), 7);
            assert.equal(parallelism({ PULUMI_PARALLEL: "0" }), os.availableParallelism() * 4);
            assert.equal(parallelism({}), os.availableParallelism() * 4);
        });
    });

    describe("withRemoteSources", () => {
        const res = (urn: string, parent: string, line?: number): RecordedResource =>
            recordedResource("t", urn, { urn, parent, ...(line !== undefined ? { source: { file: "/p/index.ts", line, column: 1 } } : {}) });
        const constructed = (urn: string): ProgramNote => ({
            level: "info",
            message: "",
            remoteComponent: { urn, type: "t", package: "p", version: "", constructed: true },
        });
        it("children (at any depth) of a constructed component without a statement get the component's", () => {
            const rs = [res("stack", ""), res("comp", "stack", 7), res("child", "comp"), res("inner", "comp"), res("grandchild", "inner"), res("other", "stack"), res("own", "comp", 9)];
            const out = withRemoteSources(rs, [constructed("comp")]);
            assert.deepEqual(
                out.map((r) => [r.urn, r.source?.line]),
                [["stack", undefined], ["comp", 7], ["child", 7], ["inner", 7], ["grandchild", 7], ["other", undefined], ["own", 9]],
            );
            assert.deepEqual(withRemoteSources(rs, []), rs);
        });
    });
});
