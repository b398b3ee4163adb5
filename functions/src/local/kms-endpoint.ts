/**
 * A local endpoint that speaks the AWS KMS JSON protocol (awsJson1_1, `X-Amz-Target: TrentService.<Action>`) for the
 * two actions the pipeline uses, so the real `@aws-sdk/client-kms` (serialisation, error parsing, retries) drives
 * `KmsKeyProvider` in tests and in `pipeline:local --backend emulators`. No maintained KMS emulator is packaged for
 * npm; this one implements exactly what the pipeline relies on:
 *
 * - `GenerateDataKey` (KeySpec AES_256 or NumberOfBytes 32) under a known key, bound to the encryption context;
 * - `Decrypt` of such a blob: the context must be the one it was generated under (else InvalidCiphertextException),
 *   and a `KeyId` that names another key than the blob's gives IncorrectKeyException, as KMS does;
 * - unknown keys give NotFoundException; a request can be refused with AccessDeniedException by an `authorize` hook;
 * - `throttle(n)` makes the next n requests fail with ThrottlingException (what KMS returns beyond the request
 *   quota), to test behaviour once the SDK's own retries are exhausted.
 *
 * Blobs are AES-256-GCM wraps under a per-key random master key that never leaves this process, with the key ARN
 * and the canonical encryption context as AAD. Signatures are not checked; the caller is read from the access key
 * id of the SigV4 `Authorization` header, and every request is logged (caller, action, key, context).
 */
import * as crypto from "node:crypto";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { canonicalContext } from "../envelope/header";

export type KmsAction = "GenerateDataKey" | "Decrypt";

export interface KmsRequestLogEntry {
    readonly caller: string;
    readonly action: string;
    readonly keyId?: string;
    readonly encryptionContext: Readonly<Record<string, string>>;
    /** The error type returned, if any. */
    readonly error?: string;
}

export interface LocalKmsOptions {
    readonly region?: string;
    readonly accountId?: string;
    /** Number of keys to create. Default 1. */
    readonly keys?: number;
    /** Return a reason to refuse a request with AccessDeniedException, or undefined to allow it. */
    readonly authorize?: (req: { caller: string; action: KmsAction; keyArn: string; encryptionContext: Readonly<Record<string, string>> }) => string | undefined;
}

const BLOB_VERSION = 1;
const AAD_LABEL = "e2ee-pipeline/local-kms/v1\n";

class KmsFault extends Error {
    constructor(
        readonly type: string,
        message: string,
    ) {
        super(message);
    }
}

export class LocalKmsEndpoint {
    readonly keyArns: readonly string[];
    readonly log: KmsRequestLogEntry[] = [];
    private readonly masterKeys = new Map<string, Buffer>();
    private throttleLeft: { n: number; action?: KmsAction; skip: number } = { n: 0, skip: 0 };

    private constructor(
        private readonly server: http.Server,
        keyArns: string[],
        private readonly authorize?: LocalKmsOptions["authorize"],
    ) {
        this.keyArns = keyArns;
        for (const arn of keyArns) {
            this.masterKeys.set(arn, crypto.randomBytes(32));
        }
    }

