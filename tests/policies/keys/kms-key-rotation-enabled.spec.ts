import assert from "node:assert/strict";
import { kmsKeyRotationEnabled } from "../../../policies/rules/keys/kmsKeyRotationEnabled";
import { UNKNOWN, runResourceRule } from "../harness";

const type = "aws:kms/key:Key";
const run = (props: Record<string, unknown>, cfg?: Record<string, unknown>) => runResourceRule(kmsKeyRotationEnabled, { type, props }, cfg);
const base = { enableKeyRotation: true, rotationPeriodInDays: 90 };

describe("kms-key-rotation-enabled", () => {
    it("accepts rotation every 90 days (or fewer)", async () => {
        assert.deepEqual((await run(base)).messages, []);
    });
    it("reports rotation disabled or not set", async () => {
        assert.deepEqual((await run({ rotationPeriodInDays: 90 })).messages, [
            "KMS key does not rotate automatically: enableKeyRotation is not set (false); set enableKeyRotation to true and rotationPeriodInDays to at most 90.",
        ]);
        assert.deepEqual((await run({ ...base, enableKeyRotation: false })).messages, [
            "KMS key does not rotate automatically: enableKeyRotation is false; set enableKeyRotation to true and rotationPeriodInDays to at most 90.",
        ]);
    });
    it("reports a missing period (KMS default 365) and a period above the maximum", async () => {
        assert.deepEqual((await run({ enableKeyRotation: true })).messages, [
            "KMS key rotationPeriodInDays is not set, so KMS rotates every 365 days; set rotationPeriodInDays to at most 90.",
        ]);
        assert.deepEqual((await run({ ...base, rotationPeriodInDays: 180 })).messages, ["KMS key rotationPeriodInDays is 180; set it to at most 90."]);
    });
    it("honours maximumRotationPeriodInDays and rejects values KMS does not accept", async () => {
        assert.deepEqual((await run({ ...base, rotationPeriodInDays: 180 }, { maximumRotationPeriodInDays: 180 })).messages, []);
        assert.deepEqual((await run({ enableKeyRotation: true }, { maximumRotationPeriodInDays: 180 })).messages, [
            "KMS key rotationPeriodInDays is not set, so KMS rotates every 365 days; set rotationPeriodInDays to at most 180.",
        ]);
        await assert.rejects(run(base, { maximumRotationPeriodInDays: 30 }), /invalid policy config/);
    });
    it("does not apply to keys that cannot rotate (asymmetric, HMAC)", async () => {
        assert.deepEqual((await run({ customerMasterKeySpec: "RSA_2048" })).messages, []);
        assert.deepEqual((await run({ keyUsage: "GENERATE_VERIFY_MAC", customerMasterKeySpec: "HMAC_256" })).messages, []);
    });
    it("unknown period: advisory", async () => {
        const r = await run({ enableKeyRotation: true, rotationPeriodInDays: UNKNOWN.number });
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, "number value at .rotationPeriodInDays can't be known during preview");
    });
});
