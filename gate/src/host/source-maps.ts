/**
 * Source maps of the program's compiled TypeScript, so a stack frame (V8 reports positions in the emitted
 * JavaScript) can be named by its TypeScript line. ts-node appends each file's map inline
 * (`//# sourceMappingURL=data:application/json;...;base64,...`); the maps are decoded with Node's
 * `module.SourceMap` on the first lookup of a file. Files compiled on the ESM loader thread leave their map in
 * the compile cache (host/compile-cache.ts), keyed by the file and checked against its current content.
 */
import { SourceMap, type SourceMapPayload } from "module";
import { storedSourceMap } from "./compile-cache";

const INLINE = "//# sourceMappingURL=data:application/json;charset=utf-8;base64,";

const pending = new Map<string, string>();
const decoded = new Map<string, SourceMap | null>();
let cacheDir: string | undefined;

/** Where ESM-compiled files leave their maps (the compile cache directory). */
export function useStoredSourceMaps(dir: string): void {
    cacheDir = dir;
}

/** The base64 source map appended to compiled output, if any. */
export function inlineSourceMap(output: string): string | undefined {
    const at = output.lastIndexOf(INLINE);
    if (at < 0) return undefined;
    return output.slice(at + INLINE.length).trim();
}

/** Remembers the compiled output of `file` (decoded only when a frame in it is looked up). */
export function rememberCompiledOutput(file: string, output: string): void {
    const map = inlineSourceMap(output);
    if (map === undefined) return;
    pending.set(file, map);
    decoded.delete(file);
}

function mapOf(file: string): SourceMap | undefined {
    const known = decoded.get(file);
    if (known !== undefined) return known ?? undefined;
    let b64 = pending.get(file);
    if (b64 === undefined && cacheDir !== undefined) b64 = storedSourceMap(cacheDir, file);
    let map: SourceMap | null = null;
    if (b64 !== undefined) {
        try {
            map = new SourceMap(JSON.parse(Buffer.from(b64, "base64").toString("utf8")) as SourceMapPayload);
        } catch {
            map = null; // a map we cannot read: positions stay those of the emitted JavaScript
        }
    }
    pending.delete(file);
    decoded.set(file, map);
    return map ?? undefined;
}

/** The TypeScript position (1-based) of a 1-based position in the JavaScript emitted for `file`. */
export function originalPosition(file: string, line: number, column: number): { line: number; column: number } | undefined {
    const map = mapOf(file);
    if (map === undefined) return undefined;
    const entry = map.findEntry(line - 1, column - 1) as { originalLine?: number; originalColumn?: number };
    if (entry.originalLine === undefined || entry.originalColumn === undefined) return undefined;
    return { line: entry.originalLine + 1, column: entry.originalColumn + 1 };
}
