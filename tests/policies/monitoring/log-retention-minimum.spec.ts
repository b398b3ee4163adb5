import assert from "node:assert/strict";
import { logRetentionMinimum } from "../../../policies/rules/monitoring/logRetentionMinimum";
import { runResourceRule } from "../harness";

const run = (props: Record<string, unknown>, config?: Record<string, unknown>) => runResourceRule(logRetentionMinimum, { type: "aws:cloudwatch/logGroup:LogGroup", props }, config);

describe("log-retention-minimum", () => {
    it("accepts 90 days and more, and never-expire (missing or 0)", async () => {
        for (const props of [{ retentionInDays: 90 }, { retentionInDays: 3653 }, {}, { retentionInDays: 0 }]) {
            assert.deepEqual((await run(props)).messages, [], JSON.stringify(props));
        }
    });

    it("reports a retention below the minimum", async () => {
        assert.deepEqual((await run({ retentionInDays: 30 })).messages, ["retentionInDays is 30, shorter than the minimum of 90 days; set retentionInDays to at least 90."]);
    });

    it("uses the configured minimum", async () => {
        assert.deepEqual((await run({ retentionInDays: 180 }, { minRetentionDays: 365 })).messages, ["retentionInDays is 180, shorter than the minimum of 365 days; set retentionInDays to at least 365."]);
    });
});
