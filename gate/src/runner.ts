/**
 * Runs a Pulumi program in a child process (the program host) and collects its resources.
 */
import { fork } from "child_process";
import * as path from "path";
import { GateError } from "./errors";
import type { HostMessage, HostRequest, ProgramNote, RecordedResource } from "./types";

export interface ProgramRun {
    readonly resources: RecordedResource[];
    readonly notes: ProgramNote[];
    /** Everything the program printed (stdout and stderr), for the report. */
    readonly output: string;
}

const HOST = path.join(__dirname, "program-host.ts");

export function runProgram(req: HostRequest, timeoutMs: number): Promise<ProgramRun> {
    return new Promise((resolve, reject) => {
        const child = fork(HOST, [JSON.stringify(req)], {
            cwd: req.programDir,
            execArgv: ["-r", require.resolve("ts-node/register/transpile-only")],
            env: {
                ...process.env,
                // The program is transpiled only (no type-check), with its own tsconfig when it has one.
                TS_NODE_TRANSPILE_ONLY: "true",
                TS_NODE_PROJECT: path.join(req.programDir, "tsconfig.json"),
                TS_NODE_SKIP_PROJECT: require("fs").existsSync(path.join(req.programDir, "tsconfig.json")) ? "false" : "true",
                TS_NODE_COMPILER_OPTIONS: JSON.stringify({ module: "commonjs", sourceMap: true }),
            },
            stdio: ["ignore", "pipe", "pipe", "ipc"],
            serialization: "advanced",
        });
        let output = "";
        child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
        child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
        let result: HostMessage | undefined;
        child.on("message", (m: HostMessage) => {
            result = m;
        });
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new GateError(`the program did not finish within ${timeoutMs / 1000} s (--timeout); output so far:\n${tail(output)}`, "timeout"));
        }, timeoutMs);
        child.on("error", (e) => {
            clearTimeout(timer);
            reject(new GateError(`cannot start the program host: ${e.message}`, "program"));
        });
        child.on("exit", (code, signal) => {
            clearTimeout(timer);
            if (result === undefined) {
                reject(
                    new GateError(
                        `the program exited (${signal ?? `code ${code}`}) without finishing` + (output.trim() !== "" ? `:\n${tail(output)}` : ""),
                        "program",
                    ),
                );
            } else if (result.kind === "failed") {
                const where = result.location !== undefined ? ` (at ${path.relative(process.cwd(), result.location.file)}:${result.location.line})` : "";
                const printed = output.trim() !== "" ? `\nprogram output:\n${tail(output)}` : "";
                reject(new GateError(`the program failed: ${result.message}${where}${printed}`, "program"));
            } else {
                resolve({ resources: result.resources, notes: result.notes, output });
            }
        });
    });
}

export function tail(s: string, lines = 20): string {
    const all = s.trimEnd().split("\n");
    return all.slice(-lines).join("\n");
}
