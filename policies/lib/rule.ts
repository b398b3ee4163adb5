/**
 * The pack's rule framework: every policy in `rules/` is declared with `resourceRule` or `stackRule`,
 * which turn our metadata (severity, framework mapping, remediation) into @pulumi/policy's own fields and add
 * waivers to every policy.
 *
 * Waivers: in the pack config, under a policy's name, `waivers` is a list of
 * `{ "resource": <URN or logical name>, "reason": <text>, "expires": "YYYY-MM-DD" }`.
 * A violation on a waived resource is not reported by its policy while the waiver is in force; instead the
 * advisory policy `policy-waivers-applied` (which runs last) reports each applied waiver, so every waiver is
 * visible in the results. A waiver past its expiry date no longer applies: the violation is reported at the
 * policy's own level, with the expired waiver named in the message.
 *
 * The waiver report never fails a preview, whatever the pack config says. The engine applies `"all": <level>` to
 * every policy of the pack before it configures the pack process (it cannot tell `all` from a level given for the
 * policy by name), and @pulumi/policy reports a policy's violations at its configured level; so
 * `policy-waivers-applied` reports through @pulumi/policy's object form of `reportViolation`, which sets each
 * diagnostic's level itself: always advisory (`disabled` still turns the report off).
 */
import type {
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

/** Where a rule comes from and what it corresponds to in other catalogues. */
export interface RuleFramework {
    /** The paper's section or table row, e.g. "Table 2: at rest" or "5.4 Network". */
    readonly paper: string;
    /** AWS Security Hub (Foundational Security Best Practices) control IDs, e.g. "S3.4". */
    readonly securityHub?: readonly string[];
    /** Checkov check IDs, e.g. "CKV_AWS_145". */
    readonly checkov?: readonly string[];
}

/**
 * Opt-in scopes. A rule with `optIn` judges a stack only when its pack config sets that property to true:
 * - `houseConventions`: rules that exist because of this project's tagging conventions (key roles, data
 *   classification); a program that never used the tags is not judged by them.
 * - `accountBaseline`: account-level singletons (one GuardDuty detector, Security Hub, Config recorder, trail, account
 *   public access block per account and region) that belong to the one stack owning the account's baseline.
 */
export type OptIn = "houseConventions" | "accountBaseline";

export const OPT_IN_DESCRIPTIONS: Readonly<Record<OptIn, string>> = {
    houseConventions: "Apply this policy: the stack follows the pack's house tagging conventions (default false: the policy judges nothing).",
    accountBaseline: "Apply this policy: the stack owns the account's security baseline (default false: the policy judges nothing).",
};

/** The longest description accepted: @pulumi/policy prepends it to every violation message. */
export const MAX_DESCRIPTION_LENGTH = 150;

interface RuleBase {
    /** kebab-case, unique in the pack. */
    readonly name: string;
    /** One line (at most MAX_DESCRIPTION_LENGTH characters): it is repeated before every violation message. */
    readonly description: string;
    /** What the policy judges and what it leaves alone, for the README (the detail the one-line description omits). */
    readonly details?: string;
    /** See `OptIn`. */
    readonly optIn?: OptIn;
    /** Defaults to "mandatory". */
    readonly enforcementLevel?: EnforcementLevel;
    readonly severity: Severity;
    readonly framework: RuleFramework;
    /** What to change, concretely, to comply. */
    readonly remediationSteps: string;
    /** Tunable settings. `waivers` is added to every rule and must not be declared here. */
    readonly configSchema?: PolicyConfigSchema;
}

export interface ResourceRuleSpec extends RuleBase {
    /**
     * The resource types the rule judges; `validateResource` is never called for any other type (so a rule never
     * reads, and never reports "can't run during preview" on, a resource it does not judge).
     */
    readonly resourceTypes: readonly string[];
    readonly validateResource: (args: ResourceValidationArgs, report: ReportViolation) => void | Promise<void>;
}

export interface StackRuleSpec extends RuleBase {
    readonly validateStack: (args: StackValidationArgs, report: ReportViolation) => void | Promise<void>;
}

export type Rule = ResourceValidationPolicy | StackValidationPolicy;

/** The policy that reports applied waivers (rules/waivers/policyWaiversApplied.ts); its diagnostics are always advisory. */
export const WAIVER_REPORT_POLICY = "policy-waivers-applied";

export const PAPER_FRAMEWORK_NAME = "cloud-native-pipeline-security";
export const PAPER_FRAMEWORK_VERSION = "1.0";

/** One waiver as written in the pack config. */
export interface Waiver {
    readonly resource: string;
    readonly reason: string;
    readonly expires: string;
}

const waiverSchema: PolicyConfigJSONSchema = {
    type: "array",
    description: "Resources exempted from this policy, each with a reason and an expiry date (YYYY-MM-DD).",
    items: {
        type: "object",
        properties: {
            resource: { type: "string", minLength: 1, description: "The resource's URN or logical name." },
            reason: { type: "string", minLength: 1 },
            expires: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
        },
        required: ["resource", "reason", "expires"],
        additionalProperties: false,
    },
    default: [],
};

/** An applied waiver, for `policy-waivers-applied` to report. */
export interface AppliedWaiver {
    readonly policy: string;
    readonly urn: string;
    readonly message: string;
    readonly waiver: Waiver;
}

const applied: AppliedWaiver[] = [];

/** Applied waivers so far in this process (the pack process lives for one preview or update). */
export function appliedWaivers(): readonly AppliedWaiver[] {
    return applied;
}

/** For tests: forget applied waivers. */
export function resetAppliedWaivers(): void {
    applied.length = 0;
}

/** Today's date as YYYY-MM-DD in UTC; overridable for tests. */
let today = (): string => new Date().toISOString().slice(0, 10);
export function setClock(fn: () => string): void {
    today = fn;
}

function resourceName(urn: string): string {
    const i = urn.lastIndexOf("::");
    return i >= 0 ? urn.slice(i + 2) : urn;
}

function matches(w: Waiver, urn: string): boolean {
    return w.resource === urn || w.resource === resourceName(urn);
}

/**
 * Wraps `report` so that violations on waived resources are recorded instead of reported, and violations
 * on resources with an expired waiver name the waiver.
 */
function waiving(policy: string, waivers: readonly Waiver[], defaultUrn: string | undefined, report: ReportViolation): ReportViolation {
    if (waivers.length === 0) {
        return report;
    }
    return (message: string, urn?: string) => {
        const target = urn ?? defaultUrn ?? "";
        const w = waivers.find((x) => matches(x, target));
        if (w === undefined) {
            report(message, urn);
        } else if (w.expires < today()) {
            report(`${message} (the waiver for this resource expired on ${w.expires}: ${w.reason})`, urn);
        } else {
            applied.push({ policy, urn: target, message, waiver: w });
        }
    };
}

/**
 * @pulumi/policy's object argument of `reportViolation` (its `ReportViolationArgs`, marked internal and absent from
 * its declarations): the server takes `enforcementLevel` from it instead of the policy's configured level, and uses
 * `message` as it is (the string form prefixes the policy's description and a newline, which is done here).
 */
interface ReportViolationArgs {
    readonly message: string;
    readonly urn?: string;
    readonly enforcementLevel: EnforcementLevel;
}

/** `report` with every violation sent at the advisory level, worded as the string form words it. */
function advisory(description: string, report: ReportViolation): ReportViolation {
    const send = report as unknown as (args: ReportViolationArgs) => void;
    return (message: string, urn?: string) =>
        send({ message: message === "" ? description : `${description}\n${message}`, ...(urn === undefined ? {} : { urn }), enforcementLevel: "advisory" });
}

function withFrameworkSchema(schema: PolicyConfigSchema | undefined, optIn: OptIn | undefined): PolicyConfigSchema {
    for (const k of ["waivers", "houseConventions", "accountBaseline"]) {
        if (schema?.properties[k] !== undefined) {
            throw new Error(`configSchema must not declare '${k}': the framework adds it`);
        }
    }
    const extra: Record<string, PolicyConfigJSONSchema> =
        optIn === undefined ? {} : { [optIn]: { type: "boolean", default: false, description: OPT_IN_DESCRIPTIONS[optIn] } };
    return { ...schema, properties: { ...(schema?.properties ?? {}), ...extra, waivers: waiverSchema } };
}

function tags(f: RuleFramework): string[] {
    return [
        `paper:${f.paper}`,
        ...(f.securityHub ?? []).map((id) => `securityhub:${id}`),
        ...(f.checkov ?? []).map((id) => `checkov:${id}`),
    ];
}

function common(spec: RuleBase) {
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(spec.name)) {
        throw new Error(`rule name '${spec.name}' is not kebab-case`);
    }
    if (/\n/.test(spec.description) || spec.description.length > MAX_DESCRIPTION_LENGTH) {
        throw new Error(`rule '${spec.name}': the description must be one line of at most ${MAX_DESCRIPTION_LENGTH} characters (put the detail in details)`);
    }
    return {
        name: spec.name,
        description: spec.description,
        enforcementLevel: spec.enforcementLevel ?? "mandatory",
        severity: spec.severity,
        remediationSteps: spec.remediationSteps,
        framework: {
            name: PAPER_FRAMEWORK_NAME,
            version: PAPER_FRAMEWORK_VERSION,
            reference: spec.framework.paper,
            specification: spec.description,
        },
        tags: tags(spec.framework),
        configSchema: withFrameworkSchema(spec.configSchema, spec.optIn),
    };
}

