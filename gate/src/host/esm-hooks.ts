/**
 * The ESM loader hooks of an ES module program (`"type": "module"`), run on Node's loader thread: ts-node
 * registered as the language host's own hooks module registers it (host/compile.ts) and its ESM hooks
 * (`createEsmHooks`), plus the compile cache; when the language host would type-check, each file compiled is
 * reported over `port` and the stored verdict replayed (host/compile.ts, `reportingCompile`). Registered by
 * host/compile.ts.
 */
import type { MessagePort } from "worker_threads";
import type { Verdict } from "../shared/typecheck-verdict";
import { cacheCompiles, type TsNodeCompiler } from "./compile-cache";
import { dropGateTsHook } from "../shared/launch";
import { compilerIdentity, keepEsmSourceMap, replayedError, reportingCompile, type LoadedFile } from "./compile";

/* eslint-disable @typescript-eslint/no-require-imports */

type Hook = (...args: unknown[]) => unknown;

interface EsmTsNode {
    VERSION?: string;
    TSError?: new (diagnosticText: string, diagnosticCodes: number[]) => Error;
    register(opts: Record<string, unknown>): TsNodeCompiler;
    createEsmHooks(service: TsNodeCompiler): { resolve: Hook; load: Hook };
}

let hooks: { resolve: Hook; load: Hook } | undefined;

export function initialize(data: { tsnode: string; options: Record<string, unknown>; cacheDir: string; port?: MessagePort; verdict?: Verdict }): void {
    const tsn = require(data.tsnode) as EsmTsNode;
    dropGateTsHook(); // this thread's gate modules are loaded; ts-node takes `.ts` from here on
    const service = tsn.register(data.options);
    const keep = (file: string, code: string, output: string): void => keepEsmSourceMap(data.cacheDir, file, code, output);
    cacheCompiles(service, data.cacheDir, compilerIdentity(tsn, service), keep);
    const port = data.port;
    if (port !== undefined) {
        service.compile = reportingCompile(
            service.compile.bind(service),
            data.verdict !== undefined ? { verdict: data.verdict, cacheDir: data.cacheDir, newError: (e) => replayedError(tsn, e) } : undefined,
            (load: LoadedFile) => port.postMessage(load),
            keep,
        );
    }
    hooks = tsn.createEsmHooks(service);
}

export function resolve(...args: unknown[]): unknown {
    return (hooks as { resolve: Hook }).resolve(...args);
}

export function load(...args: unknown[]): unknown {
    return (hooks as { load: Hook }).load(...args);
}
