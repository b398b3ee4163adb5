import type { Context, KinesisStreamEvent } from "aws-lambda";
import { MemoryObjectStore } from "../../functions/src/adapters/local";
import { EnvelopeEncryptor, KeyProvider, LocalKeyProvider, RecordHeader } from "../../functions/src/envelope";
import { Emulators, EmulatorOptions } from "../../functions/src/local/emulators";
import { kinesisEvent as toKinesisEvent, lambdaContext } from "../../functions/src/local/events";

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
export class MemoryStore extends MemoryObjectStore {}

export const STREAM_ARN = "arn:aws:kinesis:eu-west-1:111122223333:stream/e2ee-envelopes";

/** A Kinesis event of `envelopes`, sequence numbers `firstSeq`, `firstSeq + 1`, ... on `shard`. */
export function kinesisEvent(envelopes: readonly Buffer[], shard = "shardId-000000000000", firstSeq = 1): KinesisStreamEvent {
    return toKinesisEvent(
        shard,
        envelopes.map((data, i) => ({ data, partitionKey: `pk-${i}`, sequenceNumber: String(firstSeq + i).padStart(20, "0"), arrivalMs: 1_764_000_000_000 + i })),
        STREAM_ARN,
        "eu-west-1",
    );
}

export function context(functionName = "test", timeoutMs = 60000): Context {
    return lambdaContext(functionName, timeoutMs);
}

/** Captures what a handler logs (the Powertools Logger methods the handlers use). */
export class LogRecorder {
    readonly lines: { level: string; message: string; [k: string]: unknown }[] = [];
    private push(level: string, message: string, extra: unknown[]): void {
        this.lines.push(Object.assign({ level, message }, ...extra.map((e) => (typeof e === "object" && e !== null ? e : { extra: e }))));
    }
    debug = (message: string, ...extra: unknown[]): void => this.push("DEBUG", message, extra);
    info = (message: string, ...extra: unknown[]): void => this.push("INFO", message, extra);
    warn = (message: string, ...extra: unknown[]): void => this.push("WARN", message, extra);
    error = (message: string, ...extra: unknown[]): void => this.push("ERROR", message, extra);
}

/** Starts the protocol servers before the suite and stops them after it. */
export function useEmulators(options: EmulatorOptions = {}): { readonly current: Emulators } {
    const holder: { current: Emulators } = { current: undefined as unknown as Emulators };
    before(async function () {
        this.timeout(60000);
        holder.current = await Emulators.start(options);
    });
    after(async () => {
        await holder.current?.stop();
    });
    return holder;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
