/**
 * Preloaded (`node -r`) into a policy pack process unless `--pack-typecheck` is given. The CLI's launcher
 * (@pulumi/pulumi/cmd/run-policy-pack) registers ts-node with `typeCheck: true`, which costs several
 * seconds per run (docs/gate.md, "Differences", has the measured figure). The gate keeps the launcher, its arguments
 * and environment as the CLI has them, and only replaces that registration with the esbuild transpile hook
 * (shared/ts-hook.ts; ts-node transpile-only when esbuild is missing): type errors in a pack are the pack's own
 * type-check's business (`tsc`), not something every policy run should pay for.
 */
import * as fs from "fs";
import * as path from "path";
import { registerTsHook, sourceMapOf } from "../shared/ts-hook";

/* eslint-disable @typescript-eslint/no-require-imports */
interface TsNode {
    register(opts?: Record<string, unknown>): unknown;
}

/**
 * The launcher loads the TypeScript compiler (~9 MB of JavaScript) only to read its version and the pack's
 * tsconfig for ts-node, which the esbuild hook replaces: give it a stand-in with the real version.
 */
function stubTypeScript(pulumiDir: string): void {
    try {
        const tsPath = require.resolve("typescript", { paths: [pulumiDir] });
        const version = (require(require.resolve("typescript/package.json", { paths: [pulumiDir] })) as { version: string }).version;
        const Module = require("module") as { _cache: Record<string, unknown>; Module: new (id: string) => { exports: unknown; loaded: boolean; filename: string } };
        const m = new Module.Module(tsPath);
        m.filename = tsPath;
        m.loaded = true;
        m.exports = {
            version,
            parseConfigFileTextToJson: () => ({ config: {} }),
        };
        Module._cache[tsPath] = m;
    } catch {
        // No typescript next to @pulumi/pulumi: the launcher uses its vendored copy; leave it.
    }
}

/**
 * The ts-node the launcher registers (@pulumi/pulumi's tsutils.typeScriptRequireStrings): the one next to
 * @pulumi/pulumi, else the copy @pulumi/pulumi vendors. A pack made as Pulumi's templates make one has no ts-node of
 * its own, and the vendored copy must be replaced too: it would compile the esbuild hook's output (it wraps the
 * `.ts` handler it finds) and type-check that JavaScript as if it were the pack's source.
 */
function launcherTsNode(pulumiDir: string): string {
    try {
        return require.resolve("ts-node", { paths: [pulumiDir] });
    } catch {
        const vendor = path.join(pulumiDir, "vendor");
        const copy = fs.readdirSync(vendor).find((d) => d.startsWith("ts-node@"));
        if (copy === undefined) {
            throw new Error(`no ts-node next to @pulumi/pulumi and none in ${vendor}`);
        }
        return require.resolve(path.join(vendor, copy));
    }
}

try {
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [process.cwd()] }));
    const tsn = require(launcherTsNode(pulumiDir)) as TsNode;
    if (registerTsHook()) {
        stubTypeScript(pulumiDir);
        // The esbuild hook now compiles the pack's .ts files; the launcher's ts-node registration is not needed.
        tsn.register = () => undefined;
        // The launcher installs source-map-support; give it the hook's maps so a failing rule's frame names its
        // TypeScript line.
        const sms = require(require.resolve("source-map-support", { paths: [pulumiDir] })) as {
            install(o: { retrieveSourceMap(source: string): { url: string; map: string } | null }): void;
        };
        sms.install({
            retrieveSourceMap: (source: string) => {
                const map = sourceMapOf(source);
                return map === undefined ? null : { url: source, map };
            },
        });
    } else {
        const original = tsn.register.bind(tsn);
        tsn.register = (opts?: Record<string, unknown>) => original({ ...opts, typeCheck: false, transpileOnly: true });
    }
} catch {
    // No @pulumi/pulumi next to the pack, or no ts-node the launcher could load: the launcher reports it.
}
