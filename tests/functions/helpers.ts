import { ListResult, ObjectStore } from "../../functions/src/adapters/ports";
import { EnvelopeEncryptor, KeyProvider, LocalKeyProvider, RecordHeader } from "../../functions/src/envelope";
import { KinesisStreamEvent } from "../../functions/src/lambda-types";

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

/** An in-memory S3 stand-in (lexicographic listing, like S3). */
export class MemoryStore implements ObjectStore {
    readonly objects = new Map<string, Buffer>();
    puts = 0;
    async put(key: string, body: Buffer): Promise<void> {
        this.puts++;
        this.objects.set(key, Buffer.from(body));
    }
    async get(key: string): Promise<Buffer> {
        const b = this.objects.get(key);
        if (!b) {
            throw new Error(`NoSuchKey ${key}`);
        }
        return b;
    }
    async list(prefix: string, startAfter?: string, maxKeys = 1000): Promise<ListResult> {
        const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix) && (startAfter === undefined || k > startAfter)).sort();
        return { keys: keys.slice(0, maxKeys), truncated: keys.length > maxKeys };
    }
}

export function kinesisEvent(envelopes: readonly Buffer[], shard = "shardId-000000000000", firstSeq = 1): KinesisStreamEvent {
    return {
        Records: envelopes.map((e, i) => ({
            eventID: `${shard}:${String(firstSeq + i).padStart(20, "0")}`,
            kinesis: { data: e.toString("base64"), partitionKey: `pk-${i}`, sequenceNumber: String(firstSeq + i).padStart(20, "0") },
        })),
    };
}

