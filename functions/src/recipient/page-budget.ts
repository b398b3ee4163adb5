/**
 * The budget of one page: the serialised Lambda response `{statusCode, headers, body}` stays under the page budget
 * (at most Lambda's 6 MB limit), counted exactly as records and failures join it; each record id once per page.
 */
import { json } from "../http";
import { DeliveredRecord, DeliveryFailure, LAMBDA_RESPONSE_LIMIT_BYTES } from "./response";

/** Bytes `s` takes inside a JSON string literal (without the quotes): UTF-8, plus one per escaped quote/backslash. */
export function jsonStringBytes(s: string): number {
    return Buffer.byteLength(JSON.stringify(s)) - 2;
}

/**
 * Exact size accounting of the Lambda response `{statusCode, headers, body}`: the body is JSON, and it is itself a
 * JSON string inside the response, so each fragment counts once as body text and once more for its escapes.
 */
export class ResponseSize {
    private bytes: number;
    constructor(frame: string) {
        this.bytes = Buffer.byteLength(frame);
    }
    /** Size after adding `fragment` (JSON text) to the body, comma included. */
    with(fragment: string, comma: boolean): number {
        return this.bytes + jsonStringBytes(fragment) + (comma ? 1 : 0);
    }
    add(fragment: string, comma: boolean): void {
        this.bytes = this.with(fragment, comma);
    }
}

/** What became of a record offered to the page. */
export type Added =
    /** On the page. */
    | "added"
    /** The page has no room left for it: the next page starts at it. */
    | "full"
    /** No Lambda response can carry it (possible only if ingest's limit was raised past it). */
    | "too-large";

/** The records and failures of one page, within its budget. */
export class PageBudget {
    readonly records: DeliveredRecord[] = [];
    readonly failures: DeliveryFailure[] = [];
    /** Copies of record ids already on the page, skipped. */
    duplicates = 0;
    private readonly delivered = new Set<string>();
    private readonly size: ResponseSize;

    constructor(
        page: { readonly partition: string; readonly tenant: string; readonly schema: string },
        private readonly budget: number,
    ) {
        // The response with every field but the two arrays at its longest, so only the arrays remain to count.
        const frameBody = JSON.stringify({
            tenant: page.tenant,
            schema: page.schema,
            date: "0000-00-00",
            records: [],
            failures: [],
            duplicates: 1e9,
            next: `${page.partition}${"x".repeat(1024)}#999999999`,
            interrupted: { code: "retry", reason: "x".repeat(160) },
        });
        this.size = new ResponseSize(JSON.stringify({ ...json(200, null), body: frameBody }));
    }

    /** True while the page holds neither records nor failures. */
    empty(): boolean {
        return this.records.length === 0 && this.failures.length === 0;
    }

    /** Whether `recordId` is on the page already. */
    has(recordId: string): boolean {
        return this.delivered.has(recordId);
    }

    /** Adds `f` if it fits; false when the page is full. */
    addFailure(f: DeliveryFailure): boolean {
        const frag = JSON.stringify(f);
        if (!this.fits(frag, this.failures)) {
            return false;
        }
        this.size.add(frag, this.failures.length > 0);
        this.failures.push(f);
        return true;
    }

    /** Adds `record` if it fits. */
    addRecord(record: DeliveredRecord): Added {
        const frag = JSON.stringify(record);
        if (!this.fits(frag, this.records)) {
            return !this.empty() || this.size.with(frag, false) <= LAMBDA_RESPONSE_LIMIT_BYTES ? "full" : "too-large";
        }
        this.size.add(frag, this.records.length > 0);
        this.records.push(record);
        this.delivered.add(record.recordId);
        return "added";
    }

    /** True when `fragment` may join `array`: within the budget, or the first item of the page within the hard limit. */
    private fits(fragment: string, array: unknown[]): boolean {
        return this.size.with(fragment, array.length > 0) <= this.budget || (this.empty() && this.size.with(fragment, false) <= LAMBDA_RESPONSE_LIMIT_BYTES);
    }
}
