import { strict as assert } from "node:assert";
import { canonicalContext, decodeHeader, encodeHeader, encryptionContext, EnvelopeError, headerProblem, RecordHeader } from "../../functions/src/envelope";
import { HEADER } from "./helpers";

describe("functions/envelope header", () => {
    const table: [string, Record<string, unknown>, string | undefined][] = [
        ["valid", { ...HEADER }, undefined],
        ["tenant with digits and hyphen", { ...HEADER, tenant: "acme-2" }, undefined],
        ["tenant uppercase", { ...HEADER, tenant: "Acme" }, 'header field "tenant" must be a lowercase DNS label (1-63 chars of [a-z0-9-])'],
        ["tenant ending in hyphen", { ...HEADER, tenant: "acme-" }, 'header field "tenant" must be a lowercase DNS label (1-63 chars of [a-z0-9-])'],
        ["tenant with slash", { ...HEADER, tenant: "a/b" }, 'header field "tenant" must be a lowercase DNS label (1-63 chars of [a-z0-9-])'],
        ["schema with slash", { ...HEADER, schema: "../x" }, 'header field "schema" must be 1-63 chars of [a-z0-9._-] starting with a letter or digit'],
        ["classification unknown", { ...HEADER, classification: "secret" }, 'header field "classification" must be one of public, internal, confidential, restricted; got "secret"'],
        ["record id too short", { ...HEADER, recordId: "short" }, 'header field "recordId" must be 16-64 chars of [A-Za-z0-9_-]'],
        ["record id with quote", { ...HEADER, recordId: 'aaaaaaaaaaaaaaaa"' }, 'header field "recordId" must be 16-64 chars of [A-Za-z0-9_-]'],
        ["producer empty", { ...HEADER, producer: "" }, 'header field "producer" must be 1-128 chars of [A-Za-z0-9._-] starting with a letter or digit'],
        ["time without millis", { ...HEADER, time: "2026-11-23T09:30:00Z" }, 'header field "time" must be an ISO 8601 UTC timestamp with milliseconds, e.g. 2026-11-23T09:30:00.000Z'],
        ["time not a real day", { ...HEADER, time: "2026-02-30T09:30:00.000Z" }, 'header field "time" is not a real instant: 2026-02-30T09:30:00.000Z'],
        ["time on a leap day", { ...HEADER, time: "2028-02-29T23:59:59.999Z" }, undefined],
        ["time on 29 February of a common year", { ...HEADER, time: "2026-02-29T00:00:00.000Z" }, 'header field "time" is not a real instant: 2026-02-29T00:00:00.000Z'],
        ["time at hour 24", { ...HEADER, time: "2026-11-23T24:00:00.000Z" }, 'header field "time" is not a real instant: 2026-11-23T24:00:00.000Z'],
        ["time in month 13", { ...HEADER, time: "2026-13-01T00:00:00.000Z" }, 'header field "time" is not a real instant: 2026-13-01T00:00:00.000Z'],
        ["time at second 60", { ...HEADER, time: "2026-11-23T10:00:60.000Z" }, 'header field "time" is not a real instant: 2026-11-23T10:00:60.000Z'],
        ["missing field", { tenant: "acme", schema: "s", classification: "public", recordId: "aaaaaaaaaaaaaaaa", producer: "p" }, 'header field "time" must be a string'],
        ["number field", { ...HEADER, tenant: 7 }, 'header field "tenant" must be a string'],
        ["unknown field", { ...HEADER, extra: "x" }, 'header has unknown field "extra"'],
    ];
    for (const [name, value, expected] of table) {
        it(`headerProblem: ${name}`, () => {
            assert.equal(headerProblem(value), expected);
        });
    }

    it("headerProblem refuses non-objects", () => {
        for (const v of [null, [], "x", 1]) {
            assert.equal(headerProblem(v), "header must be a JSON object");
        }
    });

    it("encodes canonically and decodes back", () => {
        const bytes = encodeHeader(HEADER);
        assert.equal(
            bytes.toString("latin1"),
            '{"tenant":"acme","schema":"orders.v1","classification":"confidential","recordId":"rec-0000000000000001","producer":"shop","time":"2026-11-23T09:30:00.000Z"}',
        );
        assert.deepEqual(decodeHeader(bytes), HEADER);
    });

    it("refuses a non-canonical encoding of a valid header (order, whitespace, duplicates)", () => {
        const variants = [
            JSON.stringify({ schema: HEADER.schema, tenant: HEADER.tenant, classification: HEADER.classification, recordId: HEADER.recordId, producer: HEADER.producer, time: HEADER.time }),
            JSON.stringify(HEADER, null, 1),
            encodeHeader(HEADER).toString("latin1").replace('{"tenant":"acme"', '{"tenant":"evil","tenant":"acme"'),
        ];
        for (const v of variants) {
            assert.throws(() => decodeHeader(Buffer.from(v)), (e: EnvelopeError) => e.code === "bad-header" && e.message === "header is not in canonical form (field order, whitespace or duplicates)");
        }
    });

    it("refuses invalid JSON and invalid fields with code bad-header", () => {
        assert.throws(() => decodeHeader(Buffer.from("{")), (e: EnvelopeError) => e.code === "bad-header" && e.message === "header is not valid JSON");
        assert.throws(() => encodeHeader({ ...HEADER, tenant: "A" } as RecordHeader), (e: EnvelopeError) => e.code === "bad-header");
    });

    it("decodeHeader decides every text as the full check does (parse, validate, require the canonical form)", () => {
        // The reference: what decodeHeader must mean, written the slow way.
        const reference = (text: string): RecordHeader | string => {
            let parsed: unknown;
            try {
                parsed = JSON.parse(text);
            } catch {
                return "header is not valid JSON";
            }
            const problem = headerProblem(parsed);
            if (problem) {
                return problem;
            }
            const h = parsed as RecordHeader;
            const canonical = `{"tenant":"${h.tenant}","schema":"${h.schema}","classification":"${h.classification}","recordId":"${h.recordId}","producer":"${h.producer}","time":"${h.time}"}`;
            return canonical === text ? h : "header is not in canonical form (field order, whitespace or duplicates)";
        };
        const decoded = (text: string): RecordHeader | string => {
            try {
                return decodeHeader(Buffer.from(text, "latin1"));
            } catch (e) {
                assert.ok(e instanceof EnvelopeError && e.code === "bad-header", String(e));
                return e.message;
            }
        };
        const base = encodeHeader(HEADER).toString("latin1");
        const alphabet = ['"', "\\", "{", "}", ",", ":", " ", "\n", "0", "9", "a", "Z", "-", ".", "_", "T", "\u0000", "\u00e9"];
        // Deterministic pseudo-random mutations (one to three edits: insert, delete or replace one character).
        let seed = 7;
        const next = (n: number): number => {
            seed = (seed * 1103515245 + 12345) % 2 ** 31;
            return seed % n;
        };
        const texts = [base, base + "\n", base.slice(0, -1), ` ${base}`, base.replace("acme", "ac\\u006de"), base.replace("2026-11-23", "2026-02-29")];
        for (let i = 0; i < 3000; i++) {
            let t = base;
            for (let edits = 1 + next(3); edits > 0; edits--) {
                const at = next(t.length + 1);
                const c = alphabet[next(alphabet.length)];
                const kind = next(3);
                t = kind === 0 ? t.slice(0, at) + c + t.slice(at) : kind === 1 ? t.slice(0, at) + t.slice(at + 1) : t.slice(0, at) + c + t.slice(at + 1);
            }
            texts.push(t);
        }
        let accepted = 0;
        for (const t of texts) {
            const want = reference(t);
            assert.deepEqual(decoded(t), want, t);
            accepted += typeof want === "string" ? 0 : 1;
        }
        // The mutations reach both outcomes, so both paths of decodeHeader are compared.
        assert.ok(accepted > 100 && accepted < texts.length - 100, `${accepted} of ${texts.length} accepted`);
    });

    it("encryption context is the key-scoped fields only, canonical form sorted", () => {
        assert.deepEqual(encryptionContext(HEADER), { tenant: "acme", schema: "orders.v1", classification: "confidential", producer: "shop" });
        assert.equal(canonicalContext({ b: "2", a: "1" }), '[["a","1"],["b","2"]]');
        assert.equal(canonicalContext({ a: "1", b: "2" }), canonicalContext({ b: "2", a: "1" }));
    });
});
