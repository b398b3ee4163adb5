/**
 * The recipient's request: `GET ?tenant=<t>&schema=<s>&date=<YYYY-MM-DD>[&after=<cursor>]`. The tenant and schema
 * follow the envelope header's rules; `after` is a cursor the recipient returned as `next` for the same partition.
 */
import { headerProblem } from "../envelope";
import { partitionOf } from "../layout";

/** The partition a request names. */
export interface RecordsQuery {
    readonly tenant: string;
    readonly schema: string;
    readonly date: string;
}

/** Where a page starts: after the whole object `key`, or at its envelope `index`. */
export interface PageStart {
    readonly key: string;
    readonly index?: number;
}

/** A parsed value, or why the request is refused (the reason of a 400 answer). */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** `<object key>` (after that whole object) or `<object key>#<n>` (from its envelope n). */
const CURSOR = /^(.+?)(?:#(\d{1,9}))?$/;

/** The tenant, schema and date of a request's query string, checked with the header rules. */
export function parseRecordsQuery(q: Readonly<Record<string, string | undefined>> | null): Parsed<RecordsQuery> {
    const query = q ?? {};
    const tenant = query["tenant"] ?? "";
    const schema = query["schema"] ?? "";
    const date = query["date"] ?? "";
    // Validate with the header rules (a dummy header with the requested tenant and schema).
    const problem = headerProblem({
        tenant,
        schema,
        classification: "public",
        recordId: "0000000000000000",
        producer: "query",
        time: DATE.test(date) ? `${date}T00:00:00.000Z` : "invalid",
    });
    if (problem) {
        return { ok: false, reason: problem.replace("header field", "query parameter").replace('"time"', '"date" (YYYY-MM-DD)') };
    }
    return { ok: true, value: { tenant, schema, date } };
}

/** The key prefix of the partition a query names (`prefix` normalised: "" or ending in "/"). */
export function partitionPrefix(prefix: string, query: RecordsQuery): string {
    return `${prefix}${partitionOf({ tenant: query.tenant, schema: query.schema, time: query.date })}`;
}

/** Where the page starts: `after` (a cursor into `partition`), or the partition's start when it is absent. */
export function parseCursor(after: string | undefined, partition: string): Parsed<PageStart | undefined> {
    if (after === undefined) {
        return { ok: true, value: undefined };
    }
    const m = CURSOR.exec(after);
    if (!m || !m[1].startsWith(partition) || m[1].length === partition.length) {
        return { ok: false, reason: `query parameter "after" must be a cursor returned as "next" for this partition (an object key under ${partition})` };
    }
    return { ok: true, value: { key: m[1], ...(m[2] !== undefined ? { index: Number(m[2]) } : {}) } };
}
