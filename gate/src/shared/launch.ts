/**
 * How the gate starts its TypeScript child processes without paying for ts-node (and its source-map-support,
 * which made every `new Error().stack` in the program cost milliseconds): a few lines of inline JavaScript
 * register an esbuild `.ts` hook for the gate's own modules, then load the TypeScript entry module and call its
 * exported function. Falls back to `-r ts-node/register/transpile-only` when esbuild cannot be resolved.
 * The program host removes the hook (`dropGateTsHook`) before it compiles the program as the language host does.
 */
import * as path from "path";

/* eslint-disable @typescript-eslint/no-require-imports */

const GATE_HOOK = "__pulumiGateTsHook";

function esbuildPath(): string | undefined {
    try {
        return require.resolve("esbuild", { paths: [path.resolve(__dirname, "..", "..", "..")] });
    } catch {
        return undefined;
    }
}

/**
 * JavaScript (CommonJS, with `require` in scope) that registers the esbuild `.ts` hook for the gate's modules,
 * or undefined when esbuild cannot be resolved. The output is kept in `<NODE_COMPILE_CACHE>/gate-esbuild/`
 * (keyed by the file's content and the esbuild version), so a run whose gate sources did not change neither
 * loads esbuild nor starts its service process.
 */
export function gateTsHookSource(): string | undefined {
    const esbuild = esbuildPath();
    if (esbuild === undefined) return undefined;
    const version = (require(path.join(path.dirname(esbuild), "..", "package.json")) as { version: string }).version;
    return [
        `{ const M = require("module"), fs = require("fs"), path = require("path"), crypto = require("crypto");`,
        `const dir = process.env.NODE_COMPILE_CACHE ? path.join(process.env.NODE_COMPILE_CACHE, "gate-esbuild") : undefined;`,
        `let esbuild;`,
        `const h = (m, f) => {`,
        `  const src = fs.readFileSync(f, "utf8");`,
        `  const file = dir && path.join(dir, crypto.createHash("sha256").update(${JSON.stringify(version)} + "|" + f + "|" + src).digest("hex") + ".js");`,
        `  let code; try { code = file && fs.readFileSync(file, "utf8"); } catch {}`,
        `  if (!code) {`,
        `    esbuild ??= require(${JSON.stringify(esbuild)});`,
        `    code = esbuild.transformSync(src, { loader: "ts", format: "cjs", target: "node20", sourcefile: f }).code;`,
        `    if (file) try { fs.mkdirSync(dir, { recursive: true }); const t = file + "." + process.pid + ".tmp"; fs.writeFileSync(t, code); fs.renameSync(t, file); } catch {}`,
        `  }`,
        `  m._compile(code, f);`,
        `};`,
        `h.${GATE_HOOK} = true; M._extensions[".ts"] = h; }`,
    ].join("\n");
}

/** Removes the gate's `.ts` hook (after the gate's modules are loaded), leaving Node's own handling. */
export function dropGateTsHook(): void {
    const M = require("module") as { _extensions: Record<string, ((...a: unknown[]) => unknown) & { [GATE_HOOK]?: boolean }> };
    if (M._extensions[".ts"]?.[GATE_HOOK] === true) delete M._extensions[".ts"];
}

/** Node arguments that load `entry` (a .ts module) and call `entry[fn]()` with process.argv = [node, entry, ...args]. */
export function tsEntryArgs(entry: string, fn: string, args: readonly string[]): string[] {
    const hook = gateTsHookSource();
    if (hook === undefined) {
        const code = `Error.prepareStackTrace = undefined; process.argv.splice(1, 0, ${JSON.stringify(entry)}); require(${JSON.stringify(entry)})[${JSON.stringify(fn)}]();`;
        return ["-r", require.resolve("ts-node/register/transpile-only"), "-e", code, ...args];
    }
    const code = [hook, `process.argv.splice(1, 0, ${JSON.stringify(entry)});`, `require(${JSON.stringify(entry)})[${JSON.stringify(fn)}]();`].join("\n");
    return ["-e", code, ...args];
}

/**
 * Node arguments that start a policy pack the way the CLI's launcher does (`run-policy-pack <engine> .`),
 * after loading `preload` (a .ts module) through the esbuild hook. process.argv is what the launcher expects.
 * Returns undefined when esbuild cannot be resolved (the caller then uses ts-node).
 */
export function packLaunchArgs(preload: string, runner: string, args: readonly string[]): string[] | undefined {
    const hook = gateTsHookSource();
    if (hook === undefined) return undefined;
    const code = [
        hook,
        `require(${JSON.stringify(preload)});`,
        `process.argv = [process.argv[0], ${JSON.stringify(runner)}, ...process.argv.slice(1)];`,
        `require(${JSON.stringify(runner)});`,
    ].join("\n");
    return ["-e", code, ...args];
}
