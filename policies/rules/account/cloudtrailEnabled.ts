import { stackRule } from "../../lib/rule";
import { Undecided, peek } from "../../lib/unknown";
import { BASELINE_NOTE, ofTypes } from "./baseline";

export const cloudtrailEnabled = stackRule({
    name: "cloudtrail-enabled",
    description: "Account baseline: the stack that owns the account's baseline must create a logging multi-region (or organisation) trail.",
    details: `${BASELINE_NOTE} How each trail is configured (validation, encryption, delivery) is judged in every stack by cloudtrail-multi-region-validated-encrypted.`,
    severity: "high",
    optIn: "accountBaseline",
    framework: { paper: "5.5 Runtime: audit logging; articles: CloudTrail for audit", securityHub: ["CloudTrail.1"], checkov: ["CKV_AWS_67"] },
    remediationSteps: "In the account-baseline stack add an aws.cloudtrail.Trail with isMultiRegionTrail: true (isOrganizationTrail: true in the organisation's management or delegated account) and enableLogging left true.",
    validateStack: (args, report) => {
        const undecided = new Undecided();
        const trails = ofTypes(args.resources, ["aws:cloudtrail/trail:Trail"]);
        const good = trails.filter((t) => {
            const multi = peek(t.props, "isMultiRegionTrail");
            const org = peek(t.props, "isOrganizationTrail");
            const logging = peek(t.props, "enableLogging");
            if (!multi.known || !org.known || !logging.known) {
                undecided.add(`the settings of trail "${t.name}" are unknown`);
                return false;
            }
            return (multi.value === true || org.value === true) && logging.value !== false;
        });
        if (good.length === 0 && undecided.isEmpty) {
            report(
                trails.length === 0
                    ? "the stack owns the account baseline (accountBaseline: true) but creates no aws.cloudtrail.Trail; add a multi-region trail."
                    : `the stack owns the account baseline (accountBaseline: true) but none of its trails (${trails.map((t) => `"${t.name}"`).join(", ")}) is a logging multi-region or organisation trail; set isMultiRegionTrail: true and leave enableLogging true.`,
            );
        }
        undecided.finish();
    },
});