    static async start(options: LocalKmsOptions = {}): Promise<LocalKmsEndpoint> {
        const region = options.region ?? "eu-west-1";
        const account = options.accountId ?? "111122223333";
        const arns = Array.from({ length: options.keys ?? 1 }, () => `arn:aws:kms:${region}:${account}:key/${crypto.randomUUID()}`);
        const server = http.createServer();
        const kms = new LocalKmsEndpoint(server, arns, options.authorize);
        server.on("request", (req, res) => kms.handle(req, res));
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(0, "127.0.0.1", () => resolve());
        });
        return kms;
    }

    get endpoint(): string {
        return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    }

    /** After `skip` more requests (of `action`, or any), the next `n` fail with ThrottlingException. */
    throttle(n: number, action?: KmsAction, skip = 0): void {
        this.throttleLeft = { n, action, skip };
    }

    async close(): Promise<void> {
        this.server.closeAllConnections();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const target = String(req.headers["x-amz-target"] ?? "");
            const action = target.startsWith("TrentService.") ? target.slice("TrentService.".length) : target;
            const caller = /Credential=([^/,\s]+)\//.exec(String(req.headers["authorization"] ?? ""))?.[1] ?? "anonymous";
            let input: Record<string, unknown> = {};
            let context: Record<string, string> = {};
            try {
                input = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
                context = this.context(input["EncryptionContext"]);
                const out = this.dispatch(action, caller, input, context);
                this.log.push({ caller, action, keyId: this.keyIdOf(input), encryptionContext: context });
                this.reply(res, 200, out);
            } catch (err) {
                const fault = err instanceof KmsFault ? err : new KmsFault("KMSInternalException", String(err));
                this.log.push({ caller, action, keyId: this.keyIdOf(input), encryptionContext: context, error: fault.type });
                this.reply(res, fault.type === "KMSInternalException" ? 500 : 400, { __type: fault.type, message: fault.message });
            }
        });
    }

    private keyIdOf(input: Record<string, unknown>): string | undefined {
        return typeof input["KeyId"] === "string" ? input["KeyId"] : undefined;
    }

    private reply(res: http.ServerResponse, status: number, body: unknown): void {
        const text = JSON.stringify(body);
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1", "content-length": Buffer.byteLength(text), "x-amzn-requestid": crypto.randomUUID() });
        res.end(text);
    }

    private context(raw: unknown): Record<string, string> {
        if (raw === undefined) {
            return {};
        }
        if (typeof raw !== "object" || raw === null || Array.isArray(raw) || Object.values(raw).some((v) => typeof v !== "string")) {
            throw new KmsFault("ValidationException", "EncryptionContext must be a map of strings");
        }
        return raw as Record<string, string>;
    }

    private resolveKey(keyId: unknown): string {
        if (typeof keyId !== "string" || keyId === "") {
            throw new KmsFault("ValidationException", "KeyId is required");
        }
        const arn = this.keyArns.find((a) => a === keyId || a.endsWith(`/${keyId}`));
        if (!arn) {
            throw new KmsFault("NotFoundException", `Key '${keyId}' does not exist`);
        }
        return arn;
    }

    private check(caller: string, action: KmsAction, keyArn: string, encryptionContext: Record<string, string>): void {
        const t = this.throttleLeft;
        if (t.n > 0 && (t.action === undefined || t.action === action)) {
            if (t.skip > 0) {
                t.skip--;
            } else {
                t.n--;
                throw new KmsFault("ThrottlingException", "Rate exceeded");
            }
        }
        const denied = this.authorize?.({ caller, action, keyArn, encryptionContext });
        if (denied !== undefined) {
            throw new KmsFault("AccessDeniedException", `User: ${caller} is not authorized to perform: kms:${action} on resource: ${keyArn} (${denied})`);
        }
    }

    private aad(arn: string, context: Record<string, string>): Buffer {
        return Buffer.from(`${AAD_LABEL}${arn}\n${canonicalContext(context)}`, "utf8");
    }

    private dispatch(action: string, caller: string, input: Record<string, unknown>, context: Record<string, string>): Record<string, unknown> {
        switch (action) {
            case "GenerateDataKey": {
                const arn = this.resolveKey(input["KeyId"]);
                const bytes = input["KeySpec"] === "AES_256" ? 32 : input["KeySpec"] === "AES_128" ? 16 : input["NumberOfBytes"];
                if (typeof bytes !== "number" || !Number.isInteger(bytes) || bytes < 1 || bytes > 1024) {
                    throw new KmsFault("ValidationException", "KeySpec or NumberOfBytes is required");
                }
                this.check(caller, "GenerateDataKey", arn, context);
                const plaintext = crypto.randomBytes(bytes);
                const nonce = crypto.randomBytes(12);
                const cipher = crypto.createCipheriv("aes-256-gcm", this.masterKeys.get(arn) as Buffer, nonce);
                cipher.setAAD(this.aad(arn, context));
                const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
                const arnBytes = Buffer.from(arn, "utf8");
                const len = Buffer.alloc(2);
                len.writeUInt16BE(arnBytes.length);
                const blob = Buffer.concat([Buffer.from([BLOB_VERSION]), len, arnBytes, nonce, body]);
                return { CiphertextBlob: blob.toString("base64"), Plaintext: plaintext.toString("base64"), KeyId: arn };
            }
            case "Decrypt": {
                const blob = Buffer.from(String(input["CiphertextBlob"] ?? ""), "base64");
                if (blob.length < 3 || blob[0] !== BLOB_VERSION) {
                    throw new KmsFault("InvalidCiphertextException", "The ciphertext is invalid");
                }
                const arnLen = blob.readUInt16BE(1);
                const arn = blob.subarray(3, 3 + arnLen).toString("utf8");
                const master = this.masterKeys.get(arn);
                if (!master || blob.length < 3 + arnLen + 12 + 16) {
                    throw new KmsFault("InvalidCiphertextException", "The ciphertext is invalid");
                }
                if (input["KeyId"] !== undefined && this.resolveKey(input["KeyId"]) !== arn) {
                    throw new KmsFault("IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation");
                }
                if (input["EncryptionAlgorithm"] !== undefined && input["EncryptionAlgorithm"] !== "SYMMETRIC_DEFAULT") {
                    throw new KmsFault("InvalidCiphertextException", "The ciphertext is invalid for this algorithm");
                }
                this.check(caller, "Decrypt", arn, context);
                const rest = blob.subarray(3 + arnLen);
                const decipher = crypto.createDecipheriv("aes-256-gcm", master, rest.subarray(0, 12));
                decipher.setAAD(this.aad(arn, context));
                decipher.setAuthTag(rest.subarray(rest.length - 16));
                let plaintext: Buffer;
                try {
                    plaintext = Buffer.concat([decipher.update(rest.subarray(12, rest.length - 16)), decipher.final()]);
                } catch {
                    // Wrong encryption context (or a modified blob): KMS gives no more detail than this.
                    throw new KmsFault("InvalidCiphertextException", "The ciphertext is invalid");
                }
                return { Plaintext: plaintext.toString("base64"), KeyId: arn, EncryptionAlgorithm: "SYMMETRIC_DEFAULT" };
            }
            default:
                throw new KmsFault("UnknownOperationException", `this local endpoint implements GenerateDataKey and Decrypt only, not ${JSON.stringify(action)}`);
        }
    }
}
