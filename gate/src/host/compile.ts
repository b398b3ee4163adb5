/**
 * Compiling the program's TypeScript as Pulumi's Node.js language host does (@pulumi/pulumi cmd/run/run.ts, in our
 * words), so that what the program sees (module shapes, `import * as m` objects that the closure serializer walks,
 * `__esModule` markers, class-field semantics) is what it sees under `pulumi preview`:
 * - TypeScript only when the project says so (`runtime.options.typescript`, default true);
 * - ts-node and typescript as the program's @pulumi/pulumi resolves them (its `tsutils`: the program's own,
 *   else the copies @pulumi/pulumi vendors, ts-node 7.0.1 and typescript 3.8.3);
 * - the project: `tsconfig.json` in the program's directory, or `PULUMI_NODEJS_TSCONFIG_PATH`; without one
 *   ts-node reads no project (`skipProject`), and a missing `PULUMI_NODEJS_TSCONFIG_PATH` file is an error;
 * - compiler options the language host passes to ts-node, each overridden by the tsconfig's own
 *   `compilerOptions`: `target: ES2020`, `module`/`moduleResolution: nodenext` (`commonjs`/`node` before
 *   TypeScript 4.7), `sourceMap: "true"`;
 * - type-checking: `transpileOnly` is `PULUMI_NODEJS_TRANSPILE_ONLY` when set and not empty (`"true"`
 *   transpiles; any other value, `"1"` included, type-checks), else the tsconfig's `noCheck` as written, else
 *   left unset; ts-node then applies its own rules (its environment variables, the tsconfig's `"ts-node"`
 *   section, `typeCheck` over `transpileOnly`): unset means type-check;
 * - ESM (`"type": "module"` in the program's package.json, TypeScript newer than 4.7, no `--loader`/`--import`/
 *   `--require` in the node arguments, `ts-node/esm` resolvable): the language host registers its hooks module
 *   with `module.register`, passing its options as the hooks' `data`; but that module registers ts-node while it
 *   is evaluated, before Node hands it the data, so ts-node gets no options at all: its defaults, the tsconfig it
 *   finds from the working directory up, and type-checking unless its own settings say otherwise (neither
 *   `PULUMI_NODEJS_TRANSPILE_ONLY` nor `noCheck` applies). The gate registers it the same way.
 *
 * How the gate keeps this fast (docs/gate.md, "What it does" and "Performance"): the program always runs with
 * ts-node transpiling (the same compiler and options, its output cached on disk, host/compile-cache.ts). When the
 * language host would type-check, every file ts-node compiles is reported to the gate (`LoadedFile`), whose
 * checker process (host/typecheck.ts) runs ts-node's own type check on the same files in the same order; its
 * verdict is kept on disk (shared/typecheck-verdict.ts) and replayed here on later runs: a file ts-node would
 * fail on throws ts-node's error at the same load, a file whose type-checked output differs from the transpiled
 * one runs the type-checked output. ts-node installs source-map-support, which formats every stack trace
 * through source maps (the runtime takes one per resource); the gate puts the previous `Error.prepareStackTrace`
 * back and maps the frames it reports itself (host/source-maps.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { pathToFileURL } from "url";
import type { MessagePort } from "worker_threads";
import type { CheckerRequest } from "./typecheck";
import type { Json } from "../shared/types";
import { readCheckedOutput, readVerdict, sha256, type CheckedResult, type CompileError, type Verdict } from "../shared/typecheck-verdict";
import { cacheCompiles, storeSourceMap, type TsNodeCompiler } from "./compile-cache";
import { inlineSourceMap, rememberCompiledOutput, useStoredSourceMaps } from "./source-maps";

/* eslint-disable @typescript-eslint/no-require-imports */

/** A file ts-node compiled for the program, as the gate's type check needs it. */
export interface LoadedFile {
    readonly file: string;
    readonly code: string;
    /** SHA-256 of the output the program ran; null when compiling threw. */
    readonly output: string | null;
    /** The output (or the error) came from the stored verdict, not from ts-node's transpile. */
    readonly replayed: boolean;
}

/** What the gate's type check needs when the language host would have ts-node type-check. */
export interface TypecheckSetup {
    /** Identifies the compiler configuration (the verdict's key). */
    readonly key: string;
    readonly request: CheckerRequest;
}

