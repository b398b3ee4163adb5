/**
 * The contract between the infrastructure program (infra/) and the Lambda functions (functions/):
 * function names, handler entry points and the environment variables each function reads.
 * Both sides import this file; change it only together.
 */
export const FUNCTION_NAMES = ["ingest", "process", "recipient"] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** Every bundle exports `handler` from `index.js`. */
export const HANDLER = "index.handler";

/** Environment variables read by each function. None of them is a secret. */
export const ENV = {
    ingest: {
        /** Kinesis stream that receives accepted envelopes (ciphertext only). */
        STREAM_NAME: "INGEST_STREAM_NAME",
        /** DynamoDB table used to deduplicate by record id. */
        DEDUP_TABLE: "DEDUP_TABLE_NAME",
        /** Largest accepted envelope, in bytes. */
        MAX_ENVELOPE_BYTES: "MAX_ENVELOPE_BYTES",
    },
    process: {
        /** Data-lake bucket that receives batched ciphertext objects. */
        DATA_BUCKET: "DATA_BUCKET_NAME",
        /** Key prefix under which batches are written. */
        DATA_PREFIX: "DATA_PREFIX",
    },
    recipient: {
        /** Data-lake bucket read by the recipient. */
        DATA_BUCKET: "DATA_BUCKET_NAME",
        /** ARN of the KMS records key (the recipient is the only principal allowed to Decrypt with it). */
        RECORDS_KEY_ARN: "RECORDS_KEY_ARN",
        /** Optional: key prefix the process function writes under (default DEFAULT_DATA_PREFIX). */
        DATA_PREFIX: "DATA_PREFIX",
    },
} as const;

/** Partition (hash) key of the deduplication table: a string attribute holding the record id. */
export const DEDUP_TABLE_KEY = "recordId";
/** TTL attribute of the deduplication table (epoch seconds); enable DynamoDB TTL on it. */
export const DEDUP_TABLE_TTL_ATTRIBUTE = "expiresAt";
/** Default for ENV.ingest.MAX_ENVELOPE_BYTES when unset (256 KiB; Kinesis allows 1 MiB per record). */
export const DEFAULT_MAX_ENVELOPE_BYTES = 262144;
/** Default for ENV.process.DATA_PREFIX when unset. */
export const DEFAULT_DATA_PREFIX = "records/";
