import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CountingKeyProvider, EnvelopeDecryptor, EnvelopeEncryptor, EnvelopeError, KmsKeyProvider, KmsSender, LocalKeyProvider } from "../../functions/src/envelope";
import { LocalKmsEndpoint } from "../../functions/src/local/kms-endpoint";
import { HEADER, WRAPPING_KEY } from "./helpers";

const ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const CONTEXT = { tenant: "acme", schema: "orders.v1", classification: "confidential", producer: "shop" };

/** A fake KMS that wraps with a local provider and records the commands it receives. */
class FakeKms implements KmsSender {
    readonly commands: (GenerateDataKeyCommand | DecryptCommand)[] = [];
    private readonly inner = new LocalKeyProvider(WRAPPING_KEY);
    constructor(private readonly failDecryptWith?: string) {}
    async send(command: GenerateDataKeyCommand | DecryptCommand): Promise<unknown> {
        this.commands.push(command);
        if (command instanceof GenerateDataKeyCommand) {
            const m = await this.inner.generateDataKey(command.input.EncryptionContext ?? {});
            return { Plaintext: new Uint8Array(m.plaintext), CiphertextBlob: new Uint8Array(m.wrapped), KeyId: command.input.KeyId };
        }
        if (this.failDecryptWith) {
            throw Object.assign(new Error("refused"), { name: this.failDecryptWith });
        }
        return { Plaintext: new Uint8Array(await this.inner.unwrapDataKey(command.input.CiphertextBlob ?? new Uint8Array(), command.input.EncryptionContext ?? {})) };
    }
}

