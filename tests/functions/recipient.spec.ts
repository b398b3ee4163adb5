import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import { S3ObjectStore } from "../../functions/src/adapters/aws-s3";
import { MemoryStoreLedger } from "../../functions/src/adapters/local";
import { encodeBatch } from "../../functions/src/batch";
import { EnvelopeDecryptor, EnvelopeEncryptor, KmsKeyProvider, RecordHeader } from "../../functions/src/envelope";
import { createProcessHandler } from "../../functions/src/handlers/process";
import {
    cognitoAuthenticator,
    createRecipientHandler,
    DEFAULT_RESPONSE_BUDGET_BYTES,
    LAMBDA_RESPONSE_LIMIT_BYTES,
    RecipientDeps,
    RecipientResponse,
} from "../../functions/src/handlers/recipient";
import { LocalUserPool } from "../../functions/src/local/cognito";
import { restApiEvent } from "../../functions/src/local/events";
import { S3_SLOW_DOWN } from "../../functions/src/local/fault-proxy";
import { context, envelopeOf, HEADER, kinesisEvent, localProvider, LogRecorder, MemoryStore, useEmulators } from "./helpers";

const PARTITION = "records/tenant=acme/schema=orders.v1/date=2026-11-23/";
const Q = { tenant: "acme", schema: "orders.v1", date: "2026-11-23" };
const pool = new LocalUserPool();
const auth = cognitoAuthenticator({ userPoolId: pool.userPoolId, clientId: pool.clientId, jwks: pool.jwks });

function request(query: Record<string, string>, token?: string, authorizer?: Record<string, unknown>): APIGatewayProxyEvent {
    return restApiEvent({ method: "GET", path: "/records", query, headers: token ? { Authorization: token } : {}, ...(authorizer ? { authorizer } : {}) });
}
const as = (tenants: string): string => pool.idToken({ tenants });

function recipient(store: RecipientDeps["store"], extra: Partial<RecipientDeps> = {}): ReturnType<typeof createRecipientHandler> {
    return createRecipientHandler({ store, decryptor: new EnvelopeDecryptor(localProvider()), prefix: "records/", authenticate: auth, metrics: () => undefined, logger: new LogRecorder(), ...extra });
}

function parse(res: APIGatewayProxyResult): RecipientResponse {
    assert.equal(res.statusCode, 200, res.body);
    return JSON.parse(res.body) as RecipientResponse;
}

/** Follows `next` to the end; checks every response against the Lambda limit. */
async function readAll(
    handler: ReturnType<typeof createRecipientHandler>,
    token: string,
    ctx: () => Context = () => context("recipient"),
): Promise<{ pages: RecipientResponse[]; sizes: number[]; plaintexts: string[] }> {
    const pages: RecipientResponse[] = [];
    const sizes: number[] = [];
    let after: string | undefined;
    for (let guard = 0; guard < 10_000; guard++) {
        const res = await handler(request({ ...Q, ...(after ? { after } : {}) }, token), ctx());
        sizes.push(Buffer.byteLength(JSON.stringify(res)));
        const body = parse(res);
        pages.push(body);
        after = body.next;
        if (!after) {
            return { pages, sizes, plaintexts: pages.flatMap((p) => p.records.map((r) => Buffer.from(r.plaintext, "base64").toString())) };
        }
    }
    throw new Error("no end after 10,000 pages");
}

/** `objects` objects of `perObject` records with `size`-byte plaintexts, written directly in the partition. */
async function fill(store: MemoryStore, objects: number, perObject: number, size: number): Promise<Set<string>> {
    const enc = new EnvelopeEncryptor(localProvider());
    const ids = new Set<string>();
    for (let o = 0; o < objects; o++) {
        const envs: Buffer[] = [];
        for (let r = 0; r < perObject; r++) {
            const recordId = `rec-${String(o).padStart(4, "0")}-${String(r).padStart(8, "0")}`;
            const pt = Buffer.alloc(size, 0x61);
            pt.write(recordId);
            envs.push(await enc.encrypt({ ...HEADER, recordId }, pt));
            ids.add(recordId);
        }
        await store.put(`${PARTITION}obj-${String(o).padStart(4, "0")}.e2eb`, encodeBatch(envs));
    }
    return ids;
}

