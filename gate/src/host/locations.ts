/**
 * Source locations of the statements that declare resources: the first stack frame in the program's own code
 * (outside node_modules, Node's internals and the gate), mapped back to TypeScript through the compiled files'
 * source maps (host/source-maps.ts).
 *
 * The constructors of the resource being built (its class and every base class up to Resource) are skipped, so a
 * component's location is the `new Store(...)` statement, not its `super(...)` call. Each class of that chain is
 * skipped once, base class first (the order the frames come in), so a user's component `Vpc` whose constructor
 * calls `new aws.ec2.Vpc(...)` still gets the line inside the component for the inner resource: the provider's
 * `Vpc` frame is that resource's own, the user's `Vpc` frame below it is its caller.
 */
import * as path from "path";
import { fileURLToPath } from "url";
import type { SourceLocation } from "../shared/types";
import { originalPosition } from "./source-maps";

const GATE_DIR = path.resolve(__dirname, "..", "..");

/** Class names of a resource's constructor chain, base class first (Resource, CustomResource, Bucket). */
export function constructorChain(obj: unknown): string[] {
    const names: string[] = [];
    for (let p = typeof obj === "object" && obj !== null ? (Object.getPrototypeOf(obj) as object | null) : null; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
        const name = (p as { constructor?: { name?: unknown } }).constructor?.name;
        if (typeof name === "string" && name !== "") names.push(name);
    }
    return names.reverse();
}

/** Consumes constructor frames of `chain` in order; true when the frame belongs to the chain. */
function chainMatcher(ctor: string | readonly string[] | undefined): (name: string | null, isConstructor: boolean) => boolean {
    const chain = ctor === undefined ? [] : typeof ctor === "string" ? (ctor === "" ? [] : [ctor]) : ctor;
    let next = 0;
    return (name, isConstructor) => {
        if (!isConstructor || name === null) return false;
        for (let j = next; j < chain.length; j++) {
            if (chain[j] === name) {
                next = j + 1;
                return true;
            }
        }
        return false;
    };
}

/** A frame's file as a path (ES modules report `file://` URLs). */
function framePath(file: string): string {
    return file.startsWith("file://") ? fileURLToPath(file) : file;
}

function ownCode(file: string): boolean {
    return path.isAbsolute(file) && !file.includes(`${path.sep}node_modules${path.sep}`) && !file.startsWith(GATE_DIR + path.sep);
}

function located(file: string, line: number, column: number, mapped: boolean): SourceLocation {
    const orig = mapped ? undefined : originalPosition(file, line, column);
    return { file, line: orig?.line ?? line, column: orig?.column ?? column };
}

/**
 * The first frame of a formatted stack trace outside node_modules, Node's internals and the gate. `ctor`: the
 * constructor chain (or one class name) of the resource being built, whose frames are skipped. `mapped`: the
 * positions are already TypeScript positions (a source-map hook formatted the trace).
 */
export function callerLocation(stack: string | undefined, ctor?: string | readonly string[], mapped = false): SourceLocation | undefined {
    const inChain = chainMatcher(ctor);
    for (const line of (stack ?? "").split("\n").slice(1)) {
        const text = line.trim();
        const ctorName = /^at new ([^\s(]+) \(/.exec(text)?.[1] ?? null;
        if (inChain(ctorName, ctorName !== null)) continue;
        const m = /\(?((?:file:\/\/)?(?:[A-Za-z]:)?[^():]+):(\d+):(\d+)\)?\s*$/.exec(text);
        if (m === null) continue;
        const file = framePath((m[1] as string).replace(/^.*?at\s+(?:new\s+)?(?:\S+\s+\()?/, ""));
        if (!ownCode(file)) continue;
        return located(file, Number(m[2]), Number(m[3]), mapped);
    }
    return undefined;
}

/**
 * `callerLocation` from V8's structured call sites instead of the formatted stack text: the same frame, without
 * formatting and parsing up to 40 frames per resource (used at every registration). Call sites always carry the
 * positions of the emitted JavaScript.
 */
export function callsiteLocation(sites: readonly NodeJS.CallSite[], ctor?: string | readonly string[]): SourceLocation | undefined {
    const inChain = chainMatcher(ctor);
    for (const site of sites) {
        if (inChain(site.getFunctionName(), site.isConstructor())) continue;
        const name = site.getFileName();
        const line0 = site.getLineNumber();
        const col0 = site.getColumnNumber();
        if (name === undefined || name === null || line0 === null || col0 === null) continue;
        const file = framePath(name);
        if (!ownCode(file)) continue;
        return located(file, line0, col0, false);
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
