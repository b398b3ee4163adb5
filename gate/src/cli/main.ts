import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { helpText, OptionError, parseOptions, type OptionTable } from "../../../scripts/lib/options";
import { GateError, usageError } from "../shared/errors";
import { toJson } from "../report/json";
import { toSarif } from "../report/sarif";
import { toText } from "../report/text";
import { exitCode, partialCause } from "../report/verdict";
import { progressEnabled, ProgressLine } from "./progress";
import { DEFAULTS, runGate, type GateOptions } from "./run";

/** The gate's options: parsing and `--help` both come from this table. */
export const OPTIONS = {
    cwd: { type: "string", short: "C", value: "DIR", description: "the Pulumi project directory (default: current directory)" },
    stack: { type: "string", short: "s", value: "NAME", description: "stack (Pulumi.<NAME>.yaml); default: the only stack, else 'dev'" },
    "policy-pack": { type: "string", multiple: true, value: "DIR", description: "a policy pack directory; repeatable (default: <cwd>/policies)" },
    "policy-pack-config": { type: "string", multiple: true, value: "FILE", description: "JSON config for the pack at the same position; repeatable" },
    format: { type: "string", value: "text|json|sarif", description: "output format (default: text)" },
    output: { type: "string", short: "o", value: "FILE", description: "write the report to FILE instead of stdout" },
    timeout: {
        type: "string",
        value: "SECONDS",
        description: `limit for the program run, a pack's start and each call to a pack (default: ${DEFAULTS.timeoutMs / 1000})`,
    },
    concurrency: { type: "string", value: "N", description: `Analyze calls in flight per pack (default: ${DEFAULTS.concurrency})` },
    "pack-processes": {
        type: "string",
        value: "N",
        description: "processes per pack (default 1, as the CLI); 2 starts a second one when more\nthan 1000 Analyze calls wait and spreads the calls (only for stateless packs)",
    },
    "pack-typecheck": { type: "boolean", description: "type-check policy packs as the CLI's launcher does (slower; default transpile-only)" },
    organization: { type: "string", value: "NAME", description: `organization name given to the program and packs (default: ${DEFAULTS.organization})` },
    "fail-on-partial": {
        type: "boolean",
        description: "exit 2 when the analysis is partial: a remote component whose children no\ninstalled provider plugin could create (see docs/gate.md, \"Remote components\")",
    },
    "no-simulate": {
        type: "boolean",
        description: "preview only: skip the simulated deployment (the program run again as `pulumi up`\nwould deploy it, with synthetic outputs; see docs/gate.md, \"Simulated deployment\")",
    },
    quiet: { type: "boolean", short: "q", description: "no progress line on a terminal (it is never shown in CI or when stderr is not a terminal)" },
    help: { type: "boolean", short: "h", description: "this text" },
} as const satisfies OptionTable;

export const USAGE = helpText(
    "npm run gate -- [options]",
    "Runs a Pulumi TypeScript program offline (mocks, preview mode) and checks it against policy packs served\nexactly as `pulumi preview --policy-pack` serves them; then runs it again as `pulumi up` would deploy it\n(synthetic outputs) and checks that too.",
    OPTIONS,
    "Exit codes: 0 no mandatory violation, 1 mandatory violation(s) in the preview or the simulated deployment,\n2 usage/config error, program failure, policy pack failure, timeout, or a partial analysis with --fail-on-partial.",
);

export interface CliArgs extends GateOptions {
    readonly format: "text" | "json" | "sarif";
    readonly output?: string;
    readonly failOnPartial: boolean;
    readonly quiet: boolean;
    readonly help: boolean;
}

