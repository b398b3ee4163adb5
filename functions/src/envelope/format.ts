/**
 * Binary layout of an envelope, version 1 (all integers big-endian):
 *
 *   offset  size  field
 *   0       2     magic 0xE2 0xEE
 *   2       1     format version (1)
 *   3       2     header length H (1..1024)
 *   5       H     public header, canonical JSON (see header.ts)
 *   5+H     2     wrapped data key length W (1..1024)
 *   7+H     W     wrapped data key (opaque to this layer: a KMS ciphertext blob or a local key-wrap blob)
 *   7+H+W   4     ciphertext length N (= plaintext length)
 *   11+H+W  32    key commitment = HKDF-SHA256(data key, info "commit")
 *   43+H+W  12    nonce (random, 96 bits)
 *   55+H+W  N     AES-256-GCM ciphertext of the plaintext
 *   end-16  16    GCM tag
 *
 * The additional authenticated data is every byte before the nonce (magic, version, the three lengths, header,
 * wrapped key, commitment); the nonce is the GCM IV, so a change to any byte of any region fails the tag check.
 * The explicit ciphertext length lets a reader without the key detect truncation and trailing bytes.
 * Parsing needs no key: ingest and process use it to validate structure and read the header.
 */
import { EnvelopeError } from "./errors";
import { decodeHeader, MAX_HEADER_BYTES, RecordHeader } from "./header";

export const MAGIC_0 = 0xe2;
export const MAGIC_1 = 0xee;
export const FORMAT_VERSION = 1;
export const SUPPORTED_VERSIONS: readonly number[] = [FORMAT_VERSION];
export const COMMITMENT_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const MAX_WRAPPED_KEY_BYTES = 1024;
/** Largest plaintext the library encrypts (the pipeline's own limit, MAX_ENVELOPE_BYTES, is far lower). */
export const MAX_PLAINTEXT_BYTES = 64 * 1024 * 1024;

export interface ParsedEnvelope {
    readonly version: number;
    readonly header: RecordHeader;
    readonly headerBytes: Buffer;
    readonly wrappedKey: Buffer;
    readonly commitment: Buffer;
    readonly nonce: Buffer;
    readonly ciphertext: Buffer;
    readonly tag: Buffer;
    /** Bytes authenticated as AAD: everything before the nonce. */
    readonly aad: Buffer;
    /** Total size in bytes. */
    readonly size: number;
}

/** Size of an envelope for the given region sizes. */
export function envelopeSize(headerBytes: number, wrappedKeyBytes: number, plaintextBytes: number): number {
    return 11 + headerBytes + wrappedKeyBytes + COMMITMENT_BYTES + NONCE_BYTES + plaintextBytes + TAG_BYTES;
}

/** True when the bytes start with the envelope magic (cheap pre-check; parseEnvelope is the real check). */
export function hasMagic(bytes: Uint8Array): boolean {
    return bytes.length >= 2 && bytes[0] === MAGIC_0 && bytes[1] === MAGIC_1;
}

/**
 * Validates the structure of an envelope and returns views of its regions (no copies). Throws EnvelopeError with
 * code not-an-envelope | unsupported-version | truncated | malformed | bad-header | oversized.
 */
export function parseEnvelope(input: Uint8Array, maxBytes?: number): ParsedEnvelope {
    const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    if (maxBytes !== undefined && buf.length > maxBytes) {
        throw new EnvelopeError("oversized", `envelope is ${buf.length} bytes; the limit is ${maxBytes}`);
    }
    if (buf.length < 3) {
        if (buf.length === 0) {
            throw new EnvelopeError("not-an-envelope", "empty input is not an envelope");
        }
        if (!(buf[0] === MAGIC_0 && (buf.length === 1 || buf[1] === MAGIC_1))) {
            throw new EnvelopeError("not-an-envelope", "input does not start with the envelope magic bytes 0xE2 0xEE (plaintext?)");
        }
        throw new EnvelopeError("truncated", `envelope truncated: ${buf.length} bytes, no version byte`);
    }
    if (!hasMagic(buf)) {
        throw new EnvelopeError("not-an-envelope", "input does not start with the envelope magic bytes 0xE2 0xEE (plaintext?)");
    }
    const version = buf[2];
    if (!SUPPORTED_VERSIONS.includes(version)) {
        throw new EnvelopeError(
            "unsupported-version",
            `unsupported envelope version ${version}; this reader supports version ${SUPPORTED_VERSIONS.join(", ")}`,
        );
    }
    let off = 3;
    const need = (n: number, what: string): void => {
        if (buf.length < off + n) {
            throw new EnvelopeError("truncated", `envelope truncated in ${what}: needs ${off + n} bytes, has ${buf.length}`);
        }
    };
    need(2, "header length");
    const headerLength = buf.readUInt16BE(off);
    off += 2;
    if (headerLength === 0 || headerLength > MAX_HEADER_BYTES) {
        throw new EnvelopeError("malformed", `header length ${headerLength} is outside 1..${MAX_HEADER_BYTES}`);
    }
    need(headerLength, "header");
    const headerBytes = buf.subarray(off, off + headerLength);
    off += headerLength;
    need(2, "wrapped key length");
    const wrappedLength = buf.readUInt16BE(off);
    off += 2;
    if (wrappedLength === 0 || wrappedLength > MAX_WRAPPED_KEY_BYTES) {
        throw new EnvelopeError("malformed", `wrapped key length ${wrappedLength} is outside 1..${MAX_WRAPPED_KEY_BYTES}`);
    }
    need(wrappedLength, "wrapped key");
    const wrappedKey = buf.subarray(off, off + wrappedLength);
    off += wrappedLength;
    need(4, "ciphertext length");
    const ciphertextLength = buf.readUInt32BE(off);
    off += 4;
    if (ciphertextLength > MAX_PLAINTEXT_BYTES) {
        throw new EnvelopeError("oversized", `ciphertext length ${ciphertextLength} exceeds the format limit ${MAX_PLAINTEXT_BYTES}`);
    }
    need(COMMITMENT_BYTES, "key commitment");
    const commitment = buf.subarray(off, off + COMMITMENT_BYTES);
    off += COMMITMENT_BYTES;
    const aad = buf.subarray(0, off);
    need(NONCE_BYTES, "nonce");
    const nonce = buf.subarray(off, off + NONCE_BYTES);
    off += NONCE_BYTES;
    need(ciphertextLength, "ciphertext");
    const ciphertext = buf.subarray(off, off + ciphertextLength);
    off += ciphertextLength;
    need(TAG_BYTES, "tag");
    const tag = buf.subarray(off, off + TAG_BYTES);
    off += TAG_BYTES;
    if (buf.length !== off) {
        throw new EnvelopeError("malformed", `envelope has ${buf.length - off} trailing bytes after the tag`);
    }
    // Header last: structure errors are reported before content errors.
    const header = decodeHeader(headerBytes);
    return { version, header, headerBytes, wrappedKey, commitment, nonce, ciphertext, tag, aad, size: buf.length };
}
