/**
 * npm run pipeline:local -- [options]   (npm run pipeline:local -- --help lists them)
 * Runs the real handlers end to end over a backend and verifies the pipeline's properties (functions/src/local/
 * pipeline.ts). Exits 1 when any check fails, 2 on bad options.
 *
 * The data lake's prefix is the deployed program's (infra/lib/layout.ts DATA_PREFIX). On the emulators, the access check decides
 * every request the functions made against the program's own policies (tests/access/support/program.ts
 * `programAccessCheck`: the dev and prod stacks built under Pulumi mocks, the local names mapped to each stack's).
 */
import { parsePipelineArgs, PipelineCommand, pipelineUsage } from "../src/local/cli";
import { runLocalPipeline } from "../src/local/pipeline";

/** Progress on a terminal after two seconds, at most 4 times a second; nothing in CI or when not a TTY. */
function progressReporter(): { update: (stage: string, done: number, total: number) => void; clear: () => void } {
    const enabled = process.stderr.isTTY === true && !process.env.CI;
    const started = Date.now();
    let last = 0;
    let shown = false;
    return {
        update(stage, done, total) {
            const now = Date.now();
            if (!enabled || now - started < 2000 || (now - last < 250 && done < total)) {
                return;
            }
            last = now;
            shown = true;
            const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
            process.stderr.write(`\r\x1b[2K${stage}: ${done}/${total} (${pct}%), ${((now - started) / 1000).toFixed(0)} s`);
        },
        clear() {
            if (shown) {
                process.stderr.write("\r\x1b[2K");
            }
        },
    };
}

async function main(): Promise<number> {
    let cmd: PipelineCommand;
    try {
        cmd = parsePipelineArgs(process.argv.slice(2));
    } catch (err) {
        console.error(`pipeline:local: ${(err as Error).message}\n\n${pipelineUsage()}`);
        return 2;
    }
    if (cmd.help) {
        console.log(pipelineUsage());
        return 0;
    }
    const { records } = cmd;
    const progress = progressReporter();
    const started = Date.now();
    // The program's prefix, and its policies for the access check (loaded only when needed: they build the stacks).
    const { DATA_PREFIX } = await import("../../infra/lib/layout");
    const accessCheck = cmd.backend === "emulators" ? (await import("../../tests/access/support/program")).programAccessCheck(["dev", "prod"]) : undefined;
    const r = await runLocalPipeline({
        records,
        backend: cmd.backend,
        prefix: DATA_PREFIX,
        ...(accessCheck !== undefined ? { accessCheck } : {}),
        batchSize: cmd.batchSize,
        concurrency: cmd.concurrency,
        faults: cmd.faults,
        keep: cmd.keep,
        ...(cmd.dir ? { dir: cmd.dir } : {}),
        progress: progress.update,
        log: (line) => {
            progress.clear();
            console.log(line);
        },
    });
    progress.clear();
    const seconds = (Date.now() - started) / 1000;
    console.log(`pipeline:local --records ${records} --backend ${r.backend} in ${r.dir}${cmd.keep ? " (kept)" : " (removed)"}`);
    if (r.endpoints) {
        console.log(`endpoints: ${Object.entries(r.endpoints).map(([k, v]) => `${k} ${v}`).join(", ")}`);
    }
    console.log("\nrejected or refused submissions (kind -> status code) x count: sample reason");
    for (const [k, v] of [...r.rejections.entries()].sort()) {
        console.log(`  ${k} x${v.count}: ${v.sample}`);
    }
    console.log("\nchecks");
    for (const c of r.checks) {
        console.log(`  ${c.ok ? "PASS" : "FAIL"}  ${c.name}: ${c.detail}`);
    }
    console.log(
        `\nrecovery: ${r.recovery.ingestRetries} producer retries, ${r.recovery.deadLetteredBatches} batches dead-lettered and replayed, range replay stored ${r.recovery.rangeReplay.stored} (${r.recovery.rangeReplay.duplicates} already stored)`,
    );
    console.log(`key provider calls: producer GenerateDataKey ${r.keyProviderCalls.generate}, recipient Decrypt ${r.keyProviderCalls.unwrap}`);
    if (r.requestsFile) {
        console.log(`requests: ${r.requests.length} distinct entries in ${r.requestsFile}${cmd.keep ? "" : " (removed with the directory; --keep keeps it)"}`);
    }
    console.log(`timings (ms): ${Object.entries(r.timingsMs).map(([k, v]) => `${k} ${v}`).join(", ")}`);
    const mem = process.memoryUsage();
    console.log(`memory: ${Math.round(mem.rss / 1048576)} MB RSS (heap ${Math.round(mem.heapUsed / 1048576)} MB)`);
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
