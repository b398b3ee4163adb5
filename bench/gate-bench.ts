/**
 * Benchmark of the offline policy gate (not a timed test). One run measures:
 *   1. the gate end to end (`npm run gate` as a user runs it) on our dev stack (--cwd <repo> --stack dev), with
 *      both runs (the preview and the simulated deployment, the default) and with the preview alone
 *      (`--no-simulate`) right before and right after it (the ratio is against their mean);
 *   2. the same on a generated program of N resources (default 10,000), generated into a temp dir;
 *   3. for both, the lower bound of the preview: the same program run (same program host) plus the same
 *      policies evaluated in-process with @pulumi/policy's own Analyze/AnalyzeStack handlers, without processes
 *      or gRPC. (Loading a pack's policies in-process happens here only; the gate never does it.)
 *
 * Options: `npm run gate:bench -- --help`.
 * Targets on a 2-core machine: dev stack with both runs under 5 s end to end; 10,000 resources with both runs at
 * most 1.6 times the preview alone.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ResourceMessages } from "../gate/src/packs/messages";
import { readProject, readStack, selectStack } from "../gate/src/cli/project";
import { runProgram } from "../gate/src/cli/program";
import { registerTsHook } from "../gate/src/shared/ts-hook";
import { helpText, numberOption, parseOrExit, type OptionTable } from "../scripts/lib/options";
import { median } from "./stats";

/* eslint-disable @typescript-eslint/no-require-imports */
const ROOT = path.resolve(__dirname, "..");

interface Args {
    pack: string;
    resources: number;
    dev: boolean;
    synthetic: boolean;
    runs: number;
}

const OPTIONS = {
    pack: { type: "string", value: "DIR", description: "the policy pack (default: policies/)" },
    resources: { type: "string", value: "N", description: "resources in the synthetic program (default 10000)" },
    "skip-dev": { type: "boolean", description: "do not measure our dev stack" },
    "skip-synthetic": { type: "boolean", description: "do not measure the synthetic program" },
    runs: { type: "string", value: "K", description: "runs of each measurement (default 1)" },
    help: { type: "boolean", short: "h", description: "this text" },
} as const satisfies OptionTable;
const HELP = helpText(
    "npm run gate:bench -- [options]",
    "Measures the offline policy gate end to end (our dev stack; a synthetic program of N resources), with both runs\n(preview and simulated deployment), with the preview alone and with two previews alone at once, against the lower\nbound of the same program run plus the same policies evaluated in-process.",
    OPTIONS,
);

function parseArgs(argv: string[]): Args {
    const v = parseOrExit(OPTIONS, argv, HELP);
    return {
        pack: v.pack !== undefined ? path.resolve(v.pack) : path.join(ROOT, "policies"),
        resources: numberOption(v.resources, "--resources", 10_000, { min: 1, integer: true }, HELP),
        dev: !v["skip-dev"],
        synthetic: !v["skip-synthetic"],
        runs: numberOption(v.runs, "--runs", 1, { min: 1, integer: true }, HELP),
    };
}

interface GateRun {
    ms: number;
    code: number | null;
    summary: unknown;
    simulation: { status: string; summary?: unknown; reason?: string };
}

/** The gate as a user runs it: a fresh process, JSON output. */
function gateWallTime(cwd: string, stack: string, pack: string, extra: readonly string[] = []): Promise<GateRun> {
    const t = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(ROOT, "gate", "src", "cli", "main.ts"), "--cwd", cwd, "--stack", stack, "--policy-pack", pack, "--format", "json", ...extra], {
            cwd: ROOT,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (err += d.toString()));
        child.on("error", reject);
        child.on("exit", (code) => {
            const ms = Number(process.hrtime.bigint() - t) / 1e6;
            if (code === 2) reject(new Error(`gate failed on ${cwd}: ${err}`));
            else {
                const j = JSON.parse(out) as { summary: unknown; simulation: GateRun["simulation"] };
                resolve({ ms, code, summary: j.summary, simulation: j.simulation });
            }
        });
    });
}

interface PackPolicies {
    name: string;
    version: string;
    level: string;
    policies: unknown[];
}

/** Loads a pack's policies in this process by capturing what its PolicyPack would serve (benchmark only). */
const loadedPacks = new Map<string, PackPolicies>();
function loadPackInProcess(packDir: string): PackPolicies {
    const cached = loadedPacks.get(packDir);
    if (cached !== undefined) return cached;
    const policyDir = path.dirname(require.resolve("@pulumi/policy/package.json", { paths: [packDir] }));
    const server = require(path.join(policyDir, "server.js")) as { serve: (...a: unknown[]) => void };
    let captured: PackPolicies | undefined;
    server.serve = (name, version, level, args) => {
        captured = { name: name as string, version: version as string, level: level as string, policies: (args as { policies: unknown[] }).policies };
    };
    const cwd = process.cwd();
    process.chdir(packDir); // PolicyPack reads ./package.json for its version
    try {
        require(packDir);
    } finally {
        process.chdir(cwd);
    }
    if (captured === undefined) throw new Error(`${packDir} did not create a PolicyPack`);
    loadedPacks.set(packDir, captured);
    return captured;
}

