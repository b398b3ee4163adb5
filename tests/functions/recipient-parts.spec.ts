import type { APIGatewayProxyEvent } from "aws-lambda";
import { strict as assert } from "node:assert";
import { EnvelopeError } from "../../functions/src/envelope";
import { json } from "../../functions/src/http";
import { bearerToken, mayRead, tenantsOf } from "../../functions/src/recipient/auth";
import { deliveredRecord, envelopeFailure, outOfTime, Page } from "../../functions/src/recipient/page";
import { jsonStringBytes, PageBudget } from "../../functions/src/recipient/page-budget";
import { parseCursor, parseRecordsQuery, partitionPrefix } from "../../functions/src/recipient/query";
import { DeliveredRecord, LAMBDA_RESPONSE_LIMIT_BYTES, pageResponse, RecipientResponse, unauthenticatedResponse } from "../../functions/src/recipient/response";

const PARTITION = "records/tenant=acme/schema=orders.v1/date=2026-11-23/";
const Q = { tenant: "acme", schema: "orders.v1", date: "2026-11-23" };
const record = (recordId: string, plaintextBytes: number, producer = "producer"): DeliveredRecord => ({
    recordId,
    time: "2026-11-23T09:30:00.000Z",
    classification: "confidential",
    producer,
    plaintext: Buffer.alloc(plaintextBytes, 0x61).toString("base64"),
});
const event = (headers: Record<string, string | undefined>): APIGatewayProxyEvent => ({ headers }) as unknown as APIGatewayProxyEvent;

