/**
 * The program's failures, captured as the language host captures them: an uncaught exception or unhandled
 * rejection anywhere (at load time, in an `apply`, while serializing a closure), a rejected stack, an error logged
 * with `pulumi.log.error`. The first one is the cause reported: the program's own exception (its name and
 * message) and the first frame in the program's own code, in TypeScript. Like the language host, the run goes on
 * after a failure until the event loop drains (host/drain.ts); the failure is sent to the gate at once, so it is
 * known even if the run then never ends.
 */
import { inspect } from "util";
import type { ProgramFailure, SourceLocation } from "../shared/types";
import { callerLocation } from "./locations";
import type { PulumiRuntime } from "./runtime";

/** Node's own stack formatter, as it is before any library installs a source-map hook (this module loads first). */
const NODE_PREPARE_STACK_TRACE = Error.prepareStackTrace;

/**
 * An exception as `<name>: <message>` (the name left out for a plain Error); any other thrown value as the
 * language host shows it: its `message`, else the value as a string, else inspected (an error ts-node throws on
 * the ESM loader thread reaches the program as an object that only `util.inspect` can show: its diagnostics).
 */
export function describeException(err: unknown): string {
    if (err instanceof Error) return `${err.name === "Error" ? "" : `${err.name}: `}${err.message}`;
    const message = typeof err === "object" && err !== null ? (err as { message?: unknown }).message : undefined;
    if (typeof message === "string" && message !== "") return message;
    try {
        return String(err);
    } catch {
        return inspect(err);
    }
}

/** The resource a serialization label names (`resource:<name>[<type>]`, the runtime's labels). */
export function labelResource(label: unknown): { type: string; name: string } | undefined {
    if (typeof label !== "string") return undefined;
    const m = /^resource:(.*)\[([^\]]+)\](?:#\.\.\.)?$/.exec(label);
    return m === null ? undefined : { name: m[1] as string, type: m[2] as string };
}

export class Failures {
    private firstFailure: ProgramFailure | undefined;
    private readonly serializing = new WeakMap<object, { type: string; name: string }>();
    /** A simulated deployment: the output without a value an exception came from (an `apply` on it). */
    missingOutputOf: ((err: unknown) => string | undefined) | undefined;

    constructor(
        /** Where a resource was declared (the registration never reached the monitor), if known. */
        private readonly declaredAt: (type: string, name: string) => SourceLocation | undefined,
        /** Called once, with the first failure. */
        private readonly onFirst: (f: ProgramFailure) => void,
    ) {}

    get first(): ProgramFailure | undefined {
        return this.firstFailure;
    }

    /** Listens for uncaught exceptions and unhandled rejections, as the language host does. */
    listen(): void {
        const capture = (err: unknown): void => this.capture(err);
        process.on("uncaughtException", capture);
        process.on("unhandledRejection", capture);
    }

    /**
     * Remembers which resource's inputs were being serialized when an error was thrown, so that a failure with no
     * frame in the program's code (a closure the serializer rejects) still names the resource and its statement.
     */
    tagSerializationErrors(rt: PulumiRuntime): void {
        const orig = rt.rpc["serializeResourceProperties"];
        if (typeof orig !== "function") return;
        rt.rpc["serializeResourceProperties"] = (...args: unknown[]) =>
            (orig(...args) as Promise<unknown>).catch((err: unknown) => {
                const res = labelResource(args[0]);
                if (res !== undefined && typeof err === "object" && err !== null && !this.serializing.has(err)) this.serializing.set(err, res);
                throw err;
            });
    }

    capture(err: unknown): void {
        if (this.firstFailure !== undefined) return;
        // A frame's position is already TypeScript's when a source-map hook formats stack traces.
        const mapped = Error.prepareStackTrace !== NODE_PREPARE_STACK_TRACE || process.sourceMapsEnabled === true;
        // A TSError names its own files and lines (ts-node's diagnostics); its stack only leads to the `import`.
        const location = err instanceof Error && err.name !== "TSError" ? callerLocation(err.stack, undefined, mapped) : undefined;
        const res = typeof err === "object" && err !== null ? this.serializing.get(err) : undefined;
        const resLocation = res !== undefined ? this.declaredAt(res.type, res.name) : undefined;
        const missingOutput = this.missingOutputOf?.(err);
        this.fail({
            message: describeException(err),
            ...(location !== undefined ? { location } : {}),
            ...(res !== undefined ? { resource: { ...res, ...(resLocation !== undefined ? { location: resLocation } : {}) } } : {}),
            ...(missingOutput !== undefined ? { missingOutput } : {}),
        });
    }

    fail(f: ProgramFailure): void {
        if (this.firstFailure !== undefined) return;
        this.firstFailure = f;
        this.onFirst(f);
    }
}
