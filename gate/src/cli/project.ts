/**
 * Reads a Pulumi project (`Pulumi.yaml`) and one of its stacks (`Pulumi.<stack>.yaml`) the way the CLI does,
 * without the CLI: project name, entry point, runtime options, and the stack's configuration.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { GateError, usageError } from "../shared/errors";
import type { ProjectPlugin } from "../shared/types";
import { decryptValue, passphraseFromEnv, secretsAccess } from "./secrets";

export interface ProjectInfo {
    readonly dir: string;
    readonly name: string;
    /** Pulumi.yaml `main`, default "." (the directory: package.json `main`, else index). */
    readonly main: string;
    /** runtime.options.typescript, default true. */
    readonly typescript: boolean;
}

export interface StackInfo {
    readonly name: string;
    readonly file: string;
    /** Plaintext values, fully-qualified keys, as the CLI passes them to the program (objects as JSON). */
    readonly config: Record<string, string>;
    /** Keys whose value is `secure:` and could not be decrypted offline (see `secretsNote`): no value in `config`. */
    readonly secureKeys: string[];
    /** Keys whose value is `secure:` and was decrypted with the stack's passphrase (the value is in `config`). */
    readonly secretKeys: string[];
    /** Why `secureKeys` could not be decrypted, when there are any. */
    readonly secretsNote?: string;
}

function readYaml(file: string): unknown {
    try {
        return parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw usageError(`cannot read ${file}: ${(e as Error).message}`);
    }
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function readProject(dir: string): ProjectInfo {
    const file = path.join(dir, "Pulumi.yaml");
    if (!fs.existsSync(file)) {
        throw usageError(`no Pulumi.yaml in ${dir}: point --cwd at a Pulumi project`);
    }
    const doc = readYaml(file);
    if (!isRecord(doc) || typeof doc["name"] !== "string" || doc["name"] === "") {
        throw usageError(`${file}: 'name' is required`);
    }
    const runtime = doc["runtime"];
    const runtimeName = isRecord(runtime) ? runtime["name"] : runtime;
    if (runtimeName !== "nodejs") {
        throw usageError(`${file}: runtime is '${String(runtimeName)}'; the gate runs Node.js (TypeScript/JavaScript) programs only`);
    }
    const options = isRecord(runtime) && isRecord(runtime["options"]) ? runtime["options"] : {};
    const main = typeof doc["main"] === "string" && doc["main"] !== "" ? doc["main"] : ".";
    return {
        dir,
        name: doc["name"],
        main,
        typescript: options["typescript"] !== false && options["typescript"] !== "false",
    };
}

/** Stacks that have a `Pulumi.<stack>.yaml` next to `Pulumi.yaml`. */
export function listStacks(dir: string): string[] {
    return fs
        .readdirSync(dir)
        .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => m[1] as string)
        .sort();
}

/** `--stack` if given; otherwise the only stack, or `dev` when there are several. */
export function selectStack(dir: string, requested: string | undefined): string {
    const stacks = listStacks(dir);
    if (requested !== undefined) {
        if (!stacks.includes(requested)) {
            throw usageError(
                `no stack named '${requested}' in ${dir} (no Pulumi.${requested}.yaml)` +
                    (stacks.length > 0 ? `; stacks found: ${stacks.join(", ")}` : ""),
            );
        }
        return requested;
    }
    if (stacks.length === 1) {
        return stacks[0] as string;
    }
    if (stacks.includes("dev")) {
        return "dev";
    }
    throw usageError(
        stacks.length === 0
            ? `no stack configuration (Pulumi.<stack>.yaml) in ${dir}`
            : `several stacks in ${dir} (${stacks.join(", ")}) and none is 'dev': choose one with --stack`,
    );
}

