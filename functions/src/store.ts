/**
 * Exactly-once storage of envelopes, on ciphertext only (no key): used by the process stage for stream batches and
 * by replays for ranges read back from the stream.
 *
 * Envelopes are grouped by partition (public header: tenant, schema, date) into batch objects of at most
 * `maxObjectBytes`. A record is stored at most once, however often it is delivered (Lambda retries, partial batch
 * retries, bisected batches, replays, a record that entered the stream twice), through the store ledger:
 *
 *  1. before an object is written, each record id in it is claimed for that object's name in the ledger (a
 *     conditional write), with a lock that lasts as long as this attempt may still be uploading;
 *  2. the object is uploaded with the records whose claim succeeded;
 *  3. a record whose id is already claimed is stored if the object it was claimed for exists (a HEAD): it is then a
 *     duplicate and skipped. If that object does not exist and the lock has expired, the earlier attempt died
 *     before uploading: the claim is taken over (a compare-and-set) and the record is stored now. If the lock has
 *     not expired, the call waits for it when it expires soon enough (a Lambda retry right after a timeout meets
 *     the previous attempt's lock margin), and otherwise reports the record as failed, to be retried later.
 *
 * Because the claim names the object before it is written, and "stored" means "that object exists", there is no
 * window in which a crash between upload and bookkeeping makes a retry store a record a second time. A failed
 * upload releases its claims (best effort; otherwise they expire with the lock). Nothing is lost: a record that is
 * not stored is reported as failed, and its caller retries it (Kinesis retries the batch; a replay task fails).
 */
import { ObjectStore, StoreLedger } from "./adapters/ports";
import { encodeBatch } from "./batch";
import { EnvelopeError } from "./envelope/errors";
import { parseEnvelope } from "./envelope/format";
import { RecordHeader } from "./envelope/header";
import { newAttemptId, normalisePrefix, objectKey, partitionOf } from "./layout";

export const DEFAULT_MAX_OBJECT_BYTES = 8 * 1024 * 1024;
/**
 * Added to the remaining invocation time for the claim lock: an upload already sent when the function was stopped
 * completes within this (S3 finishes a fully received PUT in well under a second).
 */
export const DEFAULT_LOCK_MARGIN_MS = 10_000;
/** Longest wait for another attempt's lock to expire before reporting its record as failed. */
export const MAX_LOCK_WAIT_MS = 15_000;

export interface StoreDeps {
    readonly store: ObjectStore;
    readonly ledger: StoreLedger;
    /** Key prefix, "" or ending in "/". */
    readonly prefix: string;
    /** Largest batch object; a partition with more bytes is split into chunks. Default 8 MiB. */
    readonly maxObjectBytes?: number;
    /** Ledger and HEAD requests in flight at once. Default 32. */
    readonly concurrency?: number;
    readonly now?: () => number;
}

/** One envelope to store, with an id unique within the call (the Kinesis event id or sequence number). */
export interface StoreItem {
    readonly id: string;
    readonly data: Buffer;
}

export type StoreOutcome =
    | { readonly kind: "stored"; readonly object: string; readonly recordId: string }
    /** Already stored (in `object`) by an earlier delivery; skipped. */
    | { readonly kind: "duplicate"; readonly object: string; readonly recordId: string }
    /** Not a valid envelope: dropped (retrying cannot help; ingest checked it, so this does not happen). */
    | { readonly kind: "invalid"; readonly code: string; readonly reason: string }
    /** Not stored now; retry later. */
    | { readonly kind: "failed"; readonly error: unknown; readonly recordId: string };

export interface StoreResult {
    /** In the order of the items. */
    readonly outcomes: readonly StoreOutcome[];
    readonly objects: readonly string[];
    readonly bytesWritten: number;
}

/** A record whose id another attempt holds (lock not expired, object not written yet). */
export class RecordBusyError extends Error {
    constructor(
        readonly recordId: string,
        readonly object: string,
    ) {
        super(`record ${recordId} is claimed for ${object} by another attempt that may still be writing it`);
        this.name = "RecordBusyError";
    }
}

/** Runs `fn` on every item with at most `limit` in flight. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
    const out: R[] = new Array(items.length);
    let next = 0;
    const worker = async (): Promise<void> => {
        while (next < items.length) {
            const i = next++;
            out[i] = await fn(items[i], i);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return out;
}

/** An envelope of the call whose record id is the first of its kind there (later copies follow it). */
export interface Parsed {
    readonly index: number;
    readonly item: StoreItem;
    readonly header: RecordHeader;
}