describe("functions/envelope key providers", () => {
    it("KMS provider: GenerateDataKey under the records key, AES_256, with the encryption context", async () => {
        const kms = new FakeKms();
        const provider = new KmsKeyProvider(ARN, kms);
        const env = await new EnvelopeEncryptor(provider).encrypt(HEADER, Buffer.from("via kms"));
        assert.equal(kms.commands.length, 1);
        assert.ok(kms.commands[0] instanceof GenerateDataKeyCommand);
        assert.deepEqual(kms.commands[0].input, { KeyId: ARN, KeySpec: "AES_256", EncryptionContext: CONTEXT });
        const out = await new EnvelopeDecryptor(provider).decrypt(env);
        assert.equal(out.plaintext.toString(), "via kms");
        const decrypt = kms.commands[1] as DecryptCommand;
        assert.ok(decrypt instanceof DecryptCommand);
        assert.equal(decrypt.input.KeyId, ARN);
        assert.deepEqual(decrypt.input.EncryptionContext, CONTEXT);
        assert.equal(decrypt.input.EncryptionAlgorithm, "SYMMETRIC_DEFAULT");
    });

    it("KMS provider: InvalidCiphertextException is an unwrap failure; other errors propagate", async () => {
        await assert.rejects(
            new KmsKeyProvider(ARN, new FakeKms("InvalidCiphertextException")).unwrapDataKey(Buffer.alloc(10), CONTEXT),
            (e: EnvelopeError) => e.code === "unwrap-failed" && e.message === "KMS refused the wrapped data key (InvalidCiphertextException): wrong key or wrong encryption context",
        );
        await assert.rejects(new KmsKeyProvider(ARN, new FakeKms("ThrottlingException")).unwrapDataKey(Buffer.alloc(10), CONTEXT), (e: Error) => e.name === "ThrottlingException");
        assert.throws(() => new KmsKeyProvider(""), /keyId \(the records key ARN\) is required/);
    });

    it("local provider: every accepted key file format yields the same key; bad files are refused", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2ee-keys-"));
        try {
            const reference = new LocalKeyProvider(WRAPPING_KEY);
            const m = await reference.generateDataKey(CONTEXT);
            for (const [name, content] of [
                ["hex", WRAPPING_KEY.toString("hex") + "\n"],
                ["b64", WRAPPING_KEY.toString("base64")],
                ["raw", WRAPPING_KEY],
            ] as const) {
                const f = path.join(dir, name);
                fs.writeFileSync(f, content);
                assert.deepEqual(await LocalKeyProvider.fromFile(f).unwrapDataKey(m.wrapped, CONTEXT), m.plaintext, name);
            }
            const bad = path.join(dir, "bad");
            fs.writeFileSync(bad, "not a key");
            assert.throws(() => LocalKeyProvider.fromFile(bad), { message: `LocalKeyProvider: ${bad} must hold a 256-bit key (32 raw bytes, 64 hex chars or base64)` });
            const created = path.join(dir, "new.key");
            const p = LocalKeyProvider.fromFile(created, { create: true });
            assert.equal(fs.statSync(created).mode & 0o777, 0o600);
            const m2 = await p.generateDataKey(CONTEXT);
            assert.deepEqual(await LocalKeyProvider.fromFile(created).unwrapDataKey(m2.wrapped, CONTEXT), m2.plaintext);
            assert.throws(() => new LocalKeyProvider(Buffer.alloc(16)), { message: "LocalKeyProvider: the wrapping key must be 32 bytes; got 16" });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("counting provider counts generate and unwrap calls and resets", async () => {
        const c = new CountingKeyProvider(new LocalKeyProvider(WRAPPING_KEY));
        const m = await c.generateDataKey(CONTEXT);
        await c.unwrapDataKey(m.wrapped, CONTEXT);
        await c.unwrapDataKey(m.wrapped, CONTEXT);
        assert.deepEqual([c.generateCalls, c.unwrapCalls, c.calls], [1, 2, 3]);
        assert.equal(c.name, "counting(local:local)");
        c.reset();
        assert.equal(c.calls, 0);
    });

    describe("KMS provider through the real @aws-sdk/client-kms against the local KMS JSON endpoint", () => {
        let kms: LocalKmsEndpoint;
        before(async () => {
            kms = await LocalKmsEndpoint.start({ keys: 2 });
        });
        after(async () => {
            await kms.close();
        });
        const client = (caller: string, maxAttempts = 2): KMSClient =>
            new KMSClient({ endpoint: kms.endpoint, region: "eu-west-1", credentials: { accessKeyId: caller, secretAccessKey: "local" }, maxAttempts });

        it("GenerateDataKey and Decrypt with the encryption context; the endpoint sees who asked and with which context", async () => {
            const producer = new KmsKeyProvider(kms.keyArns[0], client("producer"));
            const recipient = new KmsKeyProvider(kms.keyArns[0], client("recipient"));
            const env = await new EnvelopeEncryptor(producer).encrypt(HEADER, Buffer.from("over the KMS protocol"));
            assert.equal((await new EnvelopeDecryptor(recipient).decrypt(env)).plaintext.toString(), "over the KMS protocol");
            assert.deepEqual(
                kms.log.slice(-2).map((e) => [e.caller, e.action, e.keyId, e.encryptionContext]),
                [
                    ["producer", "GenerateDataKey", kms.keyArns[0], CONTEXT],
                    ["recipient", "Decrypt", kms.keyArns[0], CONTEXT],
                ],
            );
        });

        it("a wrong encryption context (InvalidCiphertextException) and another key (IncorrectKeyException) are unwrap failures", async () => {
            const m = await new KmsKeyProvider(kms.keyArns[0], client("producer")).generateDataKey(CONTEXT);
            await assert.rejects(
                new KmsKeyProvider(kms.keyArns[0], client("recipient")).unwrapDataKey(m.wrapped, { ...CONTEXT, tenant: "globex" }),
                (e: EnvelopeError) => e.code === "unwrap-failed" && e.message.includes("InvalidCiphertextException"),
            );
            await assert.rejects(
                new KmsKeyProvider(kms.keyArns[1], client("recipient")).unwrapDataKey(m.wrapped, CONTEXT),
                (e: EnvelopeError) => e.code === "unwrap-failed" && e.message.includes("IncorrectKeyException"),
            );
        });

        it("throttling beyond the SDK's retries is a ThrottlingException (transient), not an envelope error", async () => {
            const m = await new KmsKeyProvider(kms.keyArns[0], client("producer")).generateDataKey(CONTEXT);
            kms.throttle(2, "Decrypt");
            await assert.rejects(new KmsKeyProvider(kms.keyArns[0], client("recipient", 2)).unwrapDataKey(m.wrapped, CONTEXT), (e: Error) => e.name === "ThrottlingException");
            kms.throttle(1, "Decrypt");
            assert.deepEqual(await new KmsKeyProvider(kms.keyArns[0], client("recipient", 2)).unwrapDataKey(m.wrapped, CONTEXT), m.plaintext, "one throttle is absorbed by the SDK's retry");
        });
    });
});
