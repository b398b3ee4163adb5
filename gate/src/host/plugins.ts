/**
 * Finding a package's resource (provider) plugin the way the Pulumi engine does (pulumi/pulumi
 * `sdk/go/common/workspace/plugins.go`, `getPluginInfoAndPath`), without installing anything:
 *
 * 1. a plugin the project names in Pulumi.yaml `plugins.providers` (by path; a version, when both sides give
 *    one, must be equal);
 * 2. unless PULUMI_IGNORE_AMBIENT_PLUGINS is true: an executable `pulumi-resource-<name>` on $PATH;
 * 3. the plugin cache, `$PULUMI_HOME/plugins` (default `~/.pulumi/plugins`), as `pulumi plugin ls` lists it:
 *    directories `resource-<name>-v<version>` (tolerant semver), skipping those with a `<dir>.partial` file
 *    (an install that did not finish) and `.tmp<digits>` directories (an install in progress); `.lock` and
 *    `.lastused` files are not plugins. Of those:
 *    - a requested prerelease version: the plugin with exactly that version;
 *    - a requested version: the plugin with exactly that version (semver equality, build metadata ignored);
 *    - no version, or PULUMI_ENABLE_LEGACY_PLUGIN_SEARCH set: the newest at least the requested version,
 *      preferring releases over prereleases.
 *    The executable is `<dir>/pulumi-resource-<name>` (`.exe`, `.cmd` on Windows); a directory without it but
 *    with a `PulumiPlugin.yaml` is a plugin run through its language runtime (the gate runs `nodejs` ones).
 *
 * Where the engine would then download a missing version, the gate reports the component as not analyzed.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { ProjectPlugin } from "../shared/types";

/** A tolerant semantic version (as blang/semver's ParseTolerant reads plugin directory names). */
export interface SemVer {
    readonly major: number;
    readonly minor: number;
    readonly patch: number;
    readonly pre: readonly (string | number)[];
    readonly text: string;
}

const IDENT = /^[0-9A-Za-z-]+$/;

/** Parses a version as blang/semver's ParseTolerant: optional "v", leading zeros dropped, missing parts 0. */
export function parseVersion(s: string): SemVer | undefined {
    const text = s.trim().replace(/^v/, "");
    const parts = text.split(".");
    const split = parts.length > 3 ? [...parts.slice(0, 2), parts.slice(2).join(".")] : parts;
    const fixed = split.map((p) => {
        if (p.length <= 1) return p;
        const t = p.replace(/^0+/, "");
        return t === "" || !/^[0-9]/.test(t) ? "0" + t : t;
    });
    if (fixed.length < 3) {
        if (/[+-]/.test(fixed[fixed.length - 1] ?? "")) return undefined;
        while (fixed.length < 3) fixed.push("0");
    }
    const m = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$/.exec(fixed.join("."));
    if (m === null) return undefined;
    const pre = m[4] === undefined ? [] : m[4].split(".");
    const build = m[5] === undefined ? [] : m[5].split(".");
    if (pre.some((p) => p === "" || !IDENT.test(p) || /^0\d+$/.test(p)) || build.some((b) => b === "")) return undefined;
    return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: pre.map((p) => (/^\d+$/.test(p) ? Number(p) : p)), text };
}

/** Semver precedence (build metadata ignored): negative, 0 or positive. */
export function compareVersions(a: SemVer, b: SemVer): number {
    const d = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
    if (d !== 0) return d;
    if (a.pre.length === 0 || b.pre.length === 0) return (a.pre.length === 0 ? 1 : 0) - (b.pre.length === 0 ? 1 : 0);
    for (let i = 0; i < Math.max(a.pre.length, b.pre.length); i++) {
        const x = a.pre[i];
        const y = b.pre[i];
        if (x === undefined) return -1;
        if (y === undefined) return 1;
        if (x === y) continue;
        if (typeof x === "number" && typeof y === "number") return x - y;
        if (typeof x === "number") return -1;
        if (typeof y === "number") return 1;
        return x < y ? -1 : 1;
    }
    return 0;
}

/** An installed plugin of the cache. */
export interface InstalledPlugin {
    readonly kind: string;
    readonly name: string;
    readonly version: SemVer;
    /** The plugin's directory. */
    readonly dir: string;
}

const KINDS = new Set(["analyzer", "language", "resource", "converter", "tool"]);
const PLUGIN_DIR = /^([a-z]+)-([a-zA-Z0-9-][a-zA-Z0-9-_.]*[a-zA-Z0-9])-v(.*)$/;

/** `$PULUMI_HOME/plugins`, default `~/.pulumi/plugins`. */
export function pluginCacheDir(env: NodeJS.ProcessEnv = process.env): string {
    const home = env["PULUMI_HOME"];
    return path.join(home !== undefined && home !== "" ? home : path.join(os.homedir(), ".pulumi"), "plugins");
}

