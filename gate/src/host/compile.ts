/**
 * Compiling the program's TypeScript as Pulumi's Node.js language host does (@pulumi/pulumi
 * cmd/run/run.ts, in our words), so that what the program sees (module shapes, `import * as m` objects that
 * the closure serializer walks, `__esModule` markers, class-field semantics) is what it sees under
 * `pulumi preview`:
 * - TypeScript only when the project says so (`runtime.options.typescript`, default true);
 * - ts-node and typescript as the program's @pulumi/pulumi resolves them (its `tsutils`: the program's own,
 *   else the copies @pulumi/pulumi vendors, ts-node 7.0.1 and typescript 3.8.3);
 * - the project: `tsconfig.json` in the program's directory, or `PULUMI_NODEJS_TSCONFIG_PATH`; without one
 *   ts-node reads no project (`skipProject`), and a missing `PULUMI_NODEJS_TSCONFIG_PATH` file is an error;
 * - compiler options the language host passes to ts-node, each overridden by the tsconfig's own
 *   `compilerOptions`: `target: ES2020`, `module`/`moduleResolution: nodenext` (`commonjs`/`node` before
 *   TypeScript 4.7), `sourceMap: "true"`;
 * - ESM (`"type": "module"` in the program's package.json, TypeScript newer than 4.7, no `--loader`/`--import`/
 *   `--require` in the node arguments, `ts-node/esm` resolvable): ts-node's ESM hooks registered with
 *   `module.register`, with `target: ES2022`; the program is then `import()`ed (host/entry.ts);
 * - type-checking: ts-node's default (on) unless `PULUMI_NODEJS_TRANSPILE_ONLY` or the tsconfig's `noCheck`
 *   says otherwise.
 *
 * Where the gate differs (docs/gate.md, "Differences"): it type-checks only when PULUMI_NODEJS_TRANSPILE_ONLY is
 * "false" (type errors are `tsc`'s job, as for policy packs), and otherwise transpiles with ts-node, caching its
 * output on disk (host/compile-cache.ts). ts-node installs source-map-support, which formats every stack trace
 * through source maps (the runtime takes one per resource); the gate puts the previous `Error.prepareStackTrace`
 * back and maps the frames it reports itself (host/source-maps.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { pathToFileURL } from "url";
import { cacheCompiles, storeSourceMap, type TsNodeCompiler } from "./compile-cache";
import { inlineSourceMap, rememberCompiledOutput, useStoredSourceMaps } from "./source-maps";

/* eslint-disable @typescript-eslint/no-require-imports */

/** How the program is loaded and compiled. */
export interface ProgramCompile {
    /** `import()` (an ES module package) or `require()`. */
    readonly esm: boolean;
    /** ts-node is registered (a TypeScript project). */
    readonly typescript: boolean;
    /** ts-node type-checks (PULUMI_NODEJS_TRANSPILE_ONLY=false). */
    readonly typecheck: boolean;
}

/** An error in the program's setup that Pulumi reports before running it (not the program's own exception). */
export class CompileSetupError extends Error {}

interface TsNodeModule {
    VERSION?: string;
    register(opts: Record<string, unknown>): TsNodeCompiler & {
        ts?: { version: string };
        config?: { options: unknown };
        options?: unknown;
        cachedir?: string;
    };
}

/** A semver comparison with the semver package @pulumi/pulumi itself uses. */
function compareVersions(pulumiDir: string, a: string, b: string): number {
    const semver = require(require.resolve("semver", { paths: [pulumiDir] })) as { parse(v: string): { compare(o: string): number } | null };
    const parsed = semver.parse(a);
    return parsed === null ? -1 : parsed.compare(b);
}

function packageManifest(programDir: string): { type?: string } {
    for (let dir = programDir; ; dir = path.dirname(dir)) {
        const f = path.join(dir, "package.json");
        if (fs.existsSync(f)) {
            try {
                return JSON.parse(fs.readFileSync(f, "utf8")) as { type?: string };
            } catch {
                return {};
            }
        }
        if (path.dirname(dir) === dir) return {};
    }
}

/** Whether the program's package is an ES module package (as the language host decides it). */
export function isModulePackage(programDir: string): boolean {
    return packageManifest(programDir).type === "module";
}

/**
 * Sets up the program's compile in this process (cwd = the program's directory) the way the language host does.
 * `gateDir`: the gate's own source directory; `tsLoader`: how a loader thread loads the gate's TypeScript.
 */
