import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import {
    CountingKeyProvider,
    deriveKeys,
    EnvelopeDecryptor,
    EnvelopeEncryptor,
    EnvelopeError,
    LocalKeyProvider,
    openWithKeys,
    parseEnvelope,
    resolveLimits,
} from "../../functions/src/envelope";
import { envelopeOf, HEADER, localProvider, regions } from "./helpers";

async function refusal(p: Promise<unknown>): Promise<string> {
    try {
        await p;
    } catch (e) {
        if (e instanceof EnvelopeError) {
            return e.code;
        }
        throw e;
    }
    return "decrypted";
}

describe("functions/envelope encryption", () => {
    it("round-trips, and the envelope does not contain the plaintext", async () => {
        const secret = "card 4111 1111 1111 1111, the plaintext";
        const env = await envelopeOf(secret);
        assert.equal(env.includes(Buffer.from("4111")), false);
        const out = await new EnvelopeDecryptor(localProvider()).decrypt(env);
        assert.equal(out.plaintext.toString("utf8"), secret);
        assert.deepEqual(out.header, HEADER);
    });

    it("round-trips an empty plaintext and a 1 MiB plaintext", async () => {
        const dec = new EnvelopeDecryptor(localProvider());
        assert.equal((await dec.decrypt(await envelopeOf(""))).plaintext.length, 0);
        const big = crypto.randomBytes(1024 * 1024);
        const env = await new EnvelopeEncryptor(localProvider()).encrypt(HEADER, big);
        assert.deepEqual((await dec.decrypt(env)).plaintext, big);
    });

    describe("tamper detection on every byte region", () => {
        let env: Buffer;
        before(async () => {
            env = await envelopeOf("tamper me if you can");
        });
        // What a one-bit flip in the first byte of each region must produce.
        const expected: Record<string, string> = {
            magic: "not-an-envelope",
            version: "unsupported-version",
            headerLength: "malformed", // 0x00.. -> 0x01..: 256 + n bytes, out of range
            header: "bad-header", // '{' -> 'z'
            wrappedLength: "malformed",
            wrapped: "unwrap-failed",
            ciphertextLength: "oversized",
            commitment: "commitment-mismatch",
            nonce: "authentication-failed",
            ciphertext: "authentication-failed",
            tag: "authentication-failed",
        };
        for (const [region, code] of Object.entries(expected)) {
            it(`a modified ${region} is refused (${code})`, async () => {
                const [start] = regions(env)[region as keyof ReturnType<typeof regions>];
                const bad = Buffer.from(env);
                bad[start] ^= region === "header" ? 0x01 : region.endsWith("Length") ? 0x80 : 0x01;
                assert.equal(await refusal(new EnvelopeDecryptor(localProvider()).decrypt(bad)), code);
            });
        }

        it("no single-bit flip anywhere in the envelope decrypts (exhaustive)", async () => {
            const dec = new EnvelopeDecryptor(localProvider());
            for (let i = 0; i < env.length; i++) {
                for (const bit of [0x01, 0x80]) {
                    const bad = Buffer.from(env);
                    bad[i] ^= bit;
                    const result = await refusal(dec.decrypt(bad));
                    assert.notEqual(result, "decrypted", `byte ${i} bit ${bit}`);
                }
            }
        });

        it("a changed header field that stays canonical is refused: record id and time by the tag, tenant by the key unwrap", async () => {
            const r = regions(env);
            const swap = (from: string, to: string): Buffer => {
                const h = env.subarray(...r.header).toString("latin1");
                assert.ok(h.includes(from));
                const out = Buffer.from(env);
                Buffer.from(h.replace(from, to), "latin1").copy(out, r.header[0]);
                return out;
            };
            const dec = new EnvelopeDecryptor(localProvider());
            assert.equal(await refusal(dec.decrypt(swap("rec-0000000000000001", "rec-0000000000000002"))), "authentication-failed");
            assert.equal(await refusal(dec.decrypt(swap("09:30:00.000Z", "09:30:01.000Z"))), "authentication-failed");
            assert.equal(await refusal(dec.decrypt(swap('"acme"', '"acmf"'))), "unwrap-failed");
            // The genuine envelope still decrypts with the same (cached) decryptor.
            assert.equal((await dec.decrypt(env)).plaintext.toString(), "tamper me if you can");
        });
    });

    describe("key commitment", () => {
        it("the stored commitment is HKDF-SHA256 of the data key, distinct from the encryption key", () => {
            const k = crypto.randomBytes(32);
            const d = deriveKeys(k);
            assert.deepEqual(d.commitment, Buffer.from(crypto.hkdfSync("sha256", k, "e2ee-pipeline/envelope/v1", "key commitment", 32)));
            assert.deepEqual(d.encKey, Buffer.from(crypto.hkdfSync("sha256", k, "e2ee-pipeline/envelope/v1", "aes-256-gcm key", 32)));
            assert.notDeepEqual(d.encKey, d.commitment);
            assert.notDeepEqual(deriveKeys(crypto.randomBytes(32)).commitment, d.commitment);
        });

        it("a ciphertext cannot be opened under a second data key: refused before GCM runs", async () => {
            const env = parseEnvelope(await envelopeOf("committed"));
            const other = deriveKeys(crypto.randomBytes(32));
            assert.throws(
                () => openWithKeys(env, other),
                (e: EnvelopeError) => e.code === "commitment-mismatch" && e.message === "record rec-0000000000000001: the data key does not match the envelope's key commitment",
            );
        });

        it("an attacker who re-wraps another data key for the same envelope is refused by the commitment", async () => {
            // The attacker can wrap keys (e.g. a producer): same header, nonce, ciphertext and tag, another data key.
            const provider = localProvider();
            const envBytes = await envelopeOf("committed", {}, provider);
            const env = parseEnvelope(envBytes);
            const attackerKey = await provider.generateDataKey({ tenant: "acme", schema: "orders.v1", classification: "confidential", producer: "shop" });
            const r = regions(envBytes);
            const forged = Buffer.from(envBytes);
            attackerKey.wrapped.copy(forged, r.wrapped[0]); // same length (61 bytes)
            assert.equal(await refusal(new EnvelopeDecryptor(provider).decrypt(forged)), "commitment-mismatch");
            // Even with the attacker's commitment written in, GCM under the other key refuses the ciphertext.
            deriveKeys(attackerKey.plaintext).commitment.copy(forged, r.commitment[0]);
            assert.equal(await refusal(new EnvelopeDecryptor(provider).decrypt(forged)), "authentication-failed");
            assert.equal(env.commitment.length, 32);
        });
    });

    describe("context", () => {
        it("refuses an envelope whose header does not match the expected context, before unwrapping", async () => {
            const provider = new CountingKeyProvider(localProvider());
            const env = await envelopeOf("x", {}, provider);
            provider.reset();
            const dec = new EnvelopeDecryptor(provider);
            await assert.rejects(dec.decrypt(env, { tenant: "globex" }), (e: EnvelopeError) => e.code === "context-mismatch" && e.message === 'record rec-0000000000000001: header field "tenant" is "acme", expected "globex"');
            assert.equal(provider.unwrapCalls, 0);
            assert.equal((await dec.decrypt(env, { tenant: "acme", schema: "orders.v1" })).plaintext.toString(), "x");
        });

        it("a local key wrap refuses another encryption context and another wrapping key", async () => {
            const p = localProvider();
            const ctx = { tenant: "acme", schema: "orders.v1", classification: "confidential", producer: "shop" };
            const { plaintext, wrapped } = await p.generateDataKey(ctx);
            assert.deepEqual(await p.unwrapDataKey(wrapped, ctx), plaintext);
            await assert.rejects(p.unwrapDataKey(wrapped, { ...ctx, tenant: "globex" }), (e: EnvelopeError) => e.message === "local key unwrap failed: wrong wrapping key or wrong encryption context");
            await assert.rejects(LocalKeyProvider.generate().unwrapDataKey(wrapped, ctx), (e: EnvelopeError) => e.code === "unwrap-failed");
            await assert.rejects(p.unwrapDataKey(wrapped.subarray(1), ctx), (e: EnvelopeError) => e.message === "wrapped data key is not a local key-wrap blob (version 1, 61 bytes)");
        });
    });

    describe("nonces and data-key reuse", () => {
        it("uses a fresh random 96-bit nonce per record under one data key", async () => {
            const provider = new CountingKeyProvider(localProvider());
            const enc = new EnvelopeEncryptor(provider);
            const nonces = new Set<string>();
            for (let i = 0; i < 5000; i++) {
                const env = parseEnvelope(await enc.encrypt(HEADER, Buffer.from("same plaintext")));
                assert.equal(env.nonce.length, 12);
                nonces.add(env.nonce.toString("hex"));
            }
            assert.equal(nonces.size, 5000);
            assert.equal(provider.generateCalls, 1);
        });

        it("rotates the data key at the record, byte and age bounds", async () => {
            let now = 1_000_000;
            const provider = new CountingKeyProvider(localProvider());
            const enc = new EnvelopeEncryptor(provider, { maxRecords: 3, maxBytes: 100, maxAgeMs: 1000 }, () => now);
            const wrappedOf = async (n: number): Promise<string> => parseEnvelope(await enc.encrypt(HEADER, Buffer.alloc(n))).wrappedKey.toString("hex");
            const a = [await wrappedOf(1), await wrappedOf(1), await wrappedOf(1)];
            assert.equal(new Set(a).size, 1);
            const b = await wrappedOf(1); // 4th record: new key
            assert.notEqual(b, a[0]);
            assert.equal(await wrappedOf(98), b); // 99 bytes: still within 100
            const c = await wrappedOf(2); // would be 101 bytes: new key
            assert.notEqual(c, b);
            now += 999;
            assert.equal(await wrappedOf(1), c);
            now += 1;
            assert.notEqual(await wrappedOf(1), c); // age bound reached
            assert.equal(provider.generateCalls, 4);
            assert.deepEqual(enc.stats(), { records: 8, dataKeys: 4 });
        });

        it("one data key per encryption context; concurrent first use costs one call", async () => {
            const provider = new CountingKeyProvider(localProvider());
            const enc = new EnvelopeEncryptor(provider);
            await Promise.all(Array.from({ length: 50 }, () => enc.encrypt(HEADER, Buffer.from("x"))));
            assert.equal(provider.generateCalls, 1);
            await enc.encrypt({ ...HEADER, tenant: "globex" }, Buffer.from("x"));
            await enc.encrypt({ ...HEADER, recordId: "another-record-id-0001", time: "2026-11-24T00:00:00.000Z" }, Buffer.from("x"));
            assert.equal(provider.generateCalls, 2);
        });

        it("the decryptor caches unwrapped keys within the same bounds", async () => {
            let now = 0;
            const provider = new CountingKeyProvider(localProvider());
            const enc = new EnvelopeEncryptor(provider);
            const envs = await Promise.all(Array.from({ length: 10 }, (_, i) => enc.encrypt({ ...HEADER, recordId: `record-${String(i).padStart(12, "0")}` }, Buffer.from("x"))));
            const dec = new EnvelopeDecryptor(provider, { limits: { maxRecords: 4, maxAgeMs: 100 }, now: () => now });
            for (const e of envs.slice(0, 4)) {
                await dec.decrypt(e);
            }
            assert.equal(provider.unwrapCalls, 1);
            await dec.decrypt(envs[4]); // 5th record with the same key: re-unwrapped
            assert.equal(provider.unwrapCalls, 2);
            now = 100;
            await dec.decrypt(envs[5]); // too old: re-unwrapped
            assert.equal(provider.unwrapCalls, 3);
            assert.deepEqual(dec.stats(), { records: 6, unwraps: 3, cachedKeys: 1 });
        });

        it("the decryptor keeps at most maxCachedKeys keys", async () => {
            const provider = new CountingKeyProvider(localProvider());
            const dec = new EnvelopeDecryptor(provider, { maxCachedKeys: 2 });
            const envs = await Promise.all(["a-tenant", "b-tenant", "c-tenant"].map((tenant) => envelopeOf("x", { tenant }, provider)));
            for (const e of [...envs, ...envs]) {
                await dec.decrypt(e);
            }
            assert.equal(dec.stats().cachedKeys, 2);
            assert.equal(provider.unwrapCalls, 6); // round robin over 3 keys with room for 2: every lookup misses
        });

        /** A provider that refuses to be called more than `max` times, so a key-request loop fails instead of hanging. */
        const bounded = (max: number): CountingKeyProvider => {
            const inner = localProvider();
            const c: CountingKeyProvider = new CountingKeyProvider({
                name: "bounded",
                generateDataKey: (ctx) => (c.calls >= max ? Promise.reject(new Error(`more than ${max} key-provider calls`)) : inner.generateDataKey(ctx)),
                unwrapDataKey: (w, ctx) => (c.calls >= max ? Promise.reject(new Error(`more than ${max} key-provider calls`)) : inner.unwrapDataKey(w, ctx)),
            });
            return c;
        };

        it("encrypt: a record larger than maxBytes is a clear error, with no key-provider call", async () => {
            const provider = bounded(10);
            const enc = new EnvelopeEncryptor(provider, { maxBytes: 100 });
            await assert.rejects(enc.encrypt(HEADER, Buffer.alloc(101)), (e: EnvelopeError) => {
                assert.equal(e.code, "limits");
                assert.equal(e.message, "record of 101 plaintext bytes exceeds maxBytes (100), the bytes one data key may encrypt; raise maxBytes or split the record");
                return true;
            });
            assert.equal(provider.calls, 0);
            assert.equal(parseEnvelope(await enc.encrypt(HEADER, Buffer.alloc(100))).header.recordId, HEADER.recordId);
            assert.equal(provider.generateCalls, 1);
        });

        it("encrypt: concurrent callers racing for a one-record key each get a key (bounded calls)", async () => {
            const provider = bounded(40);
            const enc = new EnvelopeEncryptor(provider, { maxRecords: 1 });
            const envs = await Promise.all(Array.from({ length: 20 }, () => enc.encrypt(HEADER, Buffer.from("x"))));
            assert.equal(new Set(envs.map((e) => parseEnvelope(e).wrappedKey.toString("hex"))).size, 20);
            assert.ok(provider.generateCalls <= 40, `${provider.generateCalls} calls`);
        });

        it("encrypt: a slow key provider does not age a key before its first use (age counts from arrival)", async () => {
            let now = 0;
            const inner = bounded(10);
            const slow = new CountingKeyProvider({
                name: "slow",
                generateDataKey: async (ctx) => {
                    const m = await inner.generateDataKey(ctx);
                    now += 50; // the clock moves past maxAgeMs while the key is being generated
                    return m;
                },
                unwrapDataKey: (w, ctx) => inner.unwrapDataKey(w, ctx),
            });
            const enc = new EnvelopeEncryptor(slow, { maxAgeMs: 10 }, () => now);
            await enc.encrypt(HEADER, Buffer.from("x"));
            await enc.encrypt(HEADER, Buffer.from("y"));
            assert.equal(slow.generateCalls, 1);
            now += 10;
            await enc.encrypt(HEADER, Buffer.from("z"));
            assert.equal(slow.generateCalls, 2);
        });

        it("decrypt: a record larger than the cache's maxBytes is decrypted with a fresh unwrap, not cached, no loop", async () => {
            const env = await envelopeOf("z".repeat(500));
            const provider = bounded(10);
            const dec = new EnvelopeDecryptor(provider, { limits: { maxBytes: 100 } });
            for (let i = 0; i < 3; i++) {
                assert.equal((await dec.decrypt(env)).plaintext.toString(), "z".repeat(500));
            }
            assert.equal(provider.unwrapCalls, 3);
            assert.equal(dec.stats().cachedKeys, 0);
        });

        it("decrypt: a slow KMS does not age an unwrapped key before its first use", async () => {
            let now = 0;
            const env = await envelopeOf("slow");
            const inner = bounded(10);
            const slow = new CountingKeyProvider({
                name: "slow",
                generateDataKey: (ctx) => inner.generateDataKey(ctx),
                unwrapDataKey: async (w, ctx) => {
                    const k = await inner.unwrapDataKey(w, ctx);
                    now += 50;
                    return k;
                },
            });
            const dec = new EnvelopeDecryptor(slow, { limits: { maxAgeMs: 10 }, now: () => now });
            assert.equal((await dec.decrypt(env)).plaintext.toString(), "slow");
            assert.equal((await dec.decrypt(env)).plaintext.toString(), "slow");
            assert.equal(slow.unwrapCalls, 1);
            now += 10;
            assert.equal((await dec.decrypt(env)).plaintext.toString(), "slow");
            assert.equal(slow.unwrapCalls, 2);
        });

        const limitTable: [Record<string, number>, string | undefined][] = [
            [{}, undefined],
            [{ maxRecords: 2 ** 32 }, undefined],
            [{ maxRecords: 2 ** 32 + 1 }, "maxRecords must be an integer in 1..4294967296; got 4294967297"],
            [{ maxRecords: 0 }, "maxRecords must be an integer in 1..4294967296; got 0"],
            [{ maxBytes: 1.5 }, "maxBytes must be an integer in 1..1099511627776; got 1.5"],
            [{ maxAgeMs: 24 * 3600 * 1000 + 1 }, "maxAgeMs must be an integer in 1..86400000; got 86400001"],
        ];
        for (const [input, message] of limitTable) {
            it(`resolveLimits(${JSON.stringify(input)}) -> ${message ?? "ok"}`, () => {
                if (message === undefined) {
                    const l = resolveLimits(input);
                    assert.equal(l.maxRecords, input.maxRecords ?? 2 ** 20);
                    assert.equal(l.maxBytes, 2 ** 34);
                    assert.equal(l.maxAgeMs, 300000);
                } else {
                    assert.throws(() => resolveLimits(input), (e: EnvelopeError) => e.code === "limits" && e.message === message);
                }
            });
        }
    });

    describe("versioning", () => {
        it("writes version 1 and refuses other versions with a clear error", async () => {
            const env = await envelopeOf("v");
            assert.equal(env[2], 1);
            const v2 = Buffer.from(env);
            v2[2] = 2;
            await assert.rejects(new EnvelopeDecryptor(localProvider()).decrypt(v2), (e: EnvelopeError) => e.message === "unsupported envelope version 2; this reader supports version 1");
        });
    });
});
