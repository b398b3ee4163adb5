/**
 * The package's library entry, `@e2ee-pipeline/policy-pack`: the pack's policies and what a team needs to build its
 * own pack from them. Side-effect free, like `@e2ee-pipeline/policy-pack/select`: importing either creates no
 * PolicyPack (only `index.ts`, the pack entry, does), so a team's own pack can import them.
 *
 *   import { PolicyPack } from "@pulumi/policy";
 *   import { selectPolicies } from "@e2ee-pipeline/policy-pack";
 *   new PolicyPack("storage-only", { policies: selectPolicies({ groups: ["encryption", "s3"] }) });
 */
export { allRules, groupOf, groups, type PackRule } from "./all";
export { selectPolicies, type FrameworkName, type Selection } from "./select";
export {
    WAIVER_REPORT_POLICY,
    resourceRule,
    stackRule,
    type ResourceRuleSpec,
    type RuleFramework,
    type StackRuleSpec,
    type Waiver,
} from "./lib/rule";
