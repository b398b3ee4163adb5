/**
 * The harness against @pulumi/policy's own analyzer (its analyze/analyzeStack RPC handlers, fed protobuf requests
 * as the engine sends them): same violations, same URNs, same "can't run ... during preview" advisory. The server
 * prefixes each violation message with the policy's description and a newline.
 */
import assert from "node:assert/strict";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { s3BucketEncryptedWithCmk } from "../../policies/rules/encryption/s3BucketEncryptedWithCmk";
import { sqsQueueEncryptedWithCmk } from "../../policies/rules/encryption/sqsQueueEncryptedWithCmk";
import { kmsKeyRotationEnabled } from "../../policies/rules/keys/kmsKeyRotationEnabled";
import { RuleResult, StackResourceInput, UNKNOWN, runResourceRule, runStackRule, urnOf } from "./harness";

/* eslint-disable @typescript-eslint/no-require-imports */
interface Msg {
    [setter: string]: unknown;
}
type Ctor = new () => Msg & Record<string, (...a: unknown[]) => unknown>;
const pb = require("@pulumi/pulumi/proto/analyzer_pb") as Record<string, Ctor>;
const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as { Struct: { fromJavaScript(o: unknown): unknown } };
const server = require("@pulumi/policy/server") as {
    makeAnalyzeRpcFun: (n: string, v: string, l: string, p: unknown[]) => (call: { request: unknown }, cb: (e: unknown, r: Msg) => void) => Promise<void>;
    makeAnalyzeStackRpcFun: (n: string, v: string, l: string, p: unknown[]) => (call: { request: unknown }, cb: (e: unknown, r: Msg) => void) => Promise<void>;
};
/* eslint-enable @typescript-eslint/no-require-imports */

interface Diag {
    readonly message: string;
    readonly urn: string;
    readonly level: number;
}

function options(): unknown {
    const o = new pb.AnalyzerResourceOptions();
    o.setProtect(false);
    return o;
}

async function call(fn: (call: { request: unknown }, cb: (e: unknown, r: Msg) => void) => Promise<void>, request: unknown): Promise<Diag[]> {
    const resp = await new Promise<Msg>((resolve, reject) => void fn({ request }, (e, r) => (e ? reject(e) : resolve(r))));
    const list = (resp as Record<string, () => Msg[]>).getDiagnosticsList();
    return list.map((d) => {
        const m = d as Record<string, () => unknown>;
        return { message: m.getMessage() as string, urn: m.getUrn() as string, level: m.getEnforcementlevel() as number };
    });
}

async function serverResource(policy: ResourceValidationPolicy, type: string, name: string, props: Record<string, unknown>): Promise<Diag[]> {
    const req = new pb.AnalyzeRequest();
    req.setType(type);
    req.setName(name);
    req.setUrn(urnOf(type, name));
    req.setProperties(Struct.fromJavaScript(props));
    req.setOptions(options());
    return call(server.makeAnalyzeRpcFun("pack", "1.0.0", "mandatory", [policy]), req);
}

async function serverStack(policy: StackValidationPolicy, inputs: readonly StackResourceInput[]): Promise<Diag[]> {
    const urn = (k: string) => {
        const r = inputs.find((i) => i.name === k);
        return r === undefined ? k : urnOf(r.type, k);
    };
    const req = new pb.AnalyzeStackRequest();
    req.setResourcesList(
        inputs.map((i) => {
            const r = new pb.AnalyzerResource();
            r.setType(i.type);
            r.setName(i.name ?? "");
            r.setUrn(urnOf(i.type, i.name ?? ""));
            r.setProperties(Struct.fromJavaScript(i.props));
            r.setOptions(options());
            const deps = Object.values(i.propertyDependencies ?? {}).flat().concat(i.dependencies ?? []);
            r.setDependenciesList([...new Set(deps.map(urn))]);
            const map = (r.getPropertydependenciesMap as () => { set(k: string, v: unknown): void })();
            for (const [k, v] of Object.entries(i.propertyDependencies ?? {})) {
                const d = new pb.AnalyzerPropertyDependencies();
                d.setUrnsList(v.map(urn));
                map.set(k, d);
            }
            return r;
        }),
    );
    return call(server.makeAnalyzeStackRpcFun("pack", "1.0.0", "mandatory", [policy]), req);
}

const levels = (require("@pulumi/pulumi/proto/analyzer_pb") as { EnforcementLevel: Record<string, number> }).EnforcementLevel; // eslint-disable-line @typescript-eslint/no-require-imports
const MANDATORY = levels.MANDATORY;
const ADVISORY = levels.ADVISORY;

/**
 * What the server should emit for a harness result. For resource rules the server leaves the diagnostic's URN empty
 * (the engine attributes it to the analyzed resource, which the harness reports as the violation's URN).
 */
function expected(policy: { name: string; description: string }, r: RuleResult, resourceRule = false): Diag[] {
    return [
        ...r.violations.map((v) => ({ message: `${policy.description}\n${v.message}`, urn: resourceRule ? "" : (v.urn ?? ""), level: MANDATORY })),
        ...(r.unknown === undefined ? [] : [{ message: `can't run policy '${policy.name}' from policy pack 'pack@v1.0.0' during preview: ${r.unknown}`, urn: "", level: ADVISORY }]),
    ];
}

describe("harness fidelity against @pulumi/policy's analyzer server", () => {
    const resourceCases: [string, ResourceValidationPolicy, string, Record<string, unknown>][] = [
        ["violation", sqsQueueEncryptedWithCmk, "aws:sqs/queue:Queue", { sqsManagedSseEnabled: true }],
        ["compliant with an unknown key", sqsQueueEncryptedWithCmk, "aws:sqs/queue:Queue", { kmsMasterKeyId: UNKNOWN.string }],
        ["unknown deciding value", kmsKeyRotationEnabled, "aws:kms/key:Key", { enableKeyRotation: true, rotationPeriodInDays: UNKNOWN.number }],
    ];
    for (const [label, policy, type, props] of resourceCases) {
        it(`resource rule, ${label}: ${policy.name}`, async () => {
            const h = await runResourceRule(policy, { type, name: "r", props });
            const s = await serverResource(policy, type, "r", props);
            assert.deepEqual(s, expected(policy, h, true));
            assert.ok(h.violations.every((v) => v.urn === urnOf(type, "r")));
            assert.equal(s.length, label.startsWith("compliant") ? 0 : 1);
        });
    }

    it("stack rule: proven violation plus an undecidable link (advisory), with property dependencies", async () => {
        const inputs: StackResourceInput[] = [
            { type: "aws:s3/bucket:Bucket", name: "data", props: { bucket: "e2ee-data" } },
            {
                type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                name: "data-sse",
                props: { bucket: UNKNOWN.string, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
                propertyDependencies: { bucket: ["data"] },
            },
            { type: "aws:s3/bucket:Bucket", name: "logs", props: { bucket: "e2ee-logs" } },
            {
                type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                name: "orphan",
                props: { bucket: UNKNOWN.string, rules: [] },
            },
        ];
        const h = await runStackRule(s3BucketEncryptedWithCmk, inputs);
        assert.equal(h.violations.length, 1);
        assert.notEqual(h.unknown, undefined);
        assert.deepEqual(await serverStack(s3BucketEncryptedWithCmk, inputs), expected(s3BucketEncryptedWithCmk, h));
    });
});
