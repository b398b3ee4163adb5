/**
 * Bundles one Lambda function with esbuild. Called by the infrastructure program at run time
 * (`new pulumi.asset.FileArchive(bundleFunction("ingest"))`), including under Pulumi mocks in tests, so it is
 * synchronous and cheap: the bundle is rebuilt only when a source file under functions/src is newer than it.
 *
 * The AWS SDK v3 (`@aws-sdk/*`) is left out of the bundle: the nodejs22.x Lambda runtime provides it.
 */
import { buildSync } from "esbuild";
import * as fs from "node:fs";
import * as path from "node:path";
import { FUNCTION_NAMES, FunctionName } from "./src/contract";

const FUNCTIONS_DIR = __dirname;
const SRC_DIR = path.join(FUNCTIONS_DIR, "src");
const DIST_DIR = path.join(FUNCTIONS_DIR, "dist");

export interface BundleOptions {
    /** Rebuild even when the bundle is up to date. Default false. */
    readonly force?: boolean;
    /** Write `index.js.map` next to the bundle. Default false (keeps the deployed archive small). */
    readonly sourcemap?: boolean;
}

/** Newest modification time (ms) of any file under `dir`, or 0 when there is none. */
function newestMtime(dir: string): number {
    let newest = 0;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            newest = Math.max(newest, newestMtime(p));
        } else if (entry.isFile()) {
            newest = Math.max(newest, fs.statSync(p).mtimeMs);
        }
    }
    return newest;
}

/**
 * Bundles functions/src/handlers/<name>.ts into functions/dist/<name>/index.js (exporting `handler`) and returns the
 * absolute path of functions/dist/<name>.
 */
export function bundleFunction(name: FunctionName, options: BundleOptions = {}): string {
    if (!(FUNCTION_NAMES as readonly string[]).includes(name)) {
        throw new Error(`bundleFunction: name must be one of ${FUNCTION_NAMES.join(", ")}; got ${JSON.stringify(name)}`);
    }
    const entry = path.join(SRC_DIR, "handlers", `${name}.ts`);
    if (!fs.existsSync(entry)) {
        throw new Error(`bundleFunction: handler source ${entry} does not exist`);
    }
    const outDir = path.join(DIST_DIR, name);
    const outFile = path.join(outDir, "index.js");
    if (!options.force && fs.existsSync(outFile)) {
        const built = fs.statSync(outFile).mtimeMs;
        if (built > newestMtime(SRC_DIR) && built > fs.statSync(__filename).mtimeMs) {
            return outDir;
        }
    }
    const result = buildSync({
        entryPoints: [entry],
        bundle: true,
        platform: "node",
        target: "node22",
        format: "cjs",
        minify: true,
        sourcemap: options.sourcemap ? "external" : false,
        external: ["@aws-sdk/*"],
        outfile: outFile,
        write: false,
        logLevel: "silent",
        legalComments: "none",
    });
    fs.mkdirSync(outDir, { recursive: true });
    // Write to a temporary name and rename, so that concurrent callers never see a half-written bundle.
    for (const file of result.outputFiles) {
        const tmp = `${file.path}.${process.pid}.${Date.now()}.tmp`;
        fs.writeFileSync(tmp, file.contents);
        fs.renameSync(tmp, file.path);
    }
    if (!options.sourcemap) {
        fs.rmSync(`${outFile}.map`, { force: true });
    }
    return outDir;
}

/** Bundles every function; returns name -> { dir, bytes }. */
export function bundleAll(options: BundleOptions = {}): Record<FunctionName, { dir: string; bytes: number }> {
    const out = {} as Record<FunctionName, { dir: string; bytes: number }>;
    for (const name of FUNCTION_NAMES) {
        const dir = bundleFunction(name, options);
        out[name] = { dir, bytes: fs.statSync(path.join(dir, "index.js")).size };
    }
    return out;
}

if (require.main === module) {
    // Loaded here only: the infrastructure program imports this module for bundleFunction.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { helpText, parseOrExit } = require("../scripts/lib/options") as typeof import("../scripts/lib/options");
    const OPTIONS = {
        force: { type: "boolean", description: "rebuild every bundle, even when it is newer than its sources" },
        sourcemap: { type: "boolean", description: "write index.js.map next to each bundle" },
        help: { type: "boolean", short: "h", description: "this text" },
    } as const;
    const args = parseOrExit(OPTIONS, process.argv.slice(2), helpText("npm run build:functions -- [options]", "Bundles every Lambda function with esbuild into functions/dist/<name>/index.js.", OPTIONS));
    const started = process.hrtime.bigint();
    const built = bundleAll({ force: args.force, sourcemap: args.sourcemap });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    for (const [name, { dir, bytes }] of Object.entries(built)) {
        console.log(`${name.padEnd(10)} ${String(bytes).padStart(8)} bytes  ${path.relative(process.cwd(), path.join(dir, "index.js"))}`);
    }
    console.log(`built in ${ms.toFixed(0)} ms`);
}
