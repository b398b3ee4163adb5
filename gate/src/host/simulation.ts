/**
 * A simulated deployment (`pulumi up`) in the program host: the runtime in update mode (dry-run false), the
 * monitor answering every created resource with synthetic outputs (host/synthetic.ts), and the values that come
 * from outside the program kept unknown and traced to their source:
 * - a created resource gets its ID and the outputs its provider would return after Create, laid over its inputs;
 *   an output made up from an unknown input is unknown, and the answer then says it holds unknowns (the
 *   engine's answer for a resource it could not create), so the runtime keeps them unknown in an update;
 * - a component gets what a preview gives it (no ID; its registered outputs arrive later);
 * - a read (`get`) gets its ID and the arguments passed; the rest of its state is unknown;
 * - `secure:` config read with a secret getter is an unknown secret (host/secure-config.ts), and an invoke with
 *   no offline answer called in its Output form (`getXOutput`) gives an unknown result. Both carry a marker
 *   resource (a `DependencyResource`, never registered) in the Output's resources, so the runtime lists it in the
 *   property dependencies of every registration the value reaches, through `apply`, `interpolate` and `all`; the
 *   monitor takes the markers out of the dependencies and records them as the property's outside sources;
 * - an output the simulation does not synthesize is undefined, as an update gives a property its provider did
 *   not return; an `apply` on it that throws is reported with the output's name (`MissingOutputs`).
 */
import * as path from "path";
import { SECRET_SIG, SIG_KEY, RESOURCE_SIG, OUTPUT_SIG, UNKNOWN_STRING } from "../shared/analyzer-properties";
import type { Json, OutsideSource, ProgramNote, RecordedResource } from "../shared/types";
import type { MonitorAnswers, RegistrationAnswer } from "./answers";
import { hasOfflineAnswer, invokeMock, MOCK_ACCOUNT_ID } from "./invokes";
import type { PulumiRuntime } from "./runtime";
import { synthesize, type ArnTemplates } from "./synthetic";

/* eslint-disable @typescript-eslint/no-require-imports */

/** The type of the marker resources that stand for values from outside the program (never registered). */
export const OUTSIDE_TYPE = { "secret-config": "pulumi-gate:outside:SecretConfig", invoke: "pulumi-gate:outside:Invoke" } as const;

/** The marker URN for an outside value (`urn:pulumi:<stack>::<project>::pulumi-gate:outside:<Kind>::<name>`). */
export function outsideUrn(stack: string, project: string, kind: keyof typeof OUTSIDE_TYPE, name: string): string {
    return `urn:pulumi:${stack}::${project}::${OUTSIDE_TYPE[kind]}::${name}`;
}

/** The outside source a marker URN stands for, or undefined for any other URN. */
export function parseOutsideUrn(urn: string): OutsideSource | undefined {
    const parts = urn.split("::");
    if (parts.length < 4) return undefined;
    const type = parts[2] as string;
    const name = parts.slice(3).join("::");
    if (type === OUTSIDE_TYPE["secret-config"]) return { kind: "secret-config", name };
    if (type === OUTSIDE_TYPE.invoke) return { kind: "invoke", name };
    return undefined;
}

/** `aws`, `aws-cn` or `aws-us-gov` for a region. */
export function partitionOf(region: string): string {
    return region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
}

function isObject(v: unknown): v is Record<string, Json> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Wire-form inputs as plain values for `synthesize`: secrets unwrapped, resource references as their ID or URN. */
export function plainInputs(v: Json): unknown {
    if (Array.isArray(v)) return v.map(plainInputs);
    if (!isObject(v)) return v;
    const sig = v[SIG_KEY];
    if (sig === SECRET_SIG) return plainInputs(v["value"] ?? null);
    if (sig === RESOURCE_SIG) return typeof v["id"] === "string" ? (v["id"] === "" ? UNKNOWN_STRING : v["id"]) : v["urn"];
    if (sig === OUTPUT_SIG) return "value" in v ? plainInputs(v["value"] ?? null) : UNKNOWN_STRING;
    if (sig !== undefined) return v; // assets and archives
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainInputs(x)]));
}

function containsUnknown(v: Json): boolean {
    if (v === UNKNOWN_STRING) return true;
    if (Array.isArray(v)) return v.some(containsUnknown);
    if (isObject(v)) return Object.values(v).some(containsUnknown);
    return false;
}

/** Sets `path` (dot-separated) in a wire-form object, inside secrets on the way. */
function setPath(obj: Record<string, Json>, path: readonly string[], value: Json): void {
    let cur: Record<string, Json> = obj;
    for (let i = 0; i < path.length - 1; i++) {
        const k = path[i] as string;
        let next = cur[k];
        if (isObject(next) && next[SIG_KEY] === SECRET_SIG && isObject(next["value"])) {
            const inner: Record<string, Json> = { ...next["value"] };
            cur[k] = { ...next, value: inner };
            cur = inner;
            continue;
        }
        next = isObject(next) ? { ...next } : {};
        cur[k] = next;
        cur = next;
    }
    cur[path[path.length - 1] as string] = value;
}

