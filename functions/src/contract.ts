/**
 * The contract between the infrastructure program (infra/) and the Lambda functions (functions/):
 * function names, handler entry points, the environment variables each function reads, and the shared data
 * layout (table key, TTL, key prefixes). Both sides import this file; change it only together.
 * functions/README.md ("Contract with the infrastructure") lists the IAM actions each function relies on.
 */
export const FUNCTION_NAMES = ["ingest", "process", "recipient", "replay"] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** Every bundle exports `handler` from `index.js`. */
export const HANDLER = "index.handler";

/** Environment variables read by each function. None of them is a secret. All are required unless marked optional. */
export const ENV = {
    ingest: {
        /** Kinesis stream that receives accepted envelopes (ciphertext only). */
        STREAM_NAME: "INGEST_STREAM_NAME",
        /** DynamoDB table of idempotency records (replay protection by record id). */
        DEDUP_TABLE: "DEDUP_TABLE_NAME",
        /** Optional: largest accepted envelope, in bytes (default DEFAULT_MAX_ENVELOPE_BYTES). */
        MAX_ENVELOPE_BYTES: "MAX_ENVELOPE_BYTES",
    },
    process: {
        /** Data-lake bucket that receives batched ciphertext objects. */
        DATA_BUCKET: "DATA_BUCKET_NAME",
        /** ARN of the bucket's SSE-KMS key (the storage key), sent with every upload. */
        DATA_BUCKET_KEY_ARN: "DATA_BUCKET_KEY_ARN",
        /** Optional: key prefix under which batches are written (default DEFAULT_DATA_PREFIX). */
        DATA_PREFIX: "DATA_PREFIX",
        /** DynamoDB table that holds the store ledger (the deduplication table). */
        DEDUP_TABLE: "DEDUP_TABLE_NAME",
    },
    recipient: {
        /** Data-lake bucket read by the recipient. */
        DATA_BUCKET: "DATA_BUCKET_NAME",
        /** ARN of the KMS records key (the recipient is the only principal allowed to Decrypt with it). */
        RECORDS_KEY_ARN: "RECORDS_KEY_ARN",
        /** Optional: key prefix the process function writes under (default DEFAULT_DATA_PREFIX); must be the same. */
        DATA_PREFIX: "DATA_PREFIX",
        /** Cognito user pool whose ID tokens the recipient verifies itself (`<region>_<id>`). */
        USER_POOL_ID: "USER_POOL_ID",
        /** App client id the ID tokens must be issued to (their `aud`). */
        USER_POOL_CLIENT_ID: "USER_POOL_CLIENT_ID",
        /**
         * Optional: the user pool's JWKS document (JSON). When set, tokens are verified against it without fetching
         * `https://cognito-idp.<region>.amazonaws.com/<pool>/.well-known/jwks.json` (a VPC without a path to Cognito).
         */
        USER_POOL_JWKS: "USER_POOL_JWKS",
    },
    replay: {
        /** The stream replayed (the ingest stream). */
        STREAM_NAME: "INGEST_STREAM_NAME",
        DATA_BUCKET: "DATA_BUCKET_NAME",
        DATA_BUCKET_KEY_ARN: "DATA_BUCKET_KEY_ARN",
        /** Optional: as for process; must be the same. */
        DATA_PREFIX: "DATA_PREFIX",
        DEDUP_TABLE: "DEDUP_TABLE_NAME",
    },
} as const;

/** Partition (hash) key of the deduplication table: a string attribute. */
export const DEDUP_TABLE_KEY = "recordId";
/** TTL attribute of the deduplication table (epoch seconds); enable DynamoDB TTL on it. */
export const DEDUP_TABLE_TTL_ATTRIBUTE = "expiresAt";
/** How long ingest refuses a replayed record id (7 days). */
export const INGEST_DEDUP_TTL_SECONDS = 7 * 24 * 3600;
/** Prefix of ingest's idempotency keys in the table (`ingest#<sha256 of the record id>`). */
export const INGEST_IDEMPOTENCY_KEY_PREFIX = "ingest";
/** Prefix of the store ledger's keys in the table (`stored#<record id>`). */
export const STORE_LEDGER_KEY_PREFIX = "stored#";
/** How long the store ledger remembers where a record was stored (8 days). */
export const STORE_LEDGER_TTL_SECONDS = 8 * 24 * 3600;
/** Oldest start of a replay (7 days ago): inside the ledger's memory, so a replay cannot store a record twice. */
export const REPLAY_HORIZON_SECONDS = 7 * 24 * 3600;
/** Default for ENV.ingest.MAX_ENVELOPE_BYTES when unset (256 KiB; Kinesis allows 1 MiB per record). */
export const DEFAULT_MAX_ENVELOPE_BYTES = 262144;
/** Default for the DATA_PREFIX variables when unset. */
export const DEFAULT_DATA_PREFIX = "records/";
