/**
 * A disk cache of ts-node's output for the program's files, so a run whose files did not change does not pay for
 * TypeScript's emit again. An entry is keyed by everything the output depends on: the compiler (TypeScript and
 * ts-node versions), the effective compiler options ts-node computed from the program's tsconfig and the
 * language host's defaults, the file's path, its package's module type (`type` in the nearest package.json,
 * which decides CommonJS or ESM emit under `nodenext`) and its content. Used only when ts-node transpiles
 * without type-checking: a type check depends on every file, not on one.
 *
 * Layout under the cache directory: `ts-node/<key>.js` (the output, source map inline) and
 * `ts-node-maps/<hash of the path>.json` (the map of the last ESM compile of a file, read by the main thread).
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** The subset of a ts-node service (v7 `Register`, v10 `Service`) the cache wraps. */
export interface TsNodeCompiler {
    compile(code: string, fileName: string, lineOffset?: number): string;
}

function sha256(...parts: string[]): string {
    const h = createHash("sha256");
    for (const p of parts) h.update(p).update("\u0000");
    return h.digest("hex");
}

const packageTypes = new Map<string, string>();

/** `type` of the nearest package.json above `file` ("commonjs" when none says otherwise). */
export function packageTypeOf(file: string): string {
    const dir = path.dirname(file);
    const known = packageTypes.get(dir);
    if (known !== undefined) return known;
    let type = "commonjs";
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
        try {
            const t = (JSON.parse(fs.readFileSync(manifest, "utf8")) as { type?: unknown }).type;
            if (t === "module") type = "module";
        } catch {
            // An unreadable package.json: TypeScript treats the package as CommonJS too.
        }
    } else if (path.dirname(dir) !== dir) {
        type = packageTypeOf(dir);
    }
    packageTypes.set(dir, type);
    return type;
}

function writeAtomically(file: string, data: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
}

/**
 * Wraps `compiler.compile` (in place: ts-node's require hooks call it through the object) with the cache.
 * `config` identifies the compiler and its effective options; `onOutput` sees every output (cached or not).
 */
export function cacheCompiles(compiler: TsNodeCompiler, cacheDir: string, config: string, onOutput: (file: string, code: string, output: string) => void): void {
    const compile = compiler.compile.bind(compiler);
    const dir = path.join(cacheDir, "ts-node");
    const configKey = sha256(config);
    compiler.compile = (code: string, fileName: string, lineOffset?: number): string => {
        const entry = path.join(dir, `${sha256(configKey, fileName, packageTypeOf(fileName), code)}.js`);
        let output: string | undefined;
        try {
            output = fs.readFileSync(entry, "utf8");
        } catch {
            output = undefined;
        }
        if (output === undefined) {
            output = compile(code, fileName, lineOffset);
            try {
                writeAtomically(entry, output);
            } catch {
                // A read-only or full cache directory only costs the next run the compile.
            }
        }
        onOutput(fileName, code, output);
        return output;
    };
}

/** Records the source map of a file compiled on the ESM loader thread, for the main thread's lookups. */
export function storeSourceMap(cacheDir: string, file: string, code: string, map: string): void {
    try {
        writeAtomically(path.join(cacheDir, "ts-node-maps", `${sha256(file)}.json`), JSON.stringify({ source: sha256(code), map }));
    } catch {
        // Without it, locations in that file are JavaScript positions.
    }
}

/** The stored source map (base64) of `file`, if it was compiled from the file's current content. */
export function storedSourceMap(cacheDir: string, file: string): string | undefined {
    try {
        const entry = JSON.parse(fs.readFileSync(path.join(cacheDir, "ts-node-maps", `${sha256(file)}.json`), "utf8")) as { source: string; map: string };
        return entry.source === sha256(fs.readFileSync(file, "utf8")) ? entry.map : undefined;
    } catch {
        return undefined;
    }
}
