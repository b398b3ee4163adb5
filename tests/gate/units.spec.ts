/**
 * Unit tests of the gate's pure parts: argument parsing, project/stack reading, policy config resolution,
 * finding classification, stack-frame locations, invoke answers.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "../../gate/src/cli/main";
import { readProject, readStack, selectStack } from "../../gate/src/cli/project";
import { invokeMock } from "../../gate/src/host/invokes";
import { callerLocation, callsiteLocation } from "../../gate/src/host/locations";
import { resolvePackConfig } from "../../gate/src/packs/config";
import { shortenTrace } from "../../gate/src/packs/process";
import { fingerprint } from "../../gate/src/report/sarif";
import { classify, isUndecided } from "../../gate/src/report/verdict";
import { GateError } from "../../gate/src/shared/errors";
import type { Diagnostic, PackInfo, RecordedResource } from "../../gate/src/shared/types";
import { recordedResource } from "./helpers";

function tmpProject(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-unit-"));
    for (const [f, c] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), c);
    return dir;
}

describe("gate units", () => {
    describe("parseArgs", () => {
        it("mirrors pulumi preview's flags, repeatable packs and configs, --flag=value", () => {
            const a = parseArgs(["--cwd", "/p", "--stack=prod", "--policy-pack", "/a", "--policy-pack", "/b", "--policy-pack-config", "/c.json", "--format", "sarif", "-o", "/out.sarif", "--timeout", "30", "--concurrency", "8"]);
            assert.equal(a.cwd, "/p");
            assert.equal(a.stack, "prod");
            assert.deepEqual(a.policyPacks, ["/a", "/b"]);
            assert.deepEqual(a.policyPackConfigs, ["/c.json"]);
            assert.equal(a.format, "sarif");
            assert.equal(a.output, "/out.sarif");
            assert.equal(a.timeoutMs, 30_000);
            assert.equal(a.concurrency, 8);
        });
        it("defaults: current directory, no stack, text, 120 s", () => {
            const a = parseArgs([]);
            assert.equal(a.cwd, process.cwd());
            assert.equal(a.stack, undefined);
            assert.deepEqual(a.policyPacks, []);
            assert.equal(a.format, "text");
            assert.equal(a.timeoutMs, 120_000);
        });
        it("the simulated deployment runs unless --no-simulate", () => {
            assert.equal(parseArgs([]).simulate, true);
            assert.equal(parseArgs(["--no-simulate"]).simulate, false);
        });
        it("rejects a missing value and bad numbers", () => {
            assert.throws(() => parseArgs(["--stack"]), /--stack needs a value/);
            assert.throws(() => parseArgs(["--timeout", "0"]), /--timeout must be a positive number of seconds/);
            assert.throws(() => parseArgs(["--concurrency", "1.5"]), /--concurrency must be a positive integer/);
        });
    });

    describe("project and stack", () => {
        it("reads name, main, typescript option, project defaults, stack values and secure keys", () => {
            const dir = tmpProject({
                "Pulumi.yaml": "name: demo\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: src/index.js\nconfig:\n  retention:\n    type: integer\n    default: 30\n  owner: team-a\n",
                "Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n  demo:retention: \"7\"\n  demo:tags:\n    a: b\n  demo:password:\n    secure: AAAB\n  demo:nested:\n    inner:\n      secure: AAAC\n",
            });
            const p = readProject(dir);
            assert.deepEqual(p, { dir, name: "demo", main: "src/index.js", typescript: false });
            const s = readStack(p, "dev");
            assert.deepEqual(s.config, { "demo:retention": "7", "demo:owner": "team-a", "aws:region": "eu-west-1", "demo:tags": '{"a":"b"}' });
            assert.deepEqual(s.secureKeys, ["demo:nested", "demo:password"]);
        });
        it("selects the only stack, else dev, else asks for --stack", () => {
            assert.equal(selectStack(tmpProject({ "Pulumi.yaml": "", "Pulumi.qa.yaml": "" }), undefined), "qa");
            assert.equal(selectStack(tmpProject({ "Pulumi.yaml": "", "Pulumi.dev.yaml": "", "Pulumi.prod.yaml": "" }), undefined), "dev");
            assert.throws(() => selectStack(tmpProject({ "Pulumi.yaml": "", "Pulumi.qa.yaml": "", "Pulumi.prod.yaml": "" }), undefined), /several stacks .* \(prod, qa\) and none is 'dev': choose one with --stack/);
        });
        it("refuses non-Node.js runtimes", () => {
            assert.throws(() => readProject(tmpProject({ "Pulumi.yaml": "name: x\nruntime: python\n" })), /runtime is 'python'; the gate runs Node.js/);
        });
    });

    describe("resolvePackConfig", () => {
        const pack: PackInfo = {
            name: "p",
            version: "1.0.0",
            displayName: "",
            dir: "/p",
            policies: [
                {
                    name: "a",
                    displayName: "",
                    description: "",
                    enforcementLevel: "mandatory",
                    severity: "high",
                    remediationSteps: "",
                    tags: [],
                    url: "",
                    kind: "resource",
                    configSchema: { properties: { max: { type: "integer", minimum: 1, default: 90 } }, required: [] },
                },
                { name: "b", displayName: "", description: "", enforcementLevel: "advisory", severity: "", remediationSteps: "", tags: [], url: "", kind: "stack" },
            ],
        };
        it("applies schema defaults and keeps policies' own levels", () => {
            assert.deepEqual(resolvePackConfig(pack, undefined), { a: { enforcementLevel: "mandatory", properties: { max: 90 } } });
        });
        it("'all' then per-policy levels, properties validated", () => {
            assert.deepEqual(resolvePackConfig(pack, { all: "advisory", a: { max: 30 }, b: "disabled" }), {
                a: { enforcementLevel: "advisory", properties: { max: 30 } },
                b: { enforcementLevel: "disabled", properties: {} },
            });
        });
        it("errors name pack, version, policy and property", () => {
            assert.throws(() => resolvePackConfig(pack, { a: { max: 0 } }), (e: unknown) => e instanceof GateError && e.message === "validating policy config: p 1.0.0: a: max: must be >= 1");
            assert.throws(() => resolvePackConfig(pack, { b: { x: 1 } }), /validating policy config: p 1\.0\.0: b: the policy takes no configuration, but x given/);
            assert.throws(() => resolvePackConfig(pack, { all: "strict" }), /all: enforcementLevel must be one of advisory, mandatory, remediate, disabled, got "strict"/);
        });
    });

    describe("classify", () => {
        const res = (urn: string, type: string): RecordedResource => recordedResource(type, urn.split("::").pop() as string, { urn, parent: "" });
        const d = (policy: string, level: Diagnostic["enforcementLevel"], urn: string, message: string): Diagnostic => ({
            policyPack: "p", policyPackVersion: "1", policy, description: "", message, enforcementLevel: level, severity: "", urn,
        });
        it("splits violations, waivers (policy-waivers-applied) and undecided (can't run ... during preview), dropping duplicates and disabled", () => {
            const u = "urn:pulumi:dev::x::aws:s3/bucket:Bucket::b";
            const undecided = d("a", "advisory", u, "can't run policy 'a' from policy pack 'p@v1' during preview: string value at .x can't be known during preview");
            assert.equal(isUndecided(undecided), true);
            assert.equal(isUndecided({ ...undecided, enforcementLevel: "mandatory" }), false);
            const out = classify(
                [d("a", "mandatory", u, "m"), d("a", "mandatory", u, "m"), d("policy-waivers-applied", "advisory", u, "waived"), undecided, d("c", "disabled", u, "x"), d("r", "remediate", u, "fix")],
                [res(u, "aws:s3/bucket:Bucket")],
            );
            assert.deepEqual(out.violations.map((v) => [v.policy, v.enforcementLevel, v.resourceType]), [["a", "mandatory", "aws:s3/bucket:Bucket"], ["r", "mandatory", "aws:s3/bucket:Bucket"]]);
            assert.deepEqual(out.waived.map((v) => v.message), ["waived"]);
            assert.deepEqual(out.undecided.map((v) => v.policy), ["a"]);
        });
        it("fingerprints depend on pack, policy and URN only", () => {
            assert.equal(fingerprint("p", "a", "u"), fingerprint("p", "a", "u"));
            assert.notEqual(fingerprint("p", "a", "u"), fingerprint("p", "b", "u"));
            assert.match(fingerprint("p", "a", "u"), /^[0-9a-f]{64}$/);
        });
    });

    describe("program host helpers", () => {
        it("callerLocation skips node_modules and the component's own constructor", () => {
            const stack = [
                "Error",
                "    at new Resource (/repo/node_modules/@pulumi/pulumi/resource.js:10:5)",
                "    at new Store (/repo/infra/store.ts:12:9)",
                "    at new Pipeline (/repo/infra/pipeline.ts:20:9)",
                "    at Object.<anonymous> (/repo/index.ts:3:1)",
            ].join("\n");
            assert.deepEqual(callerLocation(stack), { file: "/repo/infra/store.ts", line: 12, column: 9 });
            assert.deepEqual(callerLocation(stack, "Store"), { file: "/repo/infra/pipeline.ts", line: 20, column: 9 });
            assert.equal(callerLocation("Error\n    at node:internal/x:1:1"), undefined);
        });
        it("callsiteLocation picks the same frame as callerLocation from V8 call sites", () => {
            const site = (fn: string | null, file: string | null, line: number | null, column: number | null, ctor: boolean): NodeJS.CallSite =>
                ({ getFunctionName: () => fn, getFileName: () => file, getLineNumber: () => line, getColumnNumber: () => column, isConstructor: () => ctor }) as unknown as NodeJS.CallSite;
            const sites = [
                site("Resource", "/repo/node_modules/@pulumi/pulumi/resource.js", 10, 5, true),
                site("Store", "/repo/infra/store.ts", 12, 9, true),
                site("Pipeline", "/repo/infra/pipeline.ts", 20, 9, true),
                site(null, "/repo/index.ts", 3, 1, false),
            ];
            assert.deepEqual(callsiteLocation(sites), { file: "/repo/infra/store.ts", line: 12, column: 9 });
            assert.deepEqual(callsiteLocation(sites, "Store"), { file: "/repo/infra/pipeline.ts", line: 20, column: 9 });
            // A function named like the component but not a constructor call is not skipped.
            assert.deepEqual(callsiteLocation([site("Store", "/repo/infra/store.ts", 12, 9, false), ...sites.slice(2)], "Store"), { file: "/repo/infra/store.ts", line: 12, column: 9 });
            assert.equal(callsiteLocation([site(null, "node:internal/x", 1, 1, false), site(null, null, null, null, false)]), undefined);
        });
        it("invoke answers: caller identity, region, partition, policy document; others echo and are noted", () => {
            const noted: string[] = [];
            const note = (t: string) => noted.push(t);
            assert.equal(invokeMock("aws:index/getCallerIdentity:getCallerIdentity", {}, "eu-west-1", note)["accountId"], "123456789012");
            assert.equal(invokeMock("aws:index/getRegion:getRegion", {}, "eu-west-1", note)["name"], "eu-west-1");
            assert.equal(invokeMock("aws:index/getPartition:getPartition", {}, "cn-north-1", note)["partition"], "aws-cn");
            const doc = invokeMock("aws:iam/getPolicyDocument:getPolicyDocument", { statements: [{ effect: "Allow", actions: ["kms:Decrypt"], resources: ["*"], principals: [{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:role/r"] }] }] }, "eu-west-1", note);
            assert.deepEqual(JSON.parse(doc["json"] as string), { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["kms:Decrypt"], Resource: ["*"], Principal: { AWS: ["arn:aws:iam::123456789012:role/r"] } }] });
            assert.deepEqual(invokeMock("aws:ec2/getAmi:getAmi", { owners: ["amazon"] }, "eu-west-1", note), { owners: ["amazon"] });
            assert.deepEqual(noted, ["aws:ec2/getAmi:getAmi"]);
        });
        it("shortenTrace keeps the message and the first frame outside node_modules", () => {
            const t = "Error validating x:\nError: boom\n    at Object.<anonymous> (/r/node_modules/a.js:1:1)\n    at rule (/r/policies/rule.ts:5:3)\n    at /r/node_modules/b.js:2:2";
            assert.equal(shortenTrace(t), "Error validating x:\nError: boom\n    at rule (/r/policies/rule.ts:5:3)");
        });
    });
});
