/**
 * A fast `.ts` require hook for the program host and the policy pack processes: esbuild's transform
 * (type-stripping, no type-check, like ts-node --transpile-only but about two orders of magnitude faster
 * per file), with the source map kept in memory so stack frames can be mapped back to TypeScript lines.
 */
import * as fs from "fs";
import * as path from "path";

/* eslint-disable @typescript-eslint/no-require-imports */
interface EsbuildLike {
    transformSync(src: string, opts: Record<string, unknown>): { code: string; map: string };
}
interface ModuleLike {
    _compile(code: string, filename: string): void;
}

const rawMaps = new Map<string, string>();
const decoded = new Map<string, number[][][]>();

/** Registers the hook for `.ts`, `.cts` and `.mts` files. Returns false when esbuild is not available. */
export function registerTsHook(): boolean {
    let esbuild: EsbuildLike;
    try {
        esbuild = require(require.resolve("esbuild", { paths: [path.resolve(__dirname, "..", "..", ".."), process.cwd()] })) as EsbuildLike;
    } catch {
        return false;
    }
    const Module = require("module") as { _extensions: Record<string, (m: ModuleLike, filename: string) => void> };
    const compile = (m: ModuleLike, filename: string): void => {
        const src = fs.readFileSync(filename, "utf8");
        const out = esbuild.transformSync(src, {
            loader: "ts",
            format: "cjs",
            target: "node20",
            sourcemap: "external",
            sourcefile: filename,
            // Keep TypeScript's own class-field semantics for targets below ES2022 off: Pulumi components
            // assign fields in their constructors, which both semantics handle.
            tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
        });
        rawMaps.set(filename, out.map);
        m._compile(out.code, filename);
    };
    for (const ext of [".ts", ".cts", ".mts"]) Module._extensions[ext] = compile;
    return true;
}

/** The source map (JSON) of a hooked file, for source-map-support's `retrieveSourceMap`. */
export function sourceMapOf(file: string): string | undefined {
    return rawMaps.get(file);
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Decodes a source map's `mappings` into per-line segments [genCol, src, origLine, origCol]. */
function decode(mappings: string): number[][][] {
    const lines: number[][][] = [];
    let src = 0;
    let oLine = 0;
    let oCol = 0;
    for (const lineStr of mappings.split(";")) {
        const segs: number[][] = [];
        let gCol = 0;
        for (const segStr of lineStr.split(",")) {
            if (segStr === "") continue;
            const vals: number[] = [];
            let shift = 0;
            let value = 0;
            for (const ch of segStr) {
                const digit = B64.indexOf(ch);
                value += (digit & 31) << shift;
                if (digit & 32) {
                    shift += 5;
                } else {
                    vals.push(value & 1 ? -(value >>> 1) : value >>> 1);
                    value = 0;
                    shift = 0;
                }
            }
            gCol += vals[0] ?? 0;
            if (vals.length >= 4) {
                src += vals[1] as number;
                oLine += vals[2] as number;
                oCol += vals[3] as number;
                segs.push([gCol, src, oLine, oCol]);
            }
        }
        lines.push(segs);
    }
    return lines;
}

/** Maps a 1-based generated position of a hooked file back to its TypeScript source (1-based). */
export function originalPosition(file: string, line: number, column: number): { line: number; column: number } | undefined {
    let lines = decoded.get(file);
    if (lines === undefined) {
        const raw = rawMaps.get(file);
        if (raw === undefined) return undefined;
        lines = decode((JSON.parse(raw) as { mappings: string }).mappings);
        decoded.set(file, lines);
    }
    const segs = lines[line - 1];
    if (segs === undefined || segs.length === 0) return undefined;
    let best = segs[0] as number[];
    for (const s of segs) {
        if ((s[0] as number) <= column - 1) best = s;
        else break;
    }
    return { line: (best[2] as number) + 1, column: (best[3] as number) + 1 };
}
