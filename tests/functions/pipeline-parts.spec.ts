import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { strict as assert } from "node:assert";
import { DEFAULT_DATA_PREFIX, DEFAULT_MAX_ENVELOPE_BYTES } from "../../functions/src/contract";
import { EnvelopeDecryptor, EnvelopeEncryptor, EnvelopeError, parseEnvelope } from "../../functions/src/envelope";
import { LAMBDA_RESPONSE_LIMIT_BYTES } from "../../functions/src/handlers/recipient";
import { atRestCheck, authorisationCheck, deliveryChecks, ingestChecks, metricsCheck, rejectionSummary, storedOnceCheck, uploadsCheck } from "../../functions/src/local/checks";
import { pipelineSettings } from "../../functions/src/local/pipeline";
import {
    BAD_KINDS,
    BadKind,
    BadResult,
    craftSubmission,
    Expectation,
    headerOf,
    PLAINTEXT_MARKER,
    planSubmissions,
    plaintextFor,
    prng,
    Submitter,
    withHeaderBytes,
} from "../../functions/src/local/producer";
import { RecordedRequest } from "../../functions/src/local/request-log";
import { replayRange } from "../../functions/src/local/stages/orchestration";
import { partitionQuery } from "../../functions/src/local/stages/recipient";
import { localProvider } from "./helpers";

const expectation = (kind: BadKind, status: number, code: string | undefined, extra: Partial<Expectation> = {}): Expectation => ({ kind, status, code, ...extra });
const bad = (expect: Expectation, status: number, code: string | undefined, reason: string): BadResult => ({ expect, status, code, reason });

