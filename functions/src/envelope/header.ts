/**
 * The public header of a record: what the pipeline may see without decrypting. It is bound to the ciphertext as
 * AES-GCM additional authenticated data, and its key-scoped fields (tenant, schema, classification, producer) are
 * the KMS encryption context under which the data key is wrapped.
 *
 * Encoding: canonical JSON, fields in the order of HEADER_FIELDS, no whitespace, ASCII-only values (so no escapes).
 * Readers re-encode what they parsed and require byte equality, so one header has exactly one encoding
 * (no duplicate keys, no reordering, no padding that a filter and a reader could interpret differently).
 */
import { EnvelopeError } from "./errors";

export const CLASSIFICATIONS = ["public", "internal", "confidential", "restricted"] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

export interface RecordHeader {
    /** Tenant that owns the record; lowercase DNS label (1-63 chars). Routing and partitioning key. */
    readonly tenant: string;
    /** Schema name and version of the plaintext, e.g. `orders.v1`. Routing key. */
    readonly schema: string;
    /** Data classification of the plaintext. */
    readonly classification: Classification;
    /** Unique record id chosen by the producer (16-64 chars of [A-Za-z0-9_-]); deduplication key. */
    readonly recordId: string;
    /** Producer identity, e.g. a service name. */
    readonly producer: string;
    /** Production time, ISO 8601 UTC with milliseconds (`2026-11-23T09:30:00.000Z`). Partitions storage by date. */
    readonly time: string;
}

export const HEADER_FIELDS = ["tenant", "schema", "classification", "recordId", "producer", "time"] as const;

/** Header fields that form the KMS encryption context (stable for many records, so one data key serves many). */
export const CONTEXT_FIELDS = ["tenant", "schema", "classification", "producer"] as const;
export type EncryptionContext = Readonly<Record<string, string>>;

export const MAX_HEADER_BYTES = 1024;

const PATTERNS: Record<Exclude<(typeof HEADER_FIELDS)[number], "classification">, RegExp> = {
    tenant: /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
    schema: /^[a-z0-9][a-z0-9._-]{0,62}$/,
    recordId: /^[A-Za-z0-9_-]{16,64}$/,
    producer: /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
    time: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/,
};

const DESCRIPTIONS: Record<keyof typeof PATTERNS, string> = {
    tenant: "a lowercase DNS label (1-63 chars of [a-z0-9-])",
    schema: "1-63 chars of [a-z0-9._-] starting with a letter or digit",
    recordId: "16-64 chars of [A-Za-z0-9_-]",
    producer: "1-128 chars of [A-Za-z0-9._-] starting with a letter or digit",
    time: "an ISO 8601 UTC timestamp with milliseconds, e.g. 2026-11-23T09:30:00.000Z",
};

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** True when a string matching PATTERNS.time names a real instant (calendar-checked without Date objects: hot path). */
function realInstant(t: string): boolean {
    // The pattern guarantees ASCII digits at these offsets.
    const digits = (from: number, count: number): number => {
        let n = 0;
        for (let i = from; i < from + count; i++) {
            n = n * 10 + (t.charCodeAt(i) - 48);
        }
        return n;
    };
    const year = digits(0, 4);
    const month = digits(5, 2);
    const day = digits(8, 2);
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
    return month >= 1 && month <= 12 && day >= 1 && day <= days && digits(11, 2) < 24 && digits(14, 2) < 60 && digits(17, 2) < 60;
}

