/**
 * Reading one page of a partition: the batch objects in key order from where the page starts, each envelope
 * decrypted for the requested tenant and schema, until the partition ends, the page's budget is spent (page-budget.ts),
 * time runs short, or a service fails. A page that ends early says where the next one starts (`next`), so nothing
 * is skipped: a transient failure (KMS throttling, S3 SlowDown or 5xx, a timeout) ends the page at the first record
 * not read.
 */
import type { Context } from "aws-lambda";
import { ObjectStore } from "../adapters/ports";
import { decodeBatch } from "../batch";
import { DecryptedRecord, EnvelopeDecryptor, EnvelopeError, parseEnvelope } from "../envelope";
import { errorFields, isTransient, ObjectNotFoundError } from "../errors";
import { Log } from "../telemetry";
import { PageBudget } from "./page-budget";
import { PageStart } from "./query";
import { DeliveredRecord, DeliveryFailure, RecipientResponse } from "./response";

/** Why and where a page ended before the partition's end. */
export interface Stop {
    /** Cursor of the first record not read: `<key>#<index>`, or `<key>` for "after this whole object". */
    readonly next: string;
    readonly interrupted?: RecipientResponse["interrupted"];
    readonly internal?: unknown;
}

export interface Page {
    readonly records: DeliveredRecord[];
    readonly failures: DeliveryFailure[];
    readonly duplicates: number;
    readonly stop?: Stop;
}

/** What reading a page needs. */
export interface PageDeps {
    readonly store: ObjectStore;
    readonly decryptor: EnvelopeDecryptor;
    /** The page budget on the serialised response, in bytes. */
    readonly budget: number;
    /** The page ends when less than this remains of the invocation (ms). */
    readonly reserve: number;
    readonly logger: Log;
}

/** One page being read: the request, the invocation and what the page holds so far. */
interface Reading {
    readonly deps: PageDeps;
    readonly tenant: string;
    readonly schema: string;
    readonly context: Context;
    readonly page: PageBudget;
}

/** The page of `partition` (a key prefix) from `start` (the partition's start when undefined). */
export async function readPage(deps: PageDeps, partition: string, tenant: string, schema: string, start: PageStart | undefined, context: Context): Promise<Page> {
    const r: Reading = { deps, tenant, schema, context, page: new PageBudget({ partition, tenant, schema }, deps.budget) };
    let stop: Stop | undefined;
    let listAfter = start?.key;
    if (start?.index !== undefined) {
        stop = await readObject(r, start.key, start.index);
    }
    while (!stop) {
        let listing;
        try {
            listing = await deps.store.list(partition, listAfter, 100);
        } catch (err) {
            stop = interrupted(r, listAfter ?? `${partition}`, err);
            break;
        }
        for (const key of listing.keys) {
            stop = timeShort(r) ? outOfTime(`${key}#0`) : await readObject(r, key, 0);
            if (stop) {
                break;
            }
            listAfter = key;
        }
        if (!listing.truncated) {
            break;
        }
    }
    const { records, failures, duplicates } = r.page;
    return { records, failures, duplicates, ...(stop ? { stop } : {}) };
}

/** The page ends at `next` because time runs short. */
export function outOfTime(next: string): Stop {
    return { next, interrupted: { code: "time", reason: "the invocation ran short of time; continue from next" } };
}

/** The failure reported for an envelope that does not decrypt (nothing of another tenant's envelope). */
export function envelopeFailure(object: string, index: number, err: EnvelopeError): DeliveryFailure {
    return err.code === "context-mismatch"
        ? { object, index, code: err.code, reason: "the envelope belongs to another tenant or schema than requested" }
        : { object, index, ...(err.recordId ? { recordId: err.recordId } : {}), code: err.code, reason: err.message };
}

/** The record delivered for a decrypted envelope. */
export function deliveredRecord(decrypted: DecryptedRecord): DeliveredRecord {
    const { header, plaintext } = decrypted;
    return { recordId: header.recordId, time: header.time, classification: header.classification, producer: header.producer, plaintext: plaintext.toString("base64") };
}

/** The page ends at `next` because of `err`: a transient error interrupts it, any other is internal. */
function interrupted(r: Reading, next: string, err: unknown): Stop {
    if (isTransient(err)) {
        r.deps.logger.warn("page interrupted by a transient error", { requestId: r.context.awsRequestId, position: next, ...errorFields(err) });
        return { next, interrupted: { code: "retry", reason: "a storage or key service was temporarily unavailable; continue from next" } };
    }
    return { next, internal: err };
}

