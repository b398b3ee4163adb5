/**
 * Test harness for the policy pack: runs a resource rule or a stack rule the way @pulumi/policy's analyzer server
 * does (props wrapped in `unknownCheckingProxy`, `getConfig` returning the policy's config, UnknownValueError
 * turned into an advisory, `notApplicable` recorded) and returns exactly what would be reported.
 *
 * Usage:
 *   const r = await runResourceRule(rule, { type: "aws:sqs/queue:Queue", props: { kmsMasterKeyId: UNKNOWN.string } });
 *   expect(r.messages).to.deep.equal([]);  expect(r.unknown).to.match(/can't be known/);
 *   const s = await runStackRule(rule, [ { type, name, props, propertyDependencies: { bucket: ["data"] } }, ... ]);
 *   // s.violations: [{ message, urn }]
 *
 * Messages are the policy's own: the real analyzer prefixes each with the policy's description and a newline, and
 * leaves a resource rule's URN empty for the engine to fill in with the analyzed resource's URN (which the harness
 * reports directly). tests/policies/server-fidelity.spec.ts checks the harness against the real analyzer.
 *
 * Config is validated against the rule's configSchema (as `pulumi` does before running the pack); a config that
 * does not match throws, so tests cannot pass with a config the CLI would reject.
 */
