/**
 * The command line of `npm run pipeline:local`: an option table that both `util.parseArgs` and `--help` read.
 * Unknown flags, positional arguments and unknown backends are errors, never ignored.
 */
import { parseArgs } from "node:util";
import { BACKENDS, Backend } from "./backends";

export const PIPELINE_OPTIONS = {
    records: { type: "string", default: "1000", value: "N", help: "good records to produce" },
    backend: { type: "string", default: "in-process", value: BACKENDS.join("|"), help: "in-process adapters, or the AWS adapters on protocol servers (s3rver, kinesalite, dynalite, local KMS)" },
    "batch-size": { type: "string", default: "100", value: "B", help: "Kinesis batch size for process" },
    concurrency: { type: "string", default: "16", value: "C", help: "ingest requests in flight" },
    dir: { type: "string", value: "PATH", help: "working directory (default: a fresh temporary directory)" },
    keep: { type: "boolean", default: false, help: "keep the working directory (and requests.jsonl on the emulators)" },
    "no-faults": { type: "boolean", default: false, help: "inject no faults (stream refusals, an S3 outage, KMS throttling)" },
    help: { type: "boolean", short: "h", default: false, help: "show this help" },
} as const;

export interface PipelineCommand {
    readonly help: boolean;
    readonly records: number;
    readonly backend: Backend;
    readonly batchSize: number;
    readonly concurrency: number;
    readonly dir?: string;
    readonly keep: boolean;
    readonly faults: boolean;
}

export function pipelineUsage(): string {
    const lines = Object.entries(PIPELINE_OPTIONS).map(([name, o]) => {
        const flag = `${"short" in o ? `-${o.short}, ` : "    "}--${name}${"value" in o ? ` ${o.value}` : ""}`;
        return `  ${flag.padEnd(40)} ${o.help}${o.type === "string" && "default" in o ? ` (default ${o.default})` : ""}`;
    });
    return ["usage: npm run pipeline:local -- [options]", "", ...lines].join("\n");
}

function positiveInt(name: string, raw: string): number {
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)) || Number(raw) < 1) {
        throw new Error(`--${name} must be a positive integer; got ${JSON.stringify(raw)}`);
    }
    return Number(raw);
}

/** Parses the arguments after `--`; throws an Error whose message names the bad option. */
export function parsePipelineArgs(args: readonly string[]): PipelineCommand {
    const options = Object.fromEntries(
        Object.entries(PIPELINE_OPTIONS).map(([k, o]) => [k, { type: o.type, ...("short" in o ? { short: o.short } : {}), ...("default" in o ? { default: o.default } : {}) }]),
    ) as Record<keyof typeof PIPELINE_OPTIONS, { type: "string" | "boolean"; short?: string; default?: string | boolean }>;
    const { values } = parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
    const v = values as Record<string, string | boolean | undefined>;
    const backend = String(v["backend"]);
    if (!(BACKENDS as readonly string[]).includes(backend)) {
        throw new Error(`--backend must be one of ${BACKENDS.join(", ")}; got ${JSON.stringify(backend)}`);
    }
    return {
        help: v["help"] === true,
        records: positiveInt("records", String(v["records"])),
        backend: backend as Backend,
        batchSize: positiveInt("batch-size", String(v["batch-size"])),
        concurrency: positiveInt("concurrency", String(v["concurrency"])),
        ...(typeof v["dir"] === "string" ? { dir: v["dir"] } : {}),
        keep: v["keep"] === true,
        faults: v["no-faults"] !== true,
    };
}
