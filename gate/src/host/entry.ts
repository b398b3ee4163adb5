/**
 * Finding and loading the program's entry point as the language host does (@pulumi/pulumi cmd/run/run.ts, in our
 * words):
 * - `main` from Pulumi.yaml, relative to the project directory; when it is not given (`.`), the nearest
 *   package.json's `exports` (a string, or `exports["."]` as a string or its `default`/`require`/`import`), else
 *   its `main`, when that file exists;
 * - an ES module package (`"type": "module"`): the real path of the entry, `index.js`, `index.mjs`, `index.ts`
 *   or `index.mts` for a directory, loaded with `import()`; a default export is the program's export, and a
 *   module with both a default and named exports is an error;
 * - otherwise `require()` (a directory with a trailing `/`, so an adjacent `.json` is not picked);
 * - an exported function is called, and what it returns (or the module's exports) is awaited: those are the
 *   stack's outputs.
 */
import * as fs from "fs";
import * as path from "path";
import { pathToFileURL } from "url";

/* eslint-disable @typescript-eslint/no-require-imports */

// A real dynamic import: the gate's own modules are compiled to CommonJS, where `import()` would become require().
const dynamicImport = new Function("u", "return import(u)") as (u: string) => Promise<Record<string, unknown>>;

/** The program could not be found (the language host's "We failed to locate the entry point for your program"). */
export class EntryPointError extends Error {}

function nearestManifest(dir: string): string | undefined {
    for (let d = dir; ; d = path.dirname(d)) {
        const f = path.join(d, "package.json");
        if (fs.existsSync(f)) return f;
        if (path.dirname(d) === d) return undefined;
    }
}

/** The program's entry path (absolute) for Pulumi.yaml's `main` (`.` when not given). */
export function resolveEntryPoint(programDir: string, main: string): string {
    let program = path.isAbsolute(main) ? main : path.join(programDir, main);
    if (main !== ".") return program;
    const isDir = fs.existsSync(program) && fs.statSync(program).isDirectory();
    const manifest = nearestManifest(isDir ? program : path.dirname(program));
    if (manifest === undefined) return program;
    const root = path.dirname(manifest);
    let pkg: { exports?: unknown; main?: unknown };
    try {
        pkg = JSON.parse(fs.readFileSync(manifest, "utf8")) as { exports?: unknown; main?: unknown };
    } catch {
        return program;
    }
    const use = (entry: unknown): void => {
        if (typeof entry !== "string") return;
        const p = path.join(root, entry);
        if (fs.existsSync(p)) program = p;
    };
    if (typeof pkg.exports === "string") use(pkg.exports);
    else if (typeof pkg.exports === "object" && pkg.exports !== null) {
        const dot = (pkg.exports as Record<string, unknown>)["."];
        if (typeof dot === "string") use(dot);
        else if (typeof dot === "object" && dot !== null) {
            const d = dot as Record<string, unknown>;
            use(d["default"] ?? d["require"] ?? d["import"]);
        }
    } else if (pkg.main !== undefined && pkg.main !== "") use(pkg.main);
    return program;
}

/** Loads the program and returns its outputs (awaited). Runs inside the root stack (the caller's job). */
export async function loadProgram(program: string, esm: boolean): Promise<unknown> {
    let exported: unknown;
    if (esm) {
        let mainPath = fs.realpathSync(path.resolve(program));
        if (fs.statSync(mainPath).isDirectory()) {
            const index = ["index.js", "index.mjs", "index.ts", "index.mts"].find((f) => fs.existsSync(path.join(mainPath, f)));
            if (index === undefined) throw new Error(`No entrypoint found in ${mainPath}`);
            mainPath = path.join(mainPath, index);
        }
        const mod = await dynamicImport(pathToFileURL(mainPath).href);
        exported = mod;
        if (Object.getOwnPropertyDescriptor(mod, "default") !== undefined) {
            if (Object.keys(mod).length !== 1) throw new Error("expected entrypoint module to have either a default export or named exports but not both");
            exported = mod["default"];
        }
    } else {
        let target = program;
        if (fs.existsSync(target) && fs.statSync(target).isDirectory() && !target.endsWith("/")) target += "/";
        try {
            exported = require(target) as unknown;
        } catch (e) {
            const err = e as NodeJS.ErrnoException;
            if (err.code === "MODULE_NOT_FOUND" && err.message.includes(`Cannot find module '${target}'`)) {
                throw new EntryPointError(`the program's entry point ${program} was not found (Pulumi.yaml 'main', or the package.json 'main' or 'exports')`);
            }
            throw e;
        }
    }
    const result = exported instanceof Function ? (exported as () => unknown)() : exported;
    return await result;
}