import Ajv from "ajv";
import type {
    PolicyConfigSchema,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { UNKNOWN, isUnknownValueError, unknownCheckingProxy } from "../../policies/lib/unknown";

export { UNKNOWN };

export const STACK = "dev";
export const PROJECT = "e2ee-pipeline";

/** A URN as the engine writes it (no parent chain unless `parentType` is given). */
export function urnOf(type: string, name: string, parentType?: string): string {
    const t = parentType === undefined ? type : `${parentType}$${type}`;
    return `urn:pulumi:${STACK}::${PROJECT}::${t}::${name}`;
}

export interface Violation {
    readonly message: string;
    /** For resource rules, the resource's URN; for stack rules, the URN passed to reportViolation (if any). */
    readonly urn: string | undefined;
    /**
     * Only when the rule reported with @pulumi/policy's object form (`{ message, urn, enforcementLevel }`), which
     * sets the diagnostic's level itself: that level.
     */
    readonly enforcementLevel?: string;
}

export interface RuleResult {
    readonly violations: readonly Violation[];
    /** The violations' messages, in order. */
    readonly messages: readonly string[];
    /** The UnknownValueError's message when the rule could not run during preview (reported as an advisory). */
    readonly unknown: string | undefined;
    /** The reason when the rule called notApplicable(). */
    readonly notApplicable: string | undefined;
}

export type Config = Record<string, unknown>;

export interface ResourceInput {
    readonly type: string;
    readonly props: Record<string, unknown>;
    /** Defaults to "res". */
    readonly name?: string;
    /** Defaults to urnOf(type, name). */
    readonly urn?: string;
    readonly opts?: Partial<PolicyResourceOptions>;
}

export interface StackResourceInput extends ResourceInput {
    /** Name or URN of the parent resource. */
    readonly parent?: string;
    /** Names or URNs of resources this one depends on. */
    readonly dependencies?: readonly string[];
    /** Property name -> names or URNs of the resources that property's value came from. */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

class NotApplicable extends Error {
    constructor(readonly reason: string | undefined) {
        super(reason ?? "not applicable");
    }
}

function throwNotApplicable(reason?: string): never {
    throw new NotApplicable(reason);
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<string, ReturnType<typeof ajv.compile>>();

/** Validates `config` against the rule's schema (plus enforcementLevel); throws with ajv's errors if invalid. */
export function validateConfig(schema: PolicyConfigSchema | undefined, config: Config): void {
    const full = {
        type: "object",
        properties: { enforcementLevel: { enum: ["advisory", "mandatory", "remediate", "disabled"] }, ...(schema?.properties ?? {}) },
        required: schema?.required ?? [],
    };
    const key = JSON.stringify(full);
    let validate = validators.get(key);
    if (validate === undefined) {
        validate = ajv.compile(full);
        validators.set(key, validate);
    }
    if (!validate(config)) {
        throw new Error(`invalid policy config ${JSON.stringify(config)}: ${ajv.errorsText(validate.errors)}`);
    }
}

function options(o: Partial<PolicyResourceOptions> | undefined, parent?: string): PolicyResourceOptions {
    return {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(parent === undefined ? {} : { parent }),
        ...o,
    };
}

function typeOf(resourceClass: unknown): string | undefined {
    const t = (resourceClass as { __pulumiType?: unknown } | undefined)?.__pulumiType;
    return typeof t === "string" ? t : undefined;
}

function configFor(config: Config | undefined): <T extends object>() => T {
    // As @pulumi/policy's server: the policy's config without enforcementLevel.
    const { enforcementLevel: _ignored, ...rest } = config ?? {};
    return <T extends object>() => rest as T;
}

/** @pulumi/policy's object argument of reportViolation (internal there). */
interface ReportViolationArgs {
    readonly message: string;
    readonly urn?: string;
    readonly enforcementLevel?: string;
}

/**
 * A reportViolation as @pulumi/policy's server implements it: a message and an optional URN, or an object whose
 * `message` is used as it is (the server does not prefix it with the description; the harness removes the prefix
 * a rule added so that messages stay the policy's own) and whose `enforcementLevel` wins over the configured one.
 */
function reporter(violations: Violation[], description: string, defaultUrn: string | undefined): (message: string, urn?: string) => void {
    const report = (message: string | ReportViolationArgs, urn?: string): void => {
        if (typeof message === "object") {
            const own = message.message.startsWith(`${description}\n`) ? message.message.slice(description.length + 1) : message.message;
            violations.push({
                message: own,
                urn: message.urn ?? defaultUrn,
                ...(message.enforcementLevel === undefined ? {} : { enforcementLevel: message.enforcementLevel }),
            });
        } else {
            violations.push({ message, urn: urn ?? defaultUrn });
        }
    };
    return report;
}

async function capture(run: (report: (message: string, urn?: string) => void) => unknown, description: string, defaultUrn?: string): Promise<RuleResult> {
    const violations: Violation[] = [];
    let unknown: string | undefined;
    let notApplicable: string | undefined;
    try {
        await Promise.resolve(run(reporter(violations, description, defaultUrn)));
    } catch (e) {
        if (isUnknownValueError(e)) {
            unknown = e.message;
        } else if (e instanceof NotApplicable) {
            notApplicable = e.reason ?? "";
        } else {
            throw e;
        }
    }
    return { violations, messages: violations.map((v) => v.message), unknown, notApplicable };
}

function isResourceRule(rule: ResourceValidationPolicy | StackValidationPolicy): rule is ResourceValidationPolicy {
    return "validateResource" in rule;
}

/** Runs a resource rule on one resource (its props wrapped as during a preview). */
export async function runResourceRule(
    rule: ResourceValidationPolicy | StackValidationPolicy,
    input: ResourceInput,
    config?: Config,
    stackTags: ReadonlyMap<string, string> = new Map(),
): Promise<RuleResult> {
    if (!isResourceRule(rule) || rule.validateResource === undefined) {
        throw new Error(`${rule.name} is not a resource rule`);
    }
    validateConfig(rule.configSchema, config ?? {});
    const name = input.name ?? "res";
    const urn = input.urn ?? urnOf(input.type, name);
    const props = unknownCheckingProxy(structuredClone(input.props));
    const validations = Array.isArray(rule.validateResource) ? rule.validateResource : [rule.validateResource];
    const args: ResourceValidationArgs = {
        type: input.type,
        props,
        urn,
        name,
        opts: options(input.opts),
        stackTags,
        isType: (cls) => typeOf(cls) === input.type,
        asType: <TResource, TArgs>(cls: new (name: string, args: TArgs, ...rest: never[]) => TResource) =>
            (typeOf(cls) === input.type ? props : undefined) as never,
        getConfig: configFor(config),
        notApplicable: throwNotApplicable,
    };
    return capture(async (report) => {
        for (const v of validations) {
            await Promise.resolve(v(args, report));
        }
    }, rule.description, urn);
}

/** Builds the PolicyResource list a stack rule sees; dependencies given by name or URN are resolved. */
export function stackResources(inputs: readonly StackResourceInput[]): PolicyResource[] {
    const urns = inputs.map((i, n) => i.urn ?? urnOf(i.type, i.name ?? `res${n}`));
    const byKey = new Map<string, PolicyResource>();
    const resources: PolicyResource[] = inputs.map((i, n) => {
        const props = unknownCheckingProxy(structuredClone(i.props));
        const r: PolicyResource = {
            type: i.type,
            props,
            urn: urns[n],
            name: i.name ?? `res${n}`,
            opts: options(i.opts),
            dependencies: [],
            propertyDependencies: {},
            isType: (cls) => typeOf(cls) === i.type,
            asType: <TResource, TArgs>(cls: new (name: string, args: TArgs, ...rest: never[]) => TResource) =>
                (typeOf(cls) === i.type ? props : undefined) as never,
        };
        return r;
    });
    resources.forEach((r) => {
        byKey.set(r.urn, r);
        if (!byKey.has(r.name)) {
            byKey.set(r.name, r);
        }
    });
    const resolve = (k: string): PolicyResource => {
        const r = byKey.get(k);
        if (r === undefined) {
            throw new Error(`harness: no resource named or with URN '${k}'`);
        }
        return r;
    };
    inputs.forEach((i, n) => {
        const r = resources[n];
        if (i.parent !== undefined) {
            r.parent = resolve(i.parent);
            r.opts.parent = r.parent.urn;
        }
        r.dependencies = (i.dependencies ?? []).map(resolve);
        for (const [k, v] of Object.entries(i.propertyDependencies ?? {})) {
            r.propertyDependencies[k] = v.map(resolve);
        }
        // As the engine does: every property dependency is also a dependency.
        for (const d of Object.values(r.propertyDependencies).flat()) {
            if (!r.dependencies.includes(d)) {
                r.dependencies.push(d);
            }
        }
    });
    return resources;
}

/** Runs a stack rule on the given resources. */
export async function runStackRule(
    rule: ResourceValidationPolicy | StackValidationPolicy,
    inputs: readonly StackResourceInput[],
    config?: Config,
    stackTags: ReadonlyMap<string, string> = new Map(),
): Promise<RuleResult> {
    if (isResourceRule(rule) || !("validateStack" in rule)) {
        throw new Error(`${rule.name} is not a stack rule`);
    }
    validateConfig(rule.configSchema, config ?? {});
    const args: StackValidationArgs = {
        resources: stackResources(inputs),
        getConfig: configFor(config),
        stackTags,
        notApplicable: throwNotApplicable,
    };
    return capture((report) => rule.validateStack(args, report), rule.description);
}

/** One diagnostic of a whole-pack run. */
export interface Diagnostic {
    readonly policy: string;
    readonly enforcementLevel: string;
    readonly message: string;
    readonly urn: string | undefined;
}

/**
 * Runs a list of rules the way the engine does: every resource rule on every resource, then every stack rule in
 * order. `config` maps policy name -> config (may include enforcementLevel); `all`'s enforcementLevel applies to
 * every policy whose own config gives none, as the engine applies it. A violation reported with an explicit level
 * (the object form) keeps that level. Unknown-value advisories are returned as diagnostics at level "advisory" with
 * the server's "can't run" wording.
 */
export async function runPack(
    rules: readonly (ResourceValidationPolicy | StackValidationPolicy)[],
    inputs: readonly StackResourceInput[],
    config: Readonly<Record<string, Config>> = {},
): Promise<Diagnostic[]> {
    const out: Diagnostic[] = [];
    const all = config["all"]?.["enforcementLevel"] as string | undefined;
    const level = (r: ResourceValidationPolicy | StackValidationPolicy): string =>
        (config[r.name]?.["enforcementLevel"] as string | undefined) ?? all ?? r.enforcementLevel ?? "advisory";
    const collect = (r: ResourceValidationPolicy | StackValidationPolicy, res: RuleResult): void => {
        for (const v of res.violations) {
            out.push({ policy: r.name, enforcementLevel: v.enforcementLevel ?? level(r), message: v.message, urn: v.urn });
        }
        if (res.unknown !== undefined) {
            out.push({ policy: r.name, enforcementLevel: "advisory", message: `can't run policy '${r.name}' during preview: ${res.unknown}`, urn: undefined });
        }
    };
    for (const input of inputs) {
        for (const r of rules) {
            if (level(r) !== "disabled" && isResourceRule(r)) {
                collect(r, await runResourceRule(r, input, config[r.name]));
            }
        }
    }
    for (const r of rules) {
        if (level(r) !== "disabled" && !isResourceRule(r)) {
            collect(r, await runStackRule(r, inputs, config[r.name]));
        }
    }
    return out;
}
