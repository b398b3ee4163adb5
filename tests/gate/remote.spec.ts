/**
 * Remote components end to end: the fixture program (tests/fixtures/remote) declares a `remote: true` component
 * of package gatetest 0.1.0, whose provider plugin (tests/fixtures/remote-provider, written with
 * @pulumi/pulumi/provider) the tests install into a temporary PULUMI_HOME as the plugin cache lays it out.
 * With the plugin, the gate runs its Construct and the children are recorded and analyzed; without it, the
 * component is named in every report format and --fail-on-partial exits 2. tests/fixtures/remote-late registers
 * its components late (inside an apply, from a beforeExit hook): the run still ends when the program drains,
 * with every component constructed by one plugin process, which is stopped at the end.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import AjvDraft04 from "ajv-draft-04";
import type * as sarif from "sarif";
import { runProgram, type ProgramRun } from "../../gate/src/cli/program";
import { readProject, readStack } from "../../gate/src/cli/project";
import type { RecordedResource } from "../../gate/src/shared/types";
import { BASIC_PACK, fixture, gate, installFixturePlugin, ROOT, SECRET_SIG, SECRET_VALUE_SIG, UNKNOWN, type CliResult } from "./helpers";

const DIR = fixture("remote");
const LATE = fixture("remote-late");
const URN = (qt: string, name: string, stack = "dev") => `urn:pulumi:${stack}::fixture-remote::${qt}::${name}`;
const STORE = URN("gatetest:index:Store", "data");
const STACK = URN("pulumi:pulumi:Stack", "fixture-remote-dev");
const KEY = URN("aws:kms/key:Key", "records");
const SCHEMA = path.join(ROOT, "node_modules", "@microsoft", "jest-sarif", "lib", "schemas", "sarif-2.1.0-rtm.5.json");
const NOT_ANALYZED = "the resources the gatetest provider plugin creates inside the component (its children) were not registered, so no policy saw them";

function home(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "gate-pulumi-home-"));
}

/**
 * The gate's preview with PULUMI_HOME set and no plugin taken from $PATH (the simulated deployment, which runs
 * its own program host and so its own plugins, is left out unless `simulate`).
 */
function gateWith(pulumiHome: string, args: readonly string[], simulate = false): Promise<CliResult> {
    return gate(["--cwd", DIR, "--policy-pack", BASIC_PACK, ...(simulate ? [] : ["--no-simulate"]), ...args], { PULUMI_HOME: pulumiHome, PULUMI_IGNORE_AMBIENT_PLUGINS: "true" });
}

function json(r: CliResult): { resources: number; violations: { policy: string; urn: string; source: unknown }[]; notes: unknown[]; partial: boolean; summary: { passed: boolean } } {
    assert.ok(r.stdout.trim().startsWith("{"), `expected JSON on stdout; stderr: ${r.stderr}`);
    return JSON.parse(r.stdout);
}

/** The program host alone (no packs), with PULUMI_HOME for its plugin lookup (and more variables in `env`). */
function hostRun(pulumiHome: string, dir = DIR, env: Record<string, string> = {}, stack = "dev"): Promise<ProgramRun> {
    const project = readProject(dir);
    const s = readStack(project, stack);
    const vars: Record<string, string> = { PULUMI_HOME: pulumiHome, PULUMI_IGNORE_AMBIENT_PLUGINS: "true", ...env };
    const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    Object.assign(process.env, vars);
    try {
        // The child process copies the environment when it is spawned, synchronously in runProgram.
        return runProgram({ programDir: dir, main: project.main, project: project.name, stack, organization: "organization", config: s.config, secureKeys: s.secureKeys, typescript: true }, 60_000);
    } finally {
        for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
    }
}

/** The process ids the fixture plugin's processes wrote into `dir` (GATETEST_PID_DIR). */
function pluginPids(dir: string): number[] {
    return fs.readdirSync(dir).map(Number);
}

/** A process's state and parent (Linux /proc/<pid>/stat), undefined when it is gone. */
function procStat(pid: number): { state: string; ppid: number } | undefined {
    try {
        const m = /\)\s+(\S)\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
        return m === null ? undefined : { state: m[1] as string, ppid: Number(m[2]) };
    } catch {
        return undefined;
    }
}

/** Whether a process runs (a zombie has ended). */
function running(pid: number): boolean {
    const s = procStat(pid);
    return s !== undefined && s.state !== "Z" && s.state !== "X";
}

