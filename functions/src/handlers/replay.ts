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
import { ShardPosition, StreamSource } from "../adapters/ports";
import { ENV, REPLAY_HORIZON_SECONDS } from "../contract";
import { describeError } from "../errors";
import { countOutcomes, storeDepsFromEnv, storeStreamRecords } from "./process";
import { DEFAULT_LOCK_MARGIN_MS, StoreDeps } from "../store";
import {
    EsmFailureRecord,
    InvalidReplayRequest,
    MAX_SEGMENTS,
    PlanOutput,
    ReplayRequest,
    Segment,
    SegmentOutput,
    SegmentResult,
    Summary,
    TaskInput,
    Totals,
    TransientError,
    ZERO_TOTALS,
} from "../orchestration/tasks";
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

const SHARD_ID = /^shardId-\d{12}$/;
const SEQUENCE = /^\d{1,128}$/;

function parseTime(name: string, raw: unknown): number {
    const ms = typeof raw === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(raw) ? Date.parse(raw) : NaN;
    if (!Number.isFinite(ms)) {
        throw new InvalidReplayRequest(`"${name}" must be an ISO 8601 UTC time such as 2026-11-23T09:30:00Z; got ${JSON.stringify(raw)}`);
    }
    return ms;
}

/** Throws InvalidReplayRequest unless `s` is a well-formed segment (of one of `shards`, when given). */
function validSegment(s: Segment, shards?: readonly string[]): void {
    const p = s?.position as Partial<{ type: string; sequenceNumber: string; timestampMs: number }> | undefined;
    const positionOk =
        p !== undefined &&
        (((p.type === "AT_SEQUENCE_NUMBER" || p.type === "AFTER_SEQUENCE_NUMBER") && SEQUENCE.test(String(p.sequenceNumber))) ||
            (p.type === "AT_TIMESTAMP" && Number.isSafeInteger(p.timestampMs)) ||
            p.type === "TRIM_HORIZON");
    const u = s?.until ?? {};
    const untilOk = (u.sequenceNumber === undefined || SEQUENCE.test(u.sequenceNumber)) && (u.timestampMs === undefined || Number.isSafeInteger(u.timestampMs));
    if (!SHARD_ID.test(s?.shardId ?? "") || !positionOk || !untilOk || (u.sequenceNumber === undefined && u.timestampMs === undefined)) {
        throw new InvalidReplayRequest(`not a replay segment: ${JSON.stringify(s)}`);
    }
    if (shards && !shards.includes(s.shardId)) {
        throw new InvalidReplayRequest(`shard ${JSON.stringify(s.shardId)} is not a shard of the stream`);
    }
}