type RpcFun = (call: { request: unknown }, cb: (err: unknown, resp: { getDiagnosticsList(): unknown[] }) => void) => Promise<void>;

async function evaluateInProcess(packDir: string, messages: ResourceMessages): Promise<{ loadMs: number; diagnostics: number }> {
    const tLoad = Date.now();
    registerTsHook(); // the same esbuild transpile the gate's pack processes use
    const pack = loadPackInProcess(packDir);
    const loadMs = Date.now() - tLoad;
    const policyDir = path.dirname(require.resolve("@pulumi/policy/package.json", { paths: [packDir] }));
    const server = require(path.join(policyDir, "server.js")) as {
        makeAnalyzeRpcFun: (...a: unknown[]) => RpcFun;
        makeAnalyzeStackRpcFun: (...a: unknown[]) => RpcFun;
    };
    const analyze = server.makeAnalyzeRpcFun(pack.name, pack.version, pack.level, pack.policies);
    const analyzeStack = server.makeAnalyzeStackRpcFun(pack.name, pack.version, pack.level, pack.policies);
    const call = (fn: RpcFun, request: unknown) =>
        new Promise<number>((resolve, reject) => fn({ request }, (err, resp) => (err ? reject(err) : resolve(resp.getDiagnosticsList().length))));
    let n = 0;
    for (const r of messages.resources) {
        const req = messages.analyzeRequest(r); // the same calls as the gate: none for a read
        if (req !== undefined) n += await call(analyze, req);
    }
    n += await call(analyzeStack, messages.analyzeStackRequest());
    return { loadMs, diagnostics: n };
}

async function lowerBound(cwd: string, stack: string, pack: string): Promise<{ programMs: number; loadMs: number; evalMs: number; resources: number; diagnostics: number }> {
    const project = readProject(cwd);
    const s = readStack(project, stack);
    const t0 = Date.now();
    const run = await runProgram(
        { programDir: cwd, main: project.main, project: project.name, stack, organization: "organization", config: s.config, secureKeys: s.secureKeys, typescript: project.typescript },
        600_000,
    );
    const programMs = Date.now() - t0;
    const t1 = Date.now();
    const messages = new ResourceMessages(run.resources, s.config);
    const { loadMs, diagnostics } = await evaluateInProcess(pack, messages);
    return { programMs, loadMs, evalMs: Date.now() - t1 - loadMs, resources: run.resources.length, diagnostics };
}

/** A program of `n` resources: components of 10 (the component and 9 children), realistic inputs. */
export function generateSynthetic(n: number): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-bench-"));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: gate-bench\nruntime: nodejs\ndescription: synthetic program for bench/gate-bench.ts\n");
    fs.writeFileSync(path.join(dir, "Pulumi.bench.yaml"), `config:\n  aws:region: eu-west-1\n  gate-bench:units: "${Math.ceil(n / 10)}"\n`);
    fs.writeFileSync(
        path.join(dir, "index.ts"),
        `import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

const units = new pulumi.Config().requireNumber("units");
const account = aws.getCallerIdentityOutput().accountId;

class Unit extends pulumi.ComponentResource {
    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("bench:index:Unit", name, {}, opts);
        const p = { parent: this };
        const tags = { "data-classification": "confidential", unit: name };
        const key = new aws.kms.Key(\`\${name}-key\`, { enableKeyRotation: true, rotationPeriodInDays: 90, deletionWindowInDays: 30, tags: { ...tags, "e2ee:key-role": "storage" } }, p);
        const bucket = new aws.s3.Bucket(\`\${name}-bucket\`, { bucket: \`\${name}-bucket\`, tags }, p);
        new aws.s3.BucketServerSideEncryptionConfiguration(\`\${name}-sse\`, { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }] }, p);
        new aws.s3.BucketPublicAccessBlock(\`\${name}-pab\`, { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, p);
        new aws.s3.BucketVersioning(\`\${name}-versioning\`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, p);
        new aws.iam.Role(\`\${name}-role\`, {
            name: \`\${name}-role\`,
            assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
            tags: { ...tags, "e2ee:principal-role": "process" },
        }, p);
        new aws.sqs.Queue(\`\${name}-queue\`, { kmsMasterKeyId: key.arn, tags }, p);
        new aws.cloudwatch.LogGroup(\`\${name}-logs\`, { retentionInDays: 365, kmsKeyId: key.arn, tags }, p);
        new aws.ssm.Parameter(\`\${name}-param\`, { name: \`/bench/\${name}\`, type: "String", value: account, tags }, p);
        this.registerOutputs({});
    }
}

for (let i = 0; i < units; i++) new Unit(\`u\${i}\`);
`,
    );
    return dir;
}

