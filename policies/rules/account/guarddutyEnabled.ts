import { stackRule } from "../../lib/rule";
import { BASELINE_NOTE, ofTypes } from "./baseline";

export const GUARDDUTY_DETECTOR = "aws:guardduty/detector:Detector";

export const guarddutyEnabled = stackRule({
    name: "guardduty-enabled",
    description: "Account baseline: the stack that owns the account's baseline must create a GuardDuty detector.",
    details: `${BASELINE_NOTE} Whether a detector a stack creates is enabled with the protections the paper's Table 3 needs is judged in every stack by guardduty-detector-protections.`,
    severity: "medium",
    optIn: "accountBaseline",
    framework: { paper: "5.5 Runtime: threat detection; Table 3", securityHub: ["GuardDuty.1"] },
    remediationSteps:
        "In the account-baseline stack add an aws.guardduty.Detector with enable: true (or manage GuardDuty at the organisation level and leave accountBaseline off for this policy).",
    validateStack: (args, report) => {
        if (ofTypes(args.resources, [GUARDDUTY_DETECTOR]).length === 0) {
            report("the stack owns the account baseline (accountBaseline: true) but creates no aws.guardduty.Detector; add one with enable: true.");
        }
    },
});