export function createReplayHandler(deps: ReplayDeps): ReplayHandler {
    const now = deps.now ?? Date.now;
    const logger = deps.logger ?? createLogger("replay");
    const maxRecords = deps.maxRecordsPerCall ?? 10_000;
    const readLimit = deps.readLimit ?? 1000;
    const reserve = deps.timeReserveMs ?? 30_000;
    const margin = deps.lockMarginMs ?? DEFAULT_LOCK_MARGIN_MS;
    const horizonMs = REPLAY_HORIZON_SECONDS * 1000;

    const checkHorizon = (fromMs: number): void => {
        if (fromMs < now() - horizonMs) {
            throw new InvalidReplayRequest(
                `cannot replay from ${new Date(fromMs).toISOString()}: the store ledger remembers ${REPLAY_HORIZON_SECONDS / 86400} days, so an older replay could store records twice`,
            );
        }
    };

    const plan = async (request: ReplayRequest): Promise<PlanOutput> => {
        if (typeof request !== "object" || request === null) {
            throw new InvalidReplayRequest("the execution input must be a replay request object");
        }
        if (request.mode === "range") {
            const from = parseTime("from", request.from);
            const to = parseTime("to", request.to);
            if (from >= to) {
                throw new InvalidReplayRequest(`"from" (${request.from}) must be before "to" (${request.to})`);
            }
            if (to > now()) {
                throw new InvalidReplayRequest(`"to" (${request.to}) must not be in the future`);
            }
            checkHorizon(from);
            const all = await deps.source.listShards();
            const shards = request.shards ?? all;
            for (const s of shards) {
                if (!all.includes(s)) {
                    throw new InvalidReplayRequest(`shard ${JSON.stringify(s)} is not a shard of ${deps.streamName}`);
                }
            }
            if (shards.length > MAX_SEGMENTS) {
                throw new InvalidReplayRequest(`the stream has ${shards.length} shards; one replay covers at most ${MAX_SEGMENTS}: pass "shards" to split it`);
            }
            return { segments: shards.map((shardId) => ({ shardId, position: { type: "AT_TIMESTAMP", timestampMs: from }, until: { timestampMs: to } })) };
        }
        if (request.mode === "deadLetter") {
            let message: EsmFailureRecord;
            try {
                message = (typeof request.message === "string" ? JSON.parse(request.message) : request.message) as EsmFailureRecord;
            } catch {
                throw new InvalidReplayRequest("the dead-letter message is not JSON");
            }
            const info = message?.KinesisBatchInfo;
            if (!info || !SHARD_ID.test(String(info.shardId)) || !SEQUENCE.test(String(info.startSequenceNumber)) || !SEQUENCE.test(String(info.endSequenceNumber))) {
                throw new InvalidReplayRequest("the dead-letter message has no KinesisBatchInfo with shardId, startSequenceNumber and endSequenceNumber");
            }
            if (info.streamArn !== undefined && !info.streamArn.endsWith(`:stream/${deps.streamName}`)) {
                throw new InvalidReplayRequest(`the dead-letter message is about another stream (${info.streamArn})`);
            }
            if (BigInt(info.startSequenceNumber) > BigInt(info.endSequenceNumber)) {
                throw new InvalidReplayRequest("the dead-letter message's startSequenceNumber is after its endSequenceNumber");
            }
            if (info.approximateArrivalOfFirstRecord !== undefined) {
                checkHorizon(parseTime("approximateArrivalOfFirstRecord", info.approximateArrivalOfFirstRecord));
            }
            return {
                segments: [{ shardId: info.shardId, position: { type: "AT_SEQUENCE_NUMBER", sequenceNumber: info.startSequenceNumber }, until: { sequenceNumber: info.endSequenceNumber } }],
            };
        }
        if (request.mode === "resume") {
            const segments = Array.isArray(request.segments) ? request.segments : [];
            if (segments.length === 0 || segments.length > MAX_SEGMENTS) {
                throw new InvalidReplayRequest(`"segments" must list 1..${MAX_SEGMENTS} segments`);
            }
            const shards = await deps.source.listShards();
            for (const s of segments) {
                validSegment(s, shards);
                if (s.position.type === "AT_TIMESTAMP") {
                    checkHorizon(s.position.timestampMs);
                }
            }
            return { segments };
        }
        throw new InvalidReplayRequest(`unknown replay mode ${JSON.stringify((request as { mode?: unknown }).mode)}; expected "range", "deadLetter" or "resume"`);
    };

    const segmentTask = async (segment: Segment, totalsIn: Totals, context: Context): Promise<SegmentOutput> => {
        validSegment(segment);
        const until = segment.until ?? {};
        const inRange = (seq: string, arrivalMs: number): boolean =>
            (until.sequenceNumber === undefined || BigInt(seq) <= BigInt(until.sequenceNumber)) && (until.timestampMs === undefined || arrivalMs < until.timestampMs);
        let position: ShardPosition = segment.position;
        let totals = { ...ZERO_TOTALS, ...totalsIn };
        let handled = 0;
        const advanced = (done: boolean): SegmentOutput => ({ segment: { ...segment, position }, done, totals });
        while (handled < maxRecords && context.getRemainingTimeInMillis() > reserve) {
            const read = await deps.source.read(segment.shardId, position, Math.min(readLimit, maxRecords - handled));
            const records = read.records.filter((r) => inRange(r.sequenceNumber, r.arrivalMs));
            const reachedEnd = records.length < read.records.length || (read.records.length === 0 && (read.caughtUp || !read.open));
            if (read.records.length === 0 && !reachedEnd) {
                // Kinesis returned nothing without being caught up: retry later from the same position (never skip).
                if (handled === 0) {
                    throw new TransientError(`${segment.shardId}: no records returned and the shard is not caught up`);
                }
                return advanced(false);
            }
            if (records.length > 0) {
                const result = await storeStreamRecords(
                    { ...deps, logger },
                    records.map((r) => ({ id: `${segment.shardId}:${r.sequenceNumber}`, data: r.data })),
                    now() + context.getRemainingTimeInMillis() + margin,
                    now() + context.getRemainingTimeInMillis() - reserve,
                );
                const firstFailed = result.outcomes.findIndex((o) => o.kind === "failed");
                const settled = firstFailed === -1 ? result.outcomes : result.outcomes.slice(0, firstFailed);
                const c = countOutcomes(settled);
                totals = { read: totals.read + settled.length, stored: totals.stored + c.stored, duplicates: totals.duplicates + c.duplicate, invalid: totals.invalid + c.invalid };
                handled += settled.length;
                if (firstFailed !== -1) {
                    const failed = result.outcomes[firstFailed];
                    position = { type: "AT_SEQUENCE_NUMBER", sequenceNumber: records[firstFailed].sequenceNumber };
                    const reason = failed.kind === "failed" ? describeError(failed.error) : "unknown";
                    if (handled === 0) {
                        throw new TransientError(`${segment.shardId} at ${records[firstFailed].sequenceNumber}: ${reason}`);
                    }
                    logger.warn("segment stopped at a record that could not be stored now", { shardId: segment.shardId, sequenceNumber: records[firstFailed].sequenceNumber, reason });
                    return advanced(false);
                }
                position = { type: "AFTER_SEQUENCE_NUMBER", sequenceNumber: records[records.length - 1].sequenceNumber };
            }
            if (reachedEnd) {
                return advanced(true);
            }
        }
        return advanced(false);
    };

    const summarize = (results: readonly SegmentResult[]): Summary => {
        const sum = (k: keyof Totals): number => results.reduce((n, r) => n + (r.totals?.[k] ?? 0), 0);
        return {
            segments: results.length,
            replayed: results.filter((r) => r.status === "replayed").length,
            deadLettered: results.filter((r) => r.status === "dead-lettered").length,
            read: sum("read"),
            stored: sum("stored"),
            duplicates: sum("duplicates"),
            invalid: sum("invalid"),
        };
    };

    return async (input, context) => {
        try {
            switch (input?.task) {
                case "plan":
                    return await plan(input.request);
                case "segment":
                    return await segmentTask(input.segment, input.totals ?? ZERO_TOTALS, context);
                case "summarize":
                    return summarize(input.results ?? []);
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
