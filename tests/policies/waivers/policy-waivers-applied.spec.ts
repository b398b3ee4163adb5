import assert from "node:assert/strict";
import { resetAppliedWaivers, setClock } from "../../../policies/lib/rule";
import { sqsQueueEncryptedWithCmk } from "../../../policies/rules/encryption/sqsQueueEncryptedWithCmk";
import { s3BucketVersioningEnabled } from "../../../policies/rules/s3/s3BucketVersioningEnabled";
import { policyWaiversApplied } from "../../../policies/rules/waivers/policyWaiversApplied";
import { runPack, runStackRule, urnOf } from "../harness";

const QUEUE = "aws:sqs/queue:Queue";
const BUCKET = "aws:s3/bucket:Bucket";
const QUEUE_MSG = "SQS queue is not encrypted with a customer-managed KMS key: kmsMasterKeyId is not set; set kmsMasterKeyId to a customer-managed KMS key ARN.";
const resources = [
    { type: QUEUE, name: "legacy", props: {} },
    { type: QUEUE, name: "other", props: {} },
    { type: BUCKET, name: "scratch", props: { bucket: "e2ee-scratch" } },
];
const rules = [sqsQueueEncryptedWithCmk, s3BucketVersioningEnabled, policyWaiversApplied];

describe("policy-waivers-applied", () => {
    beforeEach(() => {
        resetAppliedWaivers();
        setClock(() => "2026-11-23");
    });
    after(() => setClock(() => new Date().toISOString().slice(0, 10)));

    it("reports nothing when no waiver applied", async () => {
        resetAppliedWaivers();
        assert.deepEqual((await runStackRule(policyWaiversApplied, [])).violations, []);
    });

    it("suppresses waived violations (resource and stack policies) and reports each applied waiver, advisory, last", async () => {
        const d = await runPack(rules, resources, {
            "sqs-queue-encrypted-with-cmk": { waivers: [{ resource: "legacy", reason: "decommissioned in Q1", expires: "2026-12-31" }] },
            "s3-bucket-versioning-enabled": { waivers: [{ resource: urnOf(BUCKET, "scratch"), reason: "scratch data", expires: "2026-11-23" }] },
        });
        assert.deepEqual(d, [
            { policy: "sqs-queue-encrypted-with-cmk", enforcementLevel: "mandatory", message: QUEUE_MSG, urn: urnOf(QUEUE, "other") },
            {
                policy: "policy-waivers-applied",
                enforcementLevel: "advisory",
                message: `policy "sqs-queue-encrypted-with-cmk" is waived for legacy until 2026-12-31 (decommissioned in Q1); suppressed violation: ${QUEUE_MSG}`,
                urn: urnOf(QUEUE, "legacy"),
            },
            {
                policy: "policy-waivers-applied",
                enforcementLevel: "advisory",
                message: `policy "s3-bucket-versioning-enabled" is waived for ${urnOf(BUCKET, "scratch")} until 2026-11-23 (scratch data); suppressed violation: S3 bucket 'scratch' does not have versioning enabled: no BucketVersioning resource configures it; add an aws.s3.BucketVersioning for the bucket with versioningConfiguration { status: "Enabled" }.`,
                urn: urnOf(BUCKET, "scratch"),
            },
        ]);
    });

    it("an expired waiver no longer applies: the violation is reported at the policy's level naming the waiver", async () => {
        const d = await runPack(rules, resources.slice(0, 1), {
            "sqs-queue-encrypted-with-cmk": { waivers: [{ resource: "legacy", reason: "decommissioned in Q1", expires: "2026-11-22" }] },
        });
        assert.deepEqual(d, [
            {
                policy: "sqs-queue-encrypted-with-cmk",
                enforcementLevel: "mandatory",
                message: `${QUEUE_MSG} (the waiver for this resource expired on 2026-11-22: decommissioned in Q1)`,
                urn: urnOf(QUEUE, "legacy"),
            },
        ]);
    });

    it("reports a waiver once even if the same violation was waived twice in the process", async () => {
        const cfg = { "sqs-queue-encrypted-with-cmk": { waivers: [{ resource: "legacy", reason: "r", expires: "2026-12-31" }] } };
        await runPack([sqsQueueEncryptedWithCmk], resources.slice(0, 1), cfg);
        const d = await runPack(rules, resources.slice(0, 1), cfg);
        assert.equal(d.filter((x) => x.policy === "policy-waivers-applied").length, 1);
    });

    it("rejects a waiver without a reason or with a malformed expiry", async () => {
        await assert.rejects(runPack([sqsQueueEncryptedWithCmk], resources.slice(0, 1), { "sqs-queue-encrypted-with-cmk": { waivers: [{ resource: "legacy", expires: "2026-12-31" }] } }), /invalid policy config/);
        await assert.rejects(runPack([sqsQueueEncryptedWithCmk], resources.slice(0, 1), { "sqs-queue-encrypted-with-cmk": { waivers: [{ resource: "legacy", reason: "r", expires: "31/12/2026" }] } }), /invalid policy config/);
    });
});
