/** Shared by the account-baseline rules: they judge only a stack whose pack config sets accountBaseline: true. */
import type { PolicyResource } from "@pulumi/policy";

export const BASELINE_NOTE =
    "Judged only in the stack that owns the account's baseline (accountBaseline: true in this policy's pack config): the service is one per account and region, so an application stack that created it would collide with the owner's.";

/** The resources of `types` in the stack. */
export function ofTypes(resources: readonly PolicyResource[], types: readonly string[]): PolicyResource[] {
    return resources.filter((r) => types.includes(r.type));
}
