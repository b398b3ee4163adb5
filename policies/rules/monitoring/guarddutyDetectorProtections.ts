import type { PolicyResource } from "@pulumi/policy";
import { stackRule } from "../../lib/rule";
import { dependsOn } from "../../lib/known";
import { Undecided, peek } from "../../lib/unknown";

/** GuardDuty features and the Table 3 signals they provide. */
export const FEATURE_SIGNALS: Readonly<Record<string, string>> = {
    S3_DATA_EVENTS: "storage access patterns (S3 data events)",
    EKS_AUDIT_LOGS: "orchestration control-plane access (EKS audit logs)",
    EBS_MALWARE_PROTECTION: "processing: known exploits (malware scans of EBS volumes)",
    RDS_LOGIN_EVENTS: "identity: authentication events (RDS logins)",
    LAMBDA_NETWORK_LOGS: "network: unexpected outbound connections from functions (Lambda network activity)",
    RUNTIME_MONITORING: "processing: runtime behaviour of containers and instances",
    EKS_RUNTIME_MONITORING: "processing: runtime behaviour of EKS workloads",
};

export const DEFAULT_REQUIRED_FEATURES: readonly string[] = ["S3_DATA_EVENTS", "EKS_AUDIT_LOGS", "EBS_MALWARE_PROTECTION", "RDS_LOGIN_EVENTS", "LAMBDA_NETWORK_LOGS"];

/** Deprecated Detector.datasources paths and the feature each stands for. */
const DATASOURCES: readonly { readonly path: readonly string[]; readonly feature: string }[] = [
    { path: ["datasources", "s3Logs", "enable"], feature: "S3_DATA_EVENTS" },
    { path: ["datasources", "kubernetes", "auditLogs", "enable"], feature: "EKS_AUDIT_LOGS" },
    { path: ["datasources", "malwareProtection", "scanEc2InstanceWithFindings", "ebsVolumes", "enable"], feature: "EBS_MALWARE_PROTECTION" },
];

interface Config {
    requiredFeatures?: string[];
}

function detectorOf(feature: PolicyResource, detectors: readonly PolicyResource[]): PolicyResource | undefined {
    const byDep = detectors.find((d) => dependsOn(feature, "detectorId", d));
    if (byDep !== undefined) {
        return byDep;
    }
    const id = peek(feature.props, "detectorId");
    if (id.known && typeof id.value === "string") {
        return detectors.find((d) => {
            const own = peek(d.props, "id");
            return own.known && own.value === id.value;
        });
    }
    return detectors.length === 1 ? detectors[0] : undefined;
}

export const guarddutyDetectorProtections = stackRule({
    name: "guardduty-detector-protections",
    description: "A GuardDuty detector the stack creates must be enabled and keep the protections Table 3 monitors on (S3, EKS audit, malware, RDS, Lambda).",
    details:
        "Judges only detectors the stack creates (whether a stack must create one is the account-baseline policy guardduty-enabled). A new detector enables every optional protection except runtime monitoring unless told otherwise, " +
        "so what is reported is enable: false, and a protection in requiredFeatures turned off by an aws.guardduty.DetectorFeature with status DISABLED or by the deprecated datasources block.",
    severity: "medium",
    framework: { paper: "5.5 Runtime: threat detection; Table 3", securityHub: ["GuardDuty.1", "GuardDuty.5", "GuardDuty.6", "GuardDuty.8", "GuardDuty.9", "GuardDuty.10"] },
    remediationSteps:
        "Set enable: true on the aws.guardduty.Detector; set status \"ENABLED\" on the aws.guardduty.DetectorFeature (or remove the DetectorFeature so the default applies), and remove enable: false from datasources.",
    configSchema: {
        properties: {
            requiredFeatures: {
                type: "array",
                items: { type: "string", enum: Object.keys(FEATURE_SIGNALS) },
                default: [...DEFAULT_REQUIRED_FEATURES],
                description: "GuardDuty features that must not be turned off.",
            },
        },
    },
    validateStack: (args, report) => {
        const required = args.getConfig<Config>().requiredFeatures ?? DEFAULT_REQUIRED_FEATURES;
        const undecided = new Undecided();
        const detectors = args.resources.filter((r) => r.type === "aws:guardduty/detector:Detector");
        if (detectors.length === 0) {
            return;
        }
        for (const d of detectors) {
            const enable = peek(d.props, "enable");
            if (!enable.known) {
                undecided.add(`the enable input of detector "${d.name}" is unknown`);
            } else if (enable.value === false) {
                report(`aws.guardduty.Detector "${d.name}" has enable: false, so GuardDuty does not analyse the account; set enable: true (or remove the detector if another stack owns GuardDuty for the account).`, d.urn);
            }
            for (const ds of DATASOURCES) {
                const v = peek(d.props, ...ds.path);
                if (!v.known) {
                    undecided.add(`${ds.path.join(".")} of detector "${d.name}" is unknown`);
                } else if (v.value === false && required.includes(ds.feature)) {
                    report(`aws.guardduty.Detector "${d.name}" ${ds.path.join(".")} is false, which turns off ${ds.feature}: no findings on ${FEATURE_SIGNALS[ds.feature]}; remove the setting or set it to true.`, d.urn);
                }
            }
        }
        for (const f of args.resources.filter((r) => r.type === "aws:guardduty/detectorFeature:DetectorFeature")) {
            const name = peek(f.props, "name");
            const status = peek(f.props, "status");
            if (!name.known || !status.known) {
                undecided.add(`the name or status of DetectorFeature "${f.name}" is unknown`);
                continue;
            }
            if (typeof name.value !== "string" || !required.includes(name.value) || status.value !== "DISABLED") {
                continue;
            }
            const d = detectorOf(f, detectors);
            if (d === undefined) {
                continue; // a feature of a detector another stack owns
            }
            report(`aws.guardduty.DetectorFeature "${f.name}" sets ${name.value} to DISABLED on detector "${d.name}": no findings on ${FEATURE_SIGNALS[name.value]}; set status "ENABLED".`, f.urn);
        }
        undecided.finish();
    },
});
