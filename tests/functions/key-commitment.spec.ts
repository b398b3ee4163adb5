/**
 * Why the key commitment is there: AES-GCM alone is not key-committing. This test builds one ciphertext and tag
 * that authenticate under two different keys (the "invisible salamanders" construction: solve the GHASH equation
 * for one free ciphertext block), shows raw GCM opens it under both, and shows our format opens it only under the
 * data key it commits to.
 */
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import { deriveKeys, EnvelopeEncryptor, EnvelopeError, KeyProvider, openWithKeys, parseEnvelope } from "../../functions/src/envelope";
import { HEADER } from "./helpers";

// ---- GF(2^128) as GCM defines it (NIST SP 800-38D): bit 0 is the most significant bit of the first byte.
const R = 0xe1n << 120n;
const ONE = 1n << 127n;
const toInt = (b: Buffer): bigint => BigInt(`0x${b.toString("hex") || "0"}`);
const toBuf = (x: bigint): Buffer => Buffer.from(x.toString(16).padStart(32, "0"), "hex");

function mul(x: bigint, y: bigint): bigint {
    let z = 0n;
    let v = y;
    for (let i = 127n; i >= 0n; i--) {
        if ((x >> i) & 1n) {
            z ^= v;
        }
        v = v & 1n ? (v >> 1n) ^ R : v >> 1n;
    }
    return z;
}

function pow(x: bigint, e: bigint): bigint {
    let result = ONE;
    let base = x;
    while (e > 0n) {
        if (e & 1n) {
            result = mul(result, base);
        }
        base = mul(base, base);
        e >>= 1n;
    }
    return result;
}

const inv = (x: bigint): bigint => pow(x, (1n << 128n) - 2n);

function aesBlock(key: Buffer, block: Buffer): bigint {
    const c = crypto.createCipheriv("aes-256-ecb", key, null);
    c.setAutoPadding(false);
    return toInt(Buffer.concat([c.update(block), c.final()]));
}

function blocks(b: Buffer): bigint[] {
    const out: bigint[] = [];
    for (let i = 0; i < b.length; i += 16) {
        const blk = Buffer.alloc(16);
        b.copy(blk, 0, i, Math.min(i + 16, b.length));
        out.push(toInt(blk));
    }
    return out;
}

function ghash(h: bigint, xs: readonly bigint[]): bigint {
    let y = 0n;
    for (const x of xs) {
        y = mul(y ^ x, h);
    }
    return y;
}

/** Ciphertext (2 blocks) and tag that authenticate under both keys, for this nonce and AAD. */
function salamander(k1: Buffer, k2: Buffer, nonce: Buffer, aad: Buffer): { ciphertext: Buffer; tag: Buffer } {
    const c2 = toInt(crypto.randomBytes(16));
    const lengths = (BigInt(aad.length * 8) << 64n) | 256n;
    const j0 = Buffer.concat([nonce, Buffer.from([0, 0, 0, 1])]);
    const side = (k: Buffer): { h3: bigint; constant: bigint } => {
        const h = aesBlock(k, Buffer.alloc(16));
        const constant = ghash(h, [...blocks(aad), 0n, c2, lengths]) ^ aesBlock(k, j0);
        return { h3: mul(mul(h, h), h), constant };
    };
    const a = side(k1);
    const b = side(k2);
    // tag = constant_k ^ C1 * H_k^3 for both keys  =>  C1 = (constant_1 ^ constant_2) / (H_1^3 ^ H_2^3)
    const c1 = mul(a.constant ^ b.constant, inv(a.h3 ^ b.h3));
    return { ciphertext: Buffer.concat([toBuf(c1), toBuf(c2)]), tag: toBuf(a.constant ^ mul(c1, a.h3)) };
}

function gcmOpen(key: Buffer, nonce: Buffer, aad: Buffer, ciphertext: Buffer, tag: Buffer): Buffer {
    const d = crypto.createDecipheriv("aes-256-gcm", key, nonce);
    d.setAAD(aad);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(ciphertext), d.final()]);
}

describe("functions/envelope key commitment against a two-key GCM ciphertext", () => {
    it("the GF(2^128) arithmetic agrees with node's GHASH (a real GCM tag recomputed)", () => {
        const key = crypto.randomBytes(32);
        const nonce = crypto.randomBytes(12);
        const aad = crypto.randomBytes(20);
        const c = crypto.createCipheriv("aes-256-gcm", key, nonce);
        c.setAAD(aad);
        const ct = Buffer.concat([c.update(crypto.randomBytes(32)), c.final()]);
        const h = aesBlock(key, Buffer.alloc(16));
        const lengths = (BigInt(aad.length * 8) << 64n) | 256n;
        const tag = ghash(h, [...blocks(aad), ...blocks(ct), lengths]) ^ aesBlock(key, Buffer.concat([nonce, Buffer.from([0, 0, 0, 1])]));
        assert.deepEqual(toBuf(tag), c.getAuthTag());
        assert.equal(mul(ONE, h), h);
        assert.equal(mul(h, inv(h)), ONE);
    });

    it("raw AES-GCM opens the crafted ciphertext under both keys; our envelope only under the committed data key", async () => {
        const d1 = crypto.randomBytes(32);
        const d2 = crypto.randomBytes(32);
        // A real envelope under d1 with a 32-byte plaintext (so the length field already says 32).
        const provider: KeyProvider = {
            name: "fixed",
            generateDataKey: async () => ({ plaintext: Buffer.from(d1), wrapped: Buffer.alloc(61, 7) }),
            unwrapDataKey: async () => Buffer.from(d1),
        };
        const real = await new EnvelopeEncryptor(provider).encrypt(HEADER, Buffer.alloc(32));
        const env = parseEnvelope(real);
        const k1 = deriveKeys(d1);
        const k2 = deriveKeys(d2);
        const { ciphertext, tag } = salamander(k1.encKey, k2.encKey, env.nonce, env.aad);

        const p1 = gcmOpen(k1.encKey, env.nonce, env.aad, ciphertext, tag);
        const p2 = gcmOpen(k2.encKey, env.nonce, env.aad, ciphertext, tag);
        assert.notDeepEqual(p1, p2, "two different plaintexts from one ciphertext: GCM is not committing");

        const forged = Buffer.concat([env.aad, env.nonce, ciphertext, tag]);
        const parsed = parseEnvelope(forged);
        assert.deepEqual(openWithKeys(parsed, k1), p1);
        assert.throws(() => openWithKeys(parsed, k2), (e: EnvelopeError) => e.code === "commitment-mismatch");
        // And an attacker cannot fix that by writing d2's commitment: that changes the AAD, so the tag fails.
        const recommitted = Buffer.from(forged);
        k2.commitment.copy(recommitted, env.aad.length - 32);
        assert.throws(() => openWithKeys(parseEnvelope(recommitted), k2), (e: EnvelopeError) => e.code === "authentication-failed");
    });
});
