import { resourceRule } from "../../lib/rule";

interface Config {
    allowedMinimumProtocolVersions?: string[];
}

export const DEFAULT_CLOUDFRONT_PROTOCOLS: readonly string[] = ["TLSv1.3_2025"];

export const cloudfrontTls13 = resourceRule({
    name: "cloudfront-tls13",
    description: "CloudFront distributions must serve viewers over HTTPS with a TLS 1.3 (or configured) minimum protocol version.",
    details:
        "CloudFront distributions must serve viewers with a custom certificate and viewerCertificate.minimumProtocolVersion \"TLSv1.3_2025\"; the default *.cloudfront.net certificate forces TLSv1.",
    severity: "high",
    framework: {
        paper: "Table 2: in transit (TLS 1.3, strong suites)",
        securityHub: ["CloudFront.7"],
        checkov: ["CKV_AWS_174"],
    },
    remediationSteps:
        "Set viewerCertificate to { acmCertificateArn: <certificate in us-east-1>, sslSupportMethod: \"sni-only\", minimumProtocolVersion: \"TLSv1.3_2025\" } and remove cloudfrontDefaultCertificate.",
    configSchema: {
        properties: {
            allowedMinimumProtocolVersions: {
                type: "array",
                items: { type: "string" },
                description: "Accepted viewerCertificate.minimumProtocolVersion values.",
                default: [...DEFAULT_CLOUDFRONT_PROTOCOLS],
            },
        },
    },
    resourceTypes: ["aws:cloudfront/distribution:Distribution"],
    validateResource: (args, report) => {
                const allowed = args.getConfig<Config>().allowedMinimumProtocolVersions ?? DEFAULT_CLOUDFRONT_PROTOCOLS;
        const vc: unknown = args.props["viewerCertificate"];
        const cert = typeof vc === "object" && vc !== null ? (vc as Record<string, unknown>) : {};
        if (cert["cloudfrontDefaultCertificate"] === true) {
            report(
                "viewerCertificate.cloudfrontDefaultCertificate is true: the default certificate only supports minimumProtocolVersion TLSv1; use a custom certificate (acmCertificateArn) with minimumProtocolVersion \"TLSv1.3_2025\".",
            );
            return;
        }
        const min: unknown = cert["minimumProtocolVersion"];
        if (typeof min !== "string" || min === "") {
            report(`viewerCertificate.minimumProtocolVersion is not set (CloudFront then uses TLSv1); set it to one of: ${allowed.join(", ")}.`);
        } else if (!allowed.includes(min)) {
            report(`viewerCertificate.minimumProtocolVersion is "${min}", which allows versions older than TLS 1.3; set it to one of: ${allowed.join(", ")}.`);
        }
    },
});
