import { stackRule } from "../../lib/rule";
import { BASELINE_NOTE, ofTypes } from "./baseline";

export const securityhubEnabled = stackRule({
    name: "securityhub-enabled",
    description: "Account baseline: the stack that owns the account's baseline must enable Security Hub (aws.securityhub.Account).",
    details: BASELINE_NOTE,
    severity: "medium",
    optIn: "accountBaseline",
    framework: { paper: "5.5 Runtime: threat detection, audit; Table 3 (alerting on policy violations)" },
    remediationSteps: "In the account-baseline stack add an aws.securityhub.Account (with enableDefaultStandards, or aws.securityhub.StandardsSubscription resources for the standards you follow).",
    validateStack: (args, report) => {
        if (ofTypes(args.resources, ["aws:securityhub/account:Account", "aws:securityhub/organizationConfiguration:OrganizationConfiguration"]).length === 0) {
            report("the stack owns the account baseline (accountBaseline: true) but creates no aws.securityhub.Account; add one.");
        }
    },
});
