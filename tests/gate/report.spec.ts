/**
 * The report as code scanning and CI read it: waivers as suppressed SARIF results, rule descriptions that are
 * sentences, notes and pack output as tool execution notifications, and the partial-analysis verdict.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import AjvDraft04 from "ajv-draft-04";
import type * as sarif from "sarif";
import { fingerprint, parseWaiver, shortDescription, toSarif } from "../../gate/src/report/sarif";
import { toText } from "../../gate/src/report/text";
import { isPartial, partialCause, type GateReport } from "../../gate/src/report/verdict";
import type { PolicyInfo, RemoteComponentInfo } from "../../gate/src/shared/types";
import { BASIC_PACK, fixture, gate, ROOT } from "./helpers";

const SCHEMA = path.join(ROOT, "node_modules", "@microsoft", "jest-sarif", "lib", "schemas", "sarif-2.1.0-rtm.5.json");

function validator() {
    const ajv = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false });
    ajv.addFormat("uri", (s: string) => URL.canParse(s));
    ajv.addFormat("uri-reference", (s: string) => URL.canParse(s, "file:///base/"));
    ajv.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)));
    return ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, "utf8")) as object);
}

const policy = (name: string, description: string, enforcementLevel: PolicyInfo["enforcementLevel"] = "mandatory"): PolicyInfo => ({
    name,
    displayName: "",
    description,
    enforcementLevel,
    severity: "",
    remediationSteps: "",
    tags: [],
    url: "",
    kind: "resource",
});

const opaque: RemoteComponentInfo = { urn: "urn:pulumi:dev::p::awsx:ec2:Vpc::vpc", type: "awsx:ec2:Vpc", package: "awsx", version: "2.21.0", constructed: false, notAnalyzed: "its children", reason: "the plugin is not installed" };

function report(over: Partial<GateReport> = {}): GateReport {
    return {
        project: "p",
        stack: "dev",
        projectDir: "/repo/p",
        resources: [],
        packs: [{ name: "pack", version: "1.0.0", displayName: "", dir: "/repo/pack", policies: [policy("s3-encrypted", "S3 buckets are encrypted."), policy("policy-waivers-applied", "Waivers in force.", "advisory")] }],
        violations: [],
        waived: [],
        undecided: [],
        notes: [],
        packLogs: [],
        timings: {},
        ...over,
    };
}

describe("gate report: SARIF for code scanning, partial analysis", function () {
    this.timeout(120_000);

    describe("waivers", () => {
        it("reads the waived policy and the reason in our pack's wording and the shorter one", () => {
            assert.deepEqual(
                parseWaiver(
                    'Reports every waiver.\npolicy "kms-key-rotation" is waived for legacy-key until 2027-03-31 (migrating (phase 2)); suppressed violation: rotation is off',
                ),
                { policy: "kms-key-rotation", reason: "migrating (phase 2)" },
            );
            assert.deepEqual(parseWaiver("Waivers in force.\nbucket-classification-tag waived until 2099-12-31: legacy bucket, migrating in Q1"), {
                policy: "bucket-classification-tag",
                reason: "legacy bucket, migrating in Q1",
            });
            assert.equal(parseWaiver("Waivers in force.\nsomething else"), undefined);
        });

        it("a waiver is the waived policy's result with an external suppression, its fingerprint the violation's", () => {
            const urn = "urn:pulumi:dev::p::aws:s3/bucket:Bucket::raw";
            const log = toSarif(
                report({
                    waived: [
                        {
                            policyPack: "pack",
                            policyPackVersion: "1.0.0",
                            policy: "policy-waivers-applied",
                            enforcementLevel: "advisory",
                            severity: "",
                            urn,
                            resourceType: "aws:s3/bucket:Bucket",
                            message: "Waivers in force.\ns3-encrypted waived until 2099-12-31: encrypted by the bucket policy",
                            run: "preview",
                        },
                    ],
                }),
                "/repo",
                "1.0.0",
            );
            const v = validator();
            assert.ok(v(log), JSON.stringify(v.errors, null, 1));
            const [r] = log.runs[0]?.results ?? [];
            assert.equal(r?.ruleId, "pack/s3-encrypted");
            assert.equal(r?.ruleIndex, 0);
            assert.equal(r?.level, "error");
            assert.equal(r?.message.text, `s3-encrypted waived until 2099-12-31: encrypted by the bucket policy\n(resource ${urn})`);
            assert.deepEqual(r?.suppressions, [{ kind: "external", status: "accepted", justification: "encrypted by the bucket policy" }]);
            assert.deepEqual(r?.partialFingerprints, { "pulumiPolicyGate/v1": fingerprint("pack", "s3-encrypted", urn) });
            assert.deepEqual(r?.properties, { enforcementLevel: "mandatory", resourceType: "aws:s3/bucket:Bucket", stack: "dev", run: "preview", waived: true });
        });

        it("end to end: the waived bucket's result is suppressed, the other bucket's is not", async () => {
            const cfg = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gate-sarif-")), "waive.json");
            fs.writeFileSync(cfg, JSON.stringify({ "bucket-classification-tag": { waivers: [{ resource: "raw", reason: "legacy bucket, migrating in Q1", expires: "2099-12-31" }] } }));
            const r = await gate(["--cwd", fixture("violating"), "--policy-pack", BASIC_PACK, "--policy-pack-config", cfg, "--format", "sarif"]);
            assert.equal(r.code, 1, r.stderr);
            const log = JSON.parse(r.stdout) as sarif.Log;
            const v = validator();
            assert.ok(v(log), JSON.stringify(v.errors, null, 1));
            const tag = (log.runs[0]?.results ?? []).filter((x) => x.ruleId === "gate-fixture/bucket-classification-tag");
            assert.deepEqual(
                tag.map((x) => [x.locations?.[0]?.logicalLocations?.[0]?.name, x.suppressions]),
                [
                    ["logs", undefined],
                    ["raw", [{ kind: "external", status: "accepted", justification: "legacy bucket, migrating in Q1" }]],
                ],
            );
        });
    });

    describe("rules and notifications", () => {
        it("shortDescription is the policy's one-line description (a sentence), else its name as one", () => {
            assert.equal(shortDescription(policy("a", "KMS keys rotate automatically.")), "KMS keys rotate automatically.");
            assert.equal(shortDescription(policy("a", "First line.\nMore detail.")), "First line.");
            assert.equal(shortDescription({ ...policy("kms-rotation", ""), displayName: "KMS rotation" }), "KMS rotation.");
        });

        it("notes and pack output are tool execution notifications; the invocation says whether the analysis is partial", () => {
            const log = toSarif(
                report({
                    notes: [
                        { level: "warning", message: "invoke aws:ec2/getAmi:getAmi has no offline answer", },
                        { level: "warning", message: "vpc not analyzed inside", remoteComponent: opaque },
                    ],
                    packLogs: [{ pack: "pack", severity: "info", message: "saw 3 resources" }],
                }),
                "/repo",
                "1.0.0",
            );
            const v = validator();
            assert.ok(v(log), JSON.stringify(v.errors, null, 1));
            const inv = log.runs[0]?.invocations?.[0];
            assert.deepEqual(inv?.properties, { partial: true });
            assert.deepEqual(
                inv?.toolExecutionNotifications?.map((n) => [n.level, n.message.text, n.descriptor?.id]),
                [
                    ["warning", "invoke aws:ec2/getAmi:getAmi has no offline answer", "program-note"],
                    ["warning", "vpc not analyzed inside", "remote-component-not-analyzed"],
                    ["note", "[policy pack pack] saw 3 resources", "policy-pack-output"],
                ],
            );
            assert.deepEqual(
                log.runs[0]?.tool.driver.notifications?.map((d) => d.id),
                ["remote-component-not-analyzed", "remote-component-constructed", "program-note", "policy-pack-output", "simulated-deployment-stopped"],
            );
        });
    });

    describe("partial analysis", () => {
        it("is partial when a remote component was not constructed; the cause names each one", () => {
            assert.equal(isPartial(report()), false);
            assert.equal(partialCause(report()), undefined);
            const constructed = { ...opaque, urn: "urn:pulumi:dev::p::eks:index:Cluster::c", constructed: true };
            assert.equal(isPartial(report({ notes: [{ level: "info", message: "", remoteComponent: constructed }] })), false);
            const r = report({ notes: [{ level: "warning", message: "", remoteComponent: opaque }, { level: "warning", message: "", remoteComponent: { ...opaque, urn: "urn:x", version: "" } }] });
            assert.equal(isPartial(r), true);
            assert.equal(
                partialCause(r),
                "the analysis is partial (--fail-on-partial): 2 remote components were not analyzed inside: urn:pulumi:dev::p::awsx:ec2:Vpc::vpc (awsx:ec2:Vpc, package awsx 2.21.0): the plugin is not installed; urn:x (awsx:ec2:Vpc, package awsx): the plugin is not installed",
            );
            const text = toText(r).split("\n");
            assert.ok(text.includes("Remote components: 0 constructed by their provider plugin, 2 not analyzed inside."), text.join("\n"));
            assert.ok(text.includes("Analysis PARTIAL: urn:pulumi:dev::p::awsx:ec2:Vpc::vpc, urn:x not analyzed inside (see the warnings above; --fail-on-partial exits 2)."), text.join("\n"));
        });
    });
});