/**
 * Runs the late fixture's `hang` stack in the program host alone and kills the host (SIGKILL, as on --timeout)
 * once its plugin process runs; resolves to the host run's error.
 */
async function killHostWithPlugin(pulumiHome: string, pidDir: string): Promise<Error> {
    const run = hostRun(pulumiHome, LATE, { GATETEST_PID_DIR: pidDir }, "hang").then(
        () => new Error("the program host finished; the hang stack should not"),
        (e: unknown) => e as Error,
    );
    const deadline = Date.now() + 60_000;
    let host: number | undefined;
    while (host === undefined && Date.now() < deadline) {
        const [pid] = pluginPids(pidDir);
        if (pid !== undefined) host = procStat(pid)?.ppid;
        else await new Promise((r) => setTimeout(r, 100));
    }
    if (host !== undefined) process.kill(host, "SIGKILL");
    return run;
}

function byName(rs: readonly RecordedResource[], name: string): RecordedResource {
    const r = rs.find((x) => x.name === name);
    assert.ok(r, `no resource named ${name}: ${rs.map((x) => x.name).join(", ")}`);
    return r;
}

/** Processes whose command line mentions `text` (Linux /proc; [] elsewhere). */
function processesMentioning(text: string): string[] {
    if (!fs.existsSync("/proc")) return [];
    const out: string[] = [];
    for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
        try {
            const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
            if (cmd.includes(text)) out.push(`${pid}: ${cmd}`);
        } catch {
            // gone
        }
    }
    return out;
}

