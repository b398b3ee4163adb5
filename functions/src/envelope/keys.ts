/**
 * Key providers: where data keys come from and how they are wrapped.
 *
 * - KmsKeyProvider: GenerateDataKey / Decrypt under the KMS records key, with the encryption context (default when
 *   deployed; the producer may only GenerateDataKey, the recipient may only Decrypt).
 * - LocalKeyProvider: a 256-bit wrapping key from a file (or generated); AES-256-GCM key wrap with the canonical
 *   encryption context as AAD. For local runs and tests; never deployed.
 * - CountingKeyProvider: wraps another provider and counts calls (benchmark, tests, cost estimates).
 */
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import { EnvelopeError } from "./errors";
import { canonicalContext, EncryptionContext } from "./header";

export const DATA_KEY_BYTES = 32;

export interface DataKeyMaterial {
    /** The 256-bit data key in plaintext. Callers zero it when done. */
    readonly plaintext: Buffer;
    /** The data key wrapped under the provider's key, bound to the encryption context. */
    readonly wrapped: Buffer;
}

export interface KeyProvider {
    /** Short description for logs (never secret). */
    readonly name: string;
    generateDataKey(context: EncryptionContext): Promise<DataKeyMaterial>;
    /** Unwraps a data key; throws EnvelopeError("unwrap-failed") if the key or the context is wrong. */
    unwrapDataKey(wrapped: Uint8Array, context: EncryptionContext): Promise<Buffer>;
}

// ---------------------------------------------------------------------------------------------------------------
// KMS

/** The subset of KMSClient the provider uses (lets tests inject a fake). */
export interface KmsSender {
    send(command: GenerateDataKeyCommand | DecryptCommand): Promise<unknown>;
}

export class KmsKeyProvider implements KeyProvider {
    readonly name: string;
    private readonly client: KmsSender;

    /** `keyId`: ARN of the records key. Decrypt is pinned to it (KeyId), so a blob from another key is refused. */
    constructor(
        readonly keyId: string,
        client?: KmsSender,
    ) {
        if (!keyId) {
            throw new Error("KmsKeyProvider: keyId (the records key ARN) is required");
        }
        this.client = client ?? new KMSClient({});
        this.name = `kms:${keyId}`;
    }

