import assert from "node:assert/strict";
import { certManagerCertificateMax90Days } from "../../../policies/rules/certificates/certManagerCertificateMax90Days";
import { UNKNOWN, runResourceRule } from "../harness";

const T = "kubernetes:cert-manager.io/v1:Certificate";
const spec = { secretName: "api-tls", dnsNames: ["api.svc"], issuerRef: { name: "ca", kind: "ClusterIssuer" }, duration: "2160h", renewBefore: "720h" };
const run = (s: Record<string, unknown>, config?: Record<string, unknown>) =>
    runResourceRule(certManagerCertificateMax90Days, { type: T, props: { apiVersion: "cert-manager.io/v1", kind: "Certificate", metadata: { name: "api" }, spec: s } }, config);

describe("cert-manager-certificate-max-90-days", () => {
    it("accepts 2160h/720h, a missing duration (default 2160h) and a missing renewBefore", async () => {
        assert.deepEqual((await run(spec)).messages, []);
        assert.deepEqual((await run({ ...spec, duration: undefined, renewBefore: undefined })).messages, []);
        assert.deepEqual((await run({ ...spec, duration: "1440h", renewBefore: "90h30m" })).messages, []);
    });

    it("reports a duration over 2160h", async () => {
        assert.deepEqual((await run({ ...spec, duration: "8760h" })).messages, [
            'spec.duration is "8760h" (8760h), longer than 2160h; set spec.duration to "2160h" or less.',
        ]);
        assert.deepEqual((await run({ ...spec, duration: "2160h1m" })).messages, [
            'spec.duration is "2160h1m" (2160.02h), longer than 2160h; set spec.duration to "2160h" or less.',
        ]);
    });

    it("reports renewBefore not shorter than the duration (explicit or default)", async () => {
        assert.deepEqual((await run({ ...spec, duration: "720h", renewBefore: "720h" })).messages, [
            'spec.renewBefore is "720h" (720h), not shorter than the certificate duration 720h; set spec.renewBefore below spec.duration (e.g. one third of it) or leave it out.',
        ]);
        assert.deepEqual((await run({ ...spec, duration: undefined, renewBefore: "2200h" })).messages, [
            'spec.renewBefore is "2200h" (2200h), not shorter than the certificate duration 2160h; set spec.renewBefore below spec.duration (e.g. one third of it) or leave it out.',
        ]);
    });

    it("reports invalid Go durations (e.g. days)", async () => {
        assert.deepEqual((await run({ ...spec, duration: "90d" })).messages, ['spec.duration "90d" is not a valid Go duration; use hours, e.g. "2160h".']);
        assert.deepEqual((await run({ ...spec, renewBefore: "30d" })).messages, ['spec.renewBefore "30d" is not a valid Go duration; use hours, e.g. "720h".']);
    });

    it("honours maxDuration", async () => {
        assert.deepEqual((await run({ ...spec, duration: "1000h", renewBefore: "100h" }, { maxDuration: "720h" })).messages, [
            'spec.duration is "1000h" (1000h), longer than 720h; set spec.duration to "720h" or less.',
        ]);
    });

    it("cannot decide an unknown duration", async () => {
        assert.equal((await run({ ...spec, duration: UNKNOWN.string })).unknown, "string value at .spec.duration can't be known during preview");
    });
});
