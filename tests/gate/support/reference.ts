/**
 * Starts a reference run (reference-runner.ts) in a node process of its own, as the language host starts the
 * program's process, and returns what it recorded.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { ReferenceResult } from "./reference-runner";

const RUNNER = path.join(__dirname, "reference-runner.ts");

export interface ReferenceRequest {
    readonly programDir: string;
    /** Pulumi.yaml `main` ("." when not given). */
    readonly main: string;
    readonly project: string;
    readonly stack: string;
    readonly organization: string;
    readonly config: Record<string, string>;
    /** PULUMI_NODEJS_TRANSPILE_ONLY for the language host (default "true"; null: unset). */
    readonly transpileOnly?: string | null;
}

export function runReference(req: ReferenceRequest, timeoutMs = 90_000): Promise<ReferenceResult & { output: string }> {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gate-reference-")), "result.json");
    // The runner's own TypeScript through a marked esbuild hook, which the runner removes before the program loads.
    const esbuild = require.resolve("esbuild");
    const code = [
        `const M = require("module"), fs = require("fs"), esbuild = require(${JSON.stringify(esbuild)});`,
        `const h = (m, f) => m._compile(esbuild.transformSync(fs.readFileSync(f, "utf8"), { loader: "ts", format: "cjs", target: "node20", sourcefile: f }).code, f);`,
        `h.referenceLauncher = true; M._extensions[".ts"] = h;`,
        `process.argv.splice(1, 0, ${JSON.stringify(RUNNER)});`,
        `require(${JSON.stringify(RUNNER)}).referenceMain();`,
    ].join("\n");
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["-e", code, JSON.stringify({ ...req, out })], { cwd: req.programDir, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (d: Buffer) => (output += d.toString()));
        child.stderr.on("data", (d: Buffer) => (output += d.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("error", reject);
        child.on("exit", () => {
            clearTimeout(timer);
            try {
                resolve({ ...(JSON.parse(fs.readFileSync(out, "utf8")) as ReferenceResult), output });
            } catch (e) {
                reject(new Error(`the reference run of ${req.programDir} left no result (${(e as Error).message}); output:\n${output}`));
            }
        });
    });
}