export function parseArgs(argv: readonly string[]): CliArgs {
    let v;
    try {
        v = parseOptions(OPTIONS, argv);
    } catch (e) {
        if (e instanceof OptionError) throw usageError(`${e.message}\n\n${USAGE}`);
        throw e;
    }
    const format = v.format ?? "text";
    if (format !== "text" && format !== "json" && format !== "sarif") throw usageError(`--format must be text, json or sarif, not '${format}'`);
    let timeoutMs: number = DEFAULTS.timeoutMs;
    if (v.timeout !== undefined) {
        const s = Number(v.timeout);
        if (!Number.isFinite(s) || s <= 0) throw usageError(`--timeout must be a positive number of seconds`);
        timeoutMs = s * 1000;
    }
    let concurrency: number = DEFAULTS.concurrency;
    if (v.concurrency !== undefined) {
        concurrency = Number(v.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1) throw usageError(`--concurrency must be a positive integer`);
    }
    let packProcesses = 1;
    if (v["pack-processes"] !== undefined) {
        packProcesses = Number(v["pack-processes"]);
        if (!Number.isInteger(packProcesses) || packProcesses < 1 || packProcesses > 2) throw usageError(`--pack-processes must be 1 or 2`);
    }
    return {
        cwd: path.resolve(v.cwd ?? process.cwd()),
        ...(v.stack !== undefined ? { stack: v.stack } : {}),
        policyPacks: v["policy-pack"].map((p) => path.resolve(p)),
        policyPackConfigs: v["policy-pack-config"].map((p) => path.resolve(p)),
        format,
        ...(v.output !== undefined ? { output: path.resolve(v.output) } : {}),
        timeoutMs,
        concurrency,
        organization: v.organization ?? DEFAULTS.organization,
        packTypecheck: v["pack-typecheck"],
        packProcesses,
        failOnPartial: v["fail-on-partial"],
        simulate: !v["no-simulate"],
        quiet: v.quiet,
        help: v.help,
    };
}

function repoRoot(dir: string): string {
    try {
        return execFileSync("git", ["rev-parse", "--show-toplevel"], { cwd: dir, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
    } catch {
        return dir;
    }
}

function toolVersion(): string {
    try {
        return (JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "..", "package.json"), "utf8")) as { version?: string }).version ?? "0.0.0";
    } catch {
        return "0.0.0";
    }
}

export async function main(argv: readonly string[]): Promise<number> {
    let args: CliArgs;
    try {
        args = parseArgs(argv);
    } catch (e) {
        process.stderr.write(`error: ${(e as Error).message}\n`);
        return 2;
    }
    if (args.help) {
        process.stdout.write(USAGE);
        return 0;
    }
    const progress = progressEnabled({ isTTY: process.stderr.isTTY === true, env: process.env, quiet: args.quiet }) ? new ProgressLine(process.stderr) : undefined;
    try {
        const report = await runGate(args, progress !== undefined ? (p) => progress.update(p) : undefined);
        progress?.stop();
        let text: string;
        if (args.format === "json") text = JSON.stringify(toJson(report), null, 2) + "\n";
        else if (args.format === "sarif") text = JSON.stringify(toSarif(report, repoRoot(report.projectDir), toolVersion()), null, 2) + "\n";
        else text = toText(report);
        if (args.output !== undefined) {
            fs.mkdirSync(path.dirname(args.output), { recursive: true });
            fs.writeFileSync(args.output, text);
            // Keep the verdict visible in logs when the report goes to a file.
            const j = toJson(report);
            const s = j.summary;
            process.stderr.write(
                `policy gate: ${s.passed ? "passed" : "FAILED"} (${s.resources} resources, ${s.mandatory} mandatory, ${s.advisory} advisory, ${s.waived} waived, ${s.undecided} undecided)` +
                    `${j.partial ? "; analysis PARTIAL (remote components not analyzed inside)" : ""}; report written to ${args.output}\n`,
            );
            const sim = j.simulation;
            if (sim.status === "completed") {
                process.stderr.write(`policy gate: simulated deployment: ${sim.summary.resources} resources, ${sim.summary.mandatory} mandatory, ${sim.summary.advisory} advisory, ${sim.summary.waived} waived, ${sim.summary.undecided} undecided\n`);
            } else if (sim.status === "stopped") {
                process.stderr.write(`policy gate: simulated deployment stopped (the preview's verdict stands): ${sim.reason.split("\n")[0]}\n`);
            }
        } else {
            process.stdout.write(text);
        }
        // The report is complete as far as it goes; --fail-on-partial then refuses a partial one.
        const partial = args.failOnPartial ? partialCause(report) : undefined;
        if (partial !== undefined) {
            process.stderr.write(`error: [partial] ${partial}\n`);
            return 2;
        }
        return exitCode(report);
    } catch (e) {
        progress?.stop();
        if (e instanceof GateError) {
            process.stderr.write(`error: [${e.category}] ${e.message}\n`);
        } else {
            const err = e as Error;
            process.stderr.write(`error: [internal] the gate failed unexpectedly: ${err.message}\n${err.stack ?? ""}\n`);
        }
        return 2;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => {
            // Exit explicitly once output is flushed: nothing (a stray handle in a pack) may keep the gate alive.
            process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
        },
        (e: unknown) => {
            process.stderr.write(`error: [internal] ${String(e)}\n`);
            process.exitCode = 2;
        },
    );
}