/** The plugins `pulumi plugin ls` lists from `dir` (complete installs only). */
export function listInstalledPlugins(dir: string): InstalledPlugin[] {
    let entries: fs.Dirent[];
    try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw e;
    }
    const out: InstalledPlugin[] = [];
    for (const e of entries) {
        if (!e.isDirectory() || /\.tmp[0-9]+$/.test(e.name)) continue;
        const m = PLUGIN_DIR.exec(e.name);
        if (m === null || !KINDS.has(m[1] as string)) continue;
        const version = parseVersion(m[3] as string);
        if (version === undefined) continue;
        const full = path.join(dir, e.name);
        if (fs.existsSync(`${full}.partial`)) continue;
        out.push({ kind: m[1] as string, name: m[2] as string, version, dir: full });
    }
    return out;
}

/** The cache entry the engine selects for (kind, name, version); see the module comment. */
export function selectPlugin(plugins: readonly InstalledPlugin[], kind: string, name: string, requested: SemVer | undefined, legacy: boolean): InstalledPlugin | undefined {
    const candidates = plugins.filter((p) => p.kind === kind && p.name === name);
    if (requested !== undefined && !legacy) {
        if (requested.pre.length > 0) return candidates.find((p) => compareVersions(p.version, requested) === 0);
        // Ascending order, ties by text: the last equal one wins.
        const sorted = [...candidates].sort((a, b) => compareVersions(a.version, b.version) || (a.version.text < b.version.text ? -1 : a.version.text > b.version.text ? 1 : 0));
        let best: InstalledPlugin | undefined;
        for (const p of sorted) if (compareVersions(p.version, requested) === 0) best = p;
        return best;
    }
    let match: InstalledPlugin | undefined;
    for (const p of candidates) {
        if (requested !== undefined && compareVersions(p.version, requested) < 0) continue;
        if (match === undefined) {
            match = p;
            continue;
        }
        const matchPre = match.version.pre.length > 0;
        const pPre = p.version.pre.length > 0;
        if (matchPre && !pPre) match = p;
        else if (!matchPre && pPre) continue;
        else if (compareVersions(p.version, match.version) > 0) match = p;
    }
    return match;
}

function candidateExtensions(): string[] {
    return process.platform === "win32" ? [".exe", ".cmd"] : [""];
}

/** `<dir>/pulumi-resource-<name>` with the first extension that exists (else the first). */
function executableIn(dir: string, name: string): string {
    const base = path.join(dir, `pulumi-resource-${name}`);
    for (const ext of candidateExtensions()) if (fs.existsSync(base + ext)) return base + ext;
    return base + (candidateExtensions()[0] as string);
}

function onPath(file: string, env: NodeJS.ProcessEnv): string | undefined {
    for (const dir of (env["PATH"] ?? "").split(path.delimiter)) {
        if (dir === "") continue;
        for (const ext of candidateExtensions()) {
            const p = path.join(dir, file + ext);
            try {
                const st = fs.statSync(p);
                if (st.isFile() && (process.platform === "win32" || (st.mode & 0o111) !== 0)) return p;
            } catch {
                // not here
            }
        }
    }
    return undefined;
}

function truthy(v: string | undefined): boolean {
    return v === "1" || v?.toLowerCase() === "true";
}

export type PluginSource = "project" | "path" | "cache";

/** Where a plugin was found and how to run it. */
export interface FoundPlugin {
    readonly name: string;
    /** The version of the directory it was found in ("" for a plugin on $PATH, or a project plugin without one). */
    readonly version: string;
    readonly source: PluginSource;
    /** The plugin's directory. */
    readonly dir: string;
    /** How to start it: the executable, or a `PulumiPlugin.yaml` plugin run by its language runtime. */
    readonly run: { readonly kind: "executable"; readonly path: string } | { readonly kind: "runtime"; readonly runtime: string; readonly options: Record<string, unknown> };
}

export type PluginLookup = { readonly found: FoundPlugin } | { readonly found?: undefined; readonly reason: string };

/** Reads `PulumiPlugin.yaml`'s runtime (name and options), undefined when the file is absent. */
function pluginRuntime(dir: string): { runtime: string; options: Record<string, unknown> } | undefined {
    for (const f of ["PulumiPlugin.yaml", "PulumiPlugin.yml"]) {
        const file = path.join(dir, f);
        if (!fs.existsSync(file)) continue;
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { parse } = require("yaml") as typeof import("yaml");
        const doc = parse(fs.readFileSync(file, "utf8")) as { runtime?: string | { name?: string; options?: Record<string, unknown> } } | null;
        const rt = doc?.runtime;
        if (typeof rt === "string") return { runtime: rt, options: {} };
        return { runtime: rt?.name ?? "", options: rt?.options ?? {} };
    }
    return undefined;
}

