/**
 * How the gate starts its TypeScript child processes without paying for ts-node (and its source-map-support,
 * which made every `new Error().stack` in the program cost milliseconds): a few lines of inline JavaScript
 * register an esbuild `.ts` hook, then load the TypeScript entry module and call its exported function.
 * Falls back to `-r ts-node/register/transpile-only` when esbuild cannot be resolved.
 */
import * as path from "path";

/** Node arguments that load `entry` (a .ts module) and call `entry[fn]()` with process.argv = [node, entry, ...args]. */
export function tsEntryArgs(entry: string, fn: string, args: readonly string[]): string[] {
    let esbuild: string | undefined;
    try {
        esbuild = require.resolve("esbuild", { paths: [path.resolve(__dirname, "..", "..", "..")] });
    } catch {
        esbuild = undefined;
    }
    if (esbuild === undefined) {
        const code = `Error.prepareStackTrace = undefined; process.argv.splice(1, 0, ${JSON.stringify(entry)}); require(${JSON.stringify(entry)})[${JSON.stringify(fn)}]();`;
        return ["-r", require.resolve("ts-node/register/transpile-only"), "-e", code, ...args];
    }
    const code = [
        `const M = require("module"), fs = require("fs"), esbuild = require(${JSON.stringify(esbuild)});`,
        `M._extensions[".ts"] = (m, f) => m._compile(esbuild.transformSync(fs.readFileSync(f, "utf8"), { loader: "ts", format: "cjs", target: "node20", sourcefile: f }).code, f);`,
        `process.argv.splice(1, 0, ${JSON.stringify(entry)});`,
        `require(${JSON.stringify(entry)})[${JSON.stringify(fn)}]();`,
    ].join("\n");
    return ["-e", code, ...args];
}

/**
 * Node arguments that start a policy pack the way the CLI's launcher does (`run-policy-pack <engine> .`),
 * after loading `preload` (a .ts module) through the esbuild hook. process.argv is what the launcher expects.
 * Returns undefined when esbuild cannot be resolved (the caller then uses ts-node).
 */
export function packLaunchArgs(preload: string, runner: string, args: readonly string[]): string[] | undefined {
    let esbuild: string;
    try {
        esbuild = require.resolve("esbuild", { paths: [path.resolve(__dirname, "..", "..", "..")] });
    } catch {
        return undefined;
    }
    const code = [
        `const M = require("module"), fs = require("fs"), esbuild = require(${JSON.stringify(esbuild)});`,
        `M._extensions[".ts"] = (m, f) => m._compile(esbuild.transformSync(fs.readFileSync(f, "utf8"), { loader: "ts", format: "cjs", target: "node20", sourcefile: f }).code, f);`,
        `require(${JSON.stringify(preload)});`,
        `process.argv = [process.argv[0], ${JSON.stringify(runner)}, ...process.argv.slice(1)];`,
        `require(${JSON.stringify(runner)});`,
    ].join("\n");
    return ["-e", code, ...args];
}
