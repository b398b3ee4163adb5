/**
 * Default providers as the engine makes them (pulumi/pulumi pkg/resource/deploy/default_providers.go and
 * providers/provider.go, in our words). A registration of a custom resource or a remote component, a read, or an
 * invoke that names no provider (none given, none inherited from its parent, none in its or its parent
 * component's `providers`) gets the package's default provider, which the engine registers first, once per
 * package, version and download URL, as a resource of its own:
 * - type `pulumi:providers:<pkg>`, name `default`, then `_<major>_<minor>_<patch>` of the requested version, a
 *   `_<part>` per prerelease and per build part, then `_<download URL as a QName>`;
 * - no parent (its URN is `urn:pulumi:<stack>::<project>::pulumi:providers:<pkg>::<name>`), no dependencies,
 *   no options;
 * - inputs: the stack's config of the package (`<pkg>:<key>`, under `<key>`; every key, namespaced, for the
 *   dynamic providers `pulumi-nodejs` and `pulumi-python`), secure values as secrets, plus `version` (the
 *   requested version) and `__internal` (the download URL, checksums; analyzers never see keys starting with
 *   `__`);
 * - a version the request does not name is the one the language host reports for the package's plugin;
 * - `pulumi:disable-default-providers` (a JSON list of package names, `*` for all; never `pulumi`) denies them:
 *   the registration fails with `Default provider for '<pkg>' disabled. '<urn>' must use an explicit provider.`
 */
import type { Json } from "./types";

export interface StrictSemver {
    readonly major: number;
    readonly minor: number;
    readonly patch: number;
    readonly pre: readonly string[];
    readonly build: readonly string[];
}

const NUM = /^(0|[1-9][0-9]*)$/;
const IDENT = /^[0-9A-Za-z-]+$/;

/** A version as the engine parses a registration's (blang/semver `Parse`: strict, no `v` prefix). */
export function parseStrictSemver(s: string): StrictSemver | undefined {
    const m = /^([^.+-]+)\.([^.+-]+)\.([^.+-]+)(?:-([^+]*))?(?:\+(.*))?$/.exec(s);
    if (m === null) return undefined;
    const [major, minor, patch] = [m[1], m[2], m[3]] as [string, string, string];
    if (![major, minor, patch].every((p) => NUM.test(p))) return undefined;
    const pre = m[4] === undefined ? [] : m[4].split(".");
    if (pre.some((p) => p === "" || !IDENT.test(p) || (/^[0-9]+$/.test(p) && !NUM.test(p)))) return undefined;
    const build = m[5] === undefined ? [] : m[5].split(".");
    if (build.some((b) => b === "" || !IDENT.test(b))) return undefined;
    return { major: Number(major), minor: Number(minor), patch: Number(patch), pre, build };
}

/** A string as a QName (tokens.IntoQName): each `/`-separated part kept, any byte outside [A-Za-z0-9_.-] as `_`. */
export function intoQName(s: string): string {
    const parts = s
        .split("/")
        .filter((p) => p !== "")
        .map((p) =>
            [...Buffer.from(p, "utf8")]
                .map((b) => {
                    const c = String.fromCharCode(b);
                    return /[A-Za-z0-9_.-]/.test(c) ? c : "_";
                })
                .join(""),
        );
    const q = parts.join("/");
    return q === "" ? "_" : q;
}

/** The default provider's name for a version ("" for none) and download URL ("" for none). */
export function defaultProviderName(version: string, downloadUrl: string): string {
    let name = "default";
    const v = version === "" ? undefined : parseStrictSemver(version);
    if (v !== undefined) {
        name += `_${v.major}_${v.minor}_${v.patch}`;
        for (const p of v.pre) name += `_${p}`;
        for (const b of v.build) name += `_${b}`;
    }
    const url = downloadUrl.replace(/\/$/, "");
    if (url !== "") name += `_${intoQName(url)}`;
    return name;
}

/** The packages whose default providers are disabled (`pulumi:disable-default-providers`), or an error message. */
export function disabledDefaultProviders(config: Readonly<Record<string, string>>): { readonly packages: readonly string[] } | { readonly error: string } {
    const value = config["pulumi:disable-default-providers"];
    if (value === undefined || value === "") return { packages: [] };
    let list: unknown;
    try {
        list = JSON.parse(value);
    } catch (e) {
        return { error: `Failed to parse ${value}: ${(e as Error).message}` };
    }
    if (!Array.isArray(list)) return { error: `Failed to parse ${value}: not a list` };
    const packages: string[] = [];
    for (const [i, v] of list.entries()) {
        if (typeof v !== "string") return { error: `pulumi:disable-default-providers[${i}] must be a string` };
        packages.push(v.trim());
    }
    return { packages };
}

/** Whether the default provider of `pkg` is denied (the `pulumi` package's never is). */
export function isDenied(pkg: string, disabled: readonly string[]): boolean {
    return pkg !== "pulumi" && disabled.some((d) => d === "*" || d === pkg);
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Packages whose default provider gets every config key, namespaced (the dynamic providers). */
const DYNAMIC = new Set(["pulumi-nodejs", "pulumi-python"]);

/**
 * A default provider's inputs in wire form: the package's config (a `secure:` value the gate decrypted, listed
 * in `secretKeys`, as a secret with its value; one it could not decrypt, listed in `secureKeys`, as a secret
 * whose value is unknown), `version`, and `__internal` with the download URL.
 */
export function defaultProviderInputs(
    pkg: string,
    config: Readonly<Record<string, string>>,
    secureKeys: readonly string[],
    version: string,
    downloadUrl: string,
    secretKeys: readonly string[] = [],
): Record<string, Json> {
    const inputs: Record<string, Json> = {};
    const key = (k: string): string | undefined => (DYNAMIC.has(pkg) ? k : k.startsWith(`${pkg}:`) ? k.slice(pkg.length + 1) : undefined);
    for (const [k, v] of Object.entries(config)) {
        const name = key(k);
        if (name !== undefined) inputs[name] = v;
    }
    for (const k of secretKeys) {
        const name = key(k);
        const v = config[k];
        if (name !== undefined && v !== undefined) inputs[name] = { [SECRET_SIG]: SECRET, value: v };
    }
    for (const k of secureKeys) {
        const name = key(k);
        if (name !== undefined) inputs[name] = { [SECRET_SIG]: SECRET, value: UNKNOWN };
    }
    const internal: Record<string, Json> = {};
    const url = downloadUrl.replace(/\/$/, "");
    if (url !== "") internal["pluginDownloadURL"] = url;
    if (version !== "" || url !== "") inputs["__internal"] = internal;
    if (version !== "") inputs["version"] = version;
    return inputs;
}
