/**
 * The engine's side of a registration, written for the differential tests apart from the gate's code (which
 * takes a shortcut from the wire form straight to what analyzers see): the two steps the engine takes, modelled
 * on its Go types (pulumi/pulumi pkg/resource/plugin/rpc.go):
 * 1. the resource monitor unmarshals the request into property values (KeepUnknowns, KeepSecrets, KeepResources,
 *    KeepOutputValues, UpgradeToOutputValues, ComputeAssetHashes) — or, for registered outputs, without the
 *    output values (KeepUnknowns, KeepSecrets, KeepResources, ComputeAssetHashes);
 * 2. the analyzer plugin marshals them (KeepUnknowns, KeepSecrets, SkipInternalKeys).
 * Also: URNs, the engine's duration strings, and parent inheritance of unset options.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

export type Wire = null | boolean | number | string | Wire[] | { [k: string]: Wire };

const SIG = "4dabf18193072939515e22adb298388d";
const SIGS = {
    asset: "c44067f5952c0a294b673a41bacd8c17",
    archive: "0def7320c3a5731c473e5ecbe6d01bc7",
    secret: "1b47061264138c4ac30d75fd1eb44270",
    resource: "5cf8f73096256a8f31e491e813e4eb8e",
    output: "d0e6a833031e9bbcd3f4e8bde6ca49a4",
};
const UNKNOWN: Record<string, string> = {
    bool: "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    number: "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    string: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    array: "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    asset: "030794c1-ac77-496b-92df-f27374a8bd58",
    archive: "e48ece36-62e2-4504-bad9-02848725956a",
    object: "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
};
const UNKNOWN_KIND = new Map(Object.entries(UNKNOWN).map(([k, v]) => [v, k]));

interface AssetV {
    hash: string;
    text: string;
    path: string;
    uri: string;
}
interface ArchiveV {
    hash: string;
    assets?: Map<string, PV>;
    path: string;
    uri: string;
}

/** The engine's property values. */
export type PV =
    | { k: "null" }
    | { k: "bool"; v: boolean }
    | { k: "number"; v: number }
    | { k: "string"; v: string }
    | { k: "array"; v: PV[] }
    | { k: "object"; v: Map<string, PV> }
    | { k: "asset"; v: AssetV }
    | { k: "archive"; v: ArchiveV }
    | { k: "secret"; v: PV }
    | { k: "computed"; elem: PV }
    | { k: "output"; known: boolean; secret: boolean; elem: PV }
    | { k: "ref"; urn: string; id: PV | undefined };

const zero = (kind: string): PV =>
    kind === "bool" ? { k: "bool", v: false } : kind === "number" ? { k: "number", v: 0 } : kind === "array" ? { k: "array", v: [] } : kind === "object" ? { k: "object", v: new Map() } : { k: "string", v: "" };

export interface UnmarshalOptions {
    /** KeepOutputValues + UpgradeToOutputValues (a registration) or neither (registered outputs). */
    readonly upgrade: boolean;
    /** Where relative asset paths are read from. */
    readonly wd: string;
    /** Mock URN -> engine URN, for references. */
    readonly urn: (mockUrn: string) => string;
    /** Plain strings the mock monitor answered (URNs of its own making, as outputs carry them) -> engine terms. */
    readonly string?: (s: string) => string;
}

function sha256(b: Buffer | string): string {
    return createHash("sha256").update(b).digest("hex");
}

function readAt(wd: string, p: string): Buffer {
    return fs.readFileSync(path.isAbsolute(p) ? p : path.join(wd, p));
}

