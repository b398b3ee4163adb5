/**
 * Every way an envelope can be refused. `code` is stable (tests, metrics and HTTP reasons use it);
 * `message` is a precise, human-readable reason that never contains plaintext or key material.
 */
export type EnvelopeErrorCode =
    | "not-an-envelope" // missing magic bytes: plaintext, JSON, anything else
    | "unsupported-version"
    | "truncated"
    | "malformed" // lengths, sizes or trailing bytes inconsistent
    | "bad-header" // public header not canonical JSON or a field invalid
    | "oversized"
    | "context-mismatch" // header does not match what the caller expected
    | "unwrap-failed" // key provider refused the wrapped data key (wrong key or wrong encryption context)
    | "commitment-mismatch" // data key does not commit to this ciphertext
    | "authentication-failed" // AES-GCM tag check failed: some byte was changed
    | "limits"; // invalid data-key reuse limits

export class EnvelopeError extends Error {
    constructor(
        readonly code: EnvelopeErrorCode,
        message: string,
        /** Record id from the public header, when the envelope got far enough to have one. */
        readonly recordId?: string,
    ) {
        super(message);
        this.name = "EnvelopeError";
    }
}
