import assert from "node:assert/strict";
import { acmpcaCertificateMax90Days, maxValidityDays, setCertificateClock } from "../../../policies/rules/certificates/acmpcaCertificateMax90Days";
import { UNKNOWN, runResourceRule } from "../harness";

const T = "aws:acmpca/certificate:Certificate";
const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const run = (validity: unknown, config?: Record<string, unknown>) =>
    runResourceRule(acmpcaCertificateMax90Days, { type: T, props: { certificateAuthorityArn: "arn:ca", certificateSigningRequest: "csr", signingAlgorithm: "SHA256WITHRSA", validity } }, config);

describe("acmpca-certificate-max-90-days", () => {
    before(() => setCertificateClock(() => NOW));
    after(() => setCertificateClock(() => Date.now()));

    it("bounds every validity type", () => {
        assert.equal(maxValidityDays("DAYS", "90"), 90);
        assert.equal(maxValidityDays("MONTHS", "3"), 93);
        assert.equal(maxValidityDays("YEARS", "1"), 366);
        assert.equal(maxValidityDays("END_DATE", "20270221120000"), 90);
        assert.equal(maxValidityDays("ABSOLUTE", String((NOW + 30 * 86_400_000) / 1000)), 30);
        assert.equal(maxValidityDays("DAYS", "ninety"), undefined);
        assert.equal(maxValidityDays("WEEKS", "1"), undefined);
    });

    it("accepts 90 days, 2 months and an end date 60 days away", async () => {
        assert.deepEqual((await run({ type: "DAYS", value: "90" })).messages, []);
        assert.deepEqual((await run({ type: "MONTHS", value: "2" })).messages, []);
        assert.deepEqual((await run({ type: "END_DATE", value: "20270122120000" })).messages, []);
    });

    it("reports 91 days, 3 months and 1 year", async () => {
        assert.deepEqual((await run({ type: "DAYS", value: "91" })).messages, [
            'validity { type: "DAYS", value: "91" } allows a lifetime of up to 91 days, more than 90; set validity to { type: "DAYS", value: "90" } or less.',
        ]);
        assert.deepEqual((await run({ type: "MONTHS", value: "3" })).messages, [
            'validity { type: "MONTHS", value: "3" } allows a lifetime of up to 93 days, more than 90; set validity to { type: "DAYS", value: "90" } or less.',
        ]);
        assert.deepEqual((await run({ type: "YEARS", value: "1" })).messages, [
            'validity { type: "YEARS", value: "1" } allows a lifetime of up to 366 days, more than 90; set validity to { type: "DAYS", value: "90" } or less.',
        ]);
    });

    it("reports a missing or unreadable validity and honours maxDays", async () => {
        assert.deepEqual((await run(undefined)).messages, ['validity is not set, so the certificate lifetime cannot be bounded; set validity to { type: "DAYS", value: "90" } or less.']);
        assert.deepEqual((await run({ type: "DAYS", value: "x" })).messages, ['validity { type: "DAYS", value: "x" } cannot be read as a lifetime; set validity to { type: "DAYS", value: "90" } or less.']);
        assert.deepEqual((await run({ type: "DAYS", value: "45" }, { maxDays: 30 })).messages, [
            'validity { type: "DAYS", value: "45" } allows a lifetime of up to 45 days, more than 30; set validity to { type: "DAYS", value: "30" } or less.',
        ]);
    });

    it("cannot decide an unknown value", async () => {
        assert.equal((await run({ type: "DAYS", value: UNKNOWN.string })).unknown, "string value at .validity.value can't be known during preview");
    });
});
