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

interface RuleBase {
    /** kebab-case, unique in the pack. */
    readonly name: string;
    readonly description: string;
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

function withWaiverSchema(schema: PolicyConfigSchema | undefined): PolicyConfigSchema {
    if (schema?.properties["waivers"] !== undefined) {
        throw new Error("configSchema must not declare 'waivers': every rule gets it from the framework");
    }
    return { ...schema, properties: { ...(schema?.properties ?? {}), waivers: waiverSchema } };
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
        configSchema: withWaiverSchema(spec.configSchema),
    };
}

function waiversOf(args: { getConfig<T extends object>(): T }): readonly Waiver[] {
    return args.getConfig<{ waivers?: Waiver[] }>().waivers ?? [];
}

/** Declares a policy that checks one resource at a time. */
export function resourceRule(spec: ResourceRuleSpec): ResourceValidationPolicy & { readonly frameworkRef: RuleFramework } {
    return {
        ...common(spec),
        frameworkRef: spec.framework,
        validateResource: (args, report) =>
            spec.validateResource(args, waiving(spec.name, waiversOf(args), args.urn, report)),
    };
}

/** Declares a policy that checks the whole stack (cross-resource rules). */
export function stackRule(spec: StackRuleSpec): StackValidationPolicy & { readonly frameworkRef: RuleFramework } {
    return {
        ...common(spec),
        frameworkRef: spec.framework,
        validateStack: (args, report) =>
            spec.validateStack(args, waiving(spec.name, waiversOf(args), undefined, spec.name === WAIVER_REPORT_POLICY ? advisory(spec.description, report) : report)),
    };
}