    async generateDataKey(context: EncryptionContext): Promise<DataKeyMaterial> {
        const out = (await this.client.send(
            new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: "AES_256", EncryptionContext: { ...context } }),
        )) as { Plaintext?: Uint8Array; CiphertextBlob?: Uint8Array };
        if (!out.Plaintext || out.Plaintext.length !== DATA_KEY_BYTES || !out.CiphertextBlob) {
            throw new Error("KMS GenerateDataKey returned no 256-bit data key");
        }
        return { plaintext: Buffer.from(out.Plaintext), wrapped: Buffer.from(out.CiphertextBlob) };
    }

    async unwrapDataKey(wrapped: Uint8Array, context: EncryptionContext): Promise<Buffer> {
        let out: { Plaintext?: Uint8Array };
        try {
            out = (await this.client.send(
                new DecryptCommand({
                    KeyId: this.keyId,
                    CiphertextBlob: wrapped,
                    EncryptionContext: { ...context },
                    EncryptionAlgorithm: "SYMMETRIC_DEFAULT",
                }),
            )) as { Plaintext?: Uint8Array };
        } catch (err) {
            const name = (err as { name?: string }).name ?? "Error";
            if (name === "InvalidCiphertextException" || name === "IncorrectKeyException") {
                throw new EnvelopeError("unwrap-failed", `KMS refused the wrapped data key (${name}): wrong key or wrong encryption context`);
            }
            throw err; // throttling, access denied, network: not the envelope's fault
        }
        if (!out.Plaintext || out.Plaintext.length !== DATA_KEY_BYTES) {
            throw new Error("KMS Decrypt returned no 256-bit data key");
        }
        return Buffer.from(out.Plaintext);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Local

const LOCAL_WRAP_VERSION = 1;
const LOCAL_WRAP_LABEL = "e2ee-pipeline/local-key-wrap/v1\n";
/** version(1) + nonce(12) + wrapped key(32) + tag(16) */
export const LOCAL_WRAPPED_BYTES = 1 + 12 + DATA_KEY_BYTES + 16;

export class LocalKeyProvider implements KeyProvider {
    readonly name: string;
    private readonly wrappingKey: Buffer;

    constructor(wrappingKey: Uint8Array, keyName = "local") {
        if (wrappingKey.length !== 32) {
            throw new Error(`LocalKeyProvider: the wrapping key must be 32 bytes; got ${wrappingKey.length}`);
        }
        this.wrappingKey = Buffer.from(wrappingKey);
        this.name = `local:${keyName}`;
    }

    /** A provider with a fresh random wrapping key (kept in memory only). */
    static generate(keyName = "generated"): LocalKeyProvider {
        return new LocalKeyProvider(crypto.randomBytes(32), keyName);
    }

    /**
     * Reads the wrapping key from a file: 32 raw bytes, or 64 hex characters, or base64 of 32 bytes (whitespace
     * trimmed). With `create`, a missing file is created with a fresh key and mode 0600.
     */
    static fromFile(path: string, options: { create?: boolean } = {}): LocalKeyProvider {
        if (!fs.existsSync(path) && options.create) {
            fs.writeFileSync(path, crypto.randomBytes(32).toString("hex") + "\n", { mode: 0o600, flag: "wx" });
        }
        const raw = fs.readFileSync(path);
        let key: Buffer;
        const text = raw.toString("latin1").trim();
        if (raw.length === 32) {
            key = raw;
        } else if (/^[0-9a-fA-F]{64}$/.test(text)) {
            key = Buffer.from(text, "hex");
        } else if (/^[A-Za-z0-9+/]{43}=$/.test(text)) {
            key = Buffer.from(text, "base64");
        } else {
            throw new Error(`LocalKeyProvider: ${path} must hold a 256-bit key (32 raw bytes, 64 hex chars or base64)`);
        }
        return new LocalKeyProvider(key, path);
    }

    private aad(context: EncryptionContext): Buffer {
        return Buffer.from(LOCAL_WRAP_LABEL + canonicalContext(context), "utf8");
    }

    async generateDataKey(context: EncryptionContext): Promise<DataKeyMaterial> {
        const plaintext = crypto.randomBytes(DATA_KEY_BYTES);
        const nonce = crypto.randomBytes(12);
        const cipher = crypto.createCipheriv("aes-256-gcm", this.wrappingKey, nonce);
        cipher.setAAD(this.aad(context));
        const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
        const wrapped = Buffer.concat([Buffer.from([LOCAL_WRAP_VERSION]), nonce, body, cipher.getAuthTag()]);
        return { plaintext, wrapped };
    }

    async unwrapDataKey(wrapped: Uint8Array, context: EncryptionContext): Promise<Buffer> {
        if (wrapped.length !== LOCAL_WRAPPED_BYTES || wrapped[0] !== LOCAL_WRAP_VERSION) {
            throw new EnvelopeError("unwrap-failed", "wrapped data key is not a local key-wrap blob (version 1, 61 bytes)");
        }
        const w = Buffer.from(wrapped.buffer, wrapped.byteOffset, wrapped.byteLength);
        const decipher = crypto.createDecipheriv("aes-256-gcm", this.wrappingKey, w.subarray(1, 13));
        decipher.setAAD(this.aad(context));
        decipher.setAuthTag(w.subarray(13 + DATA_KEY_BYTES));
        try {
            return Buffer.concat([decipher.update(w.subarray(13, 13 + DATA_KEY_BYTES)), decipher.final()]);
        } catch {
            throw new EnvelopeError("unwrap-failed", "local key unwrap failed: wrong wrapping key or wrong encryption context");
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Counting

export class CountingKeyProvider implements KeyProvider {
    generateCalls = 0;
    unwrapCalls = 0;
    constructor(readonly inner: KeyProvider) {}
    get name(): string {
        return `counting(${this.inner.name})`;
    }
    /** Calls that would be billed as KMS requests. */
    get calls(): number {
        return this.generateCalls + this.unwrapCalls;
    }
    reset(): void {
        this.generateCalls = 0;
        this.unwrapCalls = 0;
    }
    generateDataKey(context: EncryptionContext): Promise<DataKeyMaterial> {
        this.generateCalls++;
        return this.inner.generateDataKey(context);
    }
    unwrapDataKey(wrapped: Uint8Array, context: EncryptionContext): Promise<Buffer> {
        this.unwrapCalls++;
        return this.inner.unwrapDataKey(wrapped, context);
    }
}