/** How the program is loaded and compiled. */
export interface ProgramCompile {
    /** `import()` (an ES module package) or `require()`. */
    readonly esm: boolean;
    /** ts-node is registered (a TypeScript project). */
    readonly typescript: boolean;
    /** Set when the language host would have ts-node type-check. */
    readonly typecheck?: TypecheckSetup;
    /** Hands over loads reported by the ESM loader thread that are still queued (call before reporting a failure). */
    drainLoads(): void;
}

/** An error in the program's setup that Pulumi reports before running it (not the program's own exception). */
export class CompileSetupError extends Error {}

interface TsNodeService extends TsNodeCompiler {
    ts?: { version: string };
    config?: { options: unknown };
    options?: Record<string, unknown>;
    cachedir?: string;
}

interface TsNodeModule {
    VERSION?: string;
    DEFAULTS?: Record<string, unknown>;
    TSError?: new (diagnosticText: string, diagnosticCodes: number[]) => Error;
    create?(opts: Record<string, unknown>): TsNodeService;
    register(opts: Record<string, unknown> | TsNodeService): TsNodeService;
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
 * The language host's `transpileOnly` for ts-node: PULUMI_NODEJS_TRANSPILE_ONLY when set and not empty
 * (`"true"` only means true), else the tsconfig's `noCheck`, whatever its value (undefined: ts-node's default).
 */
export function languageHostTranspileOnly(env: string | undefined, noCheck: unknown): unknown {
    if (env !== undefined && env !== "") return env === "true";
    return noCheck;
}

/**
 * ts-node's own rule on its merged options: it transpiles only when `transpileOnly` (or `swc`, ts-node 10) is
 * true and `typeCheck` is not; otherwise it type-checks (ts-node 7: `typeCheck || transpileOnly !== true`).
 */
export function tsNodeTypeChecks(o: { readonly transpileOnly?: unknown; readonly typeCheck?: unknown; readonly swc?: unknown }): boolean {
    return !((o.transpileOnly === true || o.swc === true) && o.typeCheck !== true);
}

/**
 * The options ts-node works with after merging its own defaults (environment variables; for ts-node 10 also the
 * tsconfig's "ts-node" section), and the service when creating it was how they were found (ts-node 8 and later).
 */
function effectiveOptions(tsn: TsNodeModule, raw: Record<string, unknown>): { options: Record<string, unknown>; service?: TsNodeService } {
    if (typeof tsn.create === "function") {
        const prepare = Error.prepareStackTrace;
        const service = tsn.create(raw);
        Error.prepareStackTrace = prepare;
        if (service.options !== undefined) return { options: service.options, service };
    }
    // ts-node 7: `Object.assign({}, DEFAULTS, opts)`; an option passed as undefined hides the environment's.
    return { options: { ...(tsn.DEFAULTS ?? {}), ...raw } };
}

/** Options as JSON plus the keys given as undefined (JSON would drop them, and for ts-node 7 they matter). */
function asJson(raw: Record<string, unknown>): { options: Record<string, Json>; undefinedOptions: string[] } {
    return {
        options: JSON.parse(JSON.stringify(raw)) as Record<string, Json>,
        undefinedOptions: Object.keys(raw).filter((k) => raw[k] === undefined),
    };
}

/** The verdict's key: everything besides the files that decides what ts-node's check does. */
function checkKey(parts: Record<string, unknown>): string {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("TS_NODE_")));
    return sha256(JSON.stringify({ ...parts, env, node: process.version, cwd: process.cwd() }));
}

/** Replays a stored verdict (see the file comment) and reports each load, around a compile function. */
export function reportingCompile(
    compile: (code: string, file: string, offset?: number) => string,
    replay: { readonly verdict: Verdict; readonly cacheDir: string; readonly newError: (e: CompileError) => Error } | undefined,
    report: (load: LoadedFile) => void,
    /** Sees a replayed output (as the compile cache's callback sees the others: for the source maps). */
    keep: (file: string, code: string, output: string) => void,
): (code: string, file: string, offset?: number) => string {
    const byFile = new Map<string, CheckedResult>();
    for (const l of replay?.verdict.loads ?? []) if (!byFile.has(`${l.file}\u0000${l.code}`)) byFile.set(`${l.file}\u0000${l.code}`, l.result);
    return (code, file, offset) => {
        const stored = replay !== undefined ? byFile.get(`${file}\u0000${sha256(code)}`) : undefined;
        if (stored !== undefined && replay !== undefined) {
            if ("error" in stored) {
                report({ file, code, output: null, replayed: true });
                throw replay.newError(stored.error);
            }
            const out = stored.differs ? readCheckedOutput(replay.cacheDir, stored.output) : undefined;
            if (out !== undefined) {
                keep(file, code, out);
                report({ file, code, output: stored.output, replayed: true });
                return out;
            }
        }
        let out: string;
        try {
            out = compile(code, file, offset);
        } catch (e) {
            report({ file, code, output: null, replayed: false });
            throw e;
        }
        report({ file, code, output: sha256(out), replayed: false });
        return out;
    };
}

