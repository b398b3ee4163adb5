import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { RecordedResource } from "../../gate/src/shared/types";

export const ROOT = path.resolve(__dirname, "..", "..");
export const FIXTURES = path.join(ROOT, "tests", "fixtures");
export const BASIC_PACK = path.join(FIXTURES, "packs", "basic");
export const FAULTY_PACK = path.join(FIXTURES, "packs", "faulty");
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_VALUE_SIG = "1b47061264138c4ac30d75fd1eb44270";

/**
 * A recorded custom resource of the stack `dev` of project `p` for message and report tests: a child of the root
 * stack, default provider, no options; `over` replaces any field.
 */
export function recordedResource(type: string, name: string, over: Partial<RecordedResource> = {}): RecordedResource {
    return {
        urn: `urn:pulumi:dev::p::${type}::${name}`,
        type,
        name,
        custom: true,
        parent: "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev",
        dependencies: [],
        propertyDependencies: {},
        provider: "",
        options: { protect: false, ignoreChanges: [], additionalSecretOutputs: [], aliases: [], replaceOnChanges: [] },
        properties: {},
        read: false,
        ...over,
    };
}

export interface CliResult {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/**
 * Runs the gate CLI exactly as `npm run gate --` does (ts-node transpile-only), from the repo root; `env` adds to
 * the environment (a variable given as undefined is removed).
 */
export function gate(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
    const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(ROOT, "gate", "src", "cli", "main.ts"), ...args], {
            cwd: ROOT,
            env: childEnv,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("exit", (code) => resolve({ code, stdout, stderr }));
    });
}

export function fixture(name: string): string {
    return path.join(FIXTURES, name);
}

/** The fixture component provider (package gatetest 0.1.0, tests/fixtures/remote-provider). */
export const REMOTE_PROVIDER = path.join(FIXTURES, "remote-provider", "index.ts");

/**
 * Installs the fixture component provider into `<pulumiHome>/plugins` as the plugin cache lays a plugin out:
 * `resource-gatetest-v0.1.0/pulumi-resource-gatetest`, an executable (here a shell script running the
 * provider, compiled from TypeScript with esbuild, with this repository's node_modules on NODE_PATH).
 * With `{ runtime: true }` it is laid out instead as a plugin run by its language runtime: PulumiPlugin.yaml
 * (runtime nodejs), package.json and the provider, no executable. Returns the plugin directory.
 */
export function installFixturePlugin(pulumiHome: string, opts: { runtime?: boolean; version?: string } = {}): string {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require("esbuild") as typeof import("esbuild");
    const dir = path.join(pulumiHome, "plugins", `resource-gatetest-v${opts.version ?? "0.1.0"}`);
    fs.mkdirSync(dir, { recursive: true });
    const code = esbuild.transformSync(fs.readFileSync(REMOTE_PROVIDER, "utf8"), { loader: "ts", format: "cjs", target: "node20", sourcefile: REMOTE_PROVIDER }).code;
    fs.writeFileSync(path.join(dir, "provider.js"), code);
    if (opts.runtime === true) {
        fs.writeFileSync(path.join(dir, "PulumiPlugin.yaml"), "runtime:\n  name: nodejs\n  options:\n    typescript: false\n");
        fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "pulumi-resource-gatetest", version: "0.1.0", main: "provider.js" }));
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    } else {
        const exe = path.join(dir, "pulumi-resource-gatetest");
        fs.writeFileSync(exe, `#!/bin/sh\nNODE_PATH=${JSON.stringify(path.join(ROOT, "node_modules"))} exec ${JSON.stringify(process.execPath)} "$(dirname "$0")/provider.js" "$@"\n`);
        fs.chmodSync(exe, 0o755);
    }
    return dir;
}
