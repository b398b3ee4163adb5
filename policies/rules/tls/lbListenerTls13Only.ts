import { resourceRule } from "../../lib/rule";

export const LISTENER_TYPES: readonly string[] = ["aws:lb/listener:Listener", "aws:alb/listener:Listener"];

/** ELB security policies that negotiate only TLS 1.3. */
export const DEFAULT_TLS13_ONLY_POLICIES: readonly string[] = [
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
];

/** What an ELB policy name that is not TLS 1.3-only still allows, for the message. */
export function olderTlsNote(policy: string): string {
    const m = /^ELBSecurityPolicy-TLS13-1-([012])-/.exec(policy);
    if (m !== null) {
        return `despite its TLS13 prefix it still allows TLS 1.${m[1]} (the "1-${m[1]}" part is the minimum version)`;
    }
    if (/^ELBSecurityPolicy-TLS-1-2-/.test(policy) || /^ELBSecurityPolicy-FS-1-2-/.test(policy)) {
        return "it allows TLS 1.2";
    }
    if (policy === "ELBSecurityPolicy-2016-08" || policy === "ELBSecurityPolicy-2015-05") {
        return "it allows TLS 1.0";
    }
    return "it is not on the TLS 1.3-only allow-list";
}

interface Config {
    allowedSslPolicies?: string[];
}

export const lbListenerTls13Only = resourceRule({
    name: "lb-listener-tls13-only",
    description: "HTTPS and TLS load balancer listeners must use a TLS 1.3-only ELB security policy (a missing sslPolicy allows TLS 1.0).",
    details:
        "HTTPS and TLS listeners of Application and Network Load Balancers must use a TLS 1.3-only security policy (allow-list: ELBSecurityPolicy-TLS13-1-3-2021-06, -TLS13-1-3-FIPS-2023-04, -TLS13-1-3-PQ-2025-09, -TLS13-1-3-FIPS-PQ-2025-09). A missing sslPolicy means ELBSecurityPolicy-2016-08 (TLS 1.0).",
    severity: "high",
    framework: {
        paper: "Table 2: in transit (TLS 1.3, strong suites)",
        checkov: ["CKV_AWS_103"],
    },
    remediationSteps:
        "Set the listener's sslPolicy to \"ELBSecurityPolicy-TLS13-1-3-2021-06\" (or a FIPS/PQ variant on the allow-list). Names such as ELBSecurityPolicy-TLS13-1-2-* or -TLS13-1-0-* still accept older TLS versions: the number after TLS13 is the minimum version.",
    configSchema: {
        properties: {
            allowedSslPolicies: {
                type: "array",
                items: { type: "string" },
                description: "ELB security policies accepted as TLS 1.3-only (exact names).",
                default: [...DEFAULT_TLS13_ONLY_POLICIES],
            },
        },
    },
    resourceTypes: LISTENER_TYPES,
    validateResource: (args, report) => {
        const protocol: unknown = args.props["protocol"];
        if (protocol !== "HTTPS" && protocol !== "TLS") {
            return;
        }
        const allowed = args.getConfig<Config>().allowedSslPolicies ?? DEFAULT_TLS13_ONLY_POLICIES;
        const policy: unknown = args.props["sslPolicy"];
        if (policy === undefined || policy === null || policy === "") {
            report(
                `${protocol} listener has no sslPolicy, so AWS applies ELBSecurityPolicy-2016-08, which allows TLS 1.0; set sslPolicy to one of: ${allowed.join(", ")}.`,
            );
            return;
        }
        if (typeof policy === "string" && !allowed.includes(policy)) {
            report(
                `${protocol} listener sslPolicy is "${policy}": ${olderTlsNote(policy)}; set sslPolicy to one of: ${allowed.join(", ")}.`,
            );
        }
    },
});