function getPath(obj: Record<string, unknown>, path: readonly string[]): unknown {
    let cur: unknown = obj;
    for (const k of path) cur = isObject(cur) ? (cur as Record<string, unknown>)[k] : undefined;
    return cur;
}

export interface SimulationOptions {
    /** The stack's region (`aws:region`, else AWS_REGION, else us-east-1): the default provider's. */
    readonly region: string;
    readonly notes: ProgramNote[];
    readonly templates: ArnTemplates;
    readonly missing?: MissingOutputs;
}

/**
 * The answer for a created custom resource: its synthetic ID and outputs laid over its wire-form inputs. An output
 * made up from an unknown input (its value holds the unknown string) is unknown, and so is an ID made from one.
 */
export function syntheticAnswer(r: RecordedResource, region: string, templates: ArnTemplates): RegistrationAnswer {
    const s = synthesize(
        { type: r.type, name: r.name, urn: r.urn, inputs: plainInputs(r.properties) as Record<string, unknown>, accountId: MOCK_ACCOUNT_ID, region, partition: partitionOf(region) },
        templates,
    );
    const outputs: Record<string, Json> = { ...r.properties };
    let unknown = containsUnknown(r.properties);
    for (const p of s.synthesized) {
        const parts = p.split(".");
        const value = getPath(s.outputs, parts) as Json;
        const derived = JSON.stringify(value).includes(UNKNOWN_STRING);
        if (derived) unknown = true;
        setPath(outputs, parts, derived ? UNKNOWN_STRING : value);
    }
    const id = s.id.includes(UNKNOWN_STRING) ? "" : s.id;
    if (id === "") unknown = true;
    return { id, outputs, synthesized: s.synthesized, ...(unknown ? { unknown: true } : {}) };
}

/** A simulated deployment's answers (see the module comment). */
export function simulationAnswers(o: SimulationOptions): MonitorAnswers {
    // Explicit providers' regions, for the ARNs of the resources they manage.
    const providerRegions = new Map<string, string>();
    const noted = new Set<string>();
    return {
        registered: (r) => {
            if (!r.custom) return { id: "" };
            let region = o.region;
            if (r.provider !== "") {
                region = providerRegions.get(r.provider.slice(0, r.provider.lastIndexOf("::"))) ?? o.region;
            }
            const synthetic = syntheticAnswer(r, region, o.templates);
            // An imported resource keeps the ID it is imported with.
            const importId = r.options.importId;
            const answer =
                importId === undefined
                    ? synthetic
                    : { ...synthetic, id: importId, ...(synthetic.outputs?.["id"] !== undefined ? { outputs: { ...synthetic.outputs, id: importId } } : {}) };
            if (r.type === "pulumi:providers:aws") {
                const given = plainInputs(r.properties["region"] ?? null);
                providerRegions.set(r.urn, typeof given === "string" && given !== "" && given !== UNKNOWN_STRING ? given : o.region);
            }
            o.missing?.registered(r, answer.outputs ?? r.properties);
            return answer;
        },
        read: () => ({ unknown: true }),
        invoke: (token, args) =>
            invokeMock(token, args, o.region, (t) => {
                if (noted.has(t)) return;
                noted.add(t);
                o.notes.push({
                    level: "warning",
                    message: `invoke ${t} has no offline answer; it returned its own arguments (called in its plain form, whose result cannot be unknown in an update: values derived from it are placeholders in the simulated deployment too)`,
                });
            }),
    };
}

type OutputCtor = new (resources: Set<unknown>, promise: Promise<unknown>, isKnown: Promise<boolean>, isSecret: Promise<boolean>, allResources?: Promise<Set<unknown>>) => unknown;
type DependencyResourceCtor = new (urn: string) => unknown;

/** An unknown Output whose resources include the marker of an outside value (and `also`'s resources). */
export function outsideValue(rt: PulumiRuntime, urn: string, secret: boolean, also?: unknown): unknown {
    const pulumi = rt.pulumi as unknown as { Output: OutputCtor; DependencyResource: DependencyResourceCtor; output(v: unknown): { allResources?: () => Promise<Set<unknown>> } };
    const marker = new pulumi.DependencyResource(urn);
    const more = also === undefined ? Promise.resolve(new Set<unknown>()) : (pulumi.output(also).allResources?.() ?? Promise.resolve(new Set<unknown>()));
    const all = more.then((s) => new Set([...s, marker]));
    return new pulumi.Output(new Set([marker]), Promise.resolve(undefined), Promise.resolve(false), Promise.resolve(secret), all);
}

/**
 * Invokes in their Output form (`getXOutput`, `pulumi.runtime.invokeOutput`/`invokeSingleOutput`) with no offline
 * answer give an unknown result carrying the invoke's marker; answered ones run as in a preview. Each unanswered
 * token is noted once.
 */
