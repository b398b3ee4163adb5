import { strict as assert } from "node:assert";
import { EnvelopeError, parseEnvelope } from "../../functions/src/envelope";
import { envelopeOf, HEADER, regions } from "./helpers";

function code(fn: () => unknown): string {
    try {
        fn();
    } catch (e) {
        if (e instanceof EnvelopeError) {
            return `${e.code}: ${e.message}`;
        }
        throw e;
    }
    return "accepted";
}

describe("functions/envelope format (structure, no key)", () => {
    let env: Buffer;
    before(async () => {
        env = await envelopeOf("hello, world");
    });

    it("parses a well-formed envelope into its regions", () => {
        const p = parseEnvelope(env);
        const r = regions(env);
        assert.equal(p.version, 1);
        assert.deepEqual(p.header, HEADER);
        assert.equal(p.wrappedKey.length, 61);
        assert.equal(p.ciphertext.length, "hello, world".length);
        assert.deepEqual(p.nonce, env.subarray(...r.nonce));
        assert.deepEqual(p.tag, env.subarray(...r.tag));
        assert.deepEqual(p.aad, env.subarray(0, r.nonce[0]));
        assert.equal(p.size, env.length);
    });

    const table: [string, () => Buffer, string][] = [
        ["empty", () => Buffer.alloc(0), "not-an-envelope: empty input is not an envelope"],
        ["plaintext JSON", () => Buffer.from('{"card":"4111 1111 1111 1111"}'), "not-an-envelope: input does not start with the envelope magic bytes 0xE2 0xEE (plaintext?)"],
        ["one plaintext byte", () => Buffer.from("x"), "not-an-envelope: input does not start with the envelope magic bytes 0xE2 0xEE (plaintext?)"],
        ["magic only", () => Buffer.from([0xe2, 0xee]), "truncated: envelope truncated: 2 bytes, no version byte"],
        ["unknown version 2", () => Buffer.from([0xe2, 0xee, 2, 0, 0]), "unsupported-version: unsupported envelope version 2; this reader supports version 1"],
        ["version 0", () => Buffer.from([0xe2, 0xee, 0]), "unsupported-version: unsupported envelope version 0; this reader supports version 1"],
        ["no header length", () => Buffer.from([0xe2, 0xee, 1, 0]), "truncated: envelope truncated in header length: needs 5 bytes, has 4"],
        ["header length 0", () => Buffer.from([0xe2, 0xee, 1, 0, 0]), "malformed: header length 0 is outside 1..1024"],
        ["header length 1025", () => Buffer.from([0xe2, 0xee, 1, 0x04, 0x01]), "malformed: header length 1025 is outside 1..1024"],
    ];
    for (const [name, input, expected] of table) {
        it(`refuses ${name}`, () => {
            assert.equal(code(() => parseEnvelope(input())), expected);
        });
    }

    it("refuses every proper prefix of a valid envelope (truncation anywhere), naming the region", () => {
        const r = regions(env);
        for (let len = 0; len < env.length; len++) {
            const result = code(() => parseEnvelope(env.subarray(0, len)));
            assert.match(result, len === 0 ? /^not-an-envelope/ : /^truncated: envelope truncated/, `prefix of ${len} bytes: ${result}`);
        }
        assert.equal(code(() => parseEnvelope(env.subarray(0, r.tag[1] - 1))), `truncated: envelope truncated in tag: needs ${env.length} bytes, has ${env.length - 1}`);
        assert.equal(
            code(() => parseEnvelope(env.subarray(0, r.ciphertext[0] + 3))),
            `truncated: envelope truncated in ciphertext: needs ${r.ciphertext[1]} bytes, has ${r.ciphertext[0] + 3}`,
        );
    });

    it("refuses trailing bytes", () => {
        assert.equal(code(() => parseEnvelope(Buffer.concat([env, Buffer.from([0, 0])]))), "malformed: envelope has 2 trailing bytes after the tag");
    });

    it("refuses wrapped-key length 0 and an oversized envelope", () => {
        const r = regions(env);
        const bad = Buffer.from(env);
        bad.writeUInt16BE(0, r.wrappedLength[0]);
        assert.equal(code(() => parseEnvelope(bad)), "malformed: wrapped key length 0 is outside 1..1024");
        assert.equal(code(() => parseEnvelope(env, env.length - 1)), `oversized: envelope is ${env.length} bytes; the limit is ${env.length - 1}`);
        assert.equal(code(() => parseEnvelope(env, env.length)), "accepted");
    });

    it("refuses a header that is valid JSON but not a valid header", () => {
        const r = regions(env);
        const header = env.subarray(...r.header).toString("latin1").replace('"confidential"', '"topsecret123"');
        const bad = Buffer.concat([env.subarray(0, r.header[0]), Buffer.from(header, "latin1"), env.subarray(r.header[1])]);
        assert.equal(
            code(() => parseEnvelope(bad)),
            'bad-header: header field "classification" must be one of public, internal, confidential, restricted; got "topsecret123"',
        );
    });
});
