/**
 * How the handlers tell errors apart: a transient error (throttling, a 5xx, a timeout, a dropped connection) is
 * retried or answered with "retry later" and never treated as a property of the data; anything else is permanent.
 */

/** An object that does not exist (S3 `NoSuchKey` / 404), as opposed to one that could not be read. */
export class ObjectNotFoundError extends Error {
    constructor(readonly key: string) {
        super(`object ${key} does not exist`);
        this.name = "ObjectNotFoundError";
    }
}

/** Error names AWS services and the SDK use for throttling and server-side or network trouble. */
const TRANSIENT_NAMES = new Set([
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "SlowDown",
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "InternalFailure",
    "InternalServerError",
    "InternalServerException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "KMSInternalException",
    "DependencyTimeoutException",
    "KeyUnavailableException",
    "TransactionInProgressException",
    "TimeoutError",
]);

const TRANSIENT_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN", "ENOTFOUND", "ECONNABORTED", "EHOSTUNREACH", "ENETUNREACH"]);

interface SdkLikeError {
    readonly name?: string;
    readonly code?: string;
    readonly $fault?: string;
    readonly $retryable?: unknown;
    readonly $metadata?: { readonly httpStatusCode?: number };
    readonly cause?: unknown;
}

/** True when retrying the same request later may succeed. Follows `cause` (wrapping libraries set it). */
export function isTransient(err: unknown, depth = 0): boolean {
    if (typeof err !== "object" || err === null || depth > 5) {
        return false;
    }
    const e = err as SdkLikeError;
    const status = e.$metadata?.httpStatusCode;
    if (
        (e.name !== undefined && TRANSIENT_NAMES.has(e.name)) ||
        (e.code !== undefined && TRANSIENT_CODES.has(e.code)) ||
        e.$retryable !== undefined ||
        (e.$fault === "server" && status !== 501) ||
        (status !== undefined && (status === 429 || (status >= 500 && status !== 501)))
    ) {
        return true;
    }
    return isTransient(e.cause, depth + 1);
}

/** A short, loggable description of an error (its name and message), never sent to API callers. */
export function describeError(err: unknown): string {
    if (err instanceof Error) {
        return `${err.name}: ${err.message}`;
    }
    return String(err);
}

/** Log fields for an error and, when a library wrapped it, its cause. */
export function errorFields(err: unknown): { error: string; cause?: string } {
    const cause = (err as { cause?: unknown } | undefined)?.cause;
    return cause === undefined ? { error: describeError(err) } : { error: describeError(err), cause: describeError(cause) };
}
