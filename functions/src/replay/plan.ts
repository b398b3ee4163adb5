/**
 * The replay's plan task: turns a replay request (a time range, a batch the event source dead-lettered, or segments
 * a replay dead-lettered) into the segments the state machine replays, and refuses with InvalidReplayRequest every
 * request that can never succeed (bad times or positions, outside the ledger's memory, another stream).
 */
import { StreamSource } from "../adapters/ports";
import { REPLAY_HORIZON_SECONDS } from "../contract";
import { EsmFailureRecord, InvalidReplayRequest, MAX_SEGMENTS, PlanOutput, ReplayRequest, Segment } from "../orchestration/tasks";

const SHARD_ID = /^shardId-\d{12}$/;
const SEQUENCE = /^\d{1,128}$/;

export interface PlanDeps {
    /** The stream replayed: its shards bound the plan. */
    readonly source: Pick<StreamSource, "listShards">;
    /** Name of the stream replayed (a dead-letter message of another stream is refused). */
    readonly streamName: string;
    readonly now: () => number;
}

/** Epoch milliseconds of `raw`, an ISO 8601 UTC time; throws InvalidReplayRequest naming `name` otherwise. */
export function parseTime(name: string, raw: unknown): number {
    const ms = typeof raw === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(raw) ? Date.parse(raw) : NaN;
    if (!Number.isFinite(ms)) {
        throw new InvalidReplayRequest(`"${name}" must be an ISO 8601 UTC time such as 2026-11-23T09:30:00Z; got ${JSON.stringify(raw)}`);
    }
    return ms;
}

/** Throws InvalidReplayRequest unless `s` is a well-formed segment (of one of `shards`, when given). */
export function validSegment(s: Segment, shards?: readonly string[]): void {
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

/** Throws InvalidReplayRequest when a replay from `fromMs` reaches past what the store ledger remembers. */
export function checkHorizon(fromMs: number, now: () => number): void {
    if (fromMs < now() - REPLAY_HORIZON_SECONDS * 1000) {
        throw new InvalidReplayRequest(
            `cannot replay from ${new Date(fromMs).toISOString()}: the store ledger remembers ${REPLAY_HORIZON_SECONDS / 86400} days, so an older replay could store records twice`,
        );
    }
}

/** The segments of `request`; throws InvalidReplayRequest for a request that can never succeed. */
export async function planReplay(deps: PlanDeps, request: ReplayRequest): Promise<PlanOutput> {
    if (typeof request !== "object" || request === null) {
        throw new InvalidReplayRequest("the execution input must be a replay request object");
    }
    if (request.mode === "range") {
        return planRange(deps, request);
    }
    if (request.mode === "deadLetter") {
        return planDeadLetter(deps, request);
    }
    if (request.mode === "resume") {
        return planResume(deps, request);
    }
    throw new InvalidReplayRequest(`unknown replay mode ${JSON.stringify((request as { mode?: unknown }).mode)}; expected "range", "deadLetter" or "resume"`);
}

/** One segment per shard (every shard, or the listed ones), from `from` up to `to`. */
async function planRange(deps: PlanDeps, request: Extract<ReplayRequest, { mode: "range" }>): Promise<PlanOutput> {
    const from = parseTime("from", request.from);
    const to = parseTime("to", request.to);
    if (from >= to) {
        throw new InvalidReplayRequest(`"from" (${request.from}) must be before "to" (${request.to})`);
    }
    if (to > deps.now()) {
        throw new InvalidReplayRequest(`"to" (${request.to}) must not be in the future`);
    }
    checkHorizon(from, deps.now);
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

/** The one segment of a dead-lettered batch: its shard, from its first sequence number to its last. */
function planDeadLetter(deps: PlanDeps, request: Extract<ReplayRequest, { mode: "deadLetter" }>): PlanOutput {
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
        checkHorizon(parseTime("approximateArrivalOfFirstRecord", info.approximateArrivalOfFirstRecord), deps.now);
    }
    return {
        segments: [{ shardId: info.shardId, position: { type: "AT_SEQUENCE_NUMBER", sequenceNumber: info.startSequenceNumber }, until: { sequenceNumber: info.endSequenceNumber } }],
    };
}

/** The segments as given, each checked against the stream's shards and the ledger's memory. */
async function planResume(deps: PlanDeps, request: Extract<ReplayRequest, { mode: "resume" }>): Promise<PlanOutput> {
    const segments = Array.isArray(request.segments) ? request.segments : [];
    if (segments.length === 0 || segments.length > MAX_SEGMENTS) {
        throw new InvalidReplayRequest(`"segments" must list 1..${MAX_SEGMENTS} segments`);
    }
    const shards = await deps.source.listShards();
    for (const s of segments) {
        validSegment(s, shards);
        if (s.position.type === "AT_TIMESTAMP") {
            checkHorizon(s.position.timestampMs, deps.now);
        }
    }
    return { segments };
}
