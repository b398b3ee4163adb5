/**
 * A fast `.ts` require hook for the policy pack processes (and the benchmark's in-process pack): esbuild's
 * transform (type-stripping, no type-check, like ts-node --transpile-only but about two orders of magnitude
 * faster per file), with the source map kept in memory for source-map-support, which the pack launcher installs
 * and which maps a failing rule's frames to its TypeScript lines. (Programs are compiled as the language host
 * compiles them: host/compile.ts.)
 */
import { createHash } from "crypto";
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

/**
 * Registers the hook for `.ts`, `.cts` and `.mts` files. Returns false when esbuild is not available. Outputs
 * (code and map) are kept in `<NODE_COMPILE_CACHE>/gate-esbuild/`, keyed by the file's path and content and the
 * esbuild version, so an unchanged pack loads neither esbuild nor its service process.
 */
export function registerTsHook(): boolean {
    let esbuildPath: string;
    try {
        esbuildPath = require.resolve("esbuild", { paths: [path.resolve(__dirname, "..", "..", ".."), process.cwd()] });
    } catch {
        return false;
    }
    const version = (require(path.join(path.dirname(esbuildPath), "..", "package.json")) as { version: string }).version;
    let esbuild: EsbuildLike | undefined;
    const cacheDir = process.env["NODE_COMPILE_CACHE"] !== undefined ? path.join(process.env["NODE_COMPILE_CACHE"], "gate-esbuild") : undefined;
    const Module = require("module") as { _extensions: Record<string, (m: ModuleLike, filename: string) => void> };
    const compile = (m: ModuleLike, filename: string): void => {
        const src = fs.readFileSync(filename, "utf8");
        const entry = cacheDir !== undefined ? path.join(cacheDir, `${createHash("sha256").update(`${version}\u0000map\u0000${filename}\u0000${src}`).digest("hex")}.json`) : undefined;
        let out: { code: string; map: string } | undefined;
        try {
            out = entry !== undefined ? (JSON.parse(fs.readFileSync(entry, "utf8")) as { code: string; map: string }) : undefined;
        } catch {
            out = undefined;
        }
        if (out === undefined) {
            esbuild ??= require(esbuildPath) as EsbuildLike;
            out = esbuild.transformSync(src, {
                loader: "ts",
                format: "cjs",
                target: "node20",
                sourcemap: "external",
                sourcefile: filename,
                // Keep TypeScript's own class-field semantics for targets below ES2022 off: Pulumi components
                // assign fields in their constructors, which both semantics handle.
                tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
            });
            if (entry !== undefined && cacheDir !== undefined) {
                try {
                    fs.mkdirSync(cacheDir, { recursive: true });
                    const tmp = `${entry}.${process.pid}.tmp`;
                    fs.writeFileSync(tmp, JSON.stringify({ code: out.code, map: out.map }));
                    fs.renameSync(tmp, entry);
                } catch {
                    // A read-only cache only costs the next run the transform.
                }
            }
        }
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
