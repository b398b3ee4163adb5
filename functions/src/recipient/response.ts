/**
 * The recipient's answers: a page of records (200), or why there is none (401, 500, 503 with Retry-After). Failures
 * name our own reason codes only: no S3 or KMS error text, nothing of another tenant.
 */
import type { APIGatewayProxyResult } from "aws-lambda";
import { json } from "../http";
import { AuthResult } from "./auth";
import type { Page } from "./page";
import { RecordsQuery } from "./query";

/** Lambda's limit on a synchronous invocation's response payload (6 MB). */
export const LAMBDA_RESPONSE_LIMIT_BYTES = 6 * 1024 * 1024;
/** Retry-After (seconds) when nothing could be read because a service was temporarily unavailable. */
export const RETRY_AFTER_SECONDS = 2;

export interface DeliveredRecord {
    readonly recordId: string;
    readonly time: string;
    readonly classification: string;
    readonly producer: string;
    /** base64 */
    readonly plaintext: string;
}

export interface DeliveryFailure {
    readonly object: string;
    readonly index?: number;
    readonly recordId?: string;
    readonly code: string;
    readonly reason: string;
}

export interface RecipientResponse {
    readonly tenant: string;
    readonly schema: string;
    readonly date: string;
    readonly records: readonly DeliveredRecord[];
    readonly failures: readonly DeliveryFailure[];
    /** Copies of record ids already delivered in this response, skipped. */
    readonly duplicates: number;
    /** Pass as `after` to continue; absent when the partition has been read to its end. */
    readonly next?: string;
    /** Why the page ended before its budget: a service was temporarily unavailable, or time ran short. */
    readonly interrupted?: { readonly code: "retry" | "time"; readonly reason: string };
}

/** The answer to a caller who could not be authenticated: 503 when that may pass, 401 otherwise. */
export function unauthenticatedResponse(auth: Extract<AuthResult, { ok: false }>): APIGatewayProxyResult {
    return auth.transient
        ? json(503, { code: "retry", reason: "authentication is temporarily unavailable; retry" }, { "retry-after": String(RETRY_AFTER_SECONDS) })
        : json(401, { code: "unauthenticated", reason: "a valid Cognito ID token of this API's user pool is required in the Authorization header" });
}

/**
 * The answer for a page read: 200 with what was read (ended early at an internal error or a transient failure, it
 * says so and `next` continues), or, with nothing read, 500 for an internal error and 503 for a transient failure.
 * Throws if the response would exceed the Lambda limit (the page's accounting is exact; this only guards it).
 */
export function pageResponse(query: RecordsQuery, page: Page, requestId: string): APIGatewayProxyResult {
    const progress = page.records.length > 0 || page.failures.length > 0 || page.duplicates > 0;
    let interrupted = page.stop?.interrupted;
    if (page.stop?.internal !== undefined) {
        if (!progress) {
            return json(500, { code: "internal", reason: `the recipient could not read the partition; the error was logged with request id ${requestId}` });
        }
        interrupted = { code: "retry", reason: `the page ended at an error logged with request id ${requestId}; continue from next` };
    }
    if (interrupted?.code === "retry" && !progress) {
        return json(503, { code: "retry", reason: "a storage or key service is temporarily unavailable; retry" }, { "retry-after": String(RETRY_AFTER_SECONDS) });
    }
    const body: RecipientResponse = {
        tenant: query.tenant,
        schema: query.schema,
        date: query.date,
        records: page.records,
        failures: page.failures,
        duplicates: page.duplicates,
        ...(page.stop?.next !== undefined ? { next: page.stop.next } : {}),
        ...(interrupted ? { interrupted } : {}),
    };
    const result = json(200, body);
    const bytes = Buffer.byteLength(JSON.stringify(result));
    if (bytes > LAMBDA_RESPONSE_LIMIT_BYTES) {
        throw new Error(`recipient: response of ${bytes} bytes exceeds the Lambda limit`);
    }
    return result;
}
