import assert from "node:assert/strict";
import { kmsKeyDeletionWindow } from "../../../policies/rules/keys/kmsKeyDeletionWindow";
import { runResourceRule } from "../harness";

const type = "aws:kms/key:Key";
const run = (props: Record<string, unknown>, cfg?: Record<string, unknown>) => runResourceRule(kmsKeyDeletionWindow, { type, props }, cfg);

describe("kms-key-deletion-window", () => {
    it("accepts 30 days and an unset window (KMS default 30)", async () => {
        assert.deepEqual((await run({ deletionWindowInDays: 30 })).messages, []);
        assert.deepEqual((await run({})).messages, []);
    });
    it("reports a window below the minimum", async () => {
        assert.deepEqual((await run({ deletionWindowInDays: 7 })).messages, [
            "KMS key deletionWindowInDays is 7; set it to at least 30 so a scheduled deletion can be cancelled before the key and its ciphertexts are lost.",
        ]);
    });
    it("honours minimumDeletionWindowInDays (7-30)", async () => {
        assert.deepEqual((await run({ deletionWindowInDays: 14 }, { minimumDeletionWindowInDays: 14 })).messages, []);
        assert.deepEqual((await run({ deletionWindowInDays: 10 }, { minimumDeletionWindowInDays: 14 })).messages, [
            "KMS key deletionWindowInDays is 10; set it to at least 14 so a scheduled deletion can be cancelled before the key and its ciphertexts are lost.",
        ]);
        await assert.rejects(run({}, { minimumDeletionWindowInDays: 45 }), /invalid policy config/);
    });
});
