/**
 * Orchestration: the replay state machine, run locally against the real replay handler, stores the dead-lettered
 * batches from their messages; then a range replay over the start of the run must store nothing new.
 */
import { createReplayHandler } from "../../handlers/replay";
import { EsmFailureRecord } from "../../orchestration/tasks";
import { runReplayStateMachine } from "../state-machine";
import { Run, serviceLog } from "./run";

export interface ReplayOutcome {
    /** Records stored by the dead-letter replays. */
    readonly stored: number;
    /** Dead-letter replays run. */
    readonly deadLetters: number;
    /** Executions that did not succeed, and why. */
    readonly problems: readonly string[];
    /** The range replay's summary (empty when it failed). */
    readonly range: { readonly stored?: number; readonly duplicates?: number; readonly read?: number };
}

/**
 * The range replayed: from a second before the run started; to now for runs of up to 5,000 records, otherwise
 * over a tenth of the ingest time (at least 2 s), never later than now.
 */
export function replayRange(records: number, runStartedMs: number, ingestMs: number, nowMs: number): { readonly from: number; readonly to: number } {
    const from = runStartedMs - 1000;
    const to = records <= 5000 ? nowMs - 1 : Math.min(nowMs - 1, from + Math.max(2000, Math.floor(ingestMs / 10)));
    return { from, to };
}

export async function replayStage(run: Run, deadLetters: readonly EsmFailureRecord[], runStartedMs: number, ingestMs: number): Promise<ReplayOutcome> {
    const { backend } = run;
    const replayHandler = createReplayHandler({
        store: backend.store("replay"),
        ledger: backend.ledger("replay"),
        prefix: run.prefix,
        source: backend.streamSource("replay"),
        streamName: backend.streamArn.split("/").pop() as string,
        logger: serviceLog(run, "replay"),
    });
    const problems: string[] = [];
    let stored = 0;
    for (const [k, message] of deadLetters.entries()) {
        const r = await runReplayStateMachine(replayHandler, { mode: "deadLetter", message: JSON.stringify(message) });
        if (!r.ok) {
            problems.push(`dead letter ${k}: ${r.error}`);
        }
        stored += (r.output as { stored?: number } | undefined)?.stored ?? 0;
        run.progress("replay", k + 1, deadLetters.length);
    }
    // A range replay over the start of the run (all of it for small runs): everything is stored already.
    const { from, to } = replayRange(run.records, runStartedMs, ingestMs, Date.now());
    const range = await runReplayStateMachine(replayHandler, { mode: "range", from: new Date(from).toISOString(), to: new Date(to).toISOString() });
    if (!range.ok) {
        problems.push(`range replay: ${range.error}`);
    }
    return { stored, deadLetters: deadLetters.length, problems, range: (range.output ?? {}) as ReplayOutcome["range"] };
}
