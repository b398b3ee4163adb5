/**
 * One option table per command drives both its parsing (Node's `util.parseArgs`, strict: unknown flags and
 * missing values are errors) and its `--help` text, so the two cannot drift apart. Used by the gate's CLI and by
 * the repository's scripts that take flags.
 */
import { parseArgs } from "node:util";

export interface OptionSpec {
    readonly type: "string" | "boolean";
    /** One-letter alias, e.g. "o" for `-o`. */
    readonly short?: string;
    /** Repeatable: the values are collected in order. */
    readonly multiple?: boolean;
    /** The value's placeholder in the help text, e.g. "DIR" or "text|json|sarif" (string options). */
    readonly value?: string;
    /** Help text; further lines (after "\n") are indented under the first. */
    readonly description: string;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S["type"] extends "boolean"
    ? S["multiple"] extends true
        ? boolean[]
        : boolean
    : S["multiple"] extends true
      ? string[]
      : string | undefined;

/** Parsed values: booleans default to false, repeatable options to [], other strings to undefined. */
export type OptionValues<T extends OptionTable> = { -readonly [K in keyof T]: ValueOf<T[K]> };

/** A command-line error: the message names the argument ("unknown argument '--x'", "--stack needs a value"). */
export class OptionError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "OptionError";
    }
}

/** Rewords util.parseArgs' errors the way our commands have always worded them. */
function reword(e: unknown): Error {
    const err = e as Error & { code?: string };
    const flag = /'(?:-[A-Za-z], )?(--?[A-Za-z0-9][A-Za-z0-9-]*)/.exec(err.message)?.[1];
    switch (err.code) {
        case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
            return new OptionError(`unknown argument '${flag ?? err.message}'`);
        case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL": {
            const arg = /^Unexpected argument '(.*)'\. /.exec(err.message)?.[1];
            return new OptionError(`unknown argument '${arg ?? err.message}'`);
        }
        case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
            if (/does not take an argument/.test(err.message)) return new OptionError(`${flag} does not take a value`);
            return new OptionError(`${flag} needs a value`);
        default:
            return err;
    }
}

/** Parses `argv` against `table`; throws OptionError for an unknown flag, a missing value or a stray argument. */
export function parseOptions<T extends OptionTable>(table: T, argv: readonly string[]): OptionValues<T> {
    const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
    for (const [name, spec] of Object.entries(table)) {
        options[name] = { type: spec.type, ...(spec.short !== undefined ? { short: spec.short } : {}), ...(spec.multiple === true ? { multiple: true } : {}) };
    }
    let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
    try {
        values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
    } catch (e) {
        throw reword(e);
    }
    const out: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(table)) {
        const v = values[name];
        out[name] = v !== undefined ? v : spec.multiple === true ? [] : spec.type === "boolean" ? false : undefined;
    }
    return out as OptionValues<T>;
}

/** The options part of a help text: one line per option (aliases first), descriptions aligned. */
export function optionsHelp(table: OptionTable): string {
    const rows = Object.entries(table).map(([name, spec]) => {
        const flag = `${spec.short !== undefined ? `-${spec.short}, ` : ""}--${name}${spec.type === "string" ? ` ${spec.value ?? "VALUE"}` : ""}`;
        return [flag, spec.description] as const;
    });
    const width = Math.max(...rows.map(([f]) => f.length)) + 3;
    return rows
        .map(([flag, description]) =>
            description
                .split("\n")
                .map((line, i) => `  ${(i === 0 ? flag : "").padEnd(width)}${line}`)
                .join("\n"),
        )
        .join("\n");
}

/** A whole help text: a usage line, what the command does, the options, then anything else (exit codes). */
export function helpText(usage: string, summary: string, table: OptionTable, footer = ""): string {
    return `usage: ${usage}\n\n${summary.trimEnd()}\n\n${optionsHelp(table)}\n${footer === "" ? "" : `\n${footer.trimEnd()}\n`}`;
}

/**
 * For a script's entry point: parses `argv`, prints `help` and exits 0 on `--help` (the table must have a
 * boolean `help` option), prints `error: <problem>` and the help on stderr and exits 2 on a bad command line.
 */
export function parseOrExit<T extends OptionTable & { readonly help: OptionSpec }>(table: T, argv: readonly string[], help: string): OptionValues<T> {
    let v: OptionValues<T>;
    try {
        v = parseOptions(table, argv);
    } catch (e) {
        if (!(e instanceof OptionError)) throw e;
        return usageExit(e.message, help);
    }
    if (v.help === true) {
        process.stdout.write(help);
        process.exit(0);
    }
    return v;
}

/** Prints `error: <message>` and the help on stderr and exits 2 (a bad command line). */
export function usageExit(message: string, help: string): never {
    process.stderr.write(`error: ${message}\n\n${help}`);
    process.exit(2);
}

/** A numeric option's value: `fallback` when absent; a usage error naming the flag when not a number >= `min` (an integer when `integer`). */
export function numberOption(value: string | undefined, flag: string, fallback: number, o: { readonly min: number; readonly integer?: boolean }, help: string): number {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < o.min || (o.integer === true && !Number.isInteger(n))) {
        return usageExit(`${flag} must be ${o.integer === true ? "an integer" : "a number"} of at least ${o.min}, not '${value}'`, help);
    }
    return n;
}