describe("functions/recipient parts (pure logic)", () => {
    describe("authorisation", () => {
        const claims: [unknown, readonly string[] | undefined][] = [
            ["acme", ["acme"]],
            [" acme , globex ,", ["acme", "globex"]],
            ["*", ["*"]],
            ["", undefined],
            [" , ", undefined],
            [["acme"], undefined],
            [undefined, undefined],
        ];
        for (const [claim, tenants] of claims) {
            it(`the claim ${JSON.stringify(claim)} lists ${JSON.stringify(tenants)}`, () => assert.deepEqual(tenantsOf(claim), tenants));
        }
        const rights: [readonly string[], string, boolean][] = [
            [["acme"], "acme", true],
            [["globex", "acme"], "acme", true],
            [["*"], "acme", true],
            [["globex"], "acme", false],
            [["acme-eu"], "acme", false],
        ];
        for (const [tenants, tenant, ok] of rights) {
            it(`${JSON.stringify(tenants)} ${ok ? "may" : "may not"} read ${tenant}`, () => assert.equal(mayRead(tenants, tenant), ok));
        }
        const headers: [Record<string, string | undefined>, string | undefined][] = [
            [{ Authorization: "abc.def.ghi" }, "abc.def.ghi"],
            [{ authorization: "Bearer abc.def.ghi" }, "abc.def.ghi"],
            [{ AUTHORIZATION: "  bearer   abc.def.ghi  " }, "abc.def.ghi"],
            [{ Authorization: "   " }, undefined],
            [{ Authorization: undefined }, undefined],
            [{ "X-Authorization": "abc" }, undefined],
            [{}, undefined],
        ];
        for (const [h, token] of headers) {
            it(`the token of ${JSON.stringify(h)} is ${JSON.stringify(token)}`, () => assert.equal(bearerToken(event(h)), token));
        }
        it("an event without headers has no token", () => assert.equal(bearerToken({ headers: null } as unknown as APIGatewayProxyEvent), undefined));
    });

    describe("the request", () => {
        const queries: [Record<string, string> | null, string | undefined][] = [
            [Q, undefined],
            [{ ...Q, after: "ignored here" }, undefined],
            [{ ...Q, tenant: "ACME" }, 'query parameter "tenant" must be a lowercase DNS label (1-63 chars of [a-z0-9-])'],
            [{ schema: Q.schema, date: Q.date }, 'query parameter "tenant" must be a lowercase DNS label (1-63 chars of [a-z0-9-])'],
            [{ ...Q, schema: "../secrets" }, 'query parameter "schema" must be 1-63 chars of [a-z0-9._-] starting with a letter or digit'],
            [{ ...Q, date: "2026-11" }, 'query parameter "date" (YYYY-MM-DD) must be an ISO 8601 UTC timestamp with milliseconds, e.g. 2026-11-23T09:30:00.000Z'],
            [{ ...Q, date: "2026-13-01" }, 'query parameter "date" (YYYY-MM-DD) is not a real instant: 2026-13-01T00:00:00.000Z'],
            [null, 'query parameter "tenant" must be a lowercase DNS label (1-63 chars of [a-z0-9-])'],
        ];
        for (const [q, reason] of queries) {
            it(`${JSON.stringify(q)}: ${reason ?? "accepted"}`, () =>
                assert.deepEqual(parseRecordsQuery(q), reason === undefined ? { ok: true, value: Q } : { ok: false, reason }));
        }
        it("the partition's key prefix", () => {
            assert.equal(partitionPrefix("records/", Q), PARTITION);
            assert.equal(partitionPrefix("", Q), PARTITION.slice("records/".length));
        });
        const refused = `query parameter "after" must be a cursor returned as "next" for this partition (an object key under ${PARTITION})`;
        const cursors: [string | undefined, unknown][] = [
            [undefined, { ok: true, value: undefined }],
            [`${PARTITION}obj.e2eb`, { ok: true, value: { key: `${PARTITION}obj.e2eb` } }],
            [`${PARTITION}obj.e2eb#0`, { ok: true, value: { key: `${PARTITION}obj.e2eb`, index: 0 } }],
            [`${PARTITION}obj.e2eb#123456789`, { ok: true, value: { key: `${PARTITION}obj.e2eb`, index: 123456789 } }],
            // Ten digits are not an index: the whole text is the key.
            [`${PARTITION}obj.e2eb#1234567890`, { ok: true, value: { key: `${PARTITION}obj.e2eb#1234567890` } }],
            [PARTITION, { ok: false, reason: refused }],
            [`${PARTITION}#5`, { ok: false, reason: refused }],
            ["records/tenant=globex/schema=orders.v1/date=2026-11-23/obj.e2eb", { ok: false, reason: refused }],
            ["", { ok: false, reason: refused }],
        ];
        for (const [after, parsed] of cursors) {
            it(`the cursor ${JSON.stringify(after)}`, () => assert.deepEqual(parseCursor(after, PARTITION), parsed));
        }
    });

    describe("the page's budget", () => {
        /** The largest response the page's frame allows for: every field but the arrays at its longest. */
        const worstCase = (records: readonly DeliveredRecord[]): number =>
            Buffer.byteLength(
                JSON.stringify(
                    json(200, {
                        tenant: Q.tenant,
                        schema: Q.schema,
                        date: "0000-00-00",
                        records,
                        failures: [],
                        duplicates: 1e9,
                        next: `${PARTITION}${"x".repeat(1024)}#999999999`,
                        interrupted: { code: "retry", reason: "x".repeat(160) },
                    }),
                ),
            );

        const strings: [string, number][] = [
            ["abc", 3],
            ['a"b', 4],
            ["a\\b", 4],
            ["é", 2],
            ["\n", 2],
        ];
        for (const [s, bytes] of strings) {
            it(`${JSON.stringify(s)} takes ${bytes} bytes in a JSON string`, () => assert.equal(jsonStringBytes(s), bytes));
        }

        for (const producer of ["producer", 'quote"and\\backslash', "unicodé-ünïcode"]) {
            it(`counts exactly: records fill the budget and the next one would pass it (producer ${JSON.stringify(producer)})`, () => {
                const budget = 20_000;
                const page = new PageBudget({ partition: PARTITION, ...Q }, budget);
                const added: DeliveredRecord[] = [];
                for (let i = 0; ; i++) {
                    const r = record(`record-${i}`, 700, producer);
                    const outcome = page.addRecord(r);
                    if (outcome !== "added") {
                        assert.equal(outcome, "full");
                        assert.ok(worstCase(added) <= budget, `${worstCase(added)} bytes`);
                        assert.ok(worstCase([...added, r]) > budget, `${worstCase([...added, r])} bytes`);
                        break;
                    }
                    added.push(r);
                    assert.ok(page.has(r.recordId));
                }
                assert.deepEqual(page.records, added);
                assert.ok(added.length > 5);
            });
        }

        it("the first item of a page may pass the budget, within the Lambda limit; the next may not", () => {
            const page = new PageBudget({ partition: PARTITION, ...Q }, 1);
            assert.equal(page.empty(), true);
            assert.equal(page.addRecord(record("big", 10_000)), "added");
            assert.equal(page.empty(), false);
            assert.equal(page.addRecord(record("small", 1)), "full");
            assert.equal(page.addFailure({ object: "o", code: "bad-object", reason: "r" }), false);
            assert.deepEqual(page.records.map((r) => r.recordId), ["big"]);
            assert.deepEqual(page.failures, []);
        });

        it("a failure may open a page over its budget", () => {
            const page = new PageBudget({ partition: PARTITION, ...Q }, 1);
            assert.equal(page.addFailure({ object: "o", code: "bad-object", reason: "r" }), true);
            assert.equal(page.addRecord(record("small", 1)), "full");
        });

        it("a record no Lambda response can carry is too large, on an empty page only", () => {
            const huge = record("huge", Math.ceil((LAMBDA_RESPONSE_LIMIT_BYTES * 3) / 4));
            assert.equal(new PageBudget({ partition: PARTITION, ...Q }, LAMBDA_RESPONSE_LIMIT_BYTES).addRecord(huge), "too-large");
            const page = new PageBudget({ partition: PARTITION, ...Q }, LAMBDA_RESPONSE_LIMIT_BYTES);
            assert.equal(page.addRecord(record("small", 1)), "added");
            assert.equal(page.addRecord(huge), "full");
        });
    });

    describe("envelopes and stops", () => {
        const failures: [EnvelopeError, unknown][] = [
            [
                new EnvelopeError("context-mismatch", 'header field "tenant" is "globex", expected "acme"', "planted-record"),
                { object: "k", index: 3, code: "context-mismatch", reason: "the envelope belongs to another tenant or schema than requested" },
            ],
            [
                new EnvelopeError("authentication-failed", "the tag does not match", "rec-1"),
                { object: "k", index: 3, recordId: "rec-1", code: "authentication-failed", reason: "the tag does not match" },
            ],
            [new EnvelopeError("truncated", "envelope truncated in header"), { object: "k", index: 3, code: "truncated", reason: "envelope truncated in header" }],
        ];
        for (const [err, failure] of failures) {
            it(`${err.code}${err.recordId ? ` of ${err.recordId}` : ""}`, () => assert.deepEqual(envelopeFailure("k", 3, err), failure));
        }
        it("a decrypted envelope's record: its header's public fields and the plaintext in base64", () => {
            const header = { tenant: "acme", schema: "orders.v1", classification: "internal", recordId: "rec-1", producer: "p", time: "2026-11-23T09:30:00.000Z" } as const;
            assert.deepEqual(deliveredRecord({ header, plaintext: Buffer.from("hello") } as Parameters<typeof deliveredRecord>[0]), {
                recordId: "rec-1",
                time: "2026-11-23T09:30:00.000Z",
                classification: "internal",
                producer: "p",
                plaintext: Buffer.from("hello").toString("base64"),
            });
        });
        it("running short of time", () => assert.deepEqual(outOfTime("k#4"), { next: "k#4", interrupted: { code: "time", reason: "the invocation ran short of time; continue from next" } }));
    });

    describe("the answer", () => {
        const retry = { "retry-after": "2" };
        it("401, or 503 with Retry-After when authentication may succeed later", () => {
            assert.deepEqual(unauthenticatedResponse({ ok: false, transient: false, reason: "expired" }), {
                statusCode: 401,
                headers: { "content-type": "application/json", "cache-control": "no-store" },
                body: JSON.stringify({ code: "unauthenticated", reason: "a valid Cognito ID token of this API's user pool is required in the Authorization header" }),
            });
            assert.deepEqual(unauthenticatedResponse({ ok: false, transient: true, reason: "no keys" }), json(503, { code: "retry", reason: "authentication is temporarily unavailable; retry" }, retry));
        });

        const r1 = record("rec-1", 10);
        const failure = { object: "k", code: "bad-object", reason: "r" };
        const body = (extra: Partial<RecipientResponse>): RecipientResponse => ({ ...Q, records: [], failures: [], duplicates: 0, ...extra });
        const cases: [string, Page, unknown][] = [
            ["the partition's end", { records: [r1], failures: [], duplicates: 0 }, json(200, body({ records: [r1] }))],
            ["a full page", { records: [r1], failures: [], duplicates: 2, stop: { next: "k#1" } }, json(200, body({ records: [r1], duplicates: 2, next: "k#1" }))],
            [
                "a page interrupted by a transient error",
                { records: [], failures: [failure], duplicates: 0, stop: { next: "k#1", interrupted: { code: "retry", reason: "why" } } },
                json(200, body({ failures: [failure], next: "k#1", interrupted: { code: "retry", reason: "why" } })),
            ],
            [
                "a page ended by an internal error after progress",
                { records: [], failures: [], duplicates: 1, stop: { next: "k#1", internal: new Error("AccessDenied") } },
                json(200, body({ duplicates: 1, next: "k#1", interrupted: { code: "retry", reason: "the page ended at an error logged with request id req-1; continue from next" } })),
            ],
            [
                "an internal error before anything was read",
                { records: [], failures: [], duplicates: 0, stop: { next: "k#0", internal: new Error("AccessDenied") } },
                json(500, { code: "internal", reason: "the recipient could not read the partition; the error was logged with request id req-1" }),
            ],
            [
                "a transient error before anything was read",
                { records: [], failures: [], duplicates: 0, stop: { next: "k#0", interrupted: { code: "retry", reason: "why" } } },
                json(503, { code: "retry", reason: "a storage or key service is temporarily unavailable; retry" }, retry),
            ],
            [
                "time running short before anything was read",
                { records: [], failures: [], duplicates: 0, stop: { next: "k#0", interrupted: { code: "time", reason: "why" } } },
                json(200, body({ next: "k#0", interrupted: { code: "time", reason: "why" } })),
            ],
        ];
        for (const [name, page, result] of cases) {
            it(name, () => assert.deepEqual(pageResponse(Q, page, "req-1"), result));
        }
        it("refuses to answer past the Lambda limit", () => {
            const huge = record("huge", Math.ceil((LAMBDA_RESPONSE_LIMIT_BYTES * 3) / 4));
            assert.throws(() => pageResponse(Q, { records: [huge], failures: [], duplicates: 0 }, "req-1"), /^Error: recipient: response of \d+ bytes exceeds the Lambda limit$/);
        });
    });
});