export function patchOutsideInvokes(rt: PulumiRuntime, stack: string, project: string, notes: ProgramNote[]): void {
    // The SDKs call `pulumi.runtime.invokeOutput` (runtime/index.js holds copies of runtime/invoke.js's exports).
    const modules = [rt.pulumi.runtime as unknown as Record<string, unknown>, require(path.join(rt.dir, "runtime", "invoke.js")) as Record<string, unknown>];
    const noted = new Set<string>();
    for (const mod of modules) {
        for (const fn of ["invokeOutput", "invokeSingleOutput"]) {
            const orig = mod[fn];
            if (typeof orig !== "function") continue;
            mod[fn] = function (this: unknown, tok: string, props: unknown, ...rest: unknown[]): unknown {
                if (hasOfflineAnswer(tok)) return (orig as (...a: unknown[]) => unknown).call(this, tok, props, ...rest);
                if (!noted.has(tok)) {
                    noted.add(tok);
                    notes.push({ level: "warning", message: `invoke ${tok} has no offline answer; in the simulated deployment its result is unknown (a value from outside the program)` });
                }
                return outsideValue(rt, outsideUrn(stack, project, "invoke", tok), false, props);
            };
        }
    }
}

/**
 * The outputs the simulation gave no value (declared by the resource's class, neither an input nor synthesized):
 * an `apply` on one of them that throws is reported with the output's name.
 */
export class MissingOutputs {
    /** Resource objects constructed, waiting for their registration (keyed by type and name). */
    private readonly pending = new Map<string, object[]>();
    private readonly missing = new WeakMap<object, string>();
    private readonly tagged = new WeakMap<object, string>();
    /** Answered registrations not yet matched with their resource objects (done when an `apply` first fails). */
    private answered: [RecordedResource, Record<string, Json>][] = [];

    /** Wraps the runtime's registerResource (to see each resource object) and Output's apply (to tag failures). */
    install(rt: PulumiRuntime): void {
        const orig = rt.resource["registerResource"];
        if (typeof orig === "function") {
            rt.resource["registerResource"] = (...args: unknown[]) => {
                const res = args[0];
                if (args[4] === true && typeof res === "object" && res !== null) {
                    const key = `${String(args[2])}\u0000${String(args[3])}`;
                    const q = this.pending.get(key);
                    if (q === undefined) this.pending.set(key, [res]);
                    else q.push(res);
                }
                return orig(...args);
            };
        }
        const proto = (rt.pulumi.Output as unknown as { prototype: { apply: (this: object, f: unknown, withUnknowns?: boolean) => unknown } }).prototype;
        const apply = proto.apply;
        // eslint-disable-next-line @typescript-eslint/no-this-alias
        const self = this;
        proto.apply = function (this: object, func: unknown, withUnknowns?: boolean): unknown {
            if (typeof func !== "function") return apply.call(this, func, withUnknowns);
            // An apply is usually set up before the resource's registration is answered: whether its output has
            // a value is looked up when the callback fails.
            const tag = (e: unknown): never => {
                self.match();
                const what = self.missing.get(this);
                if (what !== undefined && typeof e === "object" && e !== null && !self.tagged.has(e)) self.tagged.set(e, what);
                throw e;
            };
            return apply.call(
                this,
                (v: unknown) => {
                    try {
                        const r = (func as (x: unknown) => unknown)(v);
                        return r instanceof Promise ? r.catch(tag) : r;
                    } catch (e) {
                        return tag(e);
                    }
                },
                withUnknowns,
            );
        };
    }

    /**
     * A registration answered with `outputs`: its declared outputs without a value are missing. Only noted here; the
     * outputs are looked at when an `apply` fails (most runs have none), in the order the answers came.
     */
    registered(r: RecordedResource, outputs: Record<string, Json>): void {
        this.answered.push([r, outputs]);
    }

    private match(): void {
        const answered = this.answered;
        if (answered.length === 0) return;
        this.answered = [];
        for (const [r, outputs] of answered) this.matchOne(r, outputs);
    }

    private matchOne(r: RecordedResource, outputs: Record<string, Json>): void {
        const key = `${r.type}\u0000${r.name}`;
        const q = this.pending.get(key);
        const res = q?.shift() as Record<string, unknown> | undefined;
        if (q !== undefined && q.length === 0) this.pending.delete(key);
        if (res === undefined) return;
        for (const k of Object.keys(res)) {
            if (k === "id" || k === "urn" || k.startsWith("__")) continue;
            const out = res[k];
            if (typeof out !== "object" || out === null || (out as { __pulumiOutput?: boolean }).__pulumiOutput !== true) continue;
            const v = outputs[k];
            if (v === undefined || v === null) this.missing.set(out, `${k} of ${r.type} '${r.name}'`);
        }
    }

    /** The missing output an exception was thrown from (in an `apply` on it), if any. */
    outputOf(err: unknown): string | undefined {
        return typeof err === "object" && err !== null ? this.tagged.get(err) : undefined;
    }
}
