/**
 * Preloaded (`node -r`) into a policy pack process unless `--pack-typecheck` is given. The CLI's launcher
 * (@pulumi/pulumi/cmd/run-policy-pack) registers ts-node with `typeCheck: true`, which costs several
 * seconds per run (about 6 s for our pack on a 2-core machine). The gate keeps the launcher, its arguments
 * and environment as the CLI has them, and only replaces that registration with the esbuild transpile hook
 * (ts-hook.ts; ts-node transpile-only when esbuild is missing): type errors in a pack are the pack's own
 * type-check's business (`tsc`), not something every policy run should pay for.
 */
import * as path from "path";
import { registerTsHook, sourceMapOf } from "./ts-hook";

/* eslint-disable @typescript-eslint/no-require-imports */
interface TsNode {
    register(opts?: Record<string, unknown>): unknown;
}

try {
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [process.cwd()] }));
    const tsn = require(require.resolve("ts-node", { paths: [pulumiDir] })) as TsNode;
    if (registerTsHook()) {
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
    // No ts-node next to @pulumi/pulumi: the launcher falls back to its vendored copy; nothing to speed up.
}