/** True when the page holds something and less than the reserve remains of the invocation. */
function timeShort(r: Reading): boolean {
    return !r.page.empty() && r.context.getRemainingTimeInMillis() < r.deps.reserve;
}

/** Reads the envelopes of object `key` from index `from` onto the page; a Stop when the page ends inside it. */
async function readObject(r: Reading, key: string, from: number): Promise<Stop | undefined> {
    let body: Buffer;
    try {
        body = await r.deps.store.get(key);
    } catch (err) {
        if (err instanceof ObjectNotFoundError) {
            // Listed, then gone (deleted meanwhile): there is nothing left to read in it.
            return r.page.addFailure({ object: key, code: "object-missing", reason: "the object was listed but no longer exists" }) ? undefined : { next: `${key}#${from}` };
        }
        return interrupted(r, `${key}#${from}`, err);
    }
    let envelopes: Buffer[];
    try {
        envelopes = decodeBatch(body);
    } catch (err) {
        return r.page.addFailure({ object: key, code: "bad-object", reason: (err as Error).message }) ? undefined : { next: `${key}#${from}` };
    }
    const deliveredEarlier = from > 0 ? earlierCopies(r, envelopes, from) : undefined;
    for (let i = from; i < envelopes.length; i++) {
        if (timeShort(r)) {
            return outOfTime(`${key}#${i}`);
        }
        const stop = await readEnvelope(r, key, i, envelopes[i], deliveredEarlier);
        if (stop) {
            return stop;
        }
    }
    return undefined;
}

/** Decrypts envelope `i` of object `key` onto the page (a record, a duplicate skipped, or a failure); a Stop when the page ends at it. */
async function readEnvelope(
    r: Reading,
    key: string,
    i: number,
    envelope: Buffer,
    deliveredEarlier: ((recordId: string, bytes: Buffer) => Promise<boolean>) | undefined,
): Promise<Stop | undefined> {
    let decrypted: DecryptedRecord;
    try {
        decrypted = await r.deps.decryptor.decrypt(envelope, { tenant: r.tenant, schema: r.schema });
    } catch (err) {
        if (!(err instanceof EnvelopeError)) {
            return interrupted(r, `${key}#${i}`, err);
        }
        return r.page.addFailure(envelopeFailure(key, i, err)) ? undefined : { next: `${key}#${i}` };
    }
    const record = deliveredRecord(decrypted);
    const recordId = decrypted.header.recordId;
    decrypted.plaintext.fill(0);
    if (r.page.has(recordId) || (deliveredEarlier && (await deliveredEarlier(recordId, envelope)))) {
        r.page.duplicates++;
        return undefined;
    }
    const added = r.page.addRecord(record);
    if (added === "full") {
        return { next: `${key}#${i}` };
    }
    if (added === "too-large" && !r.page.addFailure({ object: key, index: i, recordId, code: "too-large", reason: "the record is too large for one response" })) {
        return { next: `${key}#${i}` };
    }
    return undefined;
}

/**
 * Record ids of envelopes [0, from) of an object (read on an earlier page), and a check whether a copy of a
 * record id among them is authentic (then it was delivered, and a later copy is a duplicate).
 */
function earlierCopies(r: Reading, envelopes: Buffer[], from: number): (recordId: string, bytes: Buffer) => Promise<boolean> {
    const byId = new Map<string, Buffer[]>();
    for (let i = 0; i < from && i < envelopes.length; i++) {
        try {
            const rid = parseEnvelope(envelopes[i]).header.recordId;
            byId.set(rid, [...(byId.get(rid) ?? []), envelopes[i]]);
        } catch {
            // Not an envelope: it was reported on the earlier page.
        }
    }
    return async (recordId, bytes) => {
        for (const copy of byId.get(recordId) ?? []) {
            if (copy.equals(bytes)) {
                return true;
            }
            try {
                (await r.deps.decryptor.decrypt(copy, { tenant: r.tenant, schema: r.schema })).plaintext.fill(0);
                return true;
            } catch {
                // Not authentic: that copy was reported, not delivered.
            }
        }
        return false;
    };
}
