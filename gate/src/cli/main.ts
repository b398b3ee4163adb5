/**
 * npm run gate -- [--cwd DIR] [--stack NAME] [--policy-pack DIR]... [--policy-pack-config FILE]...
 *                 [--format text|json|sarif] [--output FILE] [--timeout SECONDS] [--concurrency N]
 *                 [--organization NAME]
 *
 * Exit codes: 0 no mandatory violation; 1 at least one mandatory violation; 2 usage error, invalid policy
 * config, a program that fails, a policy pack that fails to start, crashes or does not answer in time.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { GateError, usageError } from "../shared/errors";
import { toJson } from "../report/json";
import { toSarif } from "../report/sarif";
import { toText } from "../report/text";
import { exitCode } from "../report/verdict";
import { DEFAULTS, runGate, type GateOptions } from "./run";

export const USAGE = `usage: npm run gate -- [options]

Runs a Pulumi TypeScript program offline (mocks, preview mode) and checks it against policy packs served
exactly as \`pulumi preview --policy-pack\` serves them.

  --cwd DIR                   the Pulumi project directory (default: current directory)
  --stack NAME                stack (Pulumi.<NAME>.yaml); default: the only stack, else 'dev'
  --policy-pack DIR           a policy pack directory; repeatable (default: <cwd>/policies)
  --policy-pack-config FILE   JSON config for the pack at the same position; repeatable
  --format text|json|sarif    output format (default: text)
  --output FILE               write the report to FILE instead of stdout
  --timeout SECONDS           limit for the program run, a pack's start and each call to a pack (default: ${DEFAULTS.timeoutMs / 1000})
  --concurrency N             Analyze calls in flight per pack (default: ${DEFAULTS.concurrency})
  --pack-processes N          processes per pack (default 1, as the CLI); 2 starts a second one when more
                              than 1000 Analyze calls wait and spreads the calls (only for stateless packs)
  --pack-typecheck            type-check policy packs as the CLI's launcher does (slower; default transpile-only)
  --organization NAME         organization name given to the program and packs (default: ${DEFAULTS.organization})
  -h, --help                  this text

Exit codes: 0 no mandatory violation, 1 mandatory violation(s), 2 usage/config error, program failure,
policy pack failure or timeout.
`;

export interface CliArgs extends GateOptions {
    readonly format: "text" | "json" | "sarif";
    readonly output?: string;
    readonly help: boolean;
}

export function parseArgs(argv: readonly string[]): CliArgs {
    let cwd = process.cwd();
    let stack: string | undefined;
    const packs: string[] = [];
    const configs: string[] = [];
    let format: CliArgs["format"] = "text";
    let output: string | undefined;
    let timeoutMs: number = DEFAULTS.timeoutMs;
    let concurrency: number = DEFAULTS.concurrency;
    let organization: string = DEFAULTS.organization;
    let help = false;
    let packTypecheck = false;
    let packProcesses = 1;
    for (let i = 0; i < argv.length; i++) {
        const raw = argv[i] as string;
        const eq = raw.indexOf("=");
        const flag = raw.startsWith("--") && eq > 0 ? raw.slice(0, eq) : raw;
        const inline = raw.startsWith("--") && eq > 0 ? raw.slice(eq + 1) : undefined;
        const value = (): string => {
            if (inline !== undefined) return inline;
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw usageError(`${flag} needs a value\n\n${USAGE}`);
            return v;
        };
        switch (flag) {
            case "--cwd":
            case "-C":
                cwd = path.resolve(value());
                break;
            case "--stack":
            case "-s":
                stack = value();
                break;
            case "--policy-pack":
                packs.push(path.resolve(value()));
                break;
            case "--policy-pack-config":
                configs.push(path.resolve(value()));
                break;
            case "--format": {
                const f = value();
                if (f !== "text" && f !== "json" && f !== "sarif") throw usageError(`--format must be text, json or sarif, not '${f}'`);
                format = f;
                break;
            }
            case "--output":
            case "-o":
                output = path.resolve(value());
                break;
            case "--timeout": {
                const s = Number(value());
                if (!Number.isFinite(s) || s <= 0) throw usageError(`--timeout must be a positive number of seconds`);
                timeoutMs = s * 1000;
                break;
            }
            case "--concurrency": {
                const n = Number(value());
                if (!Number.isInteger(n) || n < 1) throw usageError(`--concurrency must be a positive integer`);
                concurrency = n;
                break;
            }
            case "--organization":
                organization = value();
                break;
            case "--pack-processes": {
                const n = Number(value());
                if (!Number.isInteger(n) || n < 1 || n > 2) throw usageError(`--pack-processes must be 1 or 2`);
                packProcesses = n;
                break;
            }
            case "--pack-typecheck":
                packTypecheck = true;
                break;
            case "-h":
            case "--help":
                help = true;
                break;
            default:
                throw usageError(`unknown argument '${raw}'\n\n${USAGE}`);
        }
    }
    return { cwd, ...(stack !== undefined ? { stack } : {}), policyPacks: packs, policyPackConfigs: configs, format, ...(output !== undefined ? { output } : {}), timeoutMs, concurrency, organization, packTypecheck, packProcesses, help };
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
    try {
        const report = await runGate(args);
        let text: string;
        if (args.format === "json") text = JSON.stringify(toJson(report), null, 2) + "\n";
        else if (args.format === "sarif") text = JSON.stringify(toSarif(report, repoRoot(report.projectDir), toolVersion()), null, 2) + "\n";
        else text = toText(report);
        if (args.output !== undefined) {
            fs.mkdirSync(path.dirname(args.output), { recursive: true });
            fs.writeFileSync(args.output, text);
            // Keep the verdict visible in logs when the report goes to a file.
            const s = toJson(report).summary;
            process.stderr.write(
                `policy gate: ${s.passed ? "passed" : "FAILED"} (${s.resources} resources, ${s.mandatory} mandatory, ${s.advisory} advisory, ${s.waived} waived, ${s.undecided} undecided); report written to ${args.output}\n`,
            );
        } else {
            process.stdout.write(text);
        }
        return exitCode(report);
    } catch (e) {
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
