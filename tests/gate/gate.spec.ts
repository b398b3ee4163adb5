/**
 * The gate end to end: the CLI against fixture programs and the fixture policy pack (tests/fixtures/).
 * Each CLI run is a real run: program host child process, policy pack process, Analyzer gRPC.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BASIC_PACK, fixture, gate, type CliResult } from "./helpers";

interface JsonFinding {
    policyPack: string;
    policy: string;
    enforcementLevel: string;
    severity: string | null;
    urn: string;
    resourceType: string;
    message: string;
    source: { file: string; line: number; column: number } | null;
    run: string;
}
interface JsonReport {
    schemaVersion: number;
    project: string;
    stack: string;
    resources: number;
    policyPacks: { name: string; version: string }[];
    violations: JsonFinding[];
    waived: JsonFinding[];
    undecided: JsonFinding[];
    notes: { level: string; message: string }[];
    summary: { resources: number; policies: number; mandatory: number; advisory: number; waived: number; undecided: number; passed: boolean };
}

function parse(r: CliResult): JsonReport {
    assert.ok(r.stdout.trim().startsWith("{"), `expected JSON on stdout; stderr: ${r.stderr}`);
    return JSON.parse(r.stdout) as JsonReport;
}

const DESC_TAG = "S3 buckets carry a data-classification tag with an allowed value.";
const ALLOWED = "public, internal, confidential, restricted";

describe("gate CLI on fixture programs", function () {
    this.timeout(120_000);

    describe("compliant program", () => {
        let r: CliResult;
        before(async () => {
            r = await gate(["--cwd", fixture("compliant"), "--policy-pack", BASIC_PACK, "--format", "json"]);
        });
        it("exits 0 with no violations", () => {
            assert.equal(r.code, 0, r.stderr);
            const j = parse(r);
            assert.deepEqual(j.violations, []);
            assert.deepEqual(j.waived, []);
            assert.deepEqual(j.undecided, []);
        });
        it("reports project, stack, resource count (root stack included) and the pack", () => {
            const j = parse(r);
            assert.equal(j.schemaVersion, 1);
            assert.equal(j.project, "fixture-compliant");
            assert.equal(j.stack, "dev");
            assert.equal(j.resources, 4);
            assert.deepEqual(j.policyPacks, [{ name: "gate-fixture", version: "1.2.3" }]);
            assert.deepEqual(j.summary, { resources: 4, policies: 5, mandatory: 0, advisory: 0, waived: 0, undecided: 0, passed: true });
        });
    });

    describe("violating program", () => {
        let r: CliResult;
        before(async () => {
            r = await gate(["--cwd", fixture("violating"), "--policy-pack", BASIC_PACK, "--format", "json"]);
        });
        it("exits 1 on mandatory violations", () => {
            assert.equal(r.code, 1, r.stderr);
        });
        it("lists each violation with pack, policy, level, severity, URN, type, message and source line", () => {
            const j = parse(r);
            assert.deepEqual(j.violations, [
                {
                    policyPack: "gate-fixture",
                    policy: "bucket-classification-tag",
                    enforcementLevel: "mandatory",
                    severity: "high",
                    urn: "urn:pulumi:dev::fixture-violating::aws:s3/bucket:Bucket::logs",
                    resourceType: "aws:s3/bucket:Bucket",
                    message: `${DESC_TAG}\ntags['data-classification'] is 'secret'; expected one of ${ALLOWED}`,
                    source: { file: "index.ts", line: 6, column: 1 },
                    run: "preview",
                },
                {
                    policyPack: "gate-fixture",
                    policy: "bucket-classification-tag",
                    enforcementLevel: "mandatory",
                    severity: "high",
                    urn: "urn:pulumi:dev::fixture-violating::aws:s3/bucket:Bucket::raw",
                    resourceType: "aws:s3/bucket:Bucket",
                    message: `${DESC_TAG}\ntags['data-classification'] is missing; expected one of ${ALLOWED}`,
                    source: { file: "index.ts", line: 4, column: 20 },
                    run: "preview",
                },
                {
                    policyPack: "gate-fixture",
                    policy: "bucket-in-component",
                    enforcementLevel: "advisory",
                    severity: "low",
                    urn: "urn:pulumi:dev::fixture-violating::aws:s3/bucket:Bucket::logs",
                    resourceType: "aws:s3/bucket:Bucket",
                    message: "S3 buckets are declared inside a component, not at the top level.\nbucket 'logs' has the stack as parent (dependencies: 0)",
                    source: { file: "index.ts", line: 6, column: 1 },
                    run: "preview",
                },
                {
                    policyPack: "gate-fixture",
                    policy: "bucket-in-component",
                    enforcementLevel: "advisory",
                    severity: "low",
                    urn: "urn:pulumi:dev::fixture-violating::aws:s3/bucket:Bucket::raw",
                    resourceType: "aws:s3/bucket:Bucket",
                    message: "S3 buckets are declared inside a component, not at the top level.\nbucket 'raw' has the stack as parent (dependencies: 0)",
                    source: { file: "index.ts", line: 4, column: 20 },
                    run: "preview",
                },
                {
                    policyPack: "gate-fixture",
                    policy: "key-rotation",
                    enforcementLevel: "advisory",
                    severity: "medium",
                    urn: "urn:pulumi:dev::fixture-violating::aws:kms/key:Key::records",
                    resourceType: "aws:kms/key:Key",
                    message: "KMS keys rotate automatically.\nenableKeyRotation is not true",
                    source: { file: "index.ts", line: 8, column: 1 },
                    run: "preview",
                },
            ]);
            assert.deepEqual(j.summary, { resources: 4, policies: 5, mandatory: 2, advisory: 3, waived: 0, undecided: 0, passed: false });
        });
        it("text output groups by policy like the CLI and ends with the summary", async () => {
            const t = await gate(["--cwd", fixture("violating"), "--policy-pack", BASIC_PACK]);
            assert.equal(t.code, 1);
            const lines = t.stdout.split("\n");
            assert.ok(lines.includes("Policies:"), t.stdout);
            assert.ok(lines.includes(`    ❌ gate-fixture@v1.2.3 (local: ${BASIC_PACK})`), t.stdout);
            assert.ok(lines.includes("        - [mandatory]  bucket-classification-tag  (aws:s3/bucket:Bucket: raw)"), t.stdout);
            assert.ok(lines.includes("          urn:pulumi:dev::fixture-violating::aws:s3/bucket:Bucket::raw"), t.stdout);
            assert.ok(lines.includes("          at index.ts:4"), t.stdout);
            assert.ok(lines.includes("Resources: 4. Policies: 5 in 1 pack(s). Violations: 2 mandatory, 3 advisory. Waived: 0. Undecided: 0."), t.stdout);
            assert.ok(lines.includes("Policy gate FAILED: 2 mandatory violation(s)."), t.stdout);
        });
        it("--stack selects the stack: URNs carry its name", async () => {
            const p = parse(await gate(["--cwd", fixture("violating"), "--stack", "prod", "--policy-pack", BASIC_PACK, "--format", "json"]));
            assert.equal(p.stack, "prod");
            assert.deepEqual(
                p.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.urn),
                ["urn:pulumi:prod::fixture-violating::aws:s3/bucket:Bucket::logs", "urn:pulumi:prod::fixture-violating::aws:s3/bucket:Bucket::raw"],
            );
        });
        it("--output writes the report to a file and prints the verdict on stderr", async () => {
            const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gate-")), "report.json");
            const o = await gate(["--cwd", fixture("violating"), "--policy-pack", BASIC_PACK, "--format", "json", "--output", out]);
            assert.equal(o.code, 1);
            assert.equal(o.stdout, "");
            assert.equal((JSON.parse(fs.readFileSync(out, "utf8")) as JsonReport).summary.mandatory, 2);
            assert.ok(o.stderr.includes(`policy gate: FAILED (4 resources, 2 mandatory, 3 advisory, 0 waived, 0 undecided); report written to ${out}`), o.stderr);
        });
    });

    describe("policy pack config", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-config-"));
        const write = (name: string, v: unknown): string => {
            const f = path.join(dir, name);
            fs.writeFileSync(f, JSON.stringify(v));
            return f;
        };
        it("waivers: a waived violation is listed under 'waived', not 'violations'", async () => {
            const cfg = write("waive.json", {
                "bucket-classification-tag": { waivers: [{ resource: "raw", reason: "legacy bucket, migrating in Q1", expires: "2099-12-31" }] },
            });
            const r = await gate(["--cwd", fixture("violating"), "--policy-pack", BASIC_PACK, "--policy-pack-config", cfg, "--format", "json"]);
            assert.equal(r.code, 1);
            const j = parse(r);
            assert.deepEqual(
                j.violations.filter((v) => v.policy === "bucket-classification-tag").map((v) => v.urn),
                ["urn:pulumi:dev::fixture-violating::aws:s3/bucket:Bucket::logs"],
            );
            assert.equal(j.waived.length, 1);
            assert.equal(j.waived[0]?.policy, "policy-waivers-applied");
            assert.equal(j.waived[0]?.urn, "urn:pulumi:dev::fixture-violating::aws:s3/bucket:Bucket::raw");
            assert.equal(j.waived[0]?.message, "Waivers in force.\nbucket-classification-tag waived until 2099-12-31: legacy bucket, migrating in Q1");
            assert.equal(j.summary.waived, 1);
        });
        it("--pack-processes 2 (second process started at once here) gives the same report, waivers included", async () => {
            const cfg = write("waive2.json", {
                "bucket-classification-tag": { waivers: [{ resource: "raw", reason: "legacy bucket, migrating in Q1", expires: "2099-12-31" }] },
            });
            const args = ["--cwd", fixture("violating"), "--policy-pack", BASIC_PACK, "--policy-pack-config", cfg, "--format", "json", "--concurrency", "1"];
            const [one, two] = await Promise.all([gate(args), gate([...args, "--pack-processes", "2"], { PULUMI_GATE_PACK_BACKLOG: "0" })]);
            assert.equal(two.code, 1, two.stderr);
            assert.deepEqual(parse(two), parse(one));
            assert.equal(parse(two).waived.length, 1);
        });
        it("enforcementLevel overrides: mandatory policy made advisory passes the gate", async () => {
            const cfg = write("level.json", { "bucket-classification-tag": "advisory" });
            const r = await gate(["--cwd", fixture("violating"), "--policy-pack", BASIC_PACK, "--policy-pack-config", cfg, "--format", "json"]);
            assert.equal(r.code, 0, r.stderr);
            const j = parse(r);
            assert.deepEqual(
                j.violations.filter((v) => v.policy === "bucket-classification-tag").map((v) => v.enforcementLevel),
                ["advisory", "advisory"],
            );
        });
        it("'all' sets every policy's level", async () => {
            const cfg = write("all.json", { all: "disabled" });
            const j = parse(await gate(["--cwd", fixture("violating"), "--policy-pack", BASIC_PACK, "--policy-pack-config", cfg, "--format", "json"]));
            assert.deepEqual(j.violations, []);
        });
        it("config that violates a policy's configSchema is an error (exit 2) before anything is analyzed", async () => {
            const cfg = write("bad.json", { "bucket-classification-tag": { allowed: ["top-secret"] } });
            const r = await gate(["--cwd", fixture("violating"), "--policy-pack", BASIC_PACK, "--policy-pack-config", cfg]);
            assert.equal(r.code, 2);
            assert.equal(r.stdout, "");
            assert.equal(
                r.stderr.trim(),
                "error: [config] validating policy config: gate-fixture 1.2.3: bucket-classification-tag: allowed.0: must be equal to one of the allowed values (public, internal, confidential, restricted)",
            );
        });
        it("a waiver without reason is rejected by the schema", async () => {
            const cfg = write("noreason.json", { "bucket-classification-tag": { waivers: [{ resource: "raw", expires: "2099-01-01" }] } });
            const r = await gate(["--cwd", fixture("violating"), "--policy-pack", BASIC_PACK, "--policy-pack-config", cfg]);
            assert.equal(r.code, 2);
            assert.match(r.stderr, /^error: \[config\] validating policy config: gate-fixture 1\.2\.3: bucket-classification-tag: waivers\.0: must have required property 'reason'$/m);
        });
        it("config for a policy the pack does not have is an error", async () => {
            const cfg = write("unknown.json", { "bucket-tags": "advisory" });
            const r = await gate(["--cwd", fixture("violating"), "--policy-pack", BASIC_PACK, "--policy-pack-config", cfg]);
            assert.equal(r.code, 2);
            assert.match(r.stderr, /configures policy 'bucket-tags', which the pack does not have/);
        });
        it("an invalid enforcement level is an error", async () => {
            const cfg = write("level-bad.json", { "key-rotation": "warn" });
            const r = await gate(["--cwd", fixture("violating"), "--policy-pack", BASIC_PACK, "--policy-pack-config", cfg]);
            assert.equal(r.code, 2);
            assert.match(r.stderr, /key-rotation: expected an enforcement level or an object, got "warn"/);
        });
    });

    describe("components, parents and unknowns", () => {
        it("unknown inputs make policies undecided (advisory, separate list), known ones are decided", async () => {
            const r = await gate(["--cwd", fixture("unknowns"), "--policy-pack", BASIC_PACK, "--format", "json"]);
            assert.equal(r.code, 0, r.stderr);
            const j = parse(r);
            // The bucket's tags depend on the key's ARN: the stack policy sees that dependency.
            assert.deepEqual(
                j.violations.map((v) => [v.policy, v.urn, v.enforcementLevel, v.message]),
                [
                    [
                        "bucket-in-component",
                        "urn:pulumi:dev::fixture-unknowns::aws:s3/bucket:Bucket::b",
                        "advisory",
                        "S3 buckets are declared inside a component, not at the top level.\nbucket 'b' has the stack as parent (dependencies: 1)",
                    ],
                ],
            );
            assert.deepEqual(
                j.undecided.map((u) => [u.policy, u.urn, u.enforcementLevel, u.message]),
                [
                    [
                        "ssm-parameter-name",
                        "urn:pulumi:dev::fixture-unknowns::aws:ssm/parameter:Parameter::p",
                        "advisory",
                        "can't run policy 'ssm-parameter-name' from policy pack 'gate-fixture@v1.2.3' during preview: string value at .name can't be known during preview",
                    ],
                ],
            );
            assert.deepEqual(j.summary, { resources: 5, policies: 5, mandatory: 0, advisory: 1, waived: 0, undecided: 1, passed: true });
        });
        it("resources inside components are seen with their parents by stack policies", async () => {
            const j = parse(await gate(["--cwd", fixture("components"), "--policy-pack", BASIC_PACK, "--format", "json"]));
            assert.equal(j.resources, 8);
            assert.deepEqual(j.violations.map((v) => [v.policy, v.urn]), [["ssm-parameter-name", "urn:pulumi:dev::fixture-components::aws:ssm/parameter:Parameter::db-password"]]);
        });
    });

    describe("failures exit 2 with a message naming the cause", () => {
        // Paths in the gate's messages are relative to the program's directory (issue 8), not to the gate's.
        it("a program that throws", async () => {
            const r = await gate(["--cwd", fixture("throwing"), "--policy-pack", BASIC_PACK]);
            assert.equal(r.code, 2);
            assert.equal(r.stdout, "");
            assert.equal(
                r.stderr.trim(),
                "error: [program] the program failed: storage layer misconfigured: retentionDays must be at least 1 (at index.ts:4)",
            );
        });
        it("a program reading a secure value with a plain getter", async () => {
            const r = await gate(["--cwd", fixture("secrets"), "--stack", "plain", "--policy-pack", BASIC_PACK]);
            assert.equal(r.code, 2);
            assert.equal(
                r.stderr.trim(),
                "error: [program] the program failed: configuration 'fixture-secrets:apiToken' is a secure value, which the offline gate cannot decrypt " +
                    "(the stack file has no encryptionsalt: its secrets provider is the Pulumi Cloud backend's, which the offline gate cannot reach); " +
                    'read it with config.requireSecret("apiToken") (an unknown secret during the gate, as in a preview without the passphrase) (at index.ts:5)',
            );
        });
        it("a program that exits before it finishes: the message carries its last output", async () => {
            const r = await gate(["--cwd", fixture("exiting"), "--policy-pack", BASIC_PACK, "--no-simulate"]);
            assert.equal(r.code, 2);
            assert.equal(r.stderr.trim(), "error: [program] the program exited (code 4) without finishing\nprogram output:\nexiting: the lock is released");
        });
        it("a pack that fails to load", async () => {
            const r = await gate(["--cwd", fixture("compliant"), "--policy-pack", fixture("packs/faulty")], { GATE_FIXTURE_FAULT: "throw-at-load" });
            assert.equal(r.code, 2);
            assert.match(r.stderr, /^error: \[policy pack\] policy pack .*packs\/faulty failed to start: exited with code 32:\n/);
            assert.match(r.stderr, /Error: faulty pack: cannot load rules/);
        });
        it("a pack that never prints its port (timeout)", async () => {
            const r = await gate(["--cwd", fixture("compliant"), "--policy-pack", fixture("packs/faulty"), "--timeout", "12"], { GATE_FIXTURE_FAULT: "hang-at-start" });
            assert.equal(r.code, 2);
            assert.match(r.stderr, /^error: \[timeout\] policy pack .*packs\/faulty did not start within 12 s \(--timeout\)/);
        });
        it("a pack that crashes during Analyze", async () => {
            const r = await gate(["--cwd", fixture("compliant"), "--policy-pack", fixture("packs/faulty")], { GATE_FIXTURE_FAULT: "exit-in-analyze" });
            assert.equal(r.code, 2);
            // The pack's last output, written just before it exited, is part of the message.
            assert.match(r.stderr, /^error: \[policy pack\] policy pack 'gate-faulty' \(.*packs\/faulty\) crashed: exited with code 3:\nfaulty pack: giving up on data-bucket$/m);
        });
        it("a policy that throws: message and the rule's own frame, not the whole trace", async () => {
            const r = await gate(["--cwd", fixture("compliant"), "--policy-pack", fixture("packs/faulty")], { GATE_FIXTURE_FAULT: "throw-in-analyze" });
            assert.equal(r.code, 2);
            const lines = r.stderr.trim().split("\n");
            assert.equal(
                lines[0],
                "error: [policy pack] policy pack 'gate-faulty' failed in Analyze(urn:pulumi:dev::fixture-compliant::fixture:index:Storage$aws:s3/bucket:Bucket::data-bucket): Error validating resource with policy 'misbehave' from policy pack 'gate-faulty@v0.0.1':",
            );
            assert.equal(lines[1], "Error: rule bug: cannot read tags");
            assert.match(lines[2] ?? "", /^\s+at validateResource \(.*packs\/faulty\/index\.ts:30:\d+\)$/);
            assert.equal(lines.length, 3);
        });
        it("a pack that does not answer Analyze in time", async () => {
            const r = await gate(["--cwd", fixture("compliant"), "--policy-pack", fixture("packs/faulty"), "--timeout", "12"], { GATE_FIXTURE_FAULT: "hang-in-analyze" });
            assert.equal(r.code, 2);
            assert.match(r.stderr, /^error: \[timeout\] policy pack 'gate-faulty' did not answer Analyze\(urn:pulumi:dev::fixture-compliant::.*data-bucket\) within 12 s \(--timeout\)$/m);
        });
        it("pack log output is surfaced", async () => {
            const r = await gate(["--cwd", fixture("compliant"), "--policy-pack", fixture("packs/faulty")], { GATE_FIXTURE_FAULT: "" });
            assert.equal(r.code, 0, r.stderr);
            assert.ok(r.stdout.split("\n").includes("info: [policy pack gate-faulty] faulty pack saw data-bucket"), r.stdout);
        });
    });

    describe("usage errors exit 2", () => {
        it("unknown flag", async () => {
            const r = await gate(["--policy-pak", BASIC_PACK]);
            assert.equal(r.code, 2);
            assert.match(r.stderr, /^error: unknown argument '--policy-pak'/);
            assert.match(r.stderr, /usage: npm run gate -- \[options\]/);
        });
        it("unknown stack names the stacks found", async () => {
            const r = await gate(["--cwd", fixture("violating"), "--stack", "staging", "--policy-pack", BASIC_PACK]);
            assert.equal(r.code, 2);
            assert.equal(r.stderr.trim(), `error: [usage] no stack named 'staging' in ${fixture("violating")} (no Pulumi.staging.yaml); stacks found: dev, prod`);
        });
        it("no --policy-pack and no <cwd>/policies", async () => {
            const r = await gate(["--cwd", fixture("compliant")]);
            assert.equal(r.code, 2);
            assert.equal(
                r.stderr.trim(),
                `error: [usage] no --policy-pack given and ${path.join(fixture("compliant"), "policies")} is not a policy pack (no PulumiPolicy.yaml): pass --policy-pack DIR`,
            );
        });
        it("a directory that is not a Pulumi project", async () => {
            const r = await gate(["--cwd", fixture("packs"), "--policy-pack", BASIC_PACK]);
            assert.equal(r.code, 2);
            assert.equal(r.stderr.trim(), `error: [usage] no Pulumi.yaml in ${fixture("packs")}: point --cwd at a Pulumi project`);
        });
        it("a pack directory without PulumiPolicy.yaml", async () => {
            const r = await gate(["--cwd", fixture("compliant"), "--policy-pack", fixture("compliant")]);
            assert.equal(r.code, 2);
            assert.equal(r.stderr.trim(), `error: [usage] ${fixture("compliant")} is not a policy pack: it has no PulumiPolicy.yaml`);
        });
        it("bad --format", async () => {
            const r = await gate(["--format", "xml"]);
            assert.equal(r.code, 2);
            assert.equal(r.stderr.trim(), "error: --format must be text, json or sarif, not 'xml'");
        });
    });
});
