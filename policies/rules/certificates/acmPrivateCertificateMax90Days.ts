import { resourceRule } from "../../lib/rule";

export const acmPrivateCertificateMax90Days = resourceRule({
    name: "acm-private-certificate-max-90-days",
    description: "ACM certificates issued from a private CA (certificateAuthorityArn) must be valid for at most 90 days.",
    details:
        "Private certificates requested through ACM (aws.acm.Certificate with certificateAuthorityArn) get a validity chosen by ACM that the inputs cannot bound to 90 days; issue them with aws.acmpca.Certificate (validity in DAYS) or cert-manager instead.",
    severity: "medium",
    framework: { paper: "Table 2: in transit (certificates rotated every 90 days)" },
    remediationSteps:
        "Issue the certificate with aws.acmpca.Certificate and validity { type: \"DAYS\", value: \"90\" }, or with cert-manager's aws-privateca-issuer and spec.duration \"2160h\"; or waive this policy for the resource with a reason and an expiry.",
    resourceTypes: ["aws:acm/certificate:Certificate"],
    validateResource: (args, report) => {
                const ca: unknown = args.props["certificateAuthorityArn"];
        if (typeof ca === "string" && ca !== "") {
            report(
                "certificateAuthorityArn requests a private certificate from ACM, whose lifetime is set by ACM and cannot be bounded to 90 days from the inputs; issue it with aws.acmpca.Certificate (validity DAYS <= 90) or cert-manager (spec.duration <= 2160h).",
            );
        }
    },
});
