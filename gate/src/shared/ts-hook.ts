/**
 * A fast `.ts` require hook for the policy pack processes (and the benchmark's in-process pack): esbuild's
 * transform (type-stripping, no type-check, like ts-node --transpile-only but about two orders of magnitude
 * faster per file), with the source map kept in memory for source-map-support, which the pack launcher installs
 * and which maps a failing rule's frames to its TypeScript lines. (Programs are compiled as the language host
 * compiles them: host/compile.ts.)
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
