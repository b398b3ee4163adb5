import { appliedWaivers, stackRule } from "../../lib/rule";

export const POLICY_WAIVERS_APPLIED = "policy-waivers-applied";

export const policyWaiversApplied = stackRule({
    name: POLICY_WAIVERS_APPLIED,
    description: "Reports every waiver applied in this run, with its reason and expiry, so no waived violation goes unseen.",
    details:
        "Reports every waiver that suppressed a violation in this run (policy, resource, reason, expiry and the suppressed message), so that waived resources stay visible. Runs last in the pack.",
    enforcementLevel: "advisory",
    severity: "low",
    framework: { paper: "4.2 IaC scanned before deploy (exceptions with a reason and an expiry)" },
    remediationSteps: "Fix the waived resource and remove its waiver from the pack config before the waiver expires; an expired waiver no longer suppresses the violation.",
    validateStack: (_args, report) => {
        const seen = new Set<string>();
        // A snapshot: waivers of this policy itself would otherwise be appended while iterating.
        for (const w of [...appliedWaivers()]) {
            if (w.policy === POLICY_WAIVERS_APPLIED) {
                continue;
            }
            const key = `${w.policy}\u0000${w.urn}\u0000${w.message}`;
            if (seen.has(key)) {
                continue;
            }
            seen.add(key);
            report(`policy "${w.policy}" is waived for ${w.waiver.resource} until ${w.waiver.expires} (${w.waiver.reason}); suppressed violation: ${w.message}`, w.urn === "" ? undefined : w.urn);
        }
    },
});