/** ts-node's exception for a stored error (the same class, message and diagnostics). */
export function replayedError(tsn: { readonly TSError?: TsNodeModule["TSError"] }, e: CompileError): Error {
    if (e.name === "TSError" && tsn.TSError !== undefined && e.diagnosticText !== undefined) return new tsn.TSError(e.diagnosticText, e.diagnosticCodes ?? []);
    const Ctor = (globalThis as unknown as Record<string, unknown>)[e.name];
    const err = typeof Ctor === "function" && (Ctor === Error || (Ctor as { prototype?: unknown }).prototype instanceof Error) ? new (Ctor as ErrorConstructor)(e.message) : new Error(e.message);
    if (err.name !== e.name) err.name = e.name;
    return err;
}

/**
 * Sets up the program's compile in this process (cwd = the program's directory) the way the language host does.
 * `tsLoader`: how a loader thread loads the gate's TypeScript; `onLoad`: each file ts-node compiles, when the
 * language host would type-check.
 */
export function setupCompile(opts: {
    readonly programDir: string;
    readonly pulumiDir: string;
    readonly typescript: boolean;
    readonly cacheDir: string;
    readonly tsLoader: string | undefined;
    readonly onLoad: (load: LoadedFile) => void;
}): ProgramCompile {
    const isModule = isModulePackage(opts.programDir);
    const none = (): void => undefined;
    if (!opts.typescript) return { esm: isModule, typescript: false, drainLoads: none };

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
    const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
    const options: Record<string, unknown> = {
        compiler: typescriptRequire,
        transpileOnly: languageHostTranspileOnly(process.env["PULUMI_NODEJS_TRANSPILE_ONLY"], compilerOptions["noCheck"]),
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

    if (isModule && compareVersions(opts.pulumiDir, tsVersion, "4.7.0") > 0 && !hasLoaders && tsNodeEsm !== undefined) {
        // The language host's hooks module registers ts-node before it receives its options (see the file comment).
        const tsnodePath = fromPulumi("ts-node");
        const tsn = require(tsnodePath) as TsNodeModule;
        const raw: Record<string, unknown> = {};
        const effective = effectiveOptions(tsn, raw);
        const typecheck = tsNodeTypeChecks(effective.options) ? checkSetup(opts, tsn, tsnodePath, raw, effective, true) : undefined;
        const drainLoads = registerEsmHooks(opts, tsnodePath, typecheck !== undefined ? { transpileOnly: true, typeCheck: false } : raw, typecheck);
        return { esm: true, typescript: true, ...(typecheck !== undefined ? { typecheck } : {}), drainLoads };
    }

    const useNodeNext = compareVersions(opts.pulumiDir, tsVersion, "4.7.0") >= 0;
    options["compilerOptions"] = {
        target: "ES2020",
        module: useNodeNext ? "nodenext" : "commonjs",
        moduleResolution: useNodeNext ? "nodenext" : "node",
        sourceMap: "true",
        ...compilerOptions,
    };
    const tsnodePath = fromPulumi(tsnodeRequire);
    const tsn = require(tsnodePath) as TsNodeModule;
    const prepare = Error.prepareStackTrace;
    const effective = effectiveOptions(tsn, options);
    const typecheck = tsNodeTypeChecks(effective.options) ? checkSetup(opts, tsn, tsnodePath, options, effective, false) : undefined;
    // Transpiling, the language host's own service (ts-node 8 and later) or options; type-checking, the same
    // options with ts-node transpiling, the check being the gate's. The service is wrapped before it is
    // registered where ts-node allows it (8 and later), so modules it preloads (its `require` option) are seen too.
    const running: Record<string, unknown> = typecheck === undefined ? options : { ...options, transpileOnly: true, typeCheck: false };
    const created = typeof tsn.create === "function" ? (typecheck === undefined ? (effective.service ?? tsn.create(running)) : tsn.create(running)) : undefined;
    const service = created ?? tsn.register(running);
    const remember = (file: string, _code: string, output: string): void => rememberCompiledOutput(file, output);
    cacheCompiles(service, opts.cacheDir, compilerIdentity(tsn, service), remember);
    if (typecheck !== undefined) {
        const verdict = readVerdict(opts.cacheDir, typecheck.key);
        service.compile = reportingCompile(
            service.compile.bind(service),
            verdict !== undefined ? { verdict, cacheDir: opts.cacheDir, newError: (e) => replayedError(tsn, e) } : undefined,
            opts.onLoad,
            remember,
        );
    }
    if (created !== undefined) tsn.register(created);
    Error.prepareStackTrace = prepare;
    return { esm: isModule, typescript: true, ...(typecheck !== undefined ? { typecheck } : {}), drainLoads: none };
}

/** What the checker needs, and the verdict's key. */
function checkSetup(
    opts: { readonly programDir: string; readonly cacheDir: string },
    tsn: TsNodeModule,
    tsnodePath: string,
    raw: Record<string, unknown>,
    effective: { options: Record<string, unknown>; service?: TsNodeService },
    esm: boolean,
): TypecheckSetup {
    const json = asJson(raw);
    const key = checkKey({
        tsnode: tsnodePath,
        tsnodeVersion: tsn.VERSION,
        typescript: effective.service?.ts?.version,
        raw: json,
        options: effective.options,
        compilerOptions: effective.service?.config?.options,
        esm,
    });
    return { key, request: { programDir: opts.programDir, cacheDir: opts.cacheDir, tsnode: tsnodePath, ...json } };
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
 * hooks.js), with our compile cache. The loader thread loads host/esm-hooks.ts through `tsLoader`, and reports
 * the files it compiles over a message port; returns the function that hands over those still queued.
 */
function registerEsmHooks(
    opts: { readonly programDir: string; readonly cacheDir: string; readonly tsLoader: string | undefined; readonly onLoad: (load: LoadedFile) => void },
    tsnode: string,
    options: Record<string, unknown>,
    typecheck: TypecheckSetup | undefined,
): () => void {
    const hooks = path.join(__dirname, "esm-hooks.ts");
    const source = [
        `import { createRequire } from "node:module";`,
        `const require = createRequire(${JSON.stringify(pathToFileURL(hooks).href)});`,
        ...(opts.tsLoader !== undefined ? [opts.tsLoader] : []),
        `const h = require(${JSON.stringify(hooks)});`,
        `export const initialize = h.initialize, resolve = h.resolve, load = h.load;`,
    ].join("\n");
    const Module = require("module") as { register(specifier: string, parent: string, o: { data: unknown; transferList?: unknown[] }): void };
    const { MessageChannel, receiveMessageOnPort } = require("worker_threads") as typeof import("worker_threads");
    useStoredSourceMaps(opts.cacheDir);
    let port: MessagePort | undefined;
    let loads: MessagePort | undefined;
    if (typecheck !== undefined) {
        const channel = new MessageChannel();
        loads = channel.port1;
        port = channel.port2;
        loads.on("message", (m: LoadedFile) => opts.onLoad(m));
        loads.unref();
    }
    const verdict = typecheck !== undefined ? readVerdict(opts.cacheDir, typecheck.key) : undefined;
    Module.register(`data:text/javascript,${encodeURIComponent(source)}`, pathToFileURL(path.join(opts.programDir, "index.js")).href, {
        data: { tsnode, options, cacheDir: opts.cacheDir, ...(port !== undefined ? { port, ...(verdict !== undefined ? { verdict } : {}) } : {}) },
        ...(port !== undefined ? { transferList: [port] } : {}),
    });
    return () => {
        if (loads === undefined) return;
        for (let m = receiveMessageOnPort(loads); m !== undefined; m = receiveMessageOnPort(loads)) opts.onLoad(m.message as LoadedFile);
    };
}

/** Keeps a compiled file's map where the main thread finds it (used by host/esm-hooks.ts). */
export function keepEsmSourceMap(cacheDir: string, file: string, code: string, output: string): void {
    const map = inlineSourceMap(output);
    if (map !== undefined) storeSourceMap(cacheDir, file, code, map);
}