describe("functions/recipient handler", () => {
    let store: MemoryStore;
    const plaintexts = ["first", "second", "third", "fourth"];
    beforeEach(async () => {
        store = new MemoryStore();
        const process = createProcessHandler({ store, ledger: new MemoryStoreLedger(), prefix: "records/", metrics: () => undefined, logger: new LogRecorder() });
        const producer = new EnvelopeEncryptor(localProvider());
        for (let i = 0; i < plaintexts.length; i++) {
            // One object per record (separate batches), one data key for all (producer-side reuse).
            const env = await producer.encrypt({ ...HEADER, recordId: `record-${String(i).padStart(10, "0")}` }, Buffer.from(plaintexts[i]));
            await process(kinesisEvent([env], "shardId-000000000000", i + 1), context("process"));
        }
    });

    it("decrypts the partition for a caller whose verified token lists the tenant", async () => {
        const res = await recipient(store)(request(Q, as("acme,globex")), context("recipient"));
        const body = parse(res);
        assert.deepEqual(body.records.map((r) => Buffer.from(r.plaintext, "base64").toString()).sort(), [...plaintexts].sort());
        assert.deepEqual([body.failures, body.duplicates, body.next], [[], 0, undefined]);
        assert.deepEqual(Object.keys(body.records[0]).sort(), ["classification", "plaintext", "producer", "recordId", "time"]);
        assert.equal(parse(await recipient(store)(request(Q, `Bearer ${as("*")}`), context("recipient"))).records.length, 4);
    });

    it("pages of one record each (a tiny budget) yield every record exactly once through `next`", async () => {
        const { pages, plaintexts: seen } = await readAll(recipient(store, { maxResponseBytes: 1 }), as("*"));
        assert.deepEqual(seen.sort(), [...plaintexts].sort());
        assert.equal(pages.length, 4);
        assert.ok(pages.slice(0, 3).every((p) => /#\d+$/.test(p.next ?? "")));
    });

    describe("authentication: the recipient verifies the Cognito ID token itself", () => {
        const cases: [string, () => APIGatewayProxyEvent][] = [
            ["no token", () => request(Q)],
            ["no token but an authorizer field claiming every tenant (a direct invocation)", () => request(Q, undefined, { tenants: "*", claims: { "custom:tenants": "*" } })],
            ["a token signed with another key", () => request(Q, pool.idToken({ tenants: "acme" }, crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey))],
            ["an expired token", () => request(Q, pool.idToken({ tenants: "acme", expiresIn: -60 }))],
            ["a token for another app client", () => request(Q, pool.idToken({ tenants: "acme", audience: "another-client" }))],
            ["an access token instead of an ID token", () => request(Q, pool.idToken({ tenants: "acme", tokenUse: "access" }))],
            ["a token of another user pool", () => request(Q, pool.idToken({ tenants: "acme", issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other" }))],
            ["a token without the tenants attribute", () => request(Q, pool.idToken({}))],
        ];
        for (const [name, event] of cases) {
            it(`401 for ${name}`, async () => {
                const res = await recipient(store)(event(), context("recipient"));
                assert.equal(res.statusCode, 401);
                assert.deepEqual(JSON.parse(res.body), { code: "unauthenticated", reason: "a valid Cognito ID token of this API's user pool is required in the Authorization header" });
            });
        }

        it("403 for a verified caller of another tenant", async () => {
            const res = await recipient(store)(request(Q, as("globex")), context("recipient"));
            assert.equal(res.statusCode, 403);
            assert.deepEqual(JSON.parse(res.body), { code: "forbidden", reason: 'caller is not authorised for tenant "acme"' });
        });
    });

    const bad: [Record<string, string>, string][] = [
        [{ ...Q, tenant: "ACME" }, 'query parameter "tenant" must be a lowercase DNS label (1-63 chars of [a-z0-9-])'],
        [{ ...Q, schema: "../secrets" }, 'query parameter "schema" must be 1-63 chars of [a-z0-9._-] starting with a letter or digit'],
        [{ ...Q, date: "2026-11" }, 'query parameter "date" (YYYY-MM-DD) must be an ISO 8601 UTC timestamp with milliseconds, e.g. 2026-11-23T09:30:00.000Z'],
        [{ ...Q, after: "records/tenant=globex/x" }, `query parameter "after" must be a cursor returned as "next" for this partition (an object key under ${PARTITION})`],
        [{ ...Q, after: PARTITION }, `query parameter "after" must be a cursor returned as "next" for this partition (an object key under ${PARTITION})`],
    ];
    for (const [query, reason] of bad) {
        it(`400 for ${JSON.stringify(query)}`, async () => {
            const res = await recipient(store)(request(query, as("*")), context("recipient"));
            assert.equal(res.statusCode, 400);
            assert.deepEqual(JSON.parse(res.body), { code: "bad-request", reason });
        });
    }

    it("reports, and does not return, an envelope of another tenant planted here (without its record id or tenant), and a corrupt object", async () => {
        await store.put(`${PARTITION}zz-planted.e2eb`, encodeBatch([await envelopeOf("globex secret", { tenant: "globex", recordId: "planted-record-0001" })]));
        await store.put(`${PARTITION}zz-planted2.e2eb`, Buffer.from("garbage"));
        const res = await recipient(store)(request(Q, as("acme")), context("recipient"));
        const body = parse(res);
        assert.equal(body.records.length, 4);
        assert.deepEqual(body.failures, [
            { object: `${PARTITION}zz-planted.e2eb`, index: 0, code: "context-mismatch", reason: "the envelope belongs to another tenant or schema than requested" },
            { object: `${PARTITION}zz-planted2.e2eb`, code: "bad-object", reason: "not a batch object (magic E2EB missing)" },
        ]);
        assert.equal(res.body.includes("globex"), false);
        assert.equal(res.body.includes("planted-record-0001"), false);
    });

    describe("duplicates that reached storage are delivered once", () => {
        it("the same envelope in two objects", async () => {
            const copy = await envelopeOf("copied", { recordId: "copied-record-00001" });
            await store.put(`${PARTITION}zz-a.e2eb`, encodeBatch([copy]));
            await store.put(`${PARTITION}zz-b.e2eb`, encodeBatch([copy, await envelopeOf("re-encrypted", { recordId: "copied-record-00001" })]));
            const body = parse(await recipient(store)(request(Q, as("acme")), context("recipient")));
            assert.equal(body.records.filter((r) => r.recordId === "copied-record-00001").length, 1);
            assert.equal(body.duplicates, 2);
        });

        it("a copy in the same object after a page boundary inside that object", async () => {
            const single = new MemoryStore();
            const a = await envelopeOf("a", { recordId: "record-a-0000000001" });
            const b = await envelopeOf("b", { recordId: "record-b-0000000001" });
            await single.put(`${PARTITION}one.e2eb`, encodeBatch([a, b, a]));
            const { pages, plaintexts: seen } = await readAll(recipient(single, { maxResponseBytes: 1 }), as("acme"));
            assert.deepEqual(seen, ["a", "b"]);
            assert.equal(pages.reduce((n, p) => n + p.duplicates, 0), 1);
        });
    });

    describe("responses stay under Lambda's 6 MB limit", () => {
        it("50,000 records of 100 bytes: full pages just under the budget, every record once", async function () {
            this.timeout(120000);
            const big = new MemoryStore();
            const ids = await fill(big, 10, 5000, 100);
            const { pages, sizes, plaintexts: seen } = await readAll(recipient(big), as("acme"));
            assert.equal(seen.length, 50_000);
            assert.equal(new Set(pages.flatMap((p) => p.records.map((r) => r.recordId))).size, ids.size);
            assert.ok(pages.length >= 3, `${pages.length} pages`);
            for (const [i, bytes] of sizes.entries()) {
                assert.ok(bytes <= DEFAULT_RESPONSE_BUDGET_BYTES, `page ${i}: ${bytes} bytes`);
                if (i < sizes.length - 1) {
                    assert.ok(bytes > DEFAULT_RESPONSE_BUDGET_BYTES - 2000, `page ${i} is full: ${bytes} bytes`);
                }
            }
        });

        it("one object of 100 records of 64 KiB (8.7 MB as base64) is split inside the object", async function () {
            this.timeout(120000);
            const big = new MemoryStore();
            await fill(big, 1, 100, 64 * 1024);
            const { pages, sizes, plaintexts: seen } = await readAll(recipient(big), as("acme"));
            assert.equal(seen.length, 100);
            assert.equal(new Set(seen.map((p) => p.slice(0, 18))).size, 100);
            assert.equal(pages.length, 2);
            assert.match(pages[0].next ?? "", /obj-0000\.e2eb#\d+$/);
            assert.ok(sizes.every((b) => b <= LAMBDA_RESPONSE_LIMIT_BYTES), sizes.join(", "));
        });
    });

    it("running short of time ends the page with a cursor, not a timeout", async () => {
        let remaining = 60_000;
        const ctx = (): Context => ({ ...context("recipient"), getRemainingTimeInMillis: () => (remaining -= 20_000) });
        const { pages, plaintexts: seen } = await readAll(recipient(store), as("acme"), ctx);
        assert.deepEqual(seen.sort(), [...plaintexts].sort());
        assert.ok(pages.length > 1);
        assert.equal(pages[0].interrupted?.code, "time");
    });

    it("the deployed handler refuses to start without its environment", async () => {
        const { handler } = await import("../../functions/src/handlers/recipient");
        const saved = { ...process.env };
        process.env.DATA_BUCKET_NAME = "bucket";
        process.env.RECORDS_KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/x";
        delete process.env.USER_POOL_ID;
        try {
            await assert.rejects(handler(request(Q), context("recipient")), {
                message: "recipient: environment variables DATA_BUCKET_NAME, RECORDS_KEY_ARN, USER_POOL_ID and USER_POOL_CLIENT_ID are required",
            });
        } finally {
            process.env = saved;
        }
    });

    describe("transient errors through the SDK (s3rver and the local KMS endpoint)", () => {
        const emu = useEmulators();
        let kmsStore: S3ObjectStore;
        /** Three objects, each under its own data key (its own producer), in the emulated bucket. */
        beforeEach(async () => {
            kmsStore = new S3ObjectStore(emu.current.bucket, emu.current.s3("recipient"), { sseKmsKeyId: emu.current.storageKeyArn });
            for (let o = 0; o < 3; o++) {
                const producer = new EnvelopeEncryptor(new KmsKeyProvider(emu.current.recordsKeyArn, emu.current.kmsClient("producer")));
                const envs = await Promise.all(
                    [0, 1].map((r) => producer.encrypt({ ...HEADER, producer: `producer-${o}`, recordId: `kms-record-${o}-${r}-000000` } as RecordHeader, Buffer.from(`o${o}r${r}`))),
                );
                await kmsStore.put(`${PARTITION}obj-${o}.e2eb`, encodeBatch(envs));
            }
        });
        const emulated = (): ReturnType<typeof createRecipientHandler> =>
            recipient(kmsStore, { decryptor: new EnvelopeDecryptor(new KmsKeyProvider(emu.current.recordsKeyArn, emu.current.kmsClient("recipient", 2))) });

        it("KMS throttling beyond the SDK's retries: the page returns what was decrypted, `next` at the first record not read; nothing is lost", async () => {
            const handler = emulated();
            // Object 0's unwrap goes through; object 1's is throttled on both of the client's attempts.
            emu.current.kms.throttle(10, "Decrypt", 1);
            const first = await handler(request(Q, as("acme")), context("recipient"));
            emu.current.kms.throttle(0);
            const body = parse(first);
            assert.deepEqual(body.records.map((r) => Buffer.from(r.plaintext, "base64").toString()), ["o0r0", "o0r1"]);
            assert.deepEqual(body.failures, []);
            assert.equal(body.next, `${PARTITION}obj-1.e2eb#0`);
            assert.deepEqual(body.interrupted, { code: "retry", reason: "a storage or key service was temporarily unavailable; continue from next" });
            assert.equal(first.body.includes("Rate exceeded"), false);
            const rest = parse(await handler(request({ ...Q, after: body.next as string }, as("acme")), context("recipient")));
            assert.deepEqual(rest.records.map((r) => Buffer.from(r.plaintext, "base64").toString()), ["o1r0", "o1r1", "o2r0", "o2r1"]);
            assert.equal(rest.next, undefined);
        });

        it("KMS throttled from the first record: 503 with Retry-After", async () => {
            emu.current.kms.throttle(10, "Decrypt");
            const res = await emulated()(request(Q, as("acme")), context("recipient"));
            emu.current.kms.throttle(0);
            assert.equal(res.statusCode, 503);
            assert.equal(res.headers?.["retry-after"], "2");
        });

        it("S3 SlowDown on an object: not a bad object; the page ends before it and the next page reads it", async () => {
            const handler = emulated();
            emu.current.proxies.s3.inject({ match: (r) => r.method === "GET" && decodeURIComponent(r.url).includes("obj-1.e2eb"), times: 20, response: S3_SLOW_DOWN });
            const first = await handler(request(Q, as("acme")), context("recipient"));
            emu.current.proxies.s3.clearFaults();
            const body = parse(first);
            assert.deepEqual(body.records.map((r) => Buffer.from(r.plaintext, "base64").toString()), ["o0r0", "o0r1"]);
            assert.deepEqual(body.failures, []);
            assert.equal(body.next, `${PARTITION}obj-1.e2eb#0`);
            assert.equal(body.interrupted?.code, "retry");
            assert.equal(first.body.includes("reduce your request rate"), false);
            const rest = parse(await handler(request({ ...Q, after: body.next as string }, as("acme")), context("recipient")));
            assert.deepEqual(rest.records.map((r) => Buffer.from(r.plaintext, "base64").toString()), ["o1r0", "o1r1", "o2r0", "o2r1"]);
        });

        it("S3 unavailable before anything was read: 503 with Retry-After and no S3 text", async () => {
            const handler = emulated();
            emu.current.proxies.s3.inject({ match: (r) => r.method === "GET", times: 50, response: S3_SLOW_DOWN });
            const res = await handler(request(Q, as("acme")), context("recipient"));
            emu.current.proxies.s3.clearFaults();
            assert.equal(res.statusCode, 503);
            assert.equal(res.headers?.["retry-after"], "2");
            assert.deepEqual(JSON.parse(res.body), { code: "retry", reason: "a storage or key service is temporarily unavailable; retry" });
        });

        it("S3 access denied: 500 without S3's message, the bucket or the role", async () => {
            const handler = emulated();
            emu.current.proxies.s3.inject({
                match: (r) => r.method === "GET",
                times: 50,
                response: {
                    status: 403,
                    headers: { "content-type": "application/xml" },
                    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>User: arn:aws:sts::111122223333:assumed-role/prod-recipient/fn is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::${emu.current.bucket}/x"</Message></Error>`,
                },
            });
            const res = await handler(request(Q, as("acme")), context("recipient"));
            emu.current.proxies.s3.clearFaults();
            assert.equal(res.statusCode, 500);
            for (const leak of ["AccessDenied", "assumed-role", emu.current.bucket, "not authorized"]) {
                assert.equal(res.body.includes(leak), false, leak);
            }
            assert.match((JSON.parse(res.body) as { reason: string }).reason, /^the recipient could not read the partition; the error was logged with request id [0-9a-f-]{36}$/);
        });
    });
});
