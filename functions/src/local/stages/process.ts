/**
 * Process: the real process handler drains the stream through a local event source mapping (batches, retries,
 * bisection, on-failure destination), while an S3 outage of one tenant's uploads (with faults) lasts long enough
 * for batches to be dead-lettered.
 */
import { createProcessHandler } from "../../handlers/process";
import { EsmFailureRecord } from "../../orchestration/tasks";
import { drainStream } from "../event-source";
import { lambdaContext } from "../events";
import { metricsFile } from "../run-files";
import { Run, serviceLog } from "./run";

export interface ProcessOutcome {
    /** Records process stored, skipped as duplicates, and dropped as invalid. */
    readonly stored: number;
    readonly duplicatesSkipped: number;
    readonly invalid: number;
    /** The batches the event source gave up on (its on-failure destination's messages). */
    readonly deadLetters: readonly EsmFailureRecord[];
}

/** Invocations the S3 outage lasts. */
const OUTAGE_INVOCATIONS = 6;

/** Drains the stream, whose `totalInStream` records the progress counts. */
export async function processStage(run: Run, totalInStream: number): Promise<ProcessOutcome> {
    const { backend } = run;
    let stored = 0;
    let duplicatesSkipped = 0;
    let invalid = 0;
    const processHandler = createProcessHandler({
        store: backend.store("process"),
        ledger: backend.ledger("process"),
        prefix: run.prefix,
        metrics: metricsFile(run.logsDir, "process-metrics.log"),
        logger: serviceLog(run, "process"),
        onResult: (r) => {
            for (const o of r.outcomes) {
                stored += o.kind === "stored" ? 1 : 0;
                duplicatesSkipped += o.kind === "duplicate" ? 1 : 0;
                invalid += o.kind === "invalid" ? 1 : 0;
            }
        },
    });
    const deadLetters: EsmFailureRecord[] = [];
    let invocations = 0;
    let seen = 0;
    if (run.faults) {
        backend.failUploads((key) => key.includes("/tenant=initech/"));
    }
    await drainStream({
        source: backend.streamSource("process"),
        handler: processHandler,
        contextFor: () => lambdaContext("process", 60_000),
        streamArn: backend.streamArn,
        region: backend.region,
        batchSize: run.batchSize,
        maximumRetryAttempts: 2,
        bisectOnError: true,
        onFailure: (r) => deadLetters.push(r),
        onInvoke: (records) => {
            if (++invocations === OUTAGE_INVOCATIONS) {
                backend.clearUploadFaults();
            }
            seen += records;
            run.progress("process", Math.min(seen, totalInStream), totalInStream);
        },
    });
    backend.clearUploadFaults();
    return { stored, duplicatesSkipped, invalid, deadLetters };
}