/** The pack's own metadata on a policy, beside @pulumi/policy's fields. */
export interface PackMetadata {
    readonly frameworkRef: RuleFramework;
    readonly details?: string;
    readonly optIn?: OptIn;
    /** For resource rules: the types judged. */
    readonly resourceTypes?: readonly string[];
}

function metadata(spec: RuleBase): PackMetadata {
    return {
        frameworkRef: spec.framework,
        ...(spec.details === undefined ? {} : { details: spec.details }),
        ...(spec.optIn === undefined ? {} : { optIn: spec.optIn }),
    };
}

/** True when the rule is not opted in by its config (it then judges nothing). */
function optedOut(spec: RuleBase, args: { getConfig<T extends object>(): T }): boolean {
    return spec.optIn !== undefined && args.getConfig<Record<string, unknown>>()[spec.optIn] !== true;
}

function waiversOf(args: { getConfig<T extends object>(): T }): readonly Waiver[] {
    return args.getConfig<{ waivers?: Waiver[] }>().waivers ?? [];
}

/** Declares a policy that checks one resource at a time. */
export function resourceRule(spec: ResourceRuleSpec): ResourceValidationPolicy & PackMetadata {
    if (spec.resourceTypes.length === 0) {
        throw new Error(`rule '${spec.name}': resourceTypes must name at least one type`);
    }
    const types: ReadonlySet<string> = new Set(spec.resourceTypes);
    return {
        ...common(spec),
        ...metadata(spec),
        resourceTypes: spec.resourceTypes,
        validateResource: (args, report) => {
            if (!types.has(args.type) || optedOut(spec, args)) {
                return;
            }
            return spec.validateResource(args, waiving(spec.name, waiversOf(args), args.urn, report));
        },
    };
}

/** Declares a policy that checks the whole stack (cross-resource rules). */
export function stackRule(spec: StackRuleSpec): StackValidationPolicy & PackMetadata {
    return {
        ...common(spec),
        ...metadata(spec),
        validateStack: (args, report) => {
            if (optedOut(spec, args)) {
                return;
            }
            return spec.validateStack(args, waiving(spec.name, waiversOf(args), undefined, spec.name === WAIVER_REPORT_POLICY ? advisory(spec.description, report) : report));
        },
    };
}
