/**
 * Resource properties as the engine hands them to an analyzer (Analyze, AnalyzeStack, and a provider's
 * properties in both), derived from what the program sent to the resource monitor.
 *
 * What the engine does (pulumi/pulumi, pkg/resource: the resource monitor's RegisterResource unmarshals the
 * request with KeepUnknowns, KeepSecrets, KeepResources, KeepOutputValues and UpgradeToOutputValues; the analyzer
 * plugin then marshals with KeepUnknowns, KeepSecrets and SkipInternalKeys, and neither KeepResources nor
 * KeepOutputValues), in our words:
 * - a resource reference becomes a plain string: a custom resource's ID, or the unknown string while its ID is
 *   not known (always during a preview of a create); a component (a reference without `id`) its URN. The
 *   reference's name, type and package version are dropped;
 * - every unknown becomes the unknown *string* sentinel, whatever its type (the monitor upgrades unknowns to
 *   output values, and an unknown output value is marshalled as an unknown string);
 * - an output value becomes its value, or the unknown string when it is not known; a secret output value is
 *   wrapped as a secret;
 * - secrets stay secrets (`{sig: secret, value}`), with their value marshalled by the same rules;
 * - an asset or archive is re-serialized from its known fields only: the signature, `hash` when it has one,
 *   and `text`/`path`/`uri` (assets) or `assets`/`path`/`uri` (archives) when not empty; the SDK's own marker
 *   keys (`__pulumiAsset`, `__pulumiArchive`) do not survive;
 * - nulls are kept; top-level keys that start with `__` are dropped (only at the top level).
 */
import type { Json } from "./types";

export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
export const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
export const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
export const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";

/** The engine's unknown sentinels; the string one is what analyzers receive for every unknown. */
export const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // bool
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
    UNKNOWN_STRING,
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
    "030794c1-ac77-496b-92df-f27374a8bd58", // asset
    "e48ece36-62e2-4504-bad9-02848725956a", // archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

type JsonObject = { [key: string]: Json };

function isObject(v: Json): v is JsonObject {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isUnknown(v: Json | undefined): boolean {
    return typeof v === "string" && UNKNOWN_SENTINELS.has(v);
}

function secret(value: Json): Json {
    return { [SIG_KEY]: SECRET_SIG, value };
}

/** A resource reference's ID as a string, or undefined when it is not known. */
function referenceId(id: Json): string | undefined {
    if (isObject(id) && id[SIG_KEY] === SECRET_SIG) return referenceId(id["value"] ?? null);
    if (isObject(id) && id[SIG_KEY] === OUTPUT_SIG) return "value" in id ? referenceId(id["value"] as Json) : undefined;
    if (typeof id !== "string" || id === "" || isUnknown(id)) return undefined;
    return id;
}

function assetOrArchive(v: JsonObject, archive: boolean): JsonObject {
    const out: JsonObject = { [SIG_KEY]: v[SIG_KEY] as string };
    if (typeof v["hash"] === "string" && v["hash"] !== "") out["hash"] = v["hash"];
    const text = (f: string): string | undefined => (typeof v[f] === "string" && v[f] !== "" ? (v[f] as string) : undefined);
    if (!archive) {
        for (const f of ["text", "path", "uri"]) if (text(f) !== undefined) out[f] = text(f) as string;
        return out;
    }
    // An archive is one of: a path, else a URI, else a map of assets (the engine reads them in that order).
    if (text("path") !== undefined) out["path"] = text("path") as string;
    else if (text("uri") !== undefined) out["uri"] = text("uri") as string;
    else if (isObject(v["assets"] ?? null)) {
        out["assets"] = Object.fromEntries(Object.entries(v["assets"] as JsonObject).map(([k, a]) => [k, analyzerValue(a)]));
    }
    return out;
}

/** One property value, marshalled for an analyzer. */
export function analyzerValue(v: Json): Json {
    if (v === null || typeof v === "boolean" || typeof v === "number") return v;
    if (typeof v === "string") return isUnknown(v) ? UNKNOWN_STRING : v;
    if (Array.isArray(v)) return v.map(analyzerValue);
    switch (v[SIG_KEY]) {
        case undefined:
            return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, analyzerValue(x)]));
        case SECRET_SIG:
            return secret(analyzerValue(v["value"] ?? null));
        case RESOURCE_SIG: {
            if ("id" in v) return referenceId(v["id"] as Json) ?? UNKNOWN_STRING;
            return typeof v["urn"] === "string" ? v["urn"] : UNKNOWN_STRING;
        }
        case OUTPUT_SIG: {
            const value = "value" in v ? analyzerValue(v["value"] as Json) : UNKNOWN_STRING;
            return v["secret"] === true ? secret(value) : value;
        }
        case ASSET_SIG:
            return assetOrArchive(v, false);
        case ARCHIVE_SIG:
            return assetOrArchive(v, true);
        default:
            // The engine's monitor rejects a registration with an unknown signature; none reaches an analyzer.
            return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, analyzerValue(x)]));
    }
}

/** A resource's properties (wire form), marshalled for an analyzer. */
export function analyzerProperties(props: Readonly<Record<string, Json>>): Record<string, Json> {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(props)) {
        if (k.startsWith("__")) continue;
        out[k] = analyzerValue(v);
    }
    return out;
}
