/**
 * npm run pipeline:local -- --records N [--keep] [--dir PATH] [--batch-size B]
 * Runs the real handlers end to end with local adapters and verifies the pipeline's properties
 * (see functions/src/local/pipeline.ts). Exits 1 when any check fails.
 */
import { runLocalPipeline } from "../src/local/pipeline";

function arg(name: string): string | undefined {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
    const records = Number(arg("--records") ?? "1000");
    if (!Number.isSafeInteger(records) || records < 1) {
        console.error(`--records must be a positive integer; got ${arg("--records")}`);
        return 2;
    }
    const batchSize = Number(arg("--batch-size") ?? "1000");
    const started = Date.now();
    const r = await runLocalPipeline({ records, dir: arg("--dir"), keep: process.argv.includes("--keep"), batchSize });
    const seconds = (Date.now() - started) / 1000;
    console.log(`pipeline:local --records ${records} in ${r.dir}${process.argv.includes("--keep") ? " (kept)" : " (removed)"}`);
    console.log("\nrejected or refused submissions (kind -> status code) x count: sample reason");
    for (const [k, v] of [...r.rejections.entries()].sort()) {
        console.log(`  ${k} x${v.count}: ${v.sample}`);
    }
    console.log("\nchecks");
    for (const c of r.checks) {
        console.log(`  ${c.ok ? "PASS" : "FAIL"}  ${c.name}: ${c.detail}`);
    }
    console.log(`\nkey provider calls: producer GenerateDataKey ${r.keyProviderCalls.generate}, recipient Decrypt ${r.keyProviderCalls.unwrap}`);
    console.log(`timings (ms): ${Object.entries(r.timingsMs).map(([k, v]) => `${k} ${v}`).join(", ")}`);
    console.log(`${r.ok ? "OK" : "FAILED"}: ${r.accepted} accepted, ${r.delivered} delivered, ${seconds.toFixed(1)} s`);
    return r.ok ? 0 : 1;
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        console.error(err);
        process.exit(1);
    },
);
