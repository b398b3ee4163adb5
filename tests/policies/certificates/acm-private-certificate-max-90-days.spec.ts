import assert from "node:assert/strict";
import { acmPrivateCertificateMax90Days } from "../../../policies/rules/certificates/acmPrivateCertificateMax90Days";
import { runResourceRule } from "../harness";

const run = (props: Record<string, unknown>) => runResourceRule(acmPrivateCertificateMax90Days, { type: "aws:acm/certificate:Certificate", props });

describe("acm-private-certificate-max-90-days", () => {
    it("ignores public, DNS-validated certificates", async () => {
        assert.deepEqual((await run({ domainName: "api.example.com", validationMethod: "DNS" })).messages, []);
    });

    it("reports a private certificate requested through ACM (lifetime not bounded by inputs)", async () => {
        assert.deepEqual((await run({ domainName: "svc.internal", certificateAuthorityArn: "arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/ca" })).messages, [
            "certificateAuthorityArn requests a private certificate from ACM, whose lifetime is set by ACM and cannot be bounded to 90 days from the inputs; issue it with aws.acmpca.Certificate (validity DAYS <= 90) or cert-manager (spec.duration <= 2160h).",
        ]);
    });
});
