/**
 * `--policy-pack-config FILE`: the CLI's policy pack configuration format, validated the way the CLI
 * validates it (JSON schema per policy, before anything runs).
 *
 * File format (JSON): `{ "all": <level>, "<policy>": <level> | { "enforcementLevel"?: <level>, ...properties } }`
 * where <level> is "advisory" | "mandatory" | "remediate" | "disabled".
 */
import * as fs from "fs";
import { GateError, usageError } from "../shared/errors";
import type { EnforcementLevel, Json, PackInfo } from "../shared/types";

export type PackConfigFile = Record<string, Json>;
export type ResolvedConfig = Record<string, { enforcementLevel: EnforcementLevel; properties: Record<string, Json> }>;

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

export function readPackConfig(file: string): PackConfigFile {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw usageError(`cannot read policy pack config ${file}: ${(e as Error).message}`);
    }
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        throw usageError(`policy pack config ${file} is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
        throw usageError(`policy pack config ${file} must be a JSON object keyed by policy name`);
    }
    return doc as PackConfigFile;
}

function isLevel(v: unknown): v is EnforcementLevel {
    return typeof v === "string" && (LEVELS as readonly string[]).includes(v);
}

let ajv: import("ajv").default | undefined;
const validators = new Map<string, import("ajv").ValidateFunction>();

/** A compiled validator for a policy's config schema; the same schema (e.g. in both of the gate's runs) compiles once. */
function validatorOf(schema: Record<string, unknown>): import("ajv").ValidateFunction {
    const key = JSON.stringify(schema);
    let v = validators.get(key);
    if (v === undefined) {
        // Loaded here, not at start-up: the gate spawns the program before it loads anything heavy.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        ajv ??= new (require("ajv") as typeof import("ajv")).default({ allErrors: true, useDefaults: true, strict: false });
        v = ajv.compile(schema);
        validators.set(key, v);
    }
    return v;
}

/**
 * Merges the file with the pack's policies: every policy gets its enforcement level (config, else "all",
 * else the policy's own) and its properties with schema defaults applied; each policy's properties are
 * validated against its configSchema. Errors name the pack, the policy and the offending property.
 */
export function resolvePackConfig(pack: PackInfo, file: PackConfigFile | undefined, fileName = "policy pack config"): ResolvedConfig {
    const prefix = `validating policy config: ${pack.name} ${pack.version}`;
    const cfg = file ?? {};
    const known = new Set(pack.policies.map((p) => p.name));
    for (const key of Object.keys(cfg)) {
        if (key !== "all" && !known.has(key)) {
            throw new GateError(`${prefix}: ${fileName} configures policy '${key}', which the pack does not have (its policies: ${[...known].join(", ")})`, "config");
        }
    }
    let allLevel: EnforcementLevel | undefined;
    const all = cfg["all"];
    if (all !== undefined) {
        const lvl = typeof all === "object" && all !== null && !Array.isArray(all) ? all["enforcementLevel"] : all;
        if (!isLevel(lvl)) {
            throw new GateError(`${prefix}: all: enforcementLevel must be one of ${LEVELS.join(", ")}, got ${JSON.stringify(lvl)}`, "config");
        }
        allLevel = lvl;
    }
    const out: ResolvedConfig = {};
    for (const p of pack.policies) {
        const entry = cfg[p.name];
        let level: EnforcementLevel = allLevel ?? p.enforcementLevel;
        let props: Record<string, Json> = {};
        if (isLevel(entry)) {
            level = entry;
        } else if (typeof entry === "object" && entry !== null && !Array.isArray(entry)) {
            const { enforcementLevel, ...rest } = entry;
            if (enforcementLevel !== undefined) {
                if (!isLevel(enforcementLevel)) {
                    throw new GateError(`${prefix}: ${p.name}: enforcementLevel must be one of ${LEVELS.join(", ")}, got ${JSON.stringify(enforcementLevel)}`, "config");
                }
                level = enforcementLevel;
            }
            props = rest;
        } else if (entry !== undefined) {
            throw new GateError(`${prefix}: ${p.name}: expected an enforcement level or an object, got ${JSON.stringify(entry)}`, "config");
        }
        if (p.configSchema !== undefined) {
            const schema = { type: "object", properties: p.configSchema.properties, required: p.configSchema.required };
            const validate = validatorOf(schema);
            props = JSON.parse(JSON.stringify(props)) as Record<string, Json>;
            if (!validate(props)) {
                const msgs = (validate.errors ?? []).map((e) => {
                    const where = e.instancePath === "" ? "" : e.instancePath.slice(1).replace(/\//g, ".") + ": ";
                    return `${where}${e.message ?? "invalid"}${e.params && "allowedValues" in e.params ? ` (${(e.params["allowedValues"] as unknown[]).join(", ")})` : ""}`;
                });
                throw new GateError(`${prefix}: ${p.name}: ${msgs.join("; ")}`, "config");
            }
        } else if (Object.keys(props).length > 0) {
            throw new GateError(`${prefix}: ${p.name}: the policy takes no configuration, but ${Object.keys(props).join(", ")} given`, "config");
        }
        if (entry !== undefined || allLevel !== undefined || p.configSchema !== undefined) {
            out[p.name] = { enforcementLevel: level, properties: props };
        }
    }
    return out;
}