export function setupCompile(opts: {
    readonly programDir: string;
    readonly pulumiDir: string;
    readonly typescript: boolean;
    readonly cacheDir: string;
    readonly tsLoader: string | undefined;
}): ProgramCompile {
    const isModule = isModulePackage(opts.programDir);
    if (!opts.typescript) return { esm: isModule, typescript: false, typecheck: false };

    const defaultTsConfigPath = "tsconfig.json";
    const tsConfigPath = process.env["PULUMI_NODEJS_TSCONFIG_PATH"] ?? defaultTsConfigPath;
    const skipProject = !fs.existsSync(tsConfigPath);
    if (skipProject && tsConfigPath !== defaultTsConfigPath) {
        throw new CompileSetupError(`tsconfig path was set to ${tsConfigPath} but the file was not found`);
    }
    const tsutils = require(path.join(opts.pulumiDir, "tsutils.js")) as {
        loadTypeScriptCompilerOptions(p: string): Record<string, unknown>;
        typeScriptRequireStrings(): { tsnodeRequire: string; typescriptRequire: string };
    };
    const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
    const envTranspileOnly = process.env["PULUMI_NODEJS_TRANSPILE_ONLY"];
    // The language host: the variable if set, else the tsconfig's noCheck, else ts-node's default (type-check).
    // The gate: type-check only when asked explicitly with the variable.
    const typecheck = envTranspileOnly === "false";
    const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
    const options: Record<string, unknown> = {
        compiler: typescriptRequire,
        transpileOnly: !typecheck,
        project: tsConfigPath,
        skipProject,
        compilerOptions: {},
    };
    // Resolved from where the language host resolves them (its cmd/run directory).
    const fromPulumi = (m: string): string => require.resolve(m, { paths: [path.join(opts.pulumiDir, "cmd", "run")] });
    const tsVersion = (require(fromPulumi(typescriptRequire)) as { version: string }).version;
    const hasLoaders = process.execArgv.some((a) => a === "--loader" || a === "--import" || a === "--require");
    let tsNodeEsm: string | undefined;
    try {
        tsNodeEsm = fromPulumi("ts-node/esm");
    } catch {
        tsNodeEsm = undefined;
    }
    const cache = !typecheck;

    if (isModule && compareVersions(opts.pulumiDir, tsVersion, "4.7.0") > 0 && !hasLoaders && tsNodeEsm !== undefined) {
        options["compilerOptions"] = { target: "ES2022", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...compilerOptions };
        registerEsmHooks(opts, fromPulumi(tsnodeRequire), options, cache);
        return { esm: true, typescript: true, typecheck };
    }

    const useNodeNext = compareVersions(opts.pulumiDir, tsVersion, "4.7.0") >= 0;
    options["compilerOptions"] = {
        target: "ES2020",
        module: useNodeNext ? "nodenext" : "commonjs",
        moduleResolution: useNodeNext ? "nodenext" : "node",
        sourceMap: "true",
        ...compilerOptions,
    };
    const tsn = require(fromPulumi(tsnodeRequire)) as TsNodeModule;
    const prepare = Error.prepareStackTrace;
    const service = tsn.register(options);
    Error.prepareStackTrace = prepare;
    const remember = (file: string, _code: string, output: string): void => rememberCompiledOutput(file, output);
    if (cache) {
        cacheCompiles(service, opts.cacheDir, compilerIdentity(tsn, service), remember);
    } else {
        const compile = service.compile.bind(service);
        service.compile = (code, file, offset) => {
            const out = compile(code, file, offset);
            remember(file, code, out);
            return out;
        };
    }
    return { esm: isModule, typescript: true, typecheck };
}

/** What identifies ts-node's output besides a file's path and content: versions and effective options. */
export function compilerIdentity(tsn: TsNodeModule, service: ReturnType<TsNodeModule["register"]>): string {
    return JSON.stringify({
        tsNode: tsn.VERSION ?? "7",
        typescript: service.ts?.version,
        // ts-node 10: the options it computed from the tsconfig chain, its defaults and ours.
        options: service.config?.options,
        tsNodeOptions: service.options,
        // ts-node 7: its own cache directory is a digest of its version, options and diagnostics filter.
        digest: service.cachedir !== undefined ? path.basename(service.cachedir) : undefined,
    });
}

/**
 * ESM: ts-node's ESM hooks on Node's loader thread (`module.register`, as the language host registers its
 * hooks.js), with our compile cache. The loader thread loads host/esm-hooks.ts through `tsLoader`.
 */
function registerEsmHooks(
    opts: { readonly programDir: string; readonly cacheDir: string; readonly tsLoader: string | undefined },
    tsnode: string,
    options: Record<string, unknown>,
    cache: boolean,
): void {
    const hooks = path.join(__dirname, "esm-hooks.ts");
    const source = [
        `import { createRequire } from "node:module";`,
        `const require = createRequire(${JSON.stringify(pathToFileURL(hooks).href)});`,
        ...(opts.tsLoader !== undefined ? [opts.tsLoader] : []),
        `const h = require(${JSON.stringify(hooks)});`,
        `export const initialize = h.initialize, resolve = h.resolve, load = h.load;`,
    ].join("\n");
    const Module = require("module") as { register(specifier: string, parent: string, o: { data: unknown }): void };
    useStoredSourceMaps(opts.cacheDir);
    Module.register(`data:text/javascript,${encodeURIComponent(source)}`, pathToFileURL(path.join(opts.programDir, "index.js")).href, {
        data: { tsnode, options, cacheDir: opts.cacheDir, cache },
    });
}

/** Keeps a compiled file's map where the main thread finds it (used by host/esm-hooks.ts). */
export function keepEsmSourceMap(cacheDir: string, file: string, code: string, output: string): void {
    const map = inlineSourceMap(output);
    if (map !== undefined) storeSourceMap(cacheDir, file, code, map);
}
