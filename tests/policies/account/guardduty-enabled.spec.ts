import assert from "node:assert/strict";
import { guarddutyEnabled } from "../../../policies/rules/account/guarddutyEnabled";
import { UNKNOWN, runStackRule, type StackResourceInput } from "../harness";

const bucket: StackResourceInput = { type: "aws:s3/bucket:Bucket", name: "data", props: {} };
const detector = (enable: unknown): StackResourceInput => ({ type: "aws:guardduty/detector:Detector", name: "gd", props: enable === undefined ? {} : { enable } });
const run = (inputs: StackResourceInput[]) => runStackRule(guarddutyEnabled, inputs);

describe("guardduty-enabled", () => {
    it("accepts an enabled detector (explicit or default)", async () => {
        assert.deepEqual((await run([bucket, detector(true)])).messages, []);
        assert.deepEqual((await run([bucket, detector(undefined)])).messages, []);
    });

    it("reports an AWS stack without a detector", async () => {
        assert.deepEqual((await run([bucket])).messages, ["the stack creates AWS resources but no aws.guardduty.Detector; add one with enable: true."]);
    });

    it("reports a disabled detector", async () => {
        assert.deepEqual((await run([bucket, detector(false)])).messages, ['every aws.guardduty.Detector in the stack has enable: false ("gd"); set enable: true.']);
    });

    it("ignores stacks without AWS resources and cannot decide an unknown enable", async () => {
        assert.deepEqual((await run([{ type: "kubernetes:core/v1:Namespace", name: "ns", props: {} }])).messages, []);
        const r = await run([bucket, detector(UNKNOWN.boolean)]);
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, 'the enable input of detector "gd" is unknown');
    });
});
