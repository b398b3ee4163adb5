/**
 * The option tables: util.parseArgs parsing with our error wording, the help text made from the same table, and
 * every script that takes flags answering --help and refusing an unknown flag.
 */
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as path from "path";
import { helpText, OptionError, optionsHelp, parseOptions } from "../../scripts/lib/options";

const ROOT = path.resolve(__dirname, "..", "..");

const TABLE = {
    cwd: { type: "string", short: "C", value: "DIR", description: "the directory" },
    pack: { type: "string", multiple: true, value: "DIR", description: "a pack; repeatable" },
    check: { type: "boolean", description: "check only\nsecond line" },
} as const;

function run(script: string, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(ROOT, script), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("exit", (code) => resolve({ code, stdout, stderr }));
    });
}

describe("option tables (scripts/lib/options)", function () {
    this.timeout(120_000);

    it("parses long and short flags, --flag=value, repeatable values; defaults false, [] and undefined", () => {
        assert.deepEqual(parseOptions(TABLE, ["-C", "/p", "--pack=/a", "--pack", "/b", "--check"]), { cwd: "/p", pack: ["/a", "/b"], check: true });
        assert.deepEqual(parseOptions(TABLE, []), { cwd: undefined, pack: [], check: false });
    });

    it("errors name the argument: unknown flag, stray argument, missing value, value for a switch", () => {
        const table: [string[], string][] = [
            [["--nope"], "unknown argument '--nope'"],
            [["extra"], "unknown argument 'extra'"],
            [["--cwd"], "--cwd needs a value"],
            [["-C"], "--cwd needs a value"],
            [["--cwd", "--check"], "--cwd needs a value"],
            [["--check=yes"], "--check does not take a value"],
        ];
        for (const [argv, message] of table) {
            assert.throws(() => parseOptions(TABLE, argv), (e: unknown) => e instanceof OptionError && e.message === message, argv.join(" "));
        }
    });

    it("the help text comes from the table: aliases, placeholders, aligned and continued descriptions", () => {
        assert.equal(optionsHelp(TABLE), ["  -C, --cwd DIR   the directory", "  --pack DIR      a pack; repeatable", "  --check         check only", "                  second line"].join("\n"));
        assert.equal(helpText("cmd [options]", "Does things.", TABLE, "Exit codes: 0."), `usage: cmd [options]\n\nDoes things.\n\n${optionsHelp(TABLE)}\n\nExit codes: 0.\n`);
    });

    it("every script that takes flags answers --help (exit 0) and refuses an unknown flag (exit 2, naming it)", async () => {
        const scripts = ["gate/src/cli/main.ts", "bench/gate-bench.ts", "bench/envelope-bench.ts", "functions/build.ts", "scripts/resource-counts.ts", "policies/scripts/gen-readme.ts"];
        const results = await Promise.all(scripts.flatMap((s) => [run(s, ["--help"]), run(s, ["--no-such-flag"])]));
        scripts.forEach((s, i) => {
            const help = results[2 * i];
            const bad = results[2 * i + 1];
            assert.equal(help?.code, 0, `${s} --help: ${help?.stderr}`);
            assert.match(help?.stdout ?? "", /^usage: /, s);
            assert.equal(bad?.code, 2, `${s} --no-such-flag: ${bad?.stdout}`);
            assert.match(bad?.stderr ?? "", /^error: (unknown argument|Unknown option) '--no-such-flag'/, s);
        });
    });
});
