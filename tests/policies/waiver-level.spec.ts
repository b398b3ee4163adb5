/**
 * Applied waivers never fail a preview, whatever the pack config's `all` says: `policy-waivers-applied` reports at
 * the advisory level even when the engine configured it (through `"all": "mandatory"`) as mandatory, while an expired
 * waiver's violation is still reported at the level the policy is configured with. Checked with the harness and with
 * @pulumi/policy's own analyzeStack handler (the code that answers the engine in a pack process).
 */
import assert from "node:assert/strict";
import type { StackValidationPolicy } from "@pulumi/policy";
import { WAIVER_REPORT_POLICY, resetAppliedWaivers, setClock } from "../../policies/lib/rule";
import { sqsQueueEncryptedWithCmk } from "../../policies/rules/encryption/sqsQueueEncryptedWithCmk";
import { POLICY_WAIVERS_APPLIED, policyWaiversApplied } from "../../policies/rules/waivers/policyWaiversApplied";
import { runPack, runResourceRule, urnOf } from "./harness";

/* eslint-disable @typescript-eslint/no-require-imports */
type Ctor = new () => Record<string, (...a: unknown[]) => unknown>;
const pb = require("@pulumi/pulumi/proto/analyzer_pb") as Record<string, Ctor>;
const server = require("@pulumi/policy/server") as {
    makeAnalyzeStackRpcFun: (n: string, v: string, l: string, p: unknown[]) => (call: { request: unknown }, cb: (e: unknown, r: Record<string, () => unknown>) => void) => Promise<void>;
};
/* eslint-enable @typescript-eslint/no-require-imports */

const QUEUE = "aws:sqs/queue:Queue";
const queues = [
    { type: QUEUE, name: "legacy", props: {} },
    { type: QUEUE, name: "old", props: {} },
];
const waivers = [
    { resource: "legacy", reason: "decommissioned in Q1", expires: "2026-12-31" },
    { resource: "old", reason: "migration", expires: "2026-11-01" },
];

describe("waiver report level", () => {
    beforeEach(() => {
        resetAppliedWaivers();
        setClock(() => "2026-11-23");
    });
    after(() => {
        resetAppliedWaivers();
        setClock(() => new Date().toISOString().slice(0, 10));
    });

    it("the framework pins the level of the policy the waivers group declares", () => {
        assert.equal(POLICY_WAIVERS_APPLIED, WAIVER_REPORT_POLICY);
        assert.equal(policyWaiversApplied.name, WAIVER_REPORT_POLICY);
    });

    it('"all": "mandatory": the applied waiver is reported advisory, the expired one mandatory', async () => {
        const own = (await runResourceRule(sqsQueueEncryptedWithCmk, queues[1])).messages[0];
        const d = await runPack([sqsQueueEncryptedWithCmk, policyWaiversApplied], queues, {
            all: { enforcementLevel: "mandatory" },
            "sqs-queue-encrypted-with-cmk": { waivers },
        });
        assert.deepEqual(d, [
            {
                policy: "sqs-queue-encrypted-with-cmk",
                enforcementLevel: "mandatory",
                message: `${own} (the waiver for this resource expired on 2026-11-01: migration)`,
                urn: urnOf(QUEUE, "old"),
            },
            {
                policy: "policy-waivers-applied",
                enforcementLevel: "advisory",
                message: `policy "sqs-queue-encrypted-with-cmk" is waived for legacy until 2026-12-31 (decommissioned in Q1); suppressed violation: ${own}`,
                urn: urnOf(QUEUE, "legacy"),
            },
        ]);
    });

    it("a level configured for the report by name does not raise it either; disabled turns it off", async () => {
        const cfg = { "sqs-queue-encrypted-with-cmk": { waivers: waivers.slice(0, 1) } };
        const raised = await runPack([sqsQueueEncryptedWithCmk, policyWaiversApplied], queues.slice(0, 1), { ...cfg, "policy-waivers-applied": { enforcementLevel: "mandatory" } });
        assert.deepEqual(raised.map((x) => [x.policy, x.enforcementLevel]), [["policy-waivers-applied", "advisory"]]);
        resetAppliedWaivers();
        const off = await runPack([sqsQueueEncryptedWithCmk, policyWaiversApplied], queues.slice(0, 1), { ...cfg, "policy-waivers-applied": { enforcementLevel: "disabled" } });
        assert.deepEqual(off, []);
    });

    it("@pulumi/policy's analyzeStack handler sends the report as advisory when the policy is configured mandatory", async () => {
        await runPack([sqsQueueEncryptedWithCmk], queues.slice(0, 1), { "sqs-queue-encrypted-with-cmk": { waivers: waivers.slice(0, 1) } });
        // What the handler sees after the engine applied "all": "mandatory": the policy at the mandatory level.
        const configured: StackValidationPolicy = { ...policyWaiversApplied, enforcementLevel: "mandatory" };
        const req = new pb.AnalyzeStackRequest();
        req.setResourcesList([]);
        const fn = server.makeAnalyzeStackRpcFun("pack", "1.0.0", "mandatory", [configured]);
        const resp = await new Promise<Record<string, () => unknown>>((resolve, reject) => void fn({ request: req }, (e, r) => (e ? reject(e) : resolve(r))));
        const diags = (resp.getDiagnosticsList() as Record<string, () => unknown>[]).map((x) => ({
            policy: x.getPolicyname(),
            level: x.getEnforcementlevel(),
            message: x.getMessage(),
            urn: x.getUrn(),
        }));
        const own = (await runResourceRule(sqsQueueEncryptedWithCmk, queues[0])).messages[0];
        assert.deepEqual(diags, [
            {
                policy: "policy-waivers-applied",
                level: 0, // pulumirpc.EnforcementLevel.ADVISORY
                message: `${policyWaiversApplied.description}\npolicy "sqs-queue-encrypted-with-cmk" is waived for legacy until 2026-12-31 (decommissioned in Q1); suppressed violation: ${own}`,
                urn: urnOf(QUEUE, "legacy"),
            },
        ]);
    });
});
