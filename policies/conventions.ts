/**
 * The marking conventions the pack reads and the pipeline program (infra/) writes: tag keys and their values.
 * A program that follows them gets the checks that depend on them (key separation, who may use a records key,
 * classification); a program that does not is never failed for it.
 *
 * This module declares constants and types only and imports nothing, so the program can use it without loading
 * the pack, and the pack stays a standalone package.
 */

/** Tag of a KMS key naming what the key is for. */
export const KEY_ROLE_TAG = "e2ee:key-role";

/** The `e2ee:key-role` of a producers' envelope-encryption key. */
export const RECORDS_KEY_ROLE = "records";
/**
 * Values of `e2ee:key-role`. `records` is the producers' envelope-encryption key (only recipients decrypt with it);
 * `storage`, `logs`, `secrets` and `backup` encrypt data at rest through AWS services; `backup` is never the key of
 * the data it protects.
 */
export const KEY_ROLES = [RECORDS_KEY_ROLE, "storage", "logs", "secrets", "backup"] as const;
export type KeyRole = (typeof KEY_ROLES)[number];

/** Tag of an IAM role naming which principal of the pipeline it is. */
export const PRINCIPAL_ROLE_TAG = "e2ee:principal-role";

/** The one principal role that may `kms:Decrypt` (and `kms:ReEncryptFrom`) with a records key. */
export const RECIPIENT_PRINCIPAL = "recipient";
/** The one principal role that may `kms:GenerateDataKey*` on a records key. */
export const PRODUCER_PRINCIPAL = "producer";

/**
 * Values of `e2ee:principal-role` in the pipeline program. Only `recipient` and `producer` carry a meaning for the
 * pack; the others name the pipeline's other principals (its functions, its orchestrator and the pipe that starts
 * it, the service roles that deliver logs and backups).
 */
export const PRINCIPAL_ROLES = [
    PRODUCER_PRINCIPAL,
    RECIPIENT_PRINCIPAL,
    "ingest",
    "process",
    "replay",
    "orchestrator",
    "pipe",
    "api-logging",
    "flow-logs",
    "cloudtrail",
    "backup",
] as const;
export type PrincipalRole = (typeof PRINCIPAL_ROLES)[number];

/** Tag of a data store naming its classification (the pack's tag key is configurable; this is its default). */
export const CLASSIFICATION_TAG = "data-classification";

/** Values of `data-classification`, from least to most sensitive (configurable in the pack; these are the defaults). */
export const DATA_CLASSIFICATIONS = ["public", "internal", "confidential", "restricted"] as const;
export type DataClassification = (typeof DATA_CLASSIFICATIONS)[number];
