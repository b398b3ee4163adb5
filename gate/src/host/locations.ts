/**
 * Source locations of the statements that declare resources: the first stack frame in the program's own code
 * (outside node_modules, Node's internals and the gate), mapped back to TypeScript through the compile hook's
 * source maps.
 */
import * as path from "path";
import { originalPosition } from "../shared/ts-hook";
import type { SourceLocation } from "../shared/types";

const GATE_DIR = path.resolve(__dirname, "..", "..");

/**
 * First stack frame outside node_modules, node internals and the gate itself. `ctor`: the class being
 * constructed; its own constructor frames (a component's `super(...)` call) are skipped so that the location
 * is the statement that declared the resource (`new Store(...)`).
 */
export function callerLocation(stack: string | undefined, ctor?: string): SourceLocation | undefined {
    for (const line of (stack ?? "").split("\n").slice(1)) {
        if (ctor !== undefined && ctor !== "" && line.trim().startsWith(`at new ${ctor} (`)) {
            continue;
        }
        const m = /\(?((?:[A-Za-z]:)?[^():]+):(\d+):(\d+)\)?\s*$/.exec(line.trim());
        if (m === null) {
            continue;
        }
        const file = (m[1] as string).replace(/^.*?at\s+(?:new\s+)?(?:\S+\s+\()?/, "");
        if (!path.isAbsolute(file) || file.includes(`${path.sep}node_modules${path.sep}`) || file.startsWith(GATE_DIR + path.sep)) {
            continue;
        }
        const line0 = Number(m[2]);
        const col0 = Number(m[3]);
        const orig = originalPosition(file, line0, col0);
        return { file, line: orig?.line ?? line0, column: orig?.column ?? col0 };
    }
    return undefined;
}

/**
 * `callerLocation` from V8's structured call sites instead of the formatted stack text: the same frame, without
 * formatting and parsing up to 40 frames per resource (used at every registration).
 */
export function callsiteLocation(sites: readonly NodeJS.CallSite[], ctor?: string): SourceLocation | undefined {
    for (const site of sites) {
        if (ctor !== undefined && ctor !== "" && site.isConstructor() && site.getFunctionName() === ctor) {
            continue;
        }
        const file = site.getFileName();
        const line0 = site.getLineNumber();
        const col0 = site.getColumnNumber();
        if (file === undefined || file === null || line0 === null || col0 === null) {
            continue;
        }
        if (!path.isAbsolute(file) || file.includes(`${path.sep}node_modules${path.sep}`) || file.startsWith(GATE_DIR + path.sep)) {
            continue;
        }
        const orig = originalPosition(file, line0, col0);
        return { file, line: orig?.line ?? line0, column: orig?.column ?? col0 };
    }
    return undefined;
}

/** The current call sites (at most `limit`), without formatting a stack trace. */
export function captureCallsites(limit: number, below: (...a: never[]) => unknown): NodeJS.CallSite[] {
    const prepare = Error.prepareStackTrace;
    const prevLimit = Error.stackTraceLimit;
    Error.prepareStackTrace = (_e, sites) => sites;
    Error.stackTraceLimit = limit;
    try {
        const holder: { stack?: unknown } = {};
        Error.captureStackTrace(holder, below);
        return Array.isArray(holder.stack) ? (holder.stack as NodeJS.CallSite[]) : [];
    } finally {
        Error.prepareStackTrace = prepare;
        Error.stackTraceLimit = prevLimit;
    }
}

