/**
 * The ESM loader hooks of an ES module program (`"type": "module"`), run on Node's loader thread: ts-node
 * registered with the options the language host computes and its ESM hooks (`createEsmHooks`), as the language
 * host's own hooks module does, plus the compile cache. Registered by host/compile.ts.
 */
import { cacheCompiles, type TsNodeCompiler } from "./compile-cache";
import { dropGateTsHook } from "../shared/launch";
import { compilerIdentity, keepEsmSourceMap } from "./compile";

/* eslint-disable @typescript-eslint/no-require-imports */

type Hook = (...args: unknown[]) => unknown;

interface EsmTsNode {
    VERSION?: string;
    register(opts: Record<string, unknown>): TsNodeCompiler;
    createEsmHooks(service: TsNodeCompiler): { resolve: Hook; load: Hook };
}

let hooks: { resolve: Hook; load: Hook } | undefined;

export function initialize(data: { tsnode: string; options: Record<string, unknown>; cacheDir: string; cache: boolean }): void {
    const tsn = require(data.tsnode) as EsmTsNode;
    dropGateTsHook(); // this thread's gate modules are loaded; ts-node takes `.ts` from here on
    const service = tsn.register(data.options);
    const keep = (file: string, code: string, output: string): void => keepEsmSourceMap(data.cacheDir, file, code, output);
    if (data.cache) {
        cacheCompiles(service, data.cacheDir, compilerIdentity(tsn, service), keep);
    } else {
        const compile = service.compile.bind(service);
        service.compile = (code, file, offset) => {
            const out = compile(code, file, offset);
            keep(file, code, out);
            return out;
        };
    }
    hooks = tsn.createEsmHooks(service);
}

export function resolve(...args: unknown[]): unknown {
    return (hooks as { resolve: Hook }).resolve(...args);
}

export function load(...args: unknown[]): unknown {
    return (hooks as { load: Hook }).load(...args);
}
