import assert from "node:assert/strict";
import { guarddutyDetectorProtections } from "../../../policies/rules/monitoring/guarddutyDetectorProtections";
import { UNKNOWN, runStackRule, type StackResourceInput } from "../harness";

const detector = (props: Record<string, unknown> = {}): StackResourceInput => ({ type: "aws:guardduty/detector:Detector", name: "gd", props: { enable: true, ...props } });
const feature = (name: string, status: string): StackResourceInput => ({
    type: "aws:guardduty/detectorFeature:DetectorFeature",
    name: `gd-${name.toLowerCase()}`,
    props: { detectorId: UNKNOWN.string, name, status },
    propertyDependencies: { detectorId: ["gd"] },
});
const run = (rs: StackResourceInput[], config?: Record<string, unknown>) => runStackRule(guarddutyDetectorProtections, rs, config);

describe("guardduty-detector-protections", () => {
    it("false positive removed: a stack that creates no detector is not judged", async () => {
        assert.deepEqual((await run([{ type: "aws:s3/bucket:Bucket", name: "data", props: {} }])).messages, []);
    });
    it("accepts a detector with the defaults (every optional protection on) and explicitly enabled features", async () => {
        assert.deepEqual((await run([detector({ enable: undefined })])).messages, []);
        assert.deepEqual((await run([detector(), feature("S3_DATA_EVENTS", "ENABLED"), feature("RUNTIME_MONITORING", "DISABLED")])).messages, []);
    });
    it("reports a disabled detector", async () => {
        assert.deepEqual((await run([detector({ enable: false })])).messages, [
            'aws.guardduty.Detector "gd" has enable: false, so GuardDuty does not analyse the account; set enable: true (or remove the detector if another stack owns GuardDuty for the account).',
        ]);
    });
    it("reports a Table 3 protection turned off by a DetectorFeature", async () => {
        assert.deepEqual((await run([detector(), feature("S3_DATA_EVENTS", "DISABLED")])).messages, [
            'aws.guardduty.DetectorFeature "gd-s3_data_events" sets S3_DATA_EVENTS to DISABLED on detector "gd": no findings on storage access patterns (S3 data events); set status "ENABLED".',
        ]);
    });
    it("reports a protection turned off through the deprecated datasources", async () => {
        assert.deepEqual((await run([detector({ datasources: { kubernetes: { auditLogs: { enable: false } } } })])).messages, [
            'aws.guardduty.Detector "gd" datasources.kubernetes.auditLogs.enable is false, which turns off EKS_AUDIT_LOGS: no findings on orchestration control-plane access (EKS audit logs); remove the setting or set it to true.',
        ]);
    });
    it("honours requiredFeatures", async () => {
        assert.deepEqual((await run([detector(), feature("S3_DATA_EVENTS", "DISABLED")], { requiredFeatures: ["LAMBDA_NETWORK_LOGS"] })).messages, []);
    });
});
