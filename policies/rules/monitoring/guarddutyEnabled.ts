import { stackRule } from "../../lib/rule";
import { known, UNKNOWN } from "../../lib/known";
import { Undecided } from "../../lib/unknown";

export const guarddutyEnabled = stackRule({
    name: "guardduty-enabled",
    description:
        "A stack that creates AWS resources must also create an enabled GuardDuty detector (aws.guardduty.Detector with enable not false) for runtime threat detection. Stacks without AWS resources are not checked.",
    severity: "medium",
    framework: { paper: "5.5 Runtime: threat detection; Table 3", securityHub: ["GuardDuty.1"] },
    remediationSteps:
        "Add an aws.guardduty.Detector with enable: true (or manage GuardDuty at the organisation level and waive this policy for the stack with a reason and an expiry).",
    validateStack: (args, report) => {
        const aws = args.resources.filter((r) => r.type.startsWith("aws:") && !r.type.startsWith("pulumi:providers:"));
        if (aws.length === 0) {
            return;
        }
        const undecided = new Undecided();
        const detectors = args.resources.filter((r) => r.type === "aws:guardduty/detector:Detector");
        for (const d of detectors) {
            // `enable` defaults to true.
            const enable = known(() => d.props["enable"]);
            if (enable === UNKNOWN) {
                undecided.add(`the enable input of detector "${d.name}" is unknown`);
            } else if (enable !== false) {
                return;
            }
        }
        if (undecided.isEmpty) {
            report(
                detectors.length === 0
                    ? "the stack creates AWS resources but no aws.guardduty.Detector; add one with enable: true."
                    : `every aws.guardduty.Detector in the stack has enable: false (${detectors.map((d) => `"${d.name}"`).join(", ")}); set enable: true.`,
            );
        }
        undecided.finish();
    },
});