/** Returns the reason `value` is not a valid header, or undefined when it is one. */
export function headerProblem(value: unknown): string | undefined {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return "header must be a JSON object";
    }
    const record = value as Record<string, unknown>;
    let known = 0;
    for (const field of HEADER_FIELDS) {
        const v = record[field];
        if (typeof v !== "string") {
            return `header field "${field}" must be a string`;
        }
        known++;
        if (field === "classification") {
            if (!(CLASSIFICATIONS as readonly string[]).includes(v)) {
                return `header field "classification" must be one of ${CLASSIFICATIONS.join(", ")}; got "${v.slice(0, 40)}"`;
            }
        } else if (!PATTERNS[field].test(v)) {
            return `header field "${field}" must be ${DESCRIPTIONS[field]}`;
        } else if (field === "time" && !realInstant(v)) {
            return `header field "time" is not a real instant: ${v}`;
        }
    }
    const keys = Object.keys(record);
    if (keys.length !== known) {
        const unknown = keys.find((k) => !(HEADER_FIELDS as readonly string[]).includes(k));
        return `header has unknown field "${unknown}"`;
    }
    return undefined;
}

/** Validates and returns the canonical encoding (UTF-8 bytes, which are ASCII). Throws EnvelopeError("bad-header"). */
export function encodeHeader(header: RecordHeader): Buffer {
    return Buffer.from(canonicalHeaderText(header), "latin1");
}

/**
 * Validates and returns the canonical encoding as a string of ASCII characters (one byte each in latin1), for
 * writers that place it in a larger buffer. Throws EnvelopeError("bad-header").
 */
export function canonicalHeaderText(header: RecordHeader): string {
    const problem = headerProblem(header);
    if (problem) {
        throw new EnvelopeError("bad-header", problem);
    }
    return canonicalHeaderJson(header);
}

function canonicalHeaderJson(h: RecordHeader): string {
    // Values are validated ASCII without quotes or backslashes, so plain concatenation is exact JSON.
    return (
        `{"tenant":"${h.tenant}","schema":"${h.schema}","classification":"${h.classification}",` +
        `"recordId":"${h.recordId}","producer":"${h.producer}","time":"${h.time}"}`
    );
}

/**
 * The canonical encoding of a valid header as one regular expression, built from PATTERNS and CLASSIFICATIONS: the
 * fields in order, each value captured. Valid values contain no quote, backslash or control character, so a text
 * it matches (with a real instant as `time`) is exactly the canonical JSON of the captured values.
 */
const CANONICAL_HEADER = new RegExp(
    "^\\{" +
        HEADER_FIELDS.map((field) => {
            const value = field === "classification" ? CLASSIFICATIONS.join("|") : PATTERNS[field].source.slice(1, -1);
            return `"${field}":"(${value})"`;
        }).join(",") +
        "\\}$",
);

/** The header of `text` when it is a valid header in canonical form (the hot path of every reader); undefined otherwise. */
function canonicalHeader(text: string): RecordHeader | undefined {
    const m = CANONICAL_HEADER.exec(text);
    if (m === null || !realInstant(m[6])) {
        return undefined;
    }
    return { tenant: m[1], schema: m[2], classification: m[3] as Classification, recordId: m[4], producer: m[5], time: m[6] };
}

/** Parses and validates a header; requires the canonical encoding. Throws EnvelopeError("bad-header"). */
export function decodeHeader(bytes: Uint8Array): RecordHeader {
    const text = (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString("latin1");
    const canonical = canonicalHeader(text);
    if (canonical) {
        return canonical;
    }
    // Not a valid canonical header: the full parse names what is wrong.
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        throw new EnvelopeError("bad-header", "header is not valid JSON");
    }
    const problem = headerProblem(parsed);
    if (problem) {
        throw new EnvelopeError("bad-header", problem);
    }
    const header = parsed as RecordHeader;
    if (canonicalHeaderJson(header) !== text) {
        throw new EnvelopeError("bad-header", "header is not in canonical form (field order, whitespace or duplicates)");
    }
    return header;
}

/** The KMS encryption context for a header. */
export function encryptionContext(header: RecordHeader): EncryptionContext {
    return { tenant: header.tenant, schema: header.schema, classification: header.classification, producer: header.producer };
}

/** Canonical string form of an encryption context (sorted keys); used as cache key and as key-wrap AAD. */
export function canonicalContext(context: EncryptionContext): string {
    const keys = Object.keys(context).sort();
    return JSON.stringify(keys.map((k) => [k, context[k]]));
}