async function measure(label: string, cwd: string, stack: string, pack: string, runs: number): Promise<void> {
    // One run first, not compared: it fills the program's caches (compilation, the type check's verdict), which a
    // generated program starts without, so that the measured runs all meet the same warm caches, as a user's
    // repeated runs do.
    const warm = await gateWallTime(cwd, stack, pack, []);
    console.log(`${label}: first run, caches filled (not compared) ${(warm.ms / 1000).toFixed(2)} s`);
    const ratios: number[] = [];
    const boths: number[] = [];
    const previews: number[] = [];
    const pairs: number[] = [];
    for (let i = 0; i < runs; i++) {
        // The preview alone right before and right after the run with both: their mean is the preview's time at
        // the moment of that run, so a machine whose speed drifts during the benchmark (a shared or virtual
        // machine) does not tilt the ratio. All three meet the same warm caches.
        const before = await gateWallTime(cwd, stack, pack, ["--no-simulate"]);
        const g = await gateWallTime(cwd, stack, pack, []);
        const after = await gateWallTime(cwd, stack, pack, ["--no-simulate"]);
        // Two previews alone started together: what running the same work a second time at once costs on this
        // machine. The simulated deployment is the preview's work again, so this is what the run with both
        // is measured against: on a machine with few cores, its ratio to the preview alone is the floor of the
        // ratio above.
        const pair = Math.max(...(await Promise.all([0, 1].map(() => gateWallTime(cwd, stack, pack, ["--no-simulate"])))).map((r) => r.ms));
        if (g.simulation.status !== "completed") throw new Error(`${label}: the simulated deployment did not complete: ${g.simulation.reason ?? g.simulation.status}`);
        const p = (before.ms + after.ms) / 2;
        ratios.push(g.ms / p);
        boths.push(g.ms);
        previews.push(p);
        pairs.push(pair);
        const lb = await lowerBound(cwd, stack, pack);
        console.log(
            `${label}: gate end to end with both runs ${(g.ms / 1000).toFixed(2)} s (exit ${g.code}, preview ${JSON.stringify(g.summary)}, simulated deployment ${JSON.stringify(g.simulation.summary)}); ` +
                `preview alone (--no-simulate) ${(p / 1000).toFixed(2)} s (before ${(before.ms / 1000).toFixed(2)} s, after ${(after.ms / 1000).toFixed(2)} s); both / preview alone = ${(g.ms / p).toFixed(2)}; ` +
                `two previews at once ${(pair / 1000).toFixed(2)} s, / preview alone = ${(pair / p).toFixed(2)}; ` +
                `lower bound of the preview (same program run ${(lb.programMs / 1000).toFixed(2)} s + pack load ${(lb.loadMs / 1000).toFixed(2)} s + in-process evaluation ${(lb.evalMs / 1000).toFixed(2)} s, sequential) = ` +
                `${((lb.programMs + lb.loadMs + lb.evalMs) / 1000).toFixed(2)} s for ${lb.resources} resources, ${lb.diagnostics} diagnostics; load average ${os.loadavg()[0]?.toFixed(2)}`,
        );
    }
    if (runs > 1) {
        const range = (xs: number[], f: (x: number) => string) => `${f(median(xs))} (${f(Math.min(...xs))}-${f(Math.max(...xs))})`;
        const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
        console.log(
            `${label}: median of ${runs} runs (range): both runs ${range(boths, secs)}; preview alone ${range(previews, secs)}; both / preview alone ${range(ratios, (r) => r.toFixed(2))}; ` +
                `two previews at once ${range(pairs, secs)}, / preview alone ${range(pairs.map((x, i) => x / (previews[i] as number)), (r) => r.toFixed(2))}`,
        );
    }
}

async function main(): Promise<void> {
    const a = parseArgs(process.argv.slice(2));
    console.log(`node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}, pack ${a.pack}`);
    if (a.dev) {
        const stack = fs.existsSync(path.join(ROOT, "Pulumi.dev.yaml")) ? "dev" : undefined;
        if (stack !== undefined && fs.existsSync(path.join(ROOT, "Pulumi.yaml"))) {
            await measure("dev stack", ROOT, selectStack(ROOT, stack), a.pack, a.runs);
        } else {
            console.log("dev stack: no Pulumi.yaml/Pulumi.dev.yaml at the repo root yet; measuring the components fixture instead");
            await measure("fixture", path.join(ROOT, "tests", "fixtures", "components"), "dev", a.pack, a.runs);
        }
    }
    if (a.synthetic) {
        const dir = generateSynthetic(a.resources);
        try {
            await measure(`synthetic ${a.resources}`, dir, "bench", a.pack, a.runs);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
    process.exit(0);
}

if (require.main === module) {
    main().catch((e: unknown) => {
        console.error(e instanceof Error ? e.message : e);
        process.exit(1);
    });
}