/** The resource monitor's unmarshalling of one wire value. */
export function unmarshal(w: Wire, o: UnmarshalOptions): PV {
    if (w === null) return { k: "null" };
    if (typeof w === "boolean") return { k: "bool", v: w };
    if (typeof w === "number") return { k: "number", v: w };
    if (typeof w === "string") {
        const kind = UNKNOWN_KIND.get(w);
        if (kind === undefined) return { k: "string", v: o.string?.(w) ?? w };
        return o.upgrade ? { k: "output", known: false, secret: false, elem: zero(kind) } : { k: "computed", elem: zero(kind) };
    }
    if (Array.isArray(w)) return { k: "array", v: w.map((x) => unmarshal(x, o)) };
    const obj = new Map<string, PV>(Object.entries(w).map(([key, x]) => [key, unmarshal(x, o)]));
    const sig = w[SIG];
    if (sig === undefined) return { k: "object", v: obj };
    const str = (key: string): string => {
        const x = obj.get(key);
        return x !== undefined && x.k === "string" ? x.v : "";
    };
    switch (sig) {
        case SIGS.asset: {
            const a: AssetV = { hash: str("hash"), text: str("text"), path: str("path"), uri: str("uri") };
            if (a.hash === "") {
                if (a.path !== "") a.hash = sha256(readAt(o.wd, a.path));
                else if (a.uri.startsWith("file://")) a.hash = sha256(fs.readFileSync(new URL(a.uri)));
                else if (a.uri === "") a.hash = sha256(a.text);
            }
            return { k: "asset", v: a };
        }
        case SIGS.archive: {
            const a: ArchiveV = { hash: str("hash"), path: "", uri: "" };
            if (str("path") !== "") a.path = str("path");
            else if (str("uri") !== "") a.uri = str("uri");
            else {
                const assets = obj.get("assets");
                a.assets = assets !== undefined && assets.k === "object" ? assets.v : new Map();
            }
            // Only archive files are hashed here (the engine hashes the rest from a tar stream; not modelled).
            const file = a.path !== "" ? a.path : "";
            if (a.hash === "" && file !== "" && [".tar", ".tgz", ".tar.gz", ".zip", ".jar"].some((e) => file.endsWith(e))) a.hash = sha256(readAt(o.wd, file));
            return { k: "archive", v: a };
        }
        case SIGS.secret: {
            const v = obj.get("value") ?? { k: "null" };
            return o.upgrade ? { k: "output", known: true, secret: true, elem: v } : { k: "secret", v };
        }
        case SIGS.resource: {
            let id: PV | undefined;
            const idv = obj.get("id");
            if (idv !== undefined) {
                let s = "";
                if (idv.k === "string") s = idv.v;
                else if (idv.k === "output" && idv.known && idv.elem.k === "string") s = idv.elem.v;
                id = s === "" ? { k: "computed", elem: { k: "string", v: "" } } : { k: "string", v: s };
            }
            return { k: "ref", urn: o.urn(typeof w["urn"] === "string" ? w["urn"] : ""), id };
        }
        case SIGS.output: {
            const value = obj.get("value");
            const secret = obj.get("secret");
            return { k: "output", known: value !== undefined, secret: secret !== undefined && secret.k === "bool" && secret.v, elem: value ?? zero("string") };
        }
        default:
            throw new Error(`unrecognized signature '${String(sig)}'`);
    }
}

function unknownSentinel(elem: PV): Wire {
    switch (elem.k) {
        case "bool":
        case "number":
        case "string":
        case "array":
        case "object":
        case "asset":
        case "archive":
            return UNKNOWN[elem.k] as string;
        case "computed":
            return unknownSentinel(elem.elem);
        case "output":
            return unknownSentinel(elem.elem);
        default:
            return null;
    }
}

/** The analyzer plugin's marshalling of one property value. */
export function marshal(v: PV): Wire {
    switch (v.k) {
        case "null":
            return null;
        case "bool":
        case "number":
        case "string":
            return v.v;
        case "array":
            return v.v.map(marshal);
        case "object":
            return Object.fromEntries([...v.v].map(([key, x]) => [key, marshal(x)]));
        case "asset": {
            const out: { [k: string]: Wire } = { [SIG]: SIGS.asset };
            for (const f of ["hash", "text", "path", "uri"] as const) if (v.v[f] !== "") out[f] = v.v[f];
            return out;
        }
        case "archive": {
            const out: { [k: string]: Wire } = { [SIG]: SIGS.archive };
            if (v.v.hash !== "") out["hash"] = v.v.hash;
            if (v.v.assets !== undefined) out["assets"] = Object.fromEntries([...v.v.assets].map(([key, x]) => [key, marshal(x)]));
            if (v.v.path !== "") out["path"] = v.v.path;
            if (v.v.uri !== "") out["uri"] = v.v.uri;
            return out;
        }
        case "secret":
            return { [SIG]: SIGS.secret, value: marshal(v.v) };
        case "computed":
            return unknownSentinel(v.elem);
        case "output": {
            let result: PV = v.known ? v.elem : { k: "computed", elem: { k: "string", v: "" } };
            if (v.secret) result = { k: "secret", v: result };
            return marshal(result);
        }
        case "ref":
            return v.id !== undefined ? marshal(v.id) : v.urn;
    }
}

