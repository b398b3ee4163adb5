import { resourceRule } from "../../lib/rule";

export const apigatewayv2DomainTls = resourceRule({
    name: "apigatewayv2-domain-tls",
    description: "API Gateway v2 (HTTP API) custom domains must use the TLS_1_2 security policy, the strongest HTTP APIs offer.",
    details:
        "API Gateway v2 (HTTP and WebSocket API) custom domains only offer the TLS_1_2 security policy, so they cannot meet the TLS 1.3-only requirement. Advisory because no compliant setting exists; each such domain is reported so the gap is visible.",
    enforcementLevel: "advisory",
    severity: "medium",
    framework: {
        paper: "Table 2: in transit (TLS 1.3); 5.4 Network: API gateways",
    },
    remediationSteps:
        "For TLS 1.3-only ingress, serve the API through a REST API custom domain (aws.apigateway.DomainName with securityPolicy \"SecurityPolicy_TLS13_1_3_2025_09\") or put CloudFront with minimumProtocolVersion \"TLSv1.3_2025\" in front. Keep domainNameConfiguration.securityPolicy \"TLS_1_2\" meanwhile, or waive this policy with a reason and expiry.",
    resourceTypes: ["aws:apigatewayv2/domainName:DomainName"],
    validateResource: (args, report) => {
                const cfg: unknown = args.props["domainNameConfiguration"];
        const policy: unknown =
            typeof cfg === "object" && cfg !== null ? (cfg as Record<string, unknown>)["securityPolicy"] : undefined;
        report(
            `domainNameConfiguration.securityPolicy is ${typeof policy === "string" ? `"${policy}"` : "not set"}: HTTP and WebSocket API domains can only use TLS_1_2, which allows TLS 1.2; TLS 1.3-only requires a REST API domain (SecurityPolicy_TLS13_1_3_2025_09) or CloudFront (TLSv1.3_2025) in front.`,
        );
    },
});