function qualify(project: string, key: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

function configString(v: unknown): string {
    return typeof v === "string" ? v : JSON.stringify(v);
}

/** True when `v` contains a `{secure: ...}` leaf anywhere (secure values nested in objects). */
function containsSecure(v: unknown): boolean {
    if (Array.isArray(v)) {
        return v.some(containsSecure);
    }
    if (isRecord(v)) {
        return (Object.keys(v).length === 1 && typeof v["secure"] === "string") || Object.values(v).some(containsSecure);
    }
    return false;
}

/**
 * The stack's configuration as the CLI passes it to the program: project defaults, then the stack file's values;
 * `secure:` values decrypted where the CLI could do it offline (the passphrase provider with its passphrase in the
 * environment, `secrets.ts`), else listed in `secureKeys` without a value.
 */
export function readStack(project: ProjectInfo, stack: string, env: NodeJS.ProcessEnv = process.env): StackInfo {
    const candidates = [`Pulumi.${stack}.yaml`, `Pulumi.${stack}.yml`].map((f) => path.join(project.dir, f));
    const file = candidates.find((f) => fs.existsSync(f));
    if (file === undefined) {
        throw usageError(`no stack named '${stack}' in ${project.dir} (no Pulumi.${stack}.yaml)`);
    }
    const doc = readYaml(file) ?? {};
    if (!isRecord(doc)) {
        throw usageError(`${file}: not a stack configuration file`);
    }
    const config: Record<string, string> = {};
    const secureKeys: string[] = [];
    // Project-level defaults (Pulumi.yaml `config:` with `default:` or plain values), overridden by the stack.
    const projDoc = readYaml(path.join(project.dir, "Pulumi.yaml"));
    const projConfig = isRecord(projDoc) && isRecord(projDoc["config"]) ? projDoc["config"] : {};
    for (const [k, v] of Object.entries(projConfig)) {
        const value = isRecord(v) && ("default" in v || "type" in v) ? v["default"] : isRecord(v) && "value" in v ? v["value"] : v;
        if (value !== undefined) {
            config[qualify(project.name, k)] = configString(value);
        }
    }
    const stackConfig = doc["config"];
    if (stackConfig !== undefined && stackConfig !== null && !isRecord(stackConfig)) {
        throw new GateError(`${file}: 'config' must be a map`, "config");
    }
    const entries = Object.entries(stackConfig ?? {});
    const access = entries.some(([, v]) => containsSecure(v)) ? secretsAccess(file, doc, passphraseFromEnv(env, project.dir)) : undefined;
    const secretKeys: string[] = [];
    for (const [k, v] of entries) {
        const key = qualify(project.name, k);
        if (!containsSecure(v)) {
            config[key] = configString(v);
        } else if (access?.kind === "passphrase") {
            secretKeys.push(key);
            config[key] = configString(decryptValue(v, access.decrypt));
        } else {
            secureKeys.push(key);
            delete config[key];
        }
    }
    return {
        name: stack,
        file,
        config,
        secureKeys: secureKeys.sort(),
        secretKeys: secretKeys.sort(),
        ...(access?.kind === "unavailable" ? { secretsNote: access.reason } : {}),
    };
}

/**
 * Pulumi.yaml `plugins.providers`: provider plugins the project loads from a directory (relative to the project),
 * which take precedence over installed ones, as the engine's project plugins do.
 */
export function readProjectPlugins(dir: string): ProjectPlugin[] {
    const file = path.join(dir, "Pulumi.yaml");
    const doc = readYaml(file);
    const plugins = isRecord(doc) && isRecord(doc["plugins"]) ? doc["plugins"]["providers"] : undefined;
    if (plugins === undefined || plugins === null) return [];
    if (!Array.isArray(plugins)) throw usageError(`${file}: plugins.providers must be a list`);
    return plugins.map((p: unknown, i) => {
        if (!isRecord(p) || typeof p["name"] !== "string" || p["name"] === "") throw usageError(`${file}: plugins.providers[${i}]: name must not be empty`);
        if (typeof p["path"] !== "string" || p["path"] === "") throw usageError(`${file}: plugins.providers[${i}] (${p["name"]}): path is required`);
        const full = path.resolve(dir, p["path"]);
        if (!fs.existsSync(full) || !fs.statSync(full).isDirectory()) throw usageError(`${file}: plugins.providers[${i}] (${p["name"]}): no folder at path '${full}'`);
        return { name: p["name"], path: full, ...(typeof p["version"] === "string" && p["version"] !== "" ? { version: p["version"] } : {}) };
    });
}

/** Pulumi.yaml `runtime.options` as strings (the engine gives them to provider plugins as PULUMI_RUNTIME_<NAME>). */
export function readRuntimeOptions(dir: string): Record<string, string> {
    const doc = readYaml(path.join(dir, "Pulumi.yaml"));
    const runtime = isRecord(doc) ? doc["runtime"] : undefined;
    const options = isRecord(runtime) && isRecord(runtime["options"]) ? runtime["options"] : {};
    return Object.fromEntries(Object.entries(options).map(([k, v]) => [k, typeof v === "string" ? v : String(v)]));
}