/** One batch object to write: its key and the envelopes it holds. */
export interface Chunk {
    readonly key: string;
    readonly members: readonly Parsed[];
}

/** The items parsed: the first envelope of each record id, the later copies (with the index of their first), the invalid ones. */
export interface ParsedItems {
    readonly primaries: readonly Parsed[];
    readonly followers: readonly { readonly index: number; readonly primary: number }[];
    readonly invalid: readonly { readonly index: number; readonly outcome: Extract<StoreOutcome, { kind: "invalid" }> }[];
}

/**
 * Stores `items`. `lockedUntilMs`: until when this attempt may still be uploading (its deadline plus a margin);
 * `waitUntilMs`: the latest time this call may wait for another attempt's lock to expire (default: no waiting).
 */
export async function storeEnvelopes(deps: StoreDeps, items: readonly StoreItem[], lockedUntilMs: number, waitUntilMs = 0): Promise<StoreResult> {
    const now = deps.now ?? Date.now;
    const prefix = normalisePrefix(deps.prefix);
    const maxObjectBytes = deps.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
    const concurrency = deps.concurrency ?? 32;
    const outcomes: StoreOutcome[] = new Array(items.length);

    const { primaries, followers, invalid } = parseItems(items);
    for (const { index, outcome } of invalid) {
        outcomes[index] = outcome;
    }
    // Each chunk with a name unique to this attempt.
    const attempt = newAttemptId();
    const chunks = chunkByPartition(primaries, { prefix, maxObjectBytes, writtenAt: now(), attempt });
    const mine = await claimChunks({ deps, now, concurrency, lockedUntilMs, waitUntilMs, outcomes }, chunks);
    const { objects, bytesWritten } = await uploadChunks({ deps, concurrency, outcomes }, chunks, mine);
    for (const f of followers) {
        outcomes[f.index] = followerOutcome(outcomes[f.primary]);
    }
    return { outcomes, objects: objects.sort(), bytesWritten };
}

/** Parses every item's header; a repeated record id within the call follows its first occurrence. */
export function parseItems(items: readonly StoreItem[]): ParsedItems {
    const primaries: Parsed[] = [];
    const followers: { index: number; primary: number }[] = [];
    const invalid: { index: number; outcome: Extract<StoreOutcome, { kind: "invalid" }> }[] = [];
    const firstById = new Map<string, number>();
    items.forEach((item, index) => {
        let header: RecordHeader;
        try {
            header = parseEnvelope(item.data).header;
        } catch (err) {
            if (!(err instanceof EnvelopeError)) {
                throw err;
            }
            invalid.push({ index, outcome: { kind: "invalid", code: err.code, reason: err.message } });
            return;
        }
        const first = firstById.get(header.recordId);
        if (first === undefined) {
            firstById.set(header.recordId, index);
            primaries.push({ index, item, header });
        } else {
            followers.push({ index, primary: first });
        }
    });
    return { primaries, followers, invalid };
}

/**
 * The batch objects for `primaries`: per partition (in order of first arrival), envelopes in arrival order, split
 * so that no object passes `maxObjectBytes` (an envelope larger than that gets an object of its own).
 */
export function chunkByPartition(
    primaries: readonly Parsed[],
    naming: { readonly prefix: string; readonly maxObjectBytes: number; readonly writtenAt: number; readonly attempt: string },
): Chunk[] {
    const chunks: Chunk[] = [];
    const byPartition = new Map<string, Parsed[]>();
    for (const p of primaries) {
        const partition = partitionOf(p.header);
        let list = byPartition.get(partition);
        if (!list) {
            list = [];
            byPartition.set(partition, list);
        }
        list.push(p);
    }
    for (const [partition, list] of byPartition) {
        let members: Parsed[] = [];
        let bytes = 9;
        let index = 0;
        const flush = (): void => {
            chunks.push({ key: objectKey(naming.prefix, partition, naming.writtenAt, naming.attempt, index++), members });
            members = [];
            bytes = 9;
        };
        for (const p of list) {
            const size = p.item.data.length + 4;
            if (members.length > 0 && bytes + size > naming.maxObjectBytes) {
                flush();
            }
            members.push(p);
            bytes += size;
        }
        flush();
    }
    return chunks;
}