describe("gate: remote components", function () {
    this.timeout(180_000);
    const installed = home();
    const runtimeLayout = home();
    const empty = home();
    const hanging = home();
    const exiting = home();
    let withPlugin: CliResult;
    let withRuntimePlugin: CliResult;
    let host: ProgramRun;
    let missingJson: CliResult;
    let missingText: CliResult;
    let missingSarif: CliResult;
    let failing: CliResult;
    let hung: CliResult;
    let exited: CliResult;
    let late: CliResult;
    let killed: Error;
    const pidDirs = { late: home(), killed: home() };

    before(async () => {
        installFixturePlugin(installed);
        installFixturePlugin(runtimeLayout, { runtime: true });
        // A plugin that never prints its port.
        const dir = path.join(hanging, "plugins", "resource-gatetest-v0.1.0");
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "pulumi-resource-gatetest"), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} -e "setInterval(() => {}, 1000)" gate-hanging-plugin "$@"\n`, { mode: 0o755 });
        // A plugin that exits before printing its port. Its last words come after its exit (a process it
        // started, sharing its stderr, writes them), as output still in the pipe when the exit is seen would.
        const exitingDir = path.join(exiting, "plugins", "resource-gatetest-v0.1.0");
        fs.mkdirSync(exitingDir, { recursive: true });
        fs.writeFileSync(path.join(exitingDir, "pulumi-resource-gatetest"), `#!/bin/sh\n(sleep 0.3; echo "gatetest: no credentials" >&2) &\nexit 7\n`, { mode: 0o755 });
        [withPlugin, withRuntimePlugin, host, missingJson, missingText, missingSarif, failing, late, killed, exited] = await Promise.all([
            gateWith(installed, ["--format", "json"]),
            gateWith(runtimeLayout, ["--format", "json"]),
            hostRun(installed),
            gateWith(empty, ["--format", "json"]),
            gateWith(empty, ["--fail-on-partial"]),
            gateWith(empty, ["--format", "sarif", "--output", path.join(empty, "report.sarif")]),
            gateWith(installed, ["--stack", "invalid"]),
            gate(["--cwd", LATE, "--policy-pack", BASIC_PACK, "--no-simulate", "--format", "json"], { PULUMI_HOME: installed, PULUMI_IGNORE_AMBIENT_PLUGINS: "true", GATETEST_PID_DIR: pidDirs.late }),
            killHostWithPlugin(installed, pidDirs.killed),
            gateWith(exiting, []),
        ]);
        // Alone, with its short --timeout: the run's type check has the machine to itself, as a user's has.
        hung = await gateWith(hanging, ["--timeout", "20"]);
    });

    describe("with the component's plugin installed", () => {
        it("registers the component and its children as the engine does: URNs, parents, types", () => {
            assert.deepEqual(
                host.resources.map((r) => [r.urn, r.parent, r.custom]).sort(),
                [
                    [STACK, "", false],
                    [KEY, STACK, true],
                    [STORE, STACK, false],
                    [URN("gatetest:index:Store$aws:kms/key:Key", "data-key"), STORE, true],
                    [URN("gatetest:index:Store$aws:kms/alias:Alias", "data-s3-default"), STORE, true],
                    [URN("gatetest:index:Store$aws:s3/bucket:Bucket", "data-bucket"), STORE, true],
                    [URN("gatetest:index:Store$aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "data-sse"), STORE, true],
                    [URN("aws:ssm/parameter:Parameter", "store-label"), STACK, true],
                    [URN("aws:ssm/parameter:Parameter", "store-bucket"), STACK, true],
                ].sort(),
            );
        });

        it("the children's inputs and dependencies are the plugin's, the program's values passed through Construct", () => {
            const rs = host.resources;
            const bucket = URN("gatetest:index:Store$aws:s3/bucket:Bucket", "data-bucket");
            assert.deepEqual(byName(rs, "data-key").properties, { enableKeyRotation: true });
            // The region tag is the offline answer to the plugin's getRegion invoke (the stack's aws:region).
            assert.deepEqual(byName(rs, "data-bucket").properties, { tags: { region: "eu-west-1" } });
            // The plugin's read of an existing resource is recorded as a read, as the program's reads are.
            const alias = byName(rs, "data-s3-default");
            assert.deepEqual([alias.read, alias.options.importId], [true, "alias/aws/s3"]);
            const sse = byName(rs, "data-sse");
            assert.deepEqual(sse.properties, { bucket: UNKNOWN, rules: [{ applyServerSideEncryptionByDefault: { kmsMasterKeyId: UNKNOWN, sseAlgorithm: "aws:kms" } }] });
            // The key ARN came from the program (ConstructRequest inputDependencies): its URN stays a dependency.
            assert.deepEqual(sse.propertyDependencies["rules"], [KEY]);
            assert.deepEqual(sse.propertyDependencies["bucket"], [bucket]);
            const store = byName(rs, "data");
            assert.deepEqual(store.dependencies, [KEY]);
            // The component is the program's statement; its children have none of their own in the program.
            assert.deepEqual([path.relative(DIR, store.source?.file ?? ""), store.source?.line], ["index.ts", 17]);
            assert.equal(byName(rs, "data-bucket").source, undefined);
        });

        it("the component's outputs from Construct go back to the program (known, unknown, with their dependencies)", () => {
            const rs = host.resources;
            const label = byName(rs, "store-label");
            assert.deepEqual(label.properties["value"], { [SECRET_SIG]: SECRET_VALUE_SIG, value: "store data" });
            assert.deepEqual(label.propertyDependencies["value"], [STORE]);
            const bucketName = byName(rs, "store-bucket");
            assert.deepEqual(bucketName.properties["value"], { [SECRET_SIG]: SECRET_VALUE_SIG, value: UNKNOWN });
            assert.deepEqual([...(bucketName.propertyDependencies["value"] ?? [])].sort(), [STORE, URN("gatetest:index:Store$aws:s3/bucket:Bucket", "data-bucket")].sort());
        });

        it("children are analyzed and counted: a child's violation is reported at the statement that declared the component", () => {
            assert.equal(withPlugin.code, 1, withPlugin.stderr);
            const j = json(withPlugin);
            assert.equal(j.resources, 9);
            assert.deepEqual(
                j.violations.map((v) => [v.policy, v.urn, v.source]),
                [["bucket-classification-tag", URN("gatetest:index:Store$aws:s3/bucket:Bucket", "data-bucket"), { file: "index.ts", line: 17, column: 15 }]],
            );
            assert.equal(j.partial, false);
            const plugin = path.join(installed, "plugins", "resource-gatetest-v0.1.0", "pulumi-resource-gatetest");
            assert.deepEqual(j.notes, [
                { level: "info", message: `${URN("gatetest:index:Store$aws:kms/alias:Alias", "data-s3-default")} is read from the cloud (get/lookup); offline its state is only its ID and the arguments passed` },
                { level: "info", message: "[provider plugin] gatetest: constructing data" },
                {
                    level: "info",
                    message: `remote component ${STORE} (gatetest:index:Store, package gatetest 0.1.0) was constructed by ${plugin} (version 0.1.0); its children were analyzed`,
                    remoteComponent: { urn: STORE, type: "gatetest:index:Store", package: "gatetest", version: "0.1.0", constructed: true, plugin: { path: plugin, version: "0.1.0" } },
                },
            ]);
        });

        it("the simulated deployment constructs the component too (its own host and plugin, dry-run false): the child's violation is among the deploy findings", async () => {
            const r = await gateWith(installed, ["--format", "json"], true);
            assert.equal(r.code, 1, r.stderr);
            const j = JSON.parse(r.stdout) as { simulation: { status: string; resources: number; violations: { policy: string; urn: string }[] } };
            assert.deepEqual(
                [j.simulation.status, j.simulation.resources, j.simulation.violations.map((v) => [v.policy, v.urn])],
                ["completed", 9, [["bucket-classification-tag", URN("gatetest:index:Store$aws:s3/bucket:Bucket", "data-bucket")]]],
            );
        });

        it("a plugin laid out with PulumiPlugin.yaml (runtime nodejs) runs as the Node.js language host runs it", () => {
            assert.equal(withRuntimePlugin.code, 1, withRuntimePlugin.stderr);
            const a = json(withPlugin);
            const b = json(withRuntimePlugin);
            assert.deepEqual([b.resources, b.violations], [a.resources, a.violations]);
        });

        it("a Construct that fails ends the run with exit 2 naming the component, the plugin and its error", () => {
            assert.equal(failing.code, 2);
            assert.equal(failing.stdout, "");
            assert.match(failing.stderr, /^error: \[program\] /);
            assert.ok(
                failing.stderr.includes(
                    `Construct of remote component gatetest:index:Store 'data' by resource plugin gatetest 0.1.0 (${path.join(installed, "plugins", "resource-gatetest-v0.1.0", "pulumi-resource-gatetest")}) failed: gatetest: classification 'invalid' is not a classification`,
                ),
                failing.stderr,
            );
        });

        it("a plugin that exits before printing its port: exit 2 naming how it exited, with its last output", () => {
            assert.equal(exited.code, 2);
            assert.match(exited.stderr, /^error: \[program\] .*resource plugin gatetest 0\.1\.0 \(.*pulumi-resource-gatetest\) exited with code 7 before printing its port\nplugin output:\ngatetest: no credentials \(at index\.ts:11;/m);
        });

        it("a plugin that never prints its port is an error within --timeout, and no plugin process is left", () => {
            assert.equal(hung.code, 2);
            assert.match(hung.stderr, /^error: \[program\] .*resource plugin gatetest 0\.1\.0 \(.*pulumi-resource-gatetest\) did not print its port within the run.s 20 s \(--timeout\)/);
            assert.deepEqual(processesMentioning("gate-hanging-plugin"), []);
            assert.deepEqual(processesMentioning(installed), []);
        });
    });

    describe("components registered late, one plugin process", () => {
        const lateUrn = (qt: string, name: string) => `urn:pulumi:dev::fixture-remote-late::${qt}::${name}`;
        const STORES = ["first", "second", "third"];

        it("components registered inside an apply and from a beforeExit hook are constructed, their children analyzed and attributed to the statement that declared each", () => {
            assert.equal(late.code, 1, late.stderr);
            const j = json(late);
            // The root stack, the program's key, and three components with four children each.
            assert.equal(j.resources, 17);
            assert.deepEqual(
                j.violations.map((v) => [v.policy, v.urn, v.source]),
                [
                    ["bucket-classification-tag", lateUrn("gatetest:index:Store$aws:s3/bucket:Bucket", "first-bucket"), { file: "index.ts", line: 16, column: 15 }],
                    ["bucket-classification-tag", lateUrn("gatetest:index:Store$aws:s3/bucket:Bucket", "second-bucket"), { file: "index.ts", line: 19, column: 5 }],
                    ["bucket-classification-tag", lateUrn("gatetest:index:Store$aws:s3/bucket:Bucket", "third-bucket"), { file: "index.ts", line: 27, column: 5 }],
                ],
            );
            const constructed = (j.notes as { remoteComponent?: { urn: string; constructed: boolean } }[]).filter((n) => n.remoteComponent !== undefined);
            assert.deepEqual(
                constructed.map((n) => [n.remoteComponent?.urn, n.remoteComponent?.constructed]),
                STORES.map((n) => [lateUrn("gatetest:index:Store", n), true]),
            );
            assert.equal(j.partial, false);
        });

        it("the components of one package share one plugin process, stopped at the end of the run", () => {
            const pids = pluginPids(pidDirs.late);
            assert.equal(pids.length, 1, `plugin processes: ${pids.join(", ")}`);
            assert.deepEqual(pids.filter(running), []);
        });

        it("a program host killed while its plugin runs (as on --timeout): the gate stops the plugin process", () => {
            assert.match(killed.message, /^the program exited \(SIGKILL\) without finishing/);
            const pids = pluginPids(pidDirs.killed);
            assert.equal(pids.length, 1, `plugin processes: ${pids.join(", ")}`);
            assert.deepEqual(pids.filter(running), []);
        });
    });

    describe("without the plugin", () => {
        const reason = `the resource plugin gatetest 0.1.0 is not installed (not in ${path.join(empty, "plugins")}); \`pulumi plugin install resource gatetest 0.1.0\` installs it`;
        const message = `remote component ${STORE} (gatetest:index:Store, package gatetest 0.1.0) was not analyzed inside: ${reason}; ${NOT_ANALYZED}`;

        it("JSON: the component is one resource, named in notes with a structured entry; the analysis is partial", () => {
            assert.equal(missingJson.code, 0, missingJson.stderr);
            const j = json(missingJson);
            assert.equal(j.resources, 5);
            assert.deepEqual(j.notes, [
                {
                    level: "warning",
                    message,
                    remoteComponent: { urn: STORE, type: "gatetest:index:Store", package: "gatetest", version: "0.1.0", constructed: false, notAnalyzed: NOT_ANALYZED, reason },
                },
            ]);
            assert.equal(j.partial, true);
            assert.equal(j.summary.passed, true);
        });

        it("text: a warning names it and the summary says the analysis is partial; --fail-on-partial exits 2 with a one-line cause", () => {
            assert.equal(missingText.code, 2);
            const lines = missingText.stdout.split("\n");
            assert.ok(lines.includes(`warning: ${message}`), missingText.stdout);
            assert.ok(lines.includes("Remote components: 0 constructed by their provider plugin, 1 not analyzed inside."), missingText.stdout);
            assert.ok(lines.includes(`Analysis PARTIAL: ${STORE} not analyzed inside (see the warnings above; --fail-on-partial exits 2).`), missingText.stdout);
            assert.equal(
                missingText.stderr,
                `error: [partial] the analysis is partial (--fail-on-partial): 1 remote component was not analyzed inside: ${STORE} (gatetest:index:Store, package gatetest 0.1.0): ${reason}\n`,
            );
        });

        it("SARIF: a tool execution notification names it (valid SARIF 2.1.0); the verdict line says partial", () => {
            assert.equal(missingSarif.code, 0, missingSarif.stderr);
            assert.equal(
                missingSarif.stderr,
                `policy gate: passed (5 resources, 0 mandatory, 0 advisory, 0 waived, 0 undecided); analysis PARTIAL (remote components not analyzed inside); report written to ${path.join(empty, "report.sarif")}\n`,
            );
            const log = JSON.parse(fs.readFileSync(path.join(empty, "report.sarif"), "utf8")) as sarif.Log;
            const ajv = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false });
            ajv.addFormat("uri", (s: string) => URL.canParse(s));
            ajv.addFormat("uri-reference", (s: string) => URL.canParse(s, "file:///base/"));
            ajv.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)));
            const validate = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, "utf8")) as object);
            assert.ok(validate(log), JSON.stringify(validate.errors, null, 1));
            const inv = log.runs[0]?.invocations?.[0];
            assert.equal(inv?.executionSuccessful, true);
            assert.deepEqual(inv?.properties, { partial: true });
            const n = inv?.toolExecutionNotifications ?? [];
            assert.equal(n.length, 1);
            assert.equal(n[0]?.level, "warning");
            assert.equal(n[0]?.message.text, message);
            assert.deepEqual(n[0]?.descriptor, { id: "remote-component-not-analyzed", index: 0 });
            assert.deepEqual(n[0]?.locations, [{ logicalLocations: [{ fullyQualifiedName: STORE, name: "data", kind: "resource" }] }]);
        });
    });
});
