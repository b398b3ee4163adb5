import { resourceRule } from "../../lib/rule";

export const DEFAULT_TLS13_DOMAIN_POLICIES: readonly string[] = [
    "SecurityPolicy_TLS13_1_3_2025_09",
    "SecurityPolicy_TLS13_1_3_FIPS_2025_09",
];

interface Config {
    allowedSecurityPolicies?: string[];
}

export const apigatewayDomainTls13 = resourceRule({
    name: "apigateway-domain-tls13",
    description: "API Gateway REST custom domains must use a TLS 1.3-only security policy (SecurityPolicy_TLS13_1_3_2025_09 or its FIPS variant).",
    details:
        "API Gateway REST API custom domains must use a TLS 1.3-only enhanced security policy (SecurityPolicy_TLS13_1_3_2025_09 or SecurityPolicy_TLS13_1_3_FIPS_2025_09) with an endpoint access mode. Without securityPolicy a domain gets TLS_1_2.",
    severity: "high",
    framework: {
        paper: "Table 2: in transit (TLS 1.3); 5.4 Network: API gateways",
        checkov: ["CKV_AWS_206"],
    },
    remediationSteps:
        "Set securityPolicy: \"SecurityPolicy_TLS13_1_3_2025_09\" (or the FIPS variant) and endpointAccessMode: \"STRICT\" on the aws.apigateway.DomainName (regional or private endpoint). Enhanced policies cannot be used with mutual TLS or with HTTP API mappings.",
    configSchema: {
        properties: {
            allowedSecurityPolicies: {
                type: "array",
                items: { type: "string" },
                description: "Security policies accepted as TLS 1.3-only (exact names).",
                default: [...DEFAULT_TLS13_DOMAIN_POLICIES],
            },
        },
    },
    resourceTypes: ["aws:apigateway/domainName:DomainName"],
    validateResource: (args, report) => {
                const allowed = args.getConfig<Config>().allowedSecurityPolicies ?? DEFAULT_TLS13_DOMAIN_POLICIES;
        const policy: unknown = args.props["securityPolicy"];
        if (policy === undefined || policy === null || policy === "") {
            report(`securityPolicy is not set, so the domain uses TLS_1_2, which allows TLS 1.2; set securityPolicy to one of: ${allowed.join(", ")}.`);
            return;
        }
        if (typeof policy === "string" && !allowed.includes(policy)) {
            const note = policy === "TLS_1_0" ? "allows TLS 1.0" : policy.startsWith("SecurityPolicy_TLS13_1_2") ? "still allows TLS 1.2" : policy === "TLS_1_2" ? "allows TLS 1.2" : "is not TLS 1.3-only";
            report(`securityPolicy is "${policy}", which ${note}; set securityPolicy to one of: ${allowed.join(", ")}.`);
            return;
        }
        const mode: unknown = args.props["endpointAccessMode"];
        if (mode === undefined || mode === null || mode === "") {
            report(`securityPolicy "${policy}" is an enhanced security policy and requires endpointAccessMode; set endpointAccessMode to "STRICT".`);
        }
    },
});