function runOf(dir: string, exe: string): FoundPlugin["run"] | undefined {
    if (fs.existsSync(exe) && !fs.statSync(exe).isDirectory()) return { kind: "executable", path: exe };
    const rt = pluginRuntime(dir);
    return rt === undefined ? undefined : { kind: "runtime", ...rt };
}

/** Finds the resource plugin for package `name` at `version` ("" for any); see the module comment. */
export function findResourcePlugin(name: string, version: string, projectPlugins: readonly ProjectPlugin[], env: NodeJS.ProcessEnv = process.env): PluginLookup {
    const requested = version === "" ? undefined : parseVersion(version);
    for (const p of projectPlugins) {
        if (p.name !== name) continue;
        if (p.version !== undefined && requested !== undefined) {
            const pv = parseVersion(p.version);
            if (pv === undefined || compareVersions(pv, requested) !== 0) continue;
        }
        const run = runOf(p.path, executableIn(p.path, name));
        if (run === undefined) return { reason: `the project's plugin ${p.path} (Pulumi.yaml plugins.providers) has no pulumi-resource-${name} and no PulumiPlugin.yaml` };
        return { found: { name, version: p.version ?? "", source: "project", dir: p.path, run } };
    }
    if (!truthy(env["PULUMI_IGNORE_AMBIENT_PLUGINS"])) {
        const exe = onPath(`pulumi-resource-${name}`, env);
        if (exe !== undefined) return { found: { name, version: "", source: "path", dir: path.dirname(exe), run: { kind: "executable", path: exe } } };
    }
    const cache = pluginCacheDir(env);
    const installed = listInstalledPlugins(cache);
    const legacy = env["PULUMI_ENABLE_LEGACY_PLUGIN_SEARCH"] !== undefined && env["PULUMI_ENABLE_LEGACY_PLUGIN_SEARCH"] !== "";
    const match = selectPlugin(installed, "resource", name, requested, legacy);
    if (match === undefined) {
        const others = installed.filter((p) => p.kind === "resource" && p.name === name).map((p) => p.version.text);
        const wanted = version === "" ? "" : ` ${version}`;
        const have = others.length > 0 ? `; installed: ${others.join(", ")} (the engine runs the exact version the program asks for and would download it)` : "";
        return { reason: `the resource plugin ${name}${wanted} is not installed (not in ${cache}${have}); \`pulumi plugin install resource ${name}${wanted}\` installs it` };
    }
    const run = runOf(match.dir, executableIn(match.dir, name));
    if (run === undefined) return { reason: `the plugin directory ${match.dir} has no pulumi-resource-${name} and no PulumiPlugin.yaml` };
    return { found: { name, version: match.version.text, source: "cache", dir: match.dir, run } };
}

/**
 * The plugin version the program's dependencies declare for package `name`, which the engine uses for a default
 * provider when the registration names no version: the Node.js language host reports every package under the
 * program's node_modules whose package.json has `pulumi.resource: true` (plugin name `pulumi.name`, else the
 * `@pulumi/` package's own name; version `pulumi.version`, else the package's). The gate reads the top level of
 * `<program>/node_modules` (the host walks nested node_modules too); the highest version wins. "" when none.
 */
export function declaredPluginVersion(programDir: string, name: string): string {
    const root = path.join(programDir, "node_modules");
    const dirs: string[] = [];
    try {
        for (const e of fs.readdirSync(root, { withFileTypes: true })) {
            if (!e.isDirectory() && !e.isSymbolicLink()) continue;
            if (e.name.startsWith("@")) {
                for (const s of fs.readdirSync(path.join(root, e.name))) dirs.push(path.join(root, e.name, s));
            } else dirs.push(path.join(root, e.name));
        }
    } catch {
        return "";
    }
    let best: SemVer | undefined;
    for (const d of dirs) {
        let pkg: { name?: string; version?: string; pulumi?: { resource?: boolean; name?: string; version?: string } };
        try {
            pkg = JSON.parse(fs.readFileSync(path.join(d, "package.json"), "utf8")) as typeof pkg;
        } catch {
            continue;
        }
        if (pkg.pulumi?.resource !== true) continue;
        const plugin = pkg.pulumi.name ?? (pkg.name?.startsWith("@pulumi/") === true ? pkg.name.slice("@pulumi/".length) : undefined);
        if (plugin !== name) continue;
        const v = parseVersion(pkg.pulumi.version ?? pkg.version ?? "");
        if (v !== undefined && (best === undefined || compareVersions(v, best) > 0)) best = v;
    }
    return best?.text ?? "";
}
