/**
 * Bounds on how long one data key is used (encryption) or kept unwrapped (decryption cache).
 *
 * With random 96-bit nonces, NIST SP 800-38D caps one key at 2^32 encryptions; the probability of a nonce collision
 * after n records is about n^2 / 2^97. The default of 2^20 records gives at most 2^-57, far inside the bound, and
 * still lets one KMS call serve a million records.
 */
import { EnvelopeError } from "./errors";

export interface KeyReuseLimits {
    /** Records per data key. Default 2^20 (1,048,576); at most 2^32. */
    readonly maxRecords: number;
    /** Plaintext bytes per data key. Default 2^34 (16 GiB); at most 2^40. */
    readonly maxBytes: number;
    /** Age of a data key in milliseconds. Default 300,000 (5 minutes); at most 24 hours. */
    readonly maxAgeMs: number;
}

export const DEFAULT_LIMITS: KeyReuseLimits = { maxRecords: 2 ** 20, maxBytes: 2 ** 34, maxAgeMs: 5 * 60 * 1000 };
export const LIMIT_CEILINGS: KeyReuseLimits = { maxRecords: 2 ** 32, maxBytes: 2 ** 40, maxAgeMs: 24 * 60 * 60 * 1000 };

/** Fills in defaults and validates; throws EnvelopeError("limits") naming the offending field. */
export function resolveLimits(partial: Partial<KeyReuseLimits> = {}): KeyReuseLimits {
    const limits: KeyReuseLimits = { ...DEFAULT_LIMITS, ...stripUndefined(partial) };
    for (const field of ["maxRecords", "maxBytes", "maxAgeMs"] as const) {
        const v = limits[field];
        if (!Number.isSafeInteger(v) || v < 1 || v > LIMIT_CEILINGS[field]) {
            throw new EnvelopeError("limits", `${field} must be an integer in 1..${LIMIT_CEILINGS[field]}; got ${v}`);
        }
    }
    return limits;
}

function stripUndefined(p: Partial<KeyReuseLimits>): Partial<KeyReuseLimits> {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(p)) {
        if (v !== undefined) {
            out[k] = v;
        }
    }
    return out;
}

/** Usage counters of one data key. */
export interface KeyUsage {
    records: number;
    bytes: number;
    readonly createdAt: number;
}

/** True when one more record of `bytes` bytes may use the key at time `now`. */
export function withinLimits(usage: KeyUsage, bytes: number, now: number, limits: KeyReuseLimits): boolean {
    return usage.records + 1 <= limits.maxRecords && usage.bytes + bytes <= limits.maxBytes && now - usage.createdAt < limits.maxAgeMs;
}
