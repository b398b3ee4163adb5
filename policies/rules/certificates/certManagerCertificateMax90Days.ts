import { resourceRule } from "../../lib/rule";
import { formatHours, parseGoDuration } from "../../lib/duration";

export const CERT_MANAGER_TYPES: readonly string[] = ["kubernetes:cert-manager.io/v1:Certificate"];
/** cert-manager's default spec.duration (90 days). */
export const CERT_MANAGER_DEFAULT_DURATION = "2160h";

interface Config {
    maxDuration?: string;
}

export const certManagerCertificateMax90Days = resourceRule({
    name: "cert-manager-certificate-max-90-days",
    description: "cert-manager Certificates must live at most 90 days (spec.duration) and renew before they expire (spec.renewBefore).",
    details:
        "cert-manager Certificates must have spec.duration <= 2160h (90 days, configurable; a missing duration is cert-manager's default 2160h) and a spec.renewBefore, when set, shorter than the duration (by default cert-manager renews at 2/3 of the lifetime).",
    severity: "medium",
    framework: { paper: "Table 2: in transit (certificates rotated every 90 days)" },
    remediationSteps:
        "Set spec.duration to \"2160h\" or less (or leave it out), and spec.renewBefore to a duration shorter than spec.duration (e.g. \"720h\"), or leave it out so cert-manager renews at 2/3 of the lifetime.",
    configSchema: {
        properties: {
            maxDuration: {
                type: "string",
                pattern: "^([0-9]+(\\.[0-9]+)?(h|m|s))+$",
                default: CERT_MANAGER_DEFAULT_DURATION,
                description: "Longest accepted spec.duration, as a Go duration (e.g. \"2160h\").",
            },
        },
    },
    resourceTypes: CERT_MANAGER_TYPES,
    validateResource: (args, report) => {
        const maxText = args.getConfig<Config>().maxDuration ?? CERT_MANAGER_DEFAULT_DURATION;
        const max = parseGoDuration(maxText) ?? parseGoDuration(CERT_MANAGER_DEFAULT_DURATION)!;
        const specRaw: unknown = args.props["spec"];
        const spec = typeof specRaw === "object" && specRaw !== null ? (specRaw as Record<string, unknown>) : {};
        const durationRaw = spec["duration"];
        let duration = parseGoDuration(CERT_MANAGER_DEFAULT_DURATION)!;
        if (durationRaw !== undefined && durationRaw !== null) {
            const d = typeof durationRaw === "string" ? parseGoDuration(durationRaw) : undefined;
            if (d === undefined) {
                report(`spec.duration "${String(durationRaw)}" is not a valid Go duration; use hours, e.g. "2160h".`);
                return;
            }
            duration = d;
            if (d > max) {
                report(`spec.duration is "${durationRaw}" (${formatHours(d)}), longer than ${maxText}; set spec.duration to "${maxText}" or less.`);
            }
        }
        const renewRaw = spec["renewBefore"];
        if (renewRaw !== undefined && renewRaw !== null) {
            const r = typeof renewRaw === "string" ? parseGoDuration(renewRaw) : undefined;
            if (r === undefined) {
                report(`spec.renewBefore "${String(renewRaw)}" is not a valid Go duration; use hours, e.g. "720h".`);
            } else if (r >= duration) {
                report(
                    `spec.renewBefore is "${renewRaw}" (${formatHours(r)}), not shorter than the certificate duration ${formatHours(duration)}; set spec.renewBefore below spec.duration (e.g. one third of it) or leave it out.`,
                );
            }
        }
    },
});