describe("functions pipeline:local parts (pure logic)", () => {
    describe("settings", () => {
        it("defaults", () =>
            assert.deepEqual(pipelineSettings({ records: 1 }), { records: 1, backend: "in-process", batchSize: 100, concurrency: 16, faults: true, prefix: DEFAULT_DATA_PREFIX }));
        it("as given", () =>
            assert.deepEqual(pipelineSettings({ records: 5, backend: "emulators", batchSize: 10000, concurrency: 1, faults: false, prefix: "p/" }), {
                records: 5,
                backend: "emulators",
                batchSize: 10000,
                concurrency: 1,
                faults: false,
                prefix: "p/",
            }));
        const refused: [Parameters<typeof pipelineSettings>[0], string][] = [
            [{ records: 0 }, "records must be a positive integer; got 0"],
            [{ records: 1.5 }, "records must be a positive integer; got 1.5"],
            [{ records: NaN }, "records must be a positive integer; got NaN"],
            [{ records: 0, batchSize: 0 }, "records must be a positive integer; got 0"],
            [{ records: 1, batchSize: 0 }, "batchSize must be an integer in 1..10000; got 0"],
            [{ records: 1, batchSize: 10001 }, "batchSize must be an integer in 1..10000; got 10001"],
            [{ records: 1, batchSize: 0, concurrency: 0 }, "batchSize must be an integer in 1..10000; got 0"],
            [{ records: 1, concurrency: 2.5 }, "concurrency must be an integer in 1..10000; got 2.5"],
        ];
        for (const [options, message] of refused) {
            it(`refuses ${JSON.stringify(options)}`, () => assert.throws(() => pipelineSettings(options), { message }));
        }
    });

    describe("the producer's records", () => {
        it("the PRNG is deterministic, in [0, 1), and differs by seed", () => {
            const a = prng(0x5eed);
            const b = prng(0x5eed);
            const xs = Array.from({ length: 1000 }, () => a());
            assert.deepEqual(Array.from({ length: 1000 }, () => b()), xs);
            assert.ok(xs.every((x) => x >= 0 && x < 1));
            assert.notEqual(prng(0xbad)(), xs[0]);
        });
        const headers: [number, number, string, string, string, string][] = [
            [0, 10, "acme", "orders.v1", "confidential", "2026-11-22T00:00:00.000Z"],
            [1, 10, "globex", "orders.v1", "confidential", "2026-11-22T04:48:00.000Z"],
            [2, 10, "initech", "orders.v1", "confidential", "2026-11-22T09:36:00.000Z"],
            [3, 10, "acme", "clicks.v2", "internal", "2026-11-22T14:24:00.000Z"],
            [6, 10, "acme", "orders.v1", "confidential", "2026-11-23T04:48:00.000Z"],
            [0, 1, "acme", "orders.v1", "confidential", "2026-11-22T00:00:00.000Z"],
        ];
        for (const [i, n, tenant, schema, classification, time] of headers) {
            it(`record ${i} of ${n}: ${tenant} ${schema} at ${time}`, () =>
                assert.deepEqual(headerOf(i, n, "rid"), { tenant, schema, classification, recordId: "rid", producer: "local-producer", time }));
        }
        it("plaintexts carry the marker, the record id and 100-1499 bytes of filler", () => {
            for (const draw of [0, 0.5, 0.999]) {
                const doc = JSON.parse(plaintextFor(7, "rid", () => draw).toString()) as Record<string, unknown>;
                assert.equal(doc["marker"], PLAINTEXT_MARKER);
                assert.equal(doc["recordId"], "rid");
                assert.equal(doc["seq"], 7);
                assert.equal((doc["note"] as string).length, 100 + Math.floor(draw * 1400));
            }
        });
        it("a header rewritten in place keeps every other byte", () => {
            const env = Buffer.concat([Buffer.from([0xe2, 0xee, 1, 0, 3]), Buffer.from("abc"), Buffer.from("rest")]);
            assert.deepEqual(withHeaderBytes(env, Buffer.from("longer")), Buffer.concat([Buffer.from([0xe2, 0xee, 1, 0, 6]), Buffer.from("longer"), Buffer.from("rest")]));
        });
    });

    describe("the submission plan", () => {
        const cases: [number, number, number][] = [
            [1, 42, 3],
            [10, 42, 3],
            [2500, 44, 3],
            [5000, 47, 5],
        ];
        for (const [n, badCount, maxReplays] of cases) {
            it(`${n} records: ${badCount} bad submissions, three of each kind, at most ${maxReplays} streamed twice`, () => {
                const plan = planSubmissions(n, prng(0x5eed));
                const all = [...plan.badAt.entries()].flatMap(([i, kinds]) => kinds.map((k) => [i, k] as const));
                assert.equal(all.length, badCount);
                assert.ok(all.every(([i]) => Number.isInteger(i) && i >= 0 && i < n));
                for (const kind of BAD_KINDS) {
                    const count = all.filter(([, k]) => k === kind).length;
                    assert.equal(count, kind === "replay-same-bytes" ? 3 + Math.floor(n / 1000) : 3, kind);
                }
                assert.ok(plan.streamReplays.size >= 1 && plan.streamReplays.size <= maxReplays);
                assert.ok([...plan.streamReplays].every((i) => i >= 0 && i < n));
                assert.equal(plan.lengths.length, n);
                assert.deepEqual(planSubmissions(n, prng(0x5eed)), plan, "deterministic");
            });
        }
    });

    describe("bad submissions", () => {
        const provider = localProvider();
        const encryptor = new EnvelopeEncryptor(provider);
        const bodyOf = (event: APIGatewayProxyEvent): Buffer => Buffer.from(event.body ?? "", event.isBase64Encoded ? "base64" : "utf8");
        const parseCode = (b: Buffer): string | undefined => {
            try {
                parseEnvelope(b);
                return undefined;
            } catch (err) {
                return (err as EnvelopeError).code;
            }
        };
        const expected: Record<BadKind, [number, string | undefined, string | undefined]> = {
            "plaintext-json": [400, "not-an-envelope", undefined],
            "plaintext-binary": [400, "not-an-envelope", undefined],
            empty: [400, "empty-body", undefined],
            "truncated-body": [400, "truncated", undefined],
            "truncated-prefix": [400, "truncated", undefined],
            "trailing-bytes": [400, "malformed", undefined],
            "unknown-version": [400, "unsupported-version", undefined],
            "non-canonical-header": [400, "bad-header", undefined],
            "bad-classification": [400, "bad-header", undefined],
            oversized: [413, "oversized", undefined],
            "replay-same-bytes": [409, "duplicate", undefined],
            "replay-new-ciphertext": [409, "duplicate", undefined],
            "tampered-ciphertext": [202, undefined, "authentication-failed"],
            "tampered-header": [202, undefined, "unwrap-failed"],
        };
        for (const kind of BAD_KINDS) {
            it(`${kind}: expects ${expected[kind].join(" ")}, and the bytes are what it says`, async () => {
                const recordId = "good-record-000001";
                const envelope = await encryptor.encrypt(headerOf(4, 10, recordId), plaintextFor(4, recordId, () => 0.1));
                const { event, expect } = await craftSubmission({ encryptor, n: 10, rng: prng(0xbad) }, kind, 4, { envelope, recordId });
                const [status, code, recipientCode] = expected[kind];
                assert.deepEqual({ kind: expect.kind, status: expect.status, code: expect.code, recipientCode: expect.recipientCode }, { kind, status, code, recipientCode });
                const e = event();
                assert.notEqual(e.requestContext.requestId, event().requestContext.requestId, "a fresh event per attempt");
                const body = bodyOf(e);
                if (kind === "empty") {
                    assert.equal(body.length, 0);
                } else if (kind === "plaintext-json" || kind === "plaintext-binary") {
                    assert.ok(body.toString().includes(PLAINTEXT_MARKER));
                    assert.equal(parseCode(body), "not-an-envelope");
                } else if (kind === "oversized") {
                    assert.ok(body.length > DEFAULT_MAX_ENVELOPE_BYTES);
                } else if (kind === "replay-same-bytes") {
                    assert.deepEqual(body, envelope);
                } else if (kind === "replay-new-ciphertext") {
                    assert.equal(parseEnvelope(body).header.recordId, recordId);
                    assert.notDeepEqual(body, envelope);
                } else if (recipientCode !== undefined) {
                    assert.equal(parseEnvelope(body).header.recordId, expect.recordId);
                    await assert.rejects(new EnvelopeDecryptor(provider).decrypt(body), { code: recipientCode });
                } else {
                    assert.equal(parseCode(body), code);
                }
            });
        }
    });

    describe("the submitter", () => {
        const answer = (statusCode: number): APIGatewayProxyResult => ({ statusCode, body: "{}" });
        it("retries 503s, and counts the retries", async () => {
            const statuses = [503, 503, 202];
            const submitter = new Submitter(async () => answer(statuses.shift() as number));
            assert.equal((await submitter.submit(() => ({}) as APIGatewayProxyEvent)).statusCode, 202);
            assert.equal(submitter.retries, 2);
        });
        it("returns any other answer at once", async () => {
            let calls = 0;
            const submitter = new Submitter(async () => (calls++, answer(400)));
            assert.equal((await submitter.submit(() => ({}) as APIGatewayProxyEvent)).statusCode, 400);
            assert.deepEqual([calls, submitter.retries], [1, 0]);
        });
    });

    describe("checks", () => {
        it("ingest: every record accepted and every bad submission answered as expected", () => {
            const badResults = [bad(expectation("empty", 400, "empty-body"), 400, "empty-body", "request body is empty"), bad(expectation("tampered-header", 202, undefined, { recipientCode: "unwrap-failed" }), 202, undefined, "")];
            assert.deepEqual(ingestChecks(10, { accepted: 10, retries: 2, problems: [], badResults }), [
                { name: "good records accepted by ingest", ok: true, detail: "10/10 accepted (2 producer retries after 503)" },
                { name: "bad submissions refused with the expected status and reason", ok: true, detail: "2/2 as expected" },
            ]);
        });
        it("ingest: records not accepted, wrong answers, and a refusal without a reason", () => {
            const badResults = [
                bad(expectation("empty", 400, "empty-body"), 400, "empty-body", "request body is empty"),
                bad(expectation("oversized", 413, "oversized"), 400, "truncated", "envelope truncated"),
                bad(expectation("trailing-bytes", 400, "malformed"), 400, "malformed", ""),
            ];
            assert.deepEqual(ingestChecks(10, { accepted: 9, retries: 0, problems: ["record 3: 500 {}"], badResults }), [
                { name: "good records accepted by ingest", ok: false, detail: "9/10 accepted (0 producer retries after 503); record 3: 500 {}" },
                {
                    name: "bad submissions refused with the expected status and reason",
                    ok: false,
                    detail: "1/3 as expected; oversized: expected 413 oversized, got 400 truncated (envelope truncated); trailing-bytes: expected 400 malformed, got 400 malformed ()",
                },
            ]);
        });
        it("rejections by kind and answer, with the first reason", () => {
            const dup = expectation("replay-same-bytes", 409, "duplicate");
            const tampered = expectation("tampered-ciphertext", 202, undefined, { recipientCode: "authentication-failed" });
            assert.deepEqual(
                [...rejectionSummary([bad(dup, 409, "duplicate", "first"), bad(dup, 409, "duplicate", "second"), bad(tampered, 202, undefined, "")]).entries()],
                [
                    ["replay-same-bytes -> 409 duplicate", { count: 2, sample: "first" }],
                    ["tampered-ciphertext -> 202 accepted (refused later by the recipient: authentication-failed)", { count: 1, sample: "" }],
                ],
            );
        });

        const name = "every streamed record stored exactly once (dead-lettered batches replayed; replays and stream duplicates skipped)";
        const stored: [string, Parameters<typeof storedOnceCheck>, boolean, string][] = [
            [
                "all stored once",
                [100, 3, { stored: 90, duplicatesSkipped: 5, invalid: 0 }, { stored: 10, deadLetters: 2, problems: [], range: { stored: 0, duplicates: 103, read: 103 } }],
                true,
                "90 stored by process, 10 by 2 dead-letter replays, 100 expected; 5 duplicates skipped (3 records streamed twice); range replay read 103, stored 0",
            ],
            [
                "a record missing",
                [100, 3, { stored: 89, duplicatesSkipped: 5, invalid: 0 }, { stored: 10, deadLetters: 2, problems: [], range: { stored: 0, duplicates: 102, read: 102 } }],
                false,
                "89 stored by process, 10 by 2 dead-letter replays, 100 expected; 5 duplicates skipped (3 records streamed twice); range replay read 102, stored 0",
            ],
            [
                "the range replay stored something",
                [100, 3, { stored: 90, duplicatesSkipped: 5, invalid: 0 }, { stored: 10, deadLetters: 2, problems: [], range: { stored: 1, duplicates: 102, read: 103 } }],
                false,
                "90 stored by process, 10 by 2 dead-letter replays, 100 expected; 5 duplicates skipped (3 records streamed twice); range replay read 103, stored 1",
            ],
            [
                "the range replay failed",
                [100, 3, { stored: 90, duplicatesSkipped: 5, invalid: 0 }, { stored: 10, deadLetters: 2, problems: ["range replay: ReplayFailed"], range: {} }],
                false,
                "90 stored by process, 10 by 2 dead-letter replays, 100 expected; 5 duplicates skipped (3 records streamed twice); range replay read 0, stored ?; range replay: ReplayFailed",
            ],
            [
                "an invalid record",
                [100, 3, { stored: 90, duplicatesSkipped: 5, invalid: 1 }, { stored: 10, deadLetters: 2, problems: [], range: { stored: 0, duplicates: 103, read: 103 } }],
                false,
                "90 stored by process, 10 by 2 dead-letter replays, 100 expected; 5 duplicates skipped (3 records streamed twice); range replay read 103, stored 0",
            ],
            [
                "fewer duplicates skipped than records streamed twice",
                [100, 3, { stored: 90, duplicatesSkipped: 2, invalid: 0 }, { stored: 10, deadLetters: 2, problems: [], range: { stored: 0, duplicates: 103, read: 103 } }],
                false,
                "90 stored by process, 10 by 2 dead-letter replays, 100 expected; 2 duplicates skipped (3 records streamed twice); range replay read 103, stored 0",
            ],
        ];
        for (const [title, args, ok, detail] of stored) {
            it(`stored once: ${title}`, () => assert.deepEqual(storedOnceCheck(...args), { name, ok, detail }));
        }

        describe("delivery", () => {
            const tampered = [expectation("tampered-ciphertext", 202, undefined, { recipientCode: "authentication-failed", recordId: "t1" })];
            const originals = new Map([
                ["a", "ha"],
                ["b", "hb"],
            ]);
            const outcome = {
                partitions: 2,
                delivered: 2,
                responses: 3,
                maxResponseBytes: 1000,
                interruptedPages: 1,
                retryAnswers: 1,
                deliveredCount: new Map([
                    ["a", 1],
                    ["b", 1],
                ]),
                mismatches: 0,
                failures: new Map([["t1", "authentication-failed"]]),
                failureCodes: ["authentication-failed"],
                badResponses: [] as string[],
            };
            it("every record once, the tampered one refused, responses under the limit", () =>
                assert.deepEqual(deliveryChecks(["a", "b"], originals, tampered, outcome), [
                    {
                        name: "every accepted record delivered exactly once, decrypting to its original",
                        ok: true,
                        detail: "2 delivered from 2 partitions in 3 responses (KMS throttling: 1 answered 503 Retry-After, 1 pages ended early, all resumed); missing 0, duplicated 0, unexpected 0, plaintext mismatches 0",
                    },
                    { name: "envelopes tampered after encryption refused by the recipient", ok: true, detail: "1/1 refused with the expected code; 1 failures in total (authentication-failed)" },
                    { name: "every recipient response under Lambda's 6 MB limit", ok: true, detail: `3 responses, largest 1000 bytes (limit ${LAMBDA_RESPONSE_LIMIT_BYTES})` },
                ]));
            it("missing, duplicated, unexpected and altered records; a wrong refusal; a response over the limit", () => {
                const wrong = {
                    ...outcome,
                    delivered: 4,
                    deliveredCount: new Map([
                        ["b", 2],
                        ["x", 1],
                    ]),
                    mismatches: 1,
                    failures: new Map([["t1", "unwrap-failed"]]),
                    failureCodes: ["unwrap-failed", "bad-object"],
                    badResponses: ["p: 500 {}"],
                    maxResponseBytes: LAMBDA_RESPONSE_LIMIT_BYTES + 1,
                };
                assert.deepEqual(deliveryChecks(["a", "b"], originals, tampered, wrong), [
                    {
                        name: "every accepted record delivered exactly once, decrypting to its original",
                        ok: false,
                        detail: "4 delivered from 2 partitions in 3 responses (KMS throttling: 1 answered 503 Retry-After, 1 pages ended early, all resumed); missing 1, duplicated 1, unexpected 1, plaintext mismatches 1; p: 500 {}",
                    },
                    { name: "envelopes tampered after encryption refused by the recipient", ok: false, detail: "0/1 refused with the expected code; 2 failures in total (bad-object, unwrap-failed)" },
                    {
                        name: "every recipient response under Lambda's 6 MB limit",
                        ok: false,
                        detail: `3 responses, largest ${LAMBDA_RESPONSE_LIMIT_BYTES + 1} bytes (limit ${LAMBDA_RESPONSE_LIMIT_BYTES})`,
                    },
                ]);
            });
        });

        const probes: [Parameters<typeof authorisationCheck>[0], boolean][] = [
            [{ otherTenant: 403, anonymous: 401, authorizerOnly: 401, forged: 401 }, true],
            [{ otherTenant: 200, anonymous: 401, authorizerOnly: 401, forged: 401 }, false],
            [{ otherTenant: 403, anonymous: 401, authorizerOnly: 200, forged: 401 }, false],
            [{ otherTenant: 403, anonymous: 401, authorizerOnly: 401, forged: 403 }, false],
        ];
        for (const [p, ok] of probes) {
            it(`authorisation: ${JSON.stringify(p)}`, () =>
                assert.deepEqual(authorisationCheck(p), {
                    name: "recipient refuses callers not authorised for the tenant, and trusts no authorizer field",
                    ok,
                    detail: `other tenant: ${p.otherTenant}; no token: ${p.anonymous}; only an authorizer field: ${p.authorizerOnly}; token of another pool: ${p.forged}`,
                }));
        }

        const scans: [Parameters<typeof atRestCheck>[0], boolean, string][] = [
            [{ items: 3, bytes: 300, leaking: [] }, true, "3 items, 300 bytes scanned for the plaintext marker; 0 contain it"],
            [{ items: 0, bytes: 0, leaking: [] }, false, "0 items, 0 bytes scanned for the plaintext marker; 0 contain it"],
            [{ items: 5, bytes: 500, leaking: ["a", "b", "c", "d"] }, false, "5 items, 500 bytes scanned for the plaintext marker; 4 contain it: a, b, c"],
        ];
        for (const [scan, ok, detail] of scans) {
            it(`at rest: ${detail}`, () => assert.deepEqual(atRestCheck(scan), { name: "no plaintext at rest (stream, bucket, table, metric and log files)", ok, detail }));
        }

        const metrics: [Parameters<typeof metricsCheck>[0], boolean][] = [
            [{ accepted: 10, written: 8, delivered: 9 }, true],
            [{ accepted: 11, written: 8, delivered: 9 }, false],
            [{ accepted: 10, written: 9, delivered: 9 }, false],
            [{ accepted: 10, written: 8, delivered: 8 }, false],
        ];
        for (const [m, ok] of metrics) {
            it(`metrics: ${JSON.stringify(m)}`, () =>
                assert.deepEqual(metricsCheck(m, { inStream: 10, stored: 8, delivered: 9 }), {
                    name: "metrics agree",
                    ok,
                    detail: `ingest accepted ${m.accepted} (expected 10), process RecordsWritten ${m.written} (stored 8), recipient RecordsDelivered ${m.delivered} (delivered 9)`,
                }));
        }

        describe("uploads", () => {
            const req = (caller: string, action: string, conditions: RecordedRequest["conditions"], count: number, via?: "s3"): RecordedRequest => ({
                caller,
                service: action.split(":")[0] as RecordedRequest["service"],
                action,
                resource: "r",
                conditions,
                count,
                ...(via ? { via } : {}),
            });
            const sse = { "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:eu-west-1:111122223333:key/k" };
            const name = "every upload carried SSE-KMS with the storage key; requests logged for the access check";
            it("every upload with SSE-KMS and a key id; requests by caller and action", () =>
                assert.deepEqual(
                    uploadsCheck([req("process", "s3:PutObject", sse, 3), req("process", "kms:GenerateDataKey", {}, 3, "s3"), req("process", "s3:PutObject", sse, 1), req("ingest", "kinesis:PutRecords", {}, 7)], 14),
                    {
                        name,
                        ok: true,
                        detail: "2/2 uploads with aws:kms and a key id; 14 requests in 4 distinct entries: ingest kinesis:PutRecords 7, process kms:GenerateDataKey (via s3) 3, process s3:PutObject 4",
                    },
                ));
            it("an upload without a key id", () =>
                assert.deepEqual(uploadsCheck([req("process", "s3:PutObject", sse, 1), req("replay", "s3:PutObject", { "s3:x-amz-server-side-encryption": "aws:kms" }, 1)], 2), {
                    name,
                    ok: false,
                    detail: "1/2 uploads with aws:kms and a key id; 2 requests in 2 distinct entries: process s3:PutObject 1, replay s3:PutObject 1",
                }));
            it("no upload at all", () => assert.deepEqual(uploadsCheck([], 0), { name, ok: false, detail: "0/0 uploads with aws:kms and a key id; 0 requests in 0 distinct entries: " }));
        });
    });

    describe("stages", () => {
        const started = Date.parse("2026-11-23T10:00:00.000Z");
        const ranges: [number, number, number, number, number][] = [
            [300, 5_000, started + 60_000, started - 1000, started + 59_999],
            [5000, 5_000, started + 60_000, started - 1000, started + 59_999],
            [5001, 50_000, started + 60_000, started - 1000, started + 4000],
            [5001, 100_000, started + 60_000, started - 1000, started + 9000],
            [5001, 100_000, started + 5_000, started - 1000, started + 4999],
        ];
        for (const [records, ingestMs, now, from, to] of ranges) {
            it(`the range replayed after ${records} records ingested in ${ingestMs} ms`, () => assert.deepEqual(replayRange(records, started, ingestMs, now), { from, to }));
        }
        const partitions: [string, unknown][] = [
            ["tenant=acme/schema=orders.v1/date=2026-11-22", { tenant: "acme", schema: "orders.v1", date: "2026-11-22" }],
            ["tenant=acme/schema=orders.v1", undefined],
            ["tenant=acme/schema=orders.v1/date=2026-11-22/extra", undefined],
            ["other/tenant=acme/schema=orders.v1/date=2026-11-22", undefined],
        ];
        for (const [p, q] of partitions) {
            it(`the partition ${p}`, () => assert.deepEqual(partitionQuery(p), q));
        }
    });
});
