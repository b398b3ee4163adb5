/**
 * Asset and archive hashes as the engine's resource monitor adds them to a registration (it unmarshals every
 * request with ComputeAssetHashes; pulumi/pulumi sdk/go/common/resource/asset and archive, in our words):
 * - every asset, wherever it is (also inside an archive's map of assets), gets `hash`: the SHA-256 (hex) of its
 *   contents: the UTF-8 bytes of `text`, the bytes of the file at `path` (relative to the program's directory),
 *   or of a `file://` URI;
 * - an archive whose path (or `file://` URI) ends in `.tar`, `.tgz`, `.tar.gz`, `.zip` or `.jar` gets the
 *   SHA-256 of that file's bytes;
 * - a file that cannot be read fails the registration, as it fails `pulumi preview`.
 * Not computed offline (documented in docs/gate.md): remote (`http(s)://`) contents, and archives of a directory
 * or of a map of assets, whose hash the engine computes from a tar stream it writes of their contents.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { fileURLToPath } from "url";
import { ARCHIVE_SIG, ASSET_SIG, SIG_KEY, UNKNOWN_SENTINELS } from "../shared/analyzer-properties";
import type { Json } from "../shared/types";

type JsonObject = { [key: string]: Json };

const ARCHIVE_EXTENSIONS = [".tar", ".tgz", ".tar.gz", ".zip", ".jar"];

function isObject(v: Json | undefined): v is JsonObject {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function sha256(data: string | Buffer): string {
    return createHash("sha256").update(data).digest("hex");
}

function readFile(file: string, dir: string, what: string, key: string): Buffer {
    const abs = path.isAbsolute(file) ? file : path.join(dir, file);
    try {
        return fs.readFileSync(abs);
    } catch (e) {
        const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (e as Error).message;
        throw new Error(`failed to compute ${what} hash for "${key}": open ${abs}: ${reason}`);
    }
}

function fileOfUri(uri: string): string | undefined {
    return uri.startsWith("file://") ? fileURLToPath(uri) : undefined;
}

function withHash(v: JsonObject, dir: string, key: string): JsonObject {
    if (typeof v["hash"] === "string" && v["hash"] !== "") return v;
    const str = (f: string): string | undefined => (typeof v[f] === "string" && v[f] !== "" ? (v[f] as string) : undefined);
    if (v[SIG_KEY] === ASSET_SIG) {
        // A path, else a URI, else text (the engine's order); an empty text is the empty string's hash.
        const file = str("path") ?? (str("uri") !== undefined ? fileOfUri(str("uri") as string) : undefined);
        if (file !== undefined) return { ...v, hash: sha256(readFile(file, dir, "asset", key)) };
        if (str("uri") !== undefined || UNKNOWN_SENTINELS.has(str("text") ?? "")) return v;
        return { ...v, hash: sha256(str("text") ?? "") };
    }
    const file = str("path") ?? (str("uri") !== undefined ? fileOfUri(str("uri") as string) : undefined);
    if (file === undefined || !ARCHIVE_EXTENSIONS.some((ext) => file.endsWith(ext))) return v;
    return { ...v, hash: sha256(readFile(file, dir, "archive", key)) };
}

function hashed(v: Json, dir: string, key: string): Json {
    if (Array.isArray(v)) return v.map((x) => hashed(x, dir, key));
    if (!isObject(v)) return v;
    const inner: JsonObject = {};
    for (const [k, x] of Object.entries(v)) inner[k] = hashed(x, dir, key);
    const sig = v[SIG_KEY];
    return sig === ASSET_SIG || sig === ARCHIVE_SIG ? withHash(inner, dir, key) : inner;
}

/** The registration's properties with the hashes the engine's monitor adds (a copy only when there are assets). */
export function withAssetHashes(props: Record<string, Json>, programDir: string): Record<string, Json> {
    const text = JSON.stringify(props);
    if (!text.includes(ASSET_SIG) && !text.includes(ARCHIVE_SIG)) return props;
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(props)) out[k] = hashed(v, programDir, k);
    return out;
}
