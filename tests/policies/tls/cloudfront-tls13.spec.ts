import assert from "node:assert/strict";
import { cloudfrontTls13 } from "../../../policies/rules/tls/cloudfrontTls13";
import { UNKNOWN, runResourceRule } from "../harness";

const T = "aws:cloudfront/distribution:Distribution";
const vc = { acmCertificateArn: "arn:aws:acm:us-east-1:111122223333:certificate/c", sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.3_2025" };
const run = (viewerCertificate: unknown, config?: Record<string, unknown>) =>
    runResourceRule(cloudfrontTls13, { type: T, props: { enabled: true, viewerCertificate } }, config);

describe("cloudfront-tls13", () => {
    it("accepts a custom certificate with TLSv1.3_2025", async () => {
        assert.deepEqual((await run(vc)).messages, []);
    });

    it("reports the default certificate", async () => {
        assert.deepEqual((await run({ cloudfrontDefaultCertificate: true })).messages, [
            'viewerCertificate.cloudfrontDefaultCertificate is true: the default certificate only supports minimumProtocolVersion TLSv1; use a custom certificate (acmCertificateArn) with minimumProtocolVersion "TLSv1.3_2025".',
        ]);
    });

    it("reports TLS 1.2 policies and a missing minimumProtocolVersion", async () => {
        assert.deepEqual((await run({ ...vc, minimumProtocolVersion: "TLSv1.2_2021" })).messages, [
            'viewerCertificate.minimumProtocolVersion is "TLSv1.2_2021", which allows versions older than TLS 1.3; set it to one of: TLSv1.3_2025.',
        ]);
        assert.deepEqual((await run({ ...vc, minimumProtocolVersion: undefined })).messages, [
            "viewerCertificate.minimumProtocolVersion is not set (CloudFront then uses TLSv1); set it to one of: TLSv1.3_2025.",
        ]);
    });

    it("uses the configured list", async () => {
        assert.deepEqual((await run({ ...vc, minimumProtocolVersion: "TLSv1.2_2021" }, { allowedMinimumProtocolVersions: ["TLSv1.3_2025", "TLSv1.2_2021"] })).messages, []);
    });

    it("cannot decide an unknown version", async () => {
        const r = await run({ ...vc, minimumProtocolVersion: UNKNOWN.string });
        assert.equal(r.unknown, "string value at .viewerCertificate.minimumProtocolVersion can't be known during preview");
    });
});
