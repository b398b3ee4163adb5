import { resourceRule } from "../../lib/rule";

export const DEFAULT_MAX_CERTIFICATE_DAYS = 90;
const DAY_MS = 86_400_000;

/** Clock for END_DATE/ABSOLUTE validities (overridable in tests). */
let now = (): number => Date.now();
export function setCertificateClock(fn: () => number): void {
    now = fn;
}

/** Upper bound, in days, of an ACM PCA validity {type, value}; undefined when it cannot be read. */
export function maxValidityDays(type: string, value: string): number | undefined {
    switch (type) {
        case "DAYS":
            return /^\d+$/.test(value) ? Number(value) : undefined;
        case "MONTHS":
            return /^\d+$/.test(value) ? Number(value) * 31 : undefined;
        case "YEARS":
            return /^\d+$/.test(value) ? Number(value) * 366 : undefined;
        case "ABSOLUTE":
            return /^\d+$/.test(value) ? (Number(value) * 1000 - now()) / DAY_MS : undefined;
        case "END_DATE": {
            const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
            if (m === null) {
                return undefined;
            }
            const end = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
            return (end - now()) / DAY_MS;
        }
        default:
            return undefined;
    }
}

interface Config {
    maxDays?: number;
}

export const acmpcaCertificateMax90Days = resourceRule({
    name: "acmpca-certificate-max-90-days",
    description: "Certificates issued by AWS Private CA (aws.acmpca.Certificate) must be valid for at most 90 days.",
    details:
        "Certificates issued by AWS Private CA (aws.acmpca.Certificate) must be valid for at most 90 days (configurable), so they are rotated at least every 90 days. MONTHS and YEARS are bounded by 31 and 366 days; END_DATE and ABSOLUTE are measured from now.",
    severity: "medium",
    framework: { paper: "Table 2: in transit (certificates rotated every 90 days)" },
    remediationSteps:
        "Set validity to { type: \"DAYS\", value: \"90\" } (or fewer days) and renew the certificate before it expires (e.g. with cert-manager's aws-privateca-issuer).",
    configSchema: {
        properties: {
            maxDays: { type: "integer", minimum: 1, default: DEFAULT_MAX_CERTIFICATE_DAYS, description: "Longest accepted certificate lifetime, in days." },
        },
    },
    resourceTypes: ["aws:acmpca/certificate:Certificate"],
    validateResource: (args, report) => {
                const maxDays = args.getConfig<Config>().maxDays ?? DEFAULT_MAX_CERTIFICATE_DAYS;
        const v: unknown = args.props["validity"];
        const validity = typeof v === "object" && v !== null ? (v as Record<string, unknown>) : undefined;
        const type = validity?.["type"];
        const value = validity?.["value"];
        if (typeof type !== "string" || typeof value !== "string") {
            report(`validity is not set, so the certificate lifetime cannot be bounded; set validity to { type: "DAYS", value: "${maxDays}" } or less.`);
            return;
        }
        const days = maxValidityDays(type, value);
        if (days === undefined) {
            report(`validity { type: "${type}", value: "${value}" } cannot be read as a lifetime; set validity to { type: "DAYS", value: "${maxDays}" } or less.`);
        } else if (days > maxDays) {
            report(
                `validity { type: "${type}", value: "${value}" } allows a lifetime of up to ${Math.ceil(days)} days, more than ${maxDays}; set validity to { type: "DAYS", value: "${maxDays}" } or less.`,
            );
        }
    },
});
