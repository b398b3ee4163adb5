import { EnvelopeEncryptor, KeyProvider, LocalKeyProvider, RecordHeader } from "../../functions/src/envelope";

export const HEADER: RecordHeader = {
    tenant: "acme",
    schema: "orders.v1",
    classification: "confidential",
    recordId: "rec-0000000000000001",
    producer: "shop",
    time: "2026-11-23T09:30:00.000Z",
};

/** A fixed wrapping key so failures are reproducible. */
export const WRAPPING_KEY = Buffer.alloc(32, 0x42);

export function localProvider(): LocalKeyProvider {
    return new LocalKeyProvider(WRAPPING_KEY, "test");
}

export async function envelopeOf(plaintext: string, header: Partial<RecordHeader> = {}, provider: KeyProvider = localProvider()): Promise<Buffer> {
    return new EnvelopeEncryptor(provider).encrypt({ ...HEADER, ...header }, Buffer.from(plaintext, "utf8"));
}

/** Offsets of the regions of a version-1 envelope. */
export function regions(env: Buffer): Record<"magic" | "version" | "headerLength" | "header" | "wrappedLength" | "wrapped" | "ciphertextLength" | "commitment" | "nonce" | "ciphertext" | "tag", [number, number]> {
    const h = env.readUInt16BE(3);
    const w = env.readUInt16BE(5 + h);
    const n = env.readUInt32BE(7 + h + w);
    const c = 11 + h + w;
    return {
        magic: [0, 2],
        version: [2, 3],
        headerLength: [3, 5],
        header: [5, 5 + h],
        wrappedLength: [5 + h, 7 + h],
        wrapped: [7 + h, 7 + h + w],
        ciphertextLength: [7 + h + w, c],
        commitment: [c, c + 32],
        nonce: [c + 32, c + 44],
        ciphertext: [c + 44, c + 44 + n],
        tag: [c + 44 + n, c + 60 + n],
    };
}
