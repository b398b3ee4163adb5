/** The account-baseline policies other than guardduty-enabled (its own spec): judged only when opted in. */
import assert from "node:assert/strict";
import { cloudtrailEnabled } from "../../../policies/rules/account/cloudtrailEnabled";
import { configRecorderEnabled } from "../../../policies/rules/account/configRecorderEnabled";
import { s3AccountPublicAccessBlocked } from "../../../policies/rules/account/s3AccountPublicAccessBlocked";
import { securityhubEnabled } from "../../../policies/rules/account/securityhubEnabled";
import { UNKNOWN, runStackRule, type StackResourceInput } from "../harness";

const ON = { accountBaseline: true };
const app: StackResourceInput[] = [{ type: "aws:s3/bucket:Bucket", name: "data", props: {} }];
const res = (type: string, name: string, props: Record<string, unknown> = {}): StackResourceInput => ({ type, name, props });

describe("account-baseline policies", () => {
    it("false positive removed: an application stack is not judged by any of them", async () => {
        for (const rule of [securityhubEnabled, configRecorderEnabled, cloudtrailEnabled, s3AccountPublicAccessBlocked]) {
            const r = await runStackRule(rule, app);
            assert.deepEqual(r.messages, [], rule.name);
            assert.equal(r.unknown, undefined, rule.name);
        }
    });

    describe("securityhub-enabled", () => {
        it("accepts an aws.securityhub.Account; reports its absence", async () => {
            assert.deepEqual((await runStackRule(securityhubEnabled, [...app, res("aws:securityhub/account:Account", "hub")], ON)).messages, []);
            assert.deepEqual((await runStackRule(securityhubEnabled, app, ON)).messages, [
                "the stack owns the account baseline (accountBaseline: true) but creates no aws.securityhub.Account; add one.",
            ]);
        });
    });

    describe("config-recorder-enabled", () => {
        const all = [res("aws:cfg/recorder:Recorder", "rec"), res("aws:cfg/deliveryChannel:DeliveryChannel", "dc"), res("aws:cfg/recorderStatus:RecorderStatus", "on", { isEnabled: true })];
        it("accepts a recorder, a delivery channel and an enabled status", async () => {
            assert.deepEqual((await runStackRule(configRecorderEnabled, all, ON)).messages, []);
        });
        it("reports a recorder that is not turned on", async () => {
            assert.deepEqual((await runStackRule(configRecorderEnabled, [all[0], all[1], res("aws:cfg/recorderStatus:RecorderStatus", "on", { isEnabled: false })], ON)).messages, [
                "the stack owns the account baseline (accountBaseline: true) but has no aws.cfg.RecorderStatus with isEnabled: true; AWS Config does not record the account's configuration changes.",
            ]);
        });
        it("reports what is missing", async () => {
            assert.deepEqual((await runStackRule(configRecorderEnabled, [all[0]], ON)).messages, [
                "the stack owns the account baseline (accountBaseline: true) but has no aws.cfg.DeliveryChannel, no aws.cfg.RecorderStatus; AWS Config does not record the account's configuration changes.",
            ]);
        });
    });

    describe("cloudtrail-enabled", () => {
        const trail = (props: Record<string, unknown>) => res("aws:cloudtrail/trail:Trail", "trail", { s3BucketName: "t", ...props });
        it("accepts a multi-region or organisation trail", async () => {
            assert.deepEqual((await runStackRule(cloudtrailEnabled, [trail({ isMultiRegionTrail: true })], ON)).messages, []);
            assert.deepEqual((await runStackRule(cloudtrailEnabled, [trail({ isOrganizationTrail: true })], ON)).messages, []);
        });
        it("reports a single-region or stopped trail, and a missing one", async () => {
            assert.deepEqual((await runStackRule(cloudtrailEnabled, [trail({ isMultiRegionTrail: true, enableLogging: false })], ON)).messages, [
                'the stack owns the account baseline (accountBaseline: true) but none of its trails ("trail") is a logging multi-region or organisation trail; set isMultiRegionTrail: true and leave enableLogging true.',
            ]);
            assert.deepEqual((await runStackRule(cloudtrailEnabled, app, ON)).messages, [
                "the stack owns the account baseline (accountBaseline: true) but creates no aws.cloudtrail.Trail; add a multi-region trail.",
            ]);
        });
        it("cannot decide unknown settings", async () => {
            const r = await runStackRule(cloudtrailEnabled, [trail({ isMultiRegionTrail: UNKNOWN.boolean })], ON);
            assert.deepEqual(r.messages, []);
            assert.equal(r.unknown, 'the settings of trail "trail" are unknown');
        });
    });

    describe("s3-account-public-access-blocked", () => {
        it("accepts an account block; reports its absence", async () => {
            const block = res("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", "account", { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
            assert.deepEqual((await runStackRule(s3AccountPublicAccessBlocked, [block], ON)).messages, []);
            assert.deepEqual((await runStackRule(s3AccountPublicAccessBlocked, app, ON)).messages, [
                "the stack owns the account baseline (accountBaseline: true) but creates no aws.s3.AccountPublicAccessBlock; add one with all four settings true.",
            ]);
        });
    });
});
