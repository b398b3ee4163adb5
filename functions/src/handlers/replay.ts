/**
 * replay: the orchestration's tasks (orchestration/definition.ts), on ciphertext only: plan a replay request into
 * segments, replay one segment through the exactly-once store, summarise. Called by Step Functions with the
 * payloads of orchestration/tasks.ts; never with a Kinesis event.
 *
 * A segment task reads its shard from the segment's position (GetShardIterator + GetRecords), stores what it read
 * with the process stage's store (store.ts), and returns the segment advanced past the last record it settled. It
 * stops after `maxRecordsPerCall` records or when its time runs short, so one call never needs more than one
 * Lambda invocation; the state machine loops until the segment is done. When a record cannot be stored now, the
 * segment stops at it: with progress made, the call returns (the loop continues from that record); without, it
 * throws TransientError, which the state machine retries with back-off and finally dead-letters.
 */
import type { Context } from "aws-lambda";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { KinesisStreamSource } from "../adapters/aws-kinesis";
import { StreamSource } from "../adapters/ports";
import { ENV } from "../contract";
import { describeError } from "../errors";
import { storeDepsFromEnv } from "./process";
import { DEFAULT_LOCK_MARGIN_MS, StoreDeps } from "../store";
import { InvalidReplayRequest, PlanOutput, SegmentOutput, Summary, TaskInput, TransientError, ZERO_TOTALS } from "../orchestration/tasks";
import { planReplay } from "../replay/plan";
import { replaySegment, SegmentDeps } from "../replay/segment";
import { summarizeReplay } from "../replay/summary";
import { createLogger, Log } from "../telemetry";

export interface ReplayDeps extends StoreDeps {
    readonly source: StreamSource;
    /** Name of the stream replayed (a dead-letter message of another stream is refused). */
    readonly streamName: string;
    /** Records one segment call reads at most. Default 10,000. */
    readonly maxRecordsPerCall?: number;
    /** Records per GetRecords. Default 1,000. */
    readonly readLimit?: number;
    /** A segment call returns when less than this remains of the invocation. Default 30 s. */
    readonly timeReserveMs?: number;
    readonly lockMarginMs?: number;
    readonly logger?: Log;
}

export type ReplayHandler = (input: TaskInput, context: Context) => Promise<PlanOutput | SegmentOutput | Summary>;

/** The tasks (replay/plan.ts, replay/segment.ts, replay/summary.ts) behind one handler, with the defaults applied. */
export function createReplayHandler(deps: ReplayDeps): ReplayHandler {
    const now = deps.now ?? Date.now;
    const logger = deps.logger ?? createLogger("replay");
    const segmentDeps: SegmentDeps = {
        ...deps,
        now,
        logger,
        maxRecords: deps.maxRecordsPerCall ?? 10_000,
        readLimit: deps.readLimit ?? 1000,
        reserve: deps.timeReserveMs ?? 30_000,
        margin: deps.lockMarginMs ?? DEFAULT_LOCK_MARGIN_MS,
    };
    const planDeps = { source: deps.source, streamName: deps.streamName, now };

    return async (input, context) => {
        try {
            switch (input?.task) {
                case "plan":
                    return await planReplay(planDeps, input.request);
                case "segment":
                    return await replaySegment(segmentDeps, input.segment, input.totals ?? ZERO_TOTALS, context);
                case "summarize":
                    return summarizeReplay(input.results ?? []);
                default:
                    throw new InvalidReplayRequest(`unknown task ${JSON.stringify((input as { task?: unknown })?.task)}; expected plan, segment or summarize`);
            }
        } catch (err) {
            if (err instanceof InvalidReplayRequest || err instanceof TransientError) {
                throw err;
            }
            // Reading the stream or the store failed outright: worth retrying with back-off.
            logger.warn("replay task failed", { task: input?.task, error: describeError(err) });
            throw new TransientError(describeError(err));
        }
    };
}

let deployed: ReplayHandler | undefined;

/** Lambda entry point: Kinesis, S3 and DynamoDB adapters configured from the environment (contract.ts ENV.replay). */
export async function handler(input: TaskInput, context: Context): Promise<PlanOutput | SegmentOutput | Summary> {
    if (!deployed) {
        const stream = process.env[ENV.replay.STREAM_NAME];
        if (!stream) {
            throw new Error(`replay: environment variable ${ENV.replay.STREAM_NAME} is required`);
        }
        deployed = createReplayHandler({ ...storeDepsFromEnv("replay"), source: new KinesisStreamSource(stream, new KinesisClient({})), streamName: stream });
    }
    return deployed(input, context);
}
