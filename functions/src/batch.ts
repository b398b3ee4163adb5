/**
 * Storage object format: a batch of envelopes, ciphertext only.
 *   "E2EB" (4 bytes) | version u8 = 1 | count u32 | count x ( length u32 | envelope )
 * Each envelope is self-contained (own header, wrapped key, nonce, tag), so an object can be split, merged or read
 * partially without any key.
 */
export const BATCH_MAGIC = Buffer.from("E2EB", "latin1");
export const BATCH_VERSION = 1;
export const BATCH_EXTENSION = ".e2eb";

export function encodeBatch(envelopes: readonly Buffer[]): Buffer {
    let size = 9;
    for (const e of envelopes) {
        size += 4 + e.length;
    }
    const out = Buffer.allocUnsafe(size);
    BATCH_MAGIC.copy(out, 0);
    out[4] = BATCH_VERSION;
    out.writeUInt32BE(envelopes.length, 5);
    let off = 9;
    for (const e of envelopes) {
        out.writeUInt32BE(e.length, off);
        e.copy(out, off + 4);
        off += 4 + e.length;
    }
    return out;
}

/** Splits a batch object into envelopes (views, no copies). Throws with a precise reason on any inconsistency. */
export function decodeBatch(buf: Buffer): Buffer[] {
    if (buf.length < 9 || !buf.subarray(0, 4).equals(BATCH_MAGIC)) {
        throw new Error("not a batch object (magic E2EB missing)");
    }
    if (buf[4] !== BATCH_VERSION) {
        throw new Error(`unsupported batch version ${buf[4]}; this reader supports ${BATCH_VERSION}`);
    }
    const count = buf.readUInt32BE(5);
    const out: Buffer[] = [];
    let off = 9;
    for (let i = 0; i < count; i++) {
        if (off + 4 > buf.length) {
            throw new Error(`batch truncated at envelope ${i} of ${count}`);
        }
        const len = buf.readUInt32BE(off);
        if (off + 4 + len > buf.length) {
            throw new Error(`batch truncated in envelope ${i} of ${count}`);
        }
        out.push(buf.subarray(off + 4, off + 4 + len));
        off += 4 + len;
    }
    if (off !== buf.length) {
        throw new Error(`batch has ${buf.length - off} trailing bytes`);
    }
    return out;
}
