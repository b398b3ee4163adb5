import { strict as assert } from "node:assert";
import { encodeBatch } from "../../functions/src/batch";
import { CountingKeyProvider, EnvelopeDecryptor, EnvelopeEncryptor } from "../../functions/src/envelope";
import { createProcessHandler } from "../../functions/src/handlers/process";
import { authorisedTenants, createRecipientHandler, RecipientResponse } from "../../functions/src/handlers/recipient";
import { ApiGatewayProxyEvent } from "../../functions/src/lambda-types";
import { envelopeOf, HEADER, kinesisEvent, localProvider, MemoryStore } from "./helpers";

const PARTITION = "records/tenant=acme/schema=orders.v1/date=2026-11-23/";

function request(query: Record<string, string>, authorizer?: Record<string, unknown>): ApiGatewayProxyEvent {
    return { body: null, isBase64Encoded: false, queryStringParameters: query, requestContext: authorizer ? { authorizer } : {} };
}

const Q = { tenant: "acme", schema: "orders.v1", date: "2026-11-23" };

describe("functions/recipient handler", () => {
    let store: MemoryStore;
    const plaintexts = ["first", "second", "third", "fourth"];
    beforeEach(async () => {
        store = new MemoryStore();
        const process = createProcessHandler({ store, prefix: "records/", metrics: () => undefined });
        const producer = new EnvelopeEncryptor(localProvider());
        for (let i = 0; i < plaintexts.length; i++) {
            // One object per record (separate batches), one data key for all (producer-side reuse).
            const env = await producer.encrypt({ ...HEADER, recordId: `record-${String(i).padStart(10, "0")}` }, Buffer.from(plaintexts[i]));
            await process(kinesisEvent([env], "shardId-000000000000", i + 1));
        }
    });

    it("decrypts the partition for an authorised caller, records in object order", async () => {
        const keys = new CountingKeyProvider(localProvider());
        const res = await createRecipientHandler({ store, decryptor: new EnvelopeDecryptor(keys), prefix: "records/" })(request(Q, { tenants: "acme,globex" }));
        assert.equal(res.statusCode, 200);
        const body = JSON.parse(res.body) as RecipientResponse;
        assert.deepEqual(body.records.map((r) => Buffer.from(r.plaintext, "base64").toString()).sort(), [...plaintexts].sort());
        assert.deepEqual(body.failures, []);
        assert.equal(body.next, undefined);
        assert.equal(keys.unwrapCalls, 1, "one data key for the whole partition");
        assert.deepEqual(Object.keys(body.records[0]).sort(), ["classification", "plaintext", "producer", "recordId", "time"]);
    });

    it("pages by plaintext budget (at least one object per page); following `next` yields every record exactly once", async () => {
        const handler = createRecipientHandler({ store, decryptor: new EnvelopeDecryptor(localProvider()), prefix: "records/", maxResponsePlaintextBytes: 1 });
        const seen: string[] = [];
        let after: string | undefined;
        let pages = 0;
        do {
            const body = JSON.parse((await handler(request({ ...Q, ...(after ? { after } : {}) }, { tenants: "*" }))).body) as RecipientResponse;
            seen.push(...body.records.map((r) => Buffer.from(r.plaintext, "base64").toString()));
            after = body.next;
            pages++;
        } while (after);
        assert.deepEqual(seen.sort(), [...plaintexts].sort());
        assert.equal(pages, 4);
    });

    it("refuses callers without tenants (401) or without this tenant (403)", async () => {
        const handler = createRecipientHandler({ store, decryptor: new EnvelopeDecryptor(localProvider()), prefix: "records/" });
        const anonymous = await handler(request(Q));
        assert.equal(anonymous.statusCode, 401);
        assert.deepEqual(JSON.parse(anonymous.body), { code: "unauthenticated", reason: "no authorised caller: the request carries no tenants from the authoriser" });
        const other = await handler(request(Q, { tenants: "globex" }));
        assert.equal(other.statusCode, 403);
        assert.deepEqual(JSON.parse(other.body), { code: "forbidden", reason: 'caller is not authorised for tenant "acme"' });
        assert.equal((await handler(request(Q, { claims: { "custom:tenants": "acme" } }))).statusCode, 200);
    });

    const bad: [Record<string, string>, string][] = [
        [{ ...Q, tenant: "ACME" }, 'query parameter "tenant" must be a lowercase DNS label (1-63 chars of [a-z0-9-])'],
        [{ ...Q, schema: "../secrets" }, 'query parameter "schema" must be 1-63 chars of [a-z0-9._-] starting with a letter or digit'],
        [{ ...Q, date: "2026-11" }, 'query parameter "date" (YYYY-MM-DD) must be an ISO 8601 UTC timestamp with milliseconds, e.g. 2026-11-23T09:30:00.000Z'],
        [{ ...Q, after: "records/tenant=globex/x" }, `query parameter "after" must be an object key under ${PARTITION}`],
    ];
    for (const [query, reason] of bad) {
        it(`400 for ${JSON.stringify(query)}`, async () => {
            const res = await createRecipientHandler({ store, decryptor: new EnvelopeDecryptor(localProvider()), prefix: "records/" })(request(query, { tenants: "*" }));
            assert.equal(res.statusCode, 400);
            assert.deepEqual(JSON.parse(res.body), { code: "bad-request", reason });
        });
    }

    it("reports, and does not return, an envelope of another tenant planted in this partition, and a corrupt object", async () => {
        await store.put(`${PARTITION}zz-planted.e2eb`, encodeBatch([await envelopeOf("globex secret", { tenant: "globex", recordId: "planted-record-0001" })]));
        await store.put(`${PARTITION}zz-planted2.e2eb`, Buffer.from("garbage"));
        const res = await createRecipientHandler({ store, decryptor: new EnvelopeDecryptor(localProvider()), prefix: "records/" })(request(Q, { tenants: "acme" }));
        const body = JSON.parse(res.body) as RecipientResponse;
        assert.equal(body.records.length, 4);
        assert.deepEqual(body.failures, [
            {
                object: `${PARTITION}zz-planted.e2eb`,
                index: 0,
                recordId: "planted-record-0001",
                code: "context-mismatch",
                reason: 'record planted-record-0001: header field "tenant" is "globex", expected "acme"',
            },
            { object: `${PARTITION}zz-planted2.e2eb`, code: "bad-object", reason: "not a batch object (magic E2EB missing)" },
        ]);
    });

    it("authorisedTenants reads the Lambda authoriser context or Cognito claims", () => {
        assert.deepEqual(authorisedTenants(request(Q, { tenants: " acme , globex " })), ["acme", "globex"]);
        assert.deepEqual(authorisedTenants(request(Q, { claims: { "custom:tenants": "initech" } })), ["initech"]);
        assert.equal(authorisedTenants(request(Q, { tenants: "" })), undefined);
        assert.equal(authorisedTenants(request(Q)), undefined);
    });
});