/** The outcome of a later copy of a record id within the call: a duplicate of what its first became, or the same failure. */
export function followerOutcome(primary: StoreOutcome): StoreOutcome {
    return primary.kind === "stored" || primary.kind === "duplicate" ? { kind: "duplicate", object: primary.object, recordId: primary.recordId } : primary;
}

/** What claiming and uploading share: the call's dependencies and limits, and the outcomes being filled in. */
interface Attempt {
    readonly deps: StoreDeps;
    readonly concurrency: number;
    /** Outcomes by item index; claims and uploads set those they decide. */
    readonly outcomes: StoreOutcome[];
}

/**
 * Claims every member's record id for its chunk in the ledger. A record id claimed already is a duplicate when
 * its object exists; otherwise, once the other attempt's lock has expired (waiting for it when it expires before
 * `waitUntilMs`), the claim is taken over; a lock still held leaves the record failed. Returns the members whose
 * claim this attempt holds.
 */
async function claimChunks(
    a: Attempt & { readonly now: () => number; readonly lockedUntilMs: number; readonly waitUntilMs: number },
    chunks: readonly Chunk[],
): Promise<Set<Parsed>> {
    const { deps, now, outcomes, lockedUntilMs, waitUntilMs } = a;
    const existsCache = new Map<string, Promise<boolean>>();
    const exists = (key: string): Promise<boolean> => {
        let p = existsCache.get(key);
        if (!p) {
            p = deps.store.exists(key);
            existsCache.set(key, p);
        }
        return p;
    };
    const claimJobs = chunks.flatMap((c) => c.members.map((m) => ({ chunk: c, member: m })));
    const claimed = await pool(claimJobs, a.concurrency, async ({ chunk, member }): Promise<boolean> => {
        const recordId = member.header.recordId;
        try {
            const r = await deps.ledger.claim(recordId, chunk.key, lockedUntilMs);
            if (r.kind === "claimed") {
                return true;
            }
            if (await exists(r.object)) {
                outcomes[member.index] = { kind: "duplicate", object: r.object, recordId };
                return false;
            }
            if (r.lockedUntilMs > now() && r.lockedUntilMs <= Math.min(waitUntilMs, now() + MAX_LOCK_WAIT_MS)) {
                // The other attempt's lock expires soon: wait, then look again (it may have uploaded meanwhile).
                await new Promise((resolve) => setTimeout(resolve, r.lockedUntilMs - now() + 1));
                existsCache.delete(r.object);
                if (await exists(r.object)) {
                    outcomes[member.index] = { kind: "duplicate", object: r.object, recordId };
                    return false;
                }
            }
            if (r.lockedUntilMs > now() || !(await deps.ledger.takeOver(recordId, r.object, chunk.key, lockedUntilMs))) {
                outcomes[member.index] = { kind: "failed", error: new RecordBusyError(recordId, r.object), recordId };
                return false;
            }
            return true;
        } catch (err) {
            outcomes[member.index] = { kind: "failed", error: err, recordId };
            return false;
        }
    });
    return new Set(claimJobs.filter((_, i) => claimed[i]).map((j) => j.member));
}

/**
 * Uploads each chunk with the members this attempt claimed (four at a time); a failed upload releases its claims
 * (best effort) and leaves its records failed.
 */
async function uploadChunks(a: Attempt, chunks: readonly Chunk[], mine: ReadonlySet<Parsed>): Promise<{ objects: string[]; bytesWritten: number }> {
    const { deps, outcomes } = a;
    const objects: string[] = [];
    let bytesWritten = 0;
    await pool(chunks, 4, async (chunk) => {
        const members = chunk.members.filter((m) => mine.has(m));
        if (members.length === 0) {
            return;
        }
        const body = encodeBatch(members.map((m) => m.item.data));
        try {
            await deps.store.put(chunk.key, body, { records: String(members.length), format: "e2eb-1" });
        } catch (err) {
            await pool(members, a.concurrency, (m) => deps.ledger.release(m.header.recordId, chunk.key).catch(() => undefined));
            for (const m of members) {
                outcomes[m.index] = { kind: "failed", error: err, recordId: m.header.recordId };
            }
            return;
        }
        objects.push(chunk.key);
        bytesWritten += body.length;
        for (const m of members) {
            outcomes[m.index] = { kind: "stored", object: chunk.key, recordId: m.header.recordId };
        }
    });
    return { objects, bytesWritten };
}
