/**
 * SARIF output: valid against the official SARIF 2.1.0 schema, one rule per policy, results with the
 * source statement as physical location and the URN as logical location, stable fingerprints.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import AjvDraft04 from "ajv-draft-04";
import type * as sarif from "sarif";
import { BASIC_PACK, fixture, gate, ROOT } from "./helpers";

const SCHEMA = path.join(ROOT, "node_modules", "@microsoft", "jest-sarif", "lib", "schemas", "sarif-2.1.0-rtm.5.json");

describe("gate SARIF output", function () {
    this.timeout(120_000);
    let log: sarif.Log;
    let again: sarif.Log;
    let code: number | null;
    before(async () => {
        const [a, b] = await Promise.all([
            gate(["--cwd", fixture("violating"), "--policy-pack", BASIC_PACK, "--format", "sarif"]),
            gate(["--cwd", fixture("unknowns"), "--policy-pack", BASIC_PACK, "--format", "sarif"]),
        ]);
        code = a.code;
        log = JSON.parse(a.stdout) as sarif.Log;
        again = JSON.parse(b.stdout) as sarif.Log;
    });

    it("validates against the SARIF 2.1.0 schema", () => {
        // The official schema's patterns are not all valid in unicode mode; formats are checked with URL.
        const ajv = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false });
        ajv.addFormat("uri", (s: string) => URL.canParse(s));
        ajv.addFormat("uri-reference", (s: string) => URL.canParse(s, "file:///base/"));
        ajv.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)));
        const validate = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, "utf8")) as object);
        for (const l of [log, again]) {
            assert.ok(validate(l), JSON.stringify(validate.errors, null, 1));
        }
        assert.equal(log.version, "2.1.0");
        assert.equal(code, 1);
    });

    it("has one rule per policy with descriptions, help from remediationSteps and a numeric security-severity", () => {
        const rules = log.runs[0]?.tool.driver.rules ?? [];
        assert.deepEqual(
            rules.map((r) => r.id),
            ["gate-fixture/bucket-classification-tag", "gate-fixture/key-rotation", "gate-fixture/ssm-parameter-name", "gate-fixture/bucket-in-component", "gate-fixture/policy-waivers-applied"],
        );
        const tag = rules[0] as sarif.ReportingDescriptor;
        assert.equal(tag.name, "bucket-classification-tag");
        assert.equal(tag.fullDescription?.text, "S3 buckets carry a data-classification tag with an allowed value.");
        assert.equal(tag.help?.text, 'Add tags: { "data-classification": "internal" } (or another allowed value) to the bucket.');
        assert.equal(tag.defaultConfiguration?.level, "error");
        assert.equal(tag.properties?.["security-severity"], "8.0");
        assert.deepEqual(tag.properties?.tags, ["security", "pulumi-policy", "data-protection"]);
        assert.equal(rules[1]?.properties?.["security-severity"], "5.5");
        assert.equal(rules[1]?.defaultConfiguration?.level, "warning");
        assert.equal(rules[2]?.properties?.["security-severity"], "3.0");
        assert.equal(rules[4]?.properties?.["security-severity"], undefined);
    });

    it("emits one result per violation: level from enforcement, source file and line, URN as logical location", () => {
        const results = log.runs[0]?.results ?? [];
        assert.deepEqual(
            results.map((r) => [r.ruleId, r.level]),
            [
                ["gate-fixture/bucket-classification-tag", "error"],
                ["gate-fixture/bucket-classification-tag", "error"],
                ["gate-fixture/bucket-in-component", "warning"],
                ["gate-fixture/bucket-in-component", "warning"],
                ["gate-fixture/key-rotation", "warning"],
            ],
        );
        const raw = results[1] as sarif.Result;
        const loc = raw.locations?.[0];
        assert.deepEqual(loc?.physicalLocation, {
            artifactLocation: { uri: "tests/fixtures/violating/index.ts", uriBaseId: "%SRCROOT%" },
            region: { startLine: 4, startColumn: 20 },
        });
        assert.deepEqual(loc?.logicalLocations, [{ fullyQualifiedName: "urn:pulumi:dev::fixture-violating::aws:s3/bucket:Bucket::raw", name: "raw", kind: "resource" }]);
        assert.equal(
            raw.message.text,
            "S3 buckets carry a data-classification tag with an allowed value.\ntags['data-classification'] is missing; expected one of public, internal, confidential, restricted\n(resource urn:pulumi:dev::fixture-violating::aws:s3/bucket:Bucket::raw)",
        );
        assert.equal(raw.ruleIndex, 0);
    });

    it("fingerprints are stable per (policy, URN) and distinct across resources", async () => {
        const fps = (log.runs[0]?.results ?? []).map((r) => r.partialFingerprints?.["pulumiPolicyGate/v1"]);
        assert.equal(new Set(fps).size, fps.length);
        const rerun = JSON.parse((await gate(["--cwd", fixture("violating"), "--policy-pack", BASIC_PACK, "--format", "sarif"])).stdout) as sarif.Log;
        assert.deepEqual((rerun.runs[0]?.results ?? []).map((r) => r.partialFingerprints?.["pulumiPolicyGate/v1"]), fps);
    });

    it("undecided findings are notes; the run is identified per project and stack", () => {
        const results = again.runs[0]?.results ?? [];
        assert.deepEqual(
            results.map((r) => [r.ruleId, r.level]),
            [
                ["gate-fixture/bucket-in-component", "warning"],
                ["gate-fixture/ssm-parameter-name", "note"],
            ],
        );
        assert.equal(again.runs[0]?.automationDetails?.id, "pulumi-policy-gate/fixture-unknowns/dev/");
    });
});
