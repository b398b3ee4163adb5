import { resourceRule } from "../../lib/rule";
import { KMS_KEY_TYPE, usageAndSpec } from "./common";

interface Config {
    maximumRotationPeriodInDays?: number;
}

export const DEFAULT_MAX_ROTATION_DAYS = 90;
/** KMS's rotation period when rotationPeriodInDays is not set. */
export const KMS_DEFAULT_ROTATION_DAYS = 365;

export const kmsKeyRotationEnabled = resourceRule({
    name: "kms-key-rotation-enabled",
    description: "Symmetric KMS keys must rotate automatically at most every configured number of days (default 90).",
    details:
        "Symmetric KMS encryption keys must rotate automatically (enableKeyRotation true, default false) at most every 90 days (rotationPeriodInDays, configurable; KMS uses 365 when it is not set).",
    severity: "high",
    framework: { paper: "Table 2: at rest (automatic rotation); case study: quarterly (90-day) rotation", securityHub: ["KMS.4"], checkov: ["CKV_AWS_7"] },
    remediationSteps: "Set enableKeyRotation: true and rotationPeriodInDays: 90 on the key (KMS accepts 90-2560).",
    configSchema: {
        properties: {
            maximumRotationPeriodInDays: {
                type: "integer",
                minimum: 90,
                maximum: 2560,
                default: DEFAULT_MAX_ROTATION_DAYS,
                description: "The longest accepted rotationPeriodInDays.",
            },
        },
    },
    resourceTypes: [KMS_KEY_TYPE],
    validateResource: (args, report) => {
        const { usage, spec } = usageAndSpec(args);
        if (usage !== "ENCRYPT_DECRYPT" || spec !== "SYMMETRIC_DEFAULT") {
            return; // asymmetric and HMAC keys cannot rotate automatically (kms-key-symmetric-default covers encryption keys)
        }
        const max = args.getConfig<Config>().maximumRotationPeriodInDays ?? DEFAULT_MAX_ROTATION_DAYS;
        const enabled: unknown = args.props["enableKeyRotation"];
        if (enabled !== true) {
            report(`KMS key does not rotate automatically: enableKeyRotation is ${enabled === undefined || enabled === null ? "not set (false)" : String(enabled)}; set enableKeyRotation to true and rotationPeriodInDays to at most ${max}.`);
            return;
        }
        const period: unknown = args.props["rotationPeriodInDays"];
        if (period === undefined || period === null) {
            report(`KMS key rotationPeriodInDays is not set, so KMS rotates every ${KMS_DEFAULT_ROTATION_DAYS} days; set rotationPeriodInDays to at most ${max}.`);
        } else if (typeof period === "number" && period > max) {
            report(`KMS key rotationPeriodInDays is ${period}; set it to at most ${max}.`);
        }
    },
});