/** What an analyzer receives for a property map (top-level `__` keys skipped). */
export function analyzerView(props: { [k: string]: Wire }, o: UnmarshalOptions): { [k: string]: Wire } {
    const out: { [k: string]: Wire } = {};
    for (const [key, w] of Object.entries(props)) {
        if (key.startsWith("__")) continue;
        out[key] = marshal(unmarshal(w, o));
    }
    return out;
}

/** The engine's URN of a resource, from its parent's engine URN. */
export function engineUrn(stack: string, project: string, parentUrn: string, type: string, name: string): string {
    let qualified = type;
    if (parentUrn !== "") {
        const parentType = parentUrn.split("::")[2] as string;
        if (parentType !== "pulumi:pulumi:Stack") qualified = `${parentType}$${type}`;
    }
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** Go's time.ParseDuration, in seconds (the units the engine accepts in custom timeouts). */
export function goDurationSeconds(s: string): number {
    const units: Record<string, number> = { ns: 1e-9, us: 1e-6, "µs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
    let rest = s;
    let total = 0;
    while (rest !== "") {
        const m = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/.exec(rest);
        if (m === null) throw new Error(`time: invalid duration "${s}"`);
        total += Number(m[1]) * (units[m[2] as string] as number);
        rest = rest.slice(m[0].length);
    }
    return total;
}

/** A request the engine's monitor received that may need a default provider. */
export interface ProviderRequest {
    readonly seq: number;
    readonly pkg: string;
    readonly version: string;
    readonly pluginDownloadURL: string;
}

/** A default provider as the engine registers it. */
export interface EngineDefaultProvider {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** Its goal's properties (wire form). */
    readonly inputs: { [k: string]: Wire };
    /** The first request that needed it. */
    readonly firstUse: number;
}

/**
 * The engine's default providers (pkg/resource/deploy/default_providers.go, providers/provider.go) for the
 * requests that name no provider, taken in the order the monitor received them: one per package, version and
 * download URL, registered before the first request that needs it, named `default` plus
 * `_<major>_<minor>_<patch>`, `_<prerelease part>`... `_<build part>`... and `_<URL as a QName>`, its goal's
 * properties the package's stack config, `version` and `__internal`.
 */
export function engineDefaultProviders(requests: readonly ProviderRequest[], config: Record<string, string>, stack: string, project: string): EngineDefaultProvider[] {
    const out = new Map<string, EngineDefaultProvider>();
    for (const r of [...requests].sort((a, b) => a.seq - b.seq)) {
        const url = r.pluginDownloadURL.replace(/\/$/, "");
        const key = `${r.pkg}-${r.version}-${url}`;
        if (out.has(key)) continue;
        let name = "default";
        if (r.version !== "") {
            const [core, build] = r.version.split("+", 2) as [string, string | undefined];
            const dash = core.indexOf("-");
            const [major, minor, patch] = (dash < 0 ? core : core.slice(0, dash)).split(".");
            name += `_${major}_${minor}_${patch}`;
            if (dash >= 0) for (const p of core.slice(dash + 1).split(".")) name += `_${p}`;
            if (build !== undefined) for (const b of build.split(".")) name += `_${b}`;
        }
        if (url !== "") name += `_${url.split("/").filter((x) => x !== "").map((x) => x.replace(/[^A-Za-z0-9_.-]/g, "_")).join("/")}`;
        const inputs: { [k: string]: Wire } = {};
        for (const [k, v] of Object.entries(config)) if (k.split(":")[0] === r.pkg) inputs[k.slice(r.pkg.length + 1)] = v;
        if (r.version !== "" || url !== "") inputs["__internal"] = url !== "" ? { pluginDownloadURL: url } : {};
        if (r.version !== "") inputs["version"] = r.version;
        const type = `pulumi:providers:${r.pkg}`;
        out.set(key, { urn: `urn:pulumi:${stack}::${project}::${type}::${name}`, type, name, inputs, firstUse: r.seq });
    }
    return [...out.values()];
}
