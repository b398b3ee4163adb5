/**
 * The simulated deployment end to end: the gate CLI runs each fixture program twice (as `pulumi preview` and as
 * `pulumi up`'s update with synthetic outputs), each run with its own program host and pack processes.
 * Fixtures: tests/fixtures/simulate (a records key whose Decrypt is given by a role policy built from the key's
 * ARN, or by a KMS grant; values from outside the program; an apply on an output the simulation does not give).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import AjvDraft04 from "ajv-draft-04";
import type * as sarif from "sarif";
import { BASIC_PACK, fixture, gate, ROOT, type CliResult } from "./helpers";

const PACK = path.join(ROOT, "policies");
const RUN_INFO_PACK = path.join(ROOT, "tests", "fixtures", "packs", "run-info");
const RECORDS = fixture(path.join("simulate", "records-key"));
const RECORDS_CONFIG = fixture(path.join("simulate", "records-key.config.json"));
const POLICY = "e2ee-records-key-least-privilege";

interface Finding {
    policy: string;
    enforcementLevel: string;
    urn: string;
    message: string;
    run: string;
    phase?: string;
    inPreview?: boolean;
    syntheticValues?: { urn: string; resourceType: string; name: string; paths: string[]; value: string }[];
    outsideSources?: { kind: string; name: string }[];
}
interface Report {
    violations: Finding[];
    undecided: Finding[];
    simulation:
        | { status: "off" }
        | { status: "stopped"; reason: string }
        | {
              status: "completed";
              resources: number;
              violations: Finding[];
              waived: Finding[];
              undecided: Finding[];
              notes: { level: string; message: string }[];
              pulumiUp: { outcome: string; stopsAt?: { urn: string; resourceType: string; policies: string[] } };
              summary: { resources: number; mandatory: number; advisory: number; waived: number; undecided: number };
          };
    summary: { mandatory: number; passed: boolean };
}
type Completed = Extract<Report["simulation"], { status: "completed" }>;

function parse(r: CliResult): Report {
    assert.ok(r.stdout.trim().startsWith("{"), `expected JSON on stdout; stderr: ${r.stderr}`);
    return JSON.parse(r.stdout) as Report;
}

function completed(j: Report): Completed {
    assert.equal(j.simulation.status, "completed", JSON.stringify(j.simulation));
    return j.simulation as Completed;
}

const records = (stack: string, ...extra: string[]) => gate(["--cwd", RECORDS, "--stack", stack, "--policy-pack", PACK, "--policy-pack-config", RECORDS_CONFIG, "--format", "json", ...extra]);
const ONLY_RECIPIENT = "which is tagged e2ee:principal-role=process; only principals tagged e2ee:principal-role=recipient may use kms:Decrypt on a records key.";

describe("gate: the simulated deployment", function () {
    this.timeout(180_000);

    describe("a role policy built with pulumi.interpolate from the records key's ARN", () => {
        let r: CliResult;
        before(async () => {
            r = await records("processing");
        });
        it("granting kms:Decrypt to the processing role: exit 1, the violation in the deploy findings, none in the preview", () => {
            assert.equal(r.code, 1, r.stderr);
            const j = parse(r);
            assert.deepEqual(j.violations.filter((v) => v.policy === POLICY), []);
            assert.deepEqual(j.undecided.filter((v) => v.policy === POLICY).map((u) => u.run), ["preview"], "undecided in the preview: the document is unknown");
            assert.equal(j.summary.mandatory, 0);
            assert.equal(j.summary.passed, false);
            const s = completed(j);
            const found = s.violations.filter((v) => v.policy === POLICY);
            assert.equal(found.length, 1);
            const v = found[0] as Finding;
            assert.equal(v.enforcementLevel, "mandatory");
            assert.equal(v.run, "deploy");
            assert.equal(v.phase, "stack");
            assert.equal(v.inPreview, false);
            assert.equal(v.urn, "urn:pulumi:processing::simulate-records-key::aws:iam/rolePolicy:RolePolicy::decrypt-records");
            assert.match(v.message, /decrypt-records policy statement 1 grants kms:Decrypt on records key "records-key" to role "processing-[0-9a-f]{7}", /);
            assert.ok(v.message.endsWith(ONLY_RECIPIENT), v.message);
            assert.deepEqual(s.undecided, []);
            assert.equal(s.summary.mandatory, 1);
            assert.deepEqual(s.pulumiUp, { outcome: "fails-after-update" }, "a stack policy: every resource is created, then the update fails");
        });
        it("the deploy finding lists the synthetic values it depended on: the key's ARN and the role's name", () => {
            const v = completed(parse(r)).violations.find((x) => x.policy === POLICY) as Finding;
            const values = v.syntheticValues ?? [];
            assert.deepEqual(
                values.map((x) => [x.name, x.paths]),
                [
                    ["records-key", ["arn"]],
                    ["processing", ["id", "name"]],
                ],
            );
            assert.match(values[0]?.value ?? "", /^arn:aws:kms:eu-west-1:123456789012:key\/[0-9a-f-]{36}$/);
            assert.ok(v.message.includes((values[1] as { value: string }).value));
        });
        it("text: the simulated deployment's section, its summary line, and the verdict naming it", async () => {
            const t = await gate(["--cwd", RECORDS, "--stack", "processing", "--policy-pack", PACK, "--policy-pack-config", RECORDS_CONFIG]);
            assert.equal(t.code, 1);
            const lines = t.stdout.split("\n");
            assert.ok(lines.includes("Simulated deployment (the program as `pulumi up` would deploy it, with synthetic outputs):"), t.stdout);
            assert.ok(lines.includes(`        - [mandatory]  ${POLICY}  (aws:iam/rolePolicy:RolePolicy: decrypt-records)`), t.stdout);
            assert.ok(lines.some((l) => /^ {10}found with synthetic values: arn of aws:kms\/key:Key 'records-key' \(arn:aws:kms:eu-west-1:123456789012:key\/[0-9a-f-]{36}\); id and name of aws:iam\/role:Role 'processing' \(processing-[0-9a-f]{7}\)$/.test(l)), t.stdout);
            assert.ok(lines.includes("    pulumi up: every resource would be created, then the stack policies' mandatory violations fail the update."), t.stdout);
            assert.ok(lines.includes("Simulated deployment: 5 resources. Violations: 1 mandatory, 1 advisory. Waived: 0. Undecided: 0."), t.stdout);
            assert.ok(lines.includes("Policy gate FAILED: 1 mandatory violation(s) in the simulated deployment (what pulumi up would block)."), t.stdout);
        });
        it("SARIF: the preview and the simulated deployment as two runs of their own categories, each result saying its run", async () => {
            const t = await gate(["--cwd", RECORDS, "--stack", "processing", "--policy-pack", PACK, "--policy-pack-config", RECORDS_CONFIG, "--format", "sarif"]);
            assert.equal(t.code, 1, t.stderr);
            const log = JSON.parse(t.stdout) as sarif.Log;
            const schema = path.join(ROOT, "node_modules", "@microsoft", "jest-sarif", "lib", "schemas", "sarif-2.1.0-rtm.5.json");
            const ajv = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false });
            ajv.addFormat("uri", (s: string) => URL.canParse(s));
            ajv.addFormat("uri-reference", (s: string) => URL.canParse(s, "file:///base/"));
            ajv.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)));
            const validate = ajv.compile(JSON.parse(fs.readFileSync(schema, "utf8")) as object);
            assert.ok(validate(log), JSON.stringify(validate.errors, null, 1));
            assert.deepEqual(
                log.runs.map((x) => x.automationDetails?.id),
                ["pulumi-policy-gate/simulate-records-key/processing/", "pulumi-policy-gate/simulate-records-key/processing/deploy/"],
            );
            const [preview, deploy] = log.runs as [sarif.Run, sarif.Run];
            assert.ok((preview.results ?? []).every((x) => x.properties?.["run"] === "preview"));
            const errors = (deploy.results ?? []).filter((x) => x.level === "error");
            assert.deepEqual(
                errors.map((x) => [x.ruleId, x.properties?.["run"], x.properties?.["inPreview"]]),
                [[`e2ee-pipeline-policies/${POLICY}`, "deploy", false]],
            );
            assert.match(errors[0]?.message.text ?? "", /\nfound with synthetic values: arn of aws:kms\/key:Key 'records-key' /);
            assert.equal((preview.results ?? []).filter((x) => x.level === "error").length, 0);
        });
        it("--no-simulate gives the preview alone: exit 0, no simulation", async () => {
            const t = await records("processing", "--no-simulate");
            assert.equal(t.code, 0, t.stderr);
            const j = parse(t);
            assert.deepEqual(j.simulation, { status: "off" });
            assert.equal(j.summary.passed, true);
        });
    });

    it("the same role policy granting only the recipient: exit 0", async () => {
        const r = await records("recipient");
        assert.equal(r.code, 0, r.stderr);
        const j = parse(r);
        const s = completed(j);
        assert.deepEqual(
            s.violations.filter((v) => v.enforcementLevel === "mandatory"),
            [],
        );
        assert.deepEqual(s.undecided, []);
        assert.deepEqual(s.pulumiUp, { outcome: "succeeds" });
    });

    it("the same through an aws.kms.Grant: exit 1, the violation on the grant in the deploy findings", async () => {
        const r = await records("grant");
        assert.equal(r.code, 1, r.stderr);
        const j = parse(r);
        assert.deepEqual(j.violations.filter((v) => v.policy === POLICY), []);
        const v = completed(j).violations.filter((x) => x.policy === POLICY);
        assert.deepEqual(
            v.map((x) => x.urn),
            ["urn:pulumi:grant::simulate-records-key::aws:kms/grant:Grant::decrypt-grant"],
        );
        assert.match(v[0]?.message ?? "", /grant "decrypt-grant" gives kms:Decrypt on records key "records-key" to role "processing-[0-9a-f]{7}", /);
        assert.deepEqual(
            (v[0]?.syntheticValues ?? []).map((x) => [x.name, x.paths]),
            [
                ["processing", ["arn"]],
                ["records-key", ["id", "keyId"]],
            ],
        );
    });

    describe("a program whose apply needs an output the simulation does not provide", () => {
        const cwd = fixture(path.join("simulate", "missing-output"));
        it("the simulation stops with the reason; the preview's verdict stands (passes: exit 0)", async () => {
            const r = await gate(["--cwd", cwd, "--stack", "dev", "--policy-pack", BASIC_PACK, "--format", "json"]);
            assert.equal(r.code, 0, r.stderr);
            const j = parse(r);
            assert.equal(j.simulation.status, "stopped");
            const reason = (j.simulation as { reason: string }).reason;
            assert.ok(
                reason.startsWith(
                    "the program failed: TypeError: error serializing property \"tags\": Cannot read properties of undefined (reading 'toLowerCase') (at index.ts:11; inputs of aws:s3/bucket:Bucket 'logs', declared at index.ts:10; in an apply on hostedZoneId of aws:s3/bucket:Bucket 'site', an output the simulated deployment does not synthesize (it has no value there))",
                ),
                reason,
            );
            assert.equal(j.summary.passed, true);
        });
        it("the preview's verdict stands (a preview violation: exit 1); text and --output say the simulation stopped", async () => {
            const t = await gate(["--cwd", cwd, "--stack", "prod", "--policy-pack", BASIC_PACK]);
            assert.equal(t.code, 1, t.stderr);
            const lines = t.stdout.split("\n");
            assert.ok(lines.includes("Simulated deployment STOPPED (the preview's verdict stands):"), t.stdout);
            assert.ok(lines.includes("Simulated deployment: stopped (see above); the verdict is the preview's."), t.stdout);
            assert.ok(lines.includes("Policy gate FAILED: 1 mandatory violation(s)."), t.stdout);
            const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gate-sim-")), "r.json");
            const o = await gate(["--cwd", cwd, "--stack", "prod", "--policy-pack", BASIC_PACK, "--format", "json", "--output", out]);
            assert.equal(o.code, 1);
            assert.ok(o.stderr.includes("policy gate: simulated deployment stopped (the preview's verdict stands): the program failed: TypeError: "), o.stderr);
        });
    });

    describe("values from outside the program", () => {
        let j: Report;
        before(async () => {
            j = parse(await gate(["--cwd", fixture(path.join("simulate", "outside")), "--policy-pack", BASIC_PACK, "--format", "json"]));
        });
        it("stay undecided after the simulated deployment, each named with its source: secret config, an invoke, a read", () => {
            const s = completed(j);
            const P = "urn:pulumi:dev::simulate-outside::aws:ssm/parameter:Parameter::";
            assert.deepEqual(
                s.undecided.map((u) => [u.urn.slice(P.length), u.outsideSources]),
                [
                    ["from-invoke", [{ kind: "invoke", name: "aws:ec2/getAmi:getAmi" }]],
                    ["from-read", [{ kind: "read", name: `${P}existing` }]],
                    ["from-secret", [{ kind: "secret-config", name: "simulate-outside:prefix" }]],
                ],
            );
            assert.ok(s.notes.some((n) => n.message === "invoke aws:ec2/getAmi:getAmi has no offline answer; in the simulated deployment its result is unknown (a value from outside the program)"));
        });
        it("a value the program made itself is decided: the name built from a created parameter's name", () => {
            const s = completed(j);
            assert.ok(j.undecided.some((u) => u.urn.endsWith("::from-created")), "undecided in the preview");
            assert.ok(!s.undecided.some((u) => u.urn.endsWith("::from-created")));
            assert.ok(!s.violations.some((u) => u.urn.endsWith("::from-created")));
        });
    });

    it("each run's packs are configured for it: dry-run true, then false; AnalyzeStack leaves reads out in both and lists the default provider", async () => {
        const j = parse(await gate(["--cwd", fixture(path.join("simulate", "outside")), "--policy-pack", RUN_INFO_PACK, "--format", "json"]));
        assert.deepEqual(j.violations.map((v) => v.message), ["Reports the run.\ndryRun=true resources=simulate-outside-dev, default_7_48_0, created, from-invoke, from-secret, from-read, from-created"]);
        const s = completed(j);
        assert.equal(s.violations.length, 1);
        assert.match(
            s.violations[0]?.message ?? "",
            /^Reports the run\.\ndryRun=false resources=simulate-outside-dev, default_7_48_0, created arn:aws:ssm:eu-west-1:123456789012:parameter\/created-([0-9a-f]{7}), from-invoke \?, from-secret \?, from-read \?, from-created arn:aws:ssm:eu-west-1:123456789012:parameter\/copy\/created-\1$/,
        );
    });
});
