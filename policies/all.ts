/**
 * Every policy of the pack, in evaluation order, grouped as under rules/. `policy-waivers-applied` comes last:
 * it reports the waivers the other policies applied during the run.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import type { PackMetadata } from "./lib/rule";
import { rules as account } from "./rules/account";
import { rules as backup } from "./rules/backup";
import { rules as certificates } from "./rules/certificates";
import { rules as classification } from "./rules/classification";
import { rules as encryption } from "./rules/encryption";
import { rules as entrypoints } from "./rules/entrypoints";
import { rules as iam } from "./rules/iam";
import { rules as keys } from "./rules/keys";
import { rules as kubernetes } from "./rules/kubernetes";
import { rules as lambda } from "./rules/lambda";
import { rules as monitoring } from "./rules/monitoring";
import { rules as network } from "./rules/network";
import { rules as s3 } from "./rules/s3";
import { rules as secrets } from "./rules/secrets";
import { rules as tls } from "./rules/tls";
import { rules as waivers } from "./rules/waivers";
import { POLICY_WAIVERS_APPLIED } from "./rules/waivers/policyWaiversApplied";

/** A policy declared with resourceRule/stackRule: @pulumi/policy's policy plus our framework mapping. */
export type PackRule = (ResourceValidationPolicy | StackValidationPolicy) & PackMetadata;

/** The groups, in pack order (the directory names under rules/). */
export const groups: Readonly<Record<string, readonly PackRule[]>> = {
    encryption,
    keys,
    iam,
    s3,
    backup,
    tls,
    certificates,
    secrets,
    network,
    entrypoints,
    lambda,
    kubernetes,
    monitoring,
    account,
    classification,
    waivers,
};

/** The group a policy belongs to. */
export function groupOf(name: string): string | undefined {
    return Object.keys(groups).find((g) => groups[g].some((r) => r.name === name));
}

function assemble(): readonly PackRule[] {
    const list = Object.values(groups).flat();
    const seen = new Set<string>();
    for (const r of list) {
        if (seen.has(r.name)) {
            throw new Error(`policy name '${r.name}' is declared twice (groups: ${Object.keys(groups).filter((g) => groups[g].some((x) => x.name === r.name)).join(", ")})`);
        }
        seen.add(r.name);
    }
    if (list[list.length - 1]?.name !== POLICY_WAIVERS_APPLIED) {
        throw new Error(`'${POLICY_WAIVERS_APPLIED}' must be the last policy of the pack`);
    }
    return list;
}

/** Every policy, unique names, waivers last. */
export const allRules: readonly PackRule[] = assemble();
