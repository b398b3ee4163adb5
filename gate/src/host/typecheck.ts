/**
 * The type checker: a process of its own (started by cli/typecheck.ts) that does what ts-node does under
 * Pulumi's Node.js language host when the language host has it type-check. It creates ts-node's service with
 * exactly the options the language host registers it with (host/compile.ts computes them; the same ts-node, the
 * same TypeScript, the program's directory as the working directory, the same environment) and hands it the
 * files the program loaded, in the order it loaded them, with the code it loaded: ts-node's own type check
 * then decides, file by file, with its own diagnostics, ignore list and formatting. Files the program never loads
 * are never checked, as under the language host.
 *
 * For every load it answers the output ts-node emits (the program host ran the transpiled output; the gate
 * compares) or the error ts-node throws; at the end, every input the compiler read (shared/typecheck-verdict.ts).
 * ts-node 7 keeps a disk cache through which an unchanged file is not checked again; it is turned off here, so
 * the check is that of a machine that never ran the program (a CI runner).
 */
import type { TypecheckRequest } from "../shared/types";
import { emptyInputs, recordCompilerInputs, sha256, storeCheckedOutput, type CheckedResult, type CompileError, type CompilerSys } from "../shared/typecheck-verdict";

/* eslint-disable @typescript-eslint/no-require-imports */

export type CheckerRequest = TypecheckRequest;

/** Messages from the gate to the checker. */
export type CheckerInput =
    /** A file the program loaded: its path and code, and the SHA-256 of the output the program ran (null: none). */
    | { readonly kind: "load"; readonly file: string; readonly code: string; readonly ran: string | null }
    | { readonly kind: "end" };

/** Messages from the checker to the gate. */
export type CheckerOutput =
    | { readonly kind: "checked"; readonly index: number; readonly result: CheckedResult }
    | { readonly kind: "inputs"; readonly inputs: ReturnType<typeof emptyInputs> }
    | { readonly kind: "failed"; readonly message: string };

interface TsNodeService {
    compile(code: string, fileName: string, lineOffset?: number): string;
}

interface TsNode {
    create?(opts: Record<string, unknown>): TsNodeService;
    register(opts: Record<string, unknown>): TsNodeService;
}

/** An exception of ts-node's, as the program host replays it (host/compile.ts). */
export function compileError(e: unknown): CompileError {
    if (e instanceof Error) {
        const x = e as Error & { diagnosticText?: unknown; diagnosticCodes?: unknown };
        return {
            name: e.name,
            message: e.message,
            ...(typeof x.diagnosticText === "string" ? { diagnosticText: x.diagnosticText } : {}),
            ...(Array.isArray(x.diagnosticCodes) ? { diagnosticCodes: x.diagnosticCodes.map(Number) } : {}),
        };
    }
    return { name: "Error", message: String(e) };
}

/** Records what every TypeScript module loaded from here on reads, before ts-node takes its `sys` functions. */
function recordTypeScriptInputs(inputs: ReturnType<typeof emptyInputs>): void {
    const Module = require("module") as { _load: (...a: unknown[]) => unknown };
    const load = Module._load;
    const seen = new WeakSet<object>();
    Module._load = function (this: unknown, ...args: unknown[]): unknown {
        const m = load.apply(this, args) as { sys?: CompilerSys; createLanguageService?: unknown } | undefined;
        if (m !== undefined && m !== null && typeof m.createLanguageService === "function" && m.sys !== undefined && !seen.has(m)) {
            seen.add(m);
            recordCompilerInputs(m.sys, inputs);
        }
        return m;
    };
}

function send(m: CheckerOutput, then?: () => void): void {
    if (process.send === undefined) return;
    process.send(m, undefined, {}, () => then?.());
}

export function typecheckMain(): void {
    const req = JSON.parse(process.argv[2] ?? "{}") as CheckerRequest;
    process.chdir(req.programDir);
    const inputs = emptyInputs();
    let service: TsNodeService;
    try {
        recordTypeScriptInputs(inputs);
        const tsn = require(req.tsnode) as TsNode;
        const options: Record<string, unknown> = { ...req.options };
        for (const k of req.undefinedOptions) options[k] = undefined;
        // ts-node 10 (and 8, 9): `create` is what the language host's `register` runs; ts-node 7 only registers.
        service = typeof tsn.create === "function" ? tsn.create(options) : tsn.register({ ...options, cache: false });
    } catch (e) {
        send({ kind: "failed", message: `ts-node could not be set up: ${e instanceof Error ? e.message : String(e)}` }, () => process.exit(1));
        return;
    }
    let index = 0;
    process.on("message", (m: CheckerInput) => {
        if (m.kind === "end") {
            send({ kind: "inputs", inputs }, () => process.disconnect?.());
            return;
        }
        let result: CheckedResult;
        try {
            const output = service.compile(m.code, m.file);
            const hash = sha256(output);
            const differs = hash !== m.ran;
            if (differs) storeCheckedOutput(req.cacheDir, output);
            result = { output: hash, differs };
        } catch (e) {
            result = { error: compileError(e) };
        }
        send({ kind: "checked", index: index++, result });
    });
}
