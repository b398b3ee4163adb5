import assert from "node:assert/strict";
import { guarddutyEnabled } from "../../../policies/rules/account/guarddutyEnabled";
import { runStackRule, type StackResourceInput } from "../harness";

const bucket: StackResourceInput = { type: "aws:s3/bucket:Bucket", name: "data", props: {} };
const detector = (enable: unknown): StackResourceInput => ({ type: "aws:guardduty/detector:Detector", name: "gd", props: enable === undefined ? {} : { enable } });
const BASELINE = { accountBaseline: true };
const run = (inputs: StackResourceInput[], config: Record<string, unknown> = BASELINE) => runStackRule(guarddutyEnabled, inputs, config);

describe("guardduty-enabled", () => {
    it("false positive removed: an application stack without a detector is not judged (one detector per account and region)", async () => {
        const r = await run([bucket], {});
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, undefined);
        assert.deepEqual((await run([bucket], { accountBaseline: false })).messages, []);
    });

    it("the account-baseline stack: accepts a detector (explicit or default enable)", async () => {
        assert.deepEqual((await run([bucket, detector(true)])).messages, []);
        assert.deepEqual((await run([bucket, detector(undefined)])).messages, []);
    });

    it("the account-baseline stack: reports a missing detector", async () => {
        assert.deepEqual((await run([bucket])).messages, [
            "the stack owns the account baseline (accountBaseline: true) but creates no aws.guardduty.Detector; add one with enable: true.",
        ]);
    });

    it("leaves a disabled detector to guardduty-detector-protections", async () => {
        assert.deepEqual((await run([bucket, detector(false)])).messages, []);
    });
});
