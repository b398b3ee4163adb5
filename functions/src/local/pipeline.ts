/**
 * The whole pipeline on one machine: a producer encrypts N records (plus deliberately bad submissions), the real
 * ingest, process and recipient handlers run with local adapters (local key provider, files in place of Kinesis,
 * S3 and DynamoDB, all in one directory), and a verifier checks end-to-end properties:
 *
 *  1. every good record is accepted by ingest (202);
 *  2. every bad submission gets the expected status and reason code;
 *  3. every accepted record is delivered by the recipient exactly once and decrypts to its original plaintext;
 *     records tampered after encryption are refused by the recipient with the expected code; nothing else appears;
 *  4. no file written by ingest or process (stream, dedup log, objects, metric logs) contains any plaintext;
 *  5. the recipient refuses an unauthorised caller;
 *  6. metrics agree with what happened.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FileDedupStore, FileStreamSink, FsObjectStore, readStreamEvents } from "../adapters/local";
import { DEFAULT_DATA_PREFIX, DEFAULT_MAX_ENVELOPE_BYTES } from "../contract";
import { CountingKeyProvider, EnvelopeDecryptor, EnvelopeEncryptor, FORMAT_VERSION, LocalKeyProvider, RecordHeader } from "../envelope";
import { createIngestHandler } from "../handlers/ingest";
import { createProcessHandler } from "../handlers/process";
import { createRecipientHandler, RecipientResponse } from "../handlers/recipient";
import { ApiGatewayProxyEvent } from "../lambda-types";

/** Every plaintext record contains this marker; finding it in a file means plaintext leaked. */
export const PLAINTEXT_MARKER = "PLAINTEXT-MARKER-d41c";

export interface LocalPipelineOptions {
    readonly records: number;
    /** Working directory (created); default a fresh temp dir, removed at the end unless `keep`. */
    readonly dir?: string;
    readonly keep?: boolean;
    /** Kinesis batch size for process. Default 1000. */
    readonly batchSize?: number;
    readonly log?: (line: string) => void;
}

export interface Check {
    readonly name: string;
    readonly ok: boolean;
    readonly detail: string;
}

export interface LocalPipelineResult {
    readonly ok: boolean;
    readonly dir: string;
    readonly checks: readonly Check[];
    readonly accepted: number;
    readonly delivered: number;
    readonly rejections: ReadonlyMap<string, { count: number; sample: string }>;
    readonly keyProviderCalls: { readonly generate: number; readonly unwrap: number };
    readonly timingsMs: Readonly<Record<string, number>>;
}

type BadKind =
    | "plaintext-json"
    | "plaintext-binary"
    | "empty"
    | "truncated-body"
    | "truncated-prefix"
    | "trailing-bytes"
    | "unknown-version"
    | "non-canonical-header"
    | "bad-classification"
    | "oversized"
    | "replay-same-bytes"
    | "replay-new-ciphertext"
    | "tampered-ciphertext"
    | "tampered-header";

interface Expectation {
    readonly kind: BadKind;
    readonly status: number;
    readonly code: string | undefined;
    /** For envelopes that ingest cannot tell apart from good ones: what the recipient must say. */
    readonly recipientCode?: string;
    readonly recordId?: string;
}

const BAD_KINDS: readonly BadKind[] = [
    "plaintext-json",
    "plaintext-binary",
    "empty",
    "truncated-body",
    "truncated-prefix",
    "trailing-bytes",
    "unknown-version",
    "non-canonical-header",
    "bad-classification",
    "oversized",
    "replay-same-bytes",
    "replay-new-ciphertext",
    "tampered-ciphertext",
    "tampered-header",
];

const TENANTS = ["acme", "globex", "initech"];
const SCHEMAS = ["orders.v1", "clicks.v2"];
const CLASSIFICATION: Record<string, RecordHeader["classification"]> = { "orders.v1": "confidential", "clicks.v2": "internal" };
const BASE_TIME = Date.parse("2026-11-22T00:00:00.000Z");
const SPAN_MS = 2 * 24 * 3600 * 1000;

function sha(b: Uint8Array): string {
    return crypto.createHash("sha256").update(b).digest("base64");
}

function plaintextFor(i: number, recordId: string, rng: () => number): Buffer {
    const filler = "x".repeat(100 + Math.floor(rng() * 1400));
    return Buffer.from(JSON.stringify({ recordId, seq: i, marker: PLAINTEXT_MARKER, customer: `customer-${i}`, amountCents: Math.floor(rng() * 1e6), note: filler }));
}

/** Deterministic PRNG (mulberry32), so runs are reproducible apart from record ids, nonces and keys. */
function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

function listFiles(dir: string): string[] {
    const out: string[] = [];
    if (!fs.existsSync(dir)) {
        return out;
    }
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
            out.push(...listFiles(p));
        } else {
            out.push(p);
        }
    }
    return out;
}

function headerOf(i: number, n: number, recordId: string): RecordHeader {
    const tenant = TENANTS[i % TENANTS.length];
    const schema = SCHEMAS[Math.floor(i / TENANTS.length) % SCHEMAS.length];
    return {
        tenant,
        schema,
        classification: CLASSIFICATION[schema],
        recordId,
        producer: "local-producer",
        time: new Date(BASE_TIME + Math.floor((i * SPAN_MS) / Math.max(1, n))).toISOString(),
    };
}

/** Rewrites the header region of an envelope (for crafting bad ones); the rest is kept byte for byte. */
function withHeaderBytes(envelope: Buffer, header: Buffer): Buffer {
    const h = envelope.readUInt16BE(3);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(header.length);
    return Buffer.concat([envelope.subarray(0, 3), len, header, envelope.subarray(5 + h)]);
}

export async function runLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipelineResult> {
    const n = options.records;
    if (!Number.isSafeInteger(n) || n < 1) {
        throw new Error(`records must be a positive integer; got ${n}`);
    }
    const log = options.log ?? (() => undefined);
    const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "e2ee-pipeline-local-"));
    fs.mkdirSync(dir, { recursive: true });
    const timings: Record<string, number> = { produce: 0 };
    let t0 = Date.now();
    const lap = (name: string): void => {
        const t = Date.now();
        timings[name] = t - t0;
        t0 = t;
    };
    const checks: Check[] = [];
    const check = (name: string, ok: boolean, detail: string): void => {
        checks.push({ name, ok, detail });
    };

    const keysDir = path.join(dir, "keys");
    const streamDir = path.join(dir, "stream");
    const bucketDir = path.join(dir, "s3", "data-bucket");
    const dedupDir = path.join(dir, "dedup");
    const logsDir = path.join(dir, "logs");
    for (const d of [keysDir, streamDir, bucketDir, dedupDir, logsDir]) {
        fs.mkdirSync(d, { recursive: true });
    }
    // The wrapping key lives only in keys/, which neither ingest nor process can see.
    const wrapping = LocalKeyProvider.fromFile(path.join(keysDir, "records-wrapping.key"), { create: true });
    const producerKeys = new CountingKeyProvider(wrapping);
    const recipientKeys = new CountingKeyProvider(wrapping);
    const encryptor = new EnvelopeEncryptor(producerKeys);

    // ---- produce (interleaved with ingest below, so memory stays flat: only ids and plaintext hashes are kept)
    const rng = prng(0x5eed);
    const originals = new Map<string, string>(); // recordId -> sha256 of plaintext, for good records
    const goodIds: string[] = [];
    let produceNs = 0n;
    const produce = async (i: number): Promise<Buffer> => {
        const started = process.hrtime.bigint();
        const recordId = crypto.randomUUID();
        const pt = plaintextFor(i, recordId, rng);
        const env = await encryptor.encrypt(headerOf(i, n, recordId), pt);
        originals.set(recordId, sha(pt));
        goodIds.push(recordId);
        produceNs += process.hrtime.bigint() - started;
        return env;
    };
    // Bad submissions: each kind 3 times, spread over the run, plus replays of ~0.1% of records.
    const badAt = new Map<number, BadKind[]>();
    const schedule = (at: number, kind: BadKind): void => {
        const i = Math.min(n - 1, Math.max(0, at));
        badAt.set(i, [...(badAt.get(i) ?? []), kind]);
    };
    for (const kind of BAD_KINDS) {
        for (let k = 0; k < 3; k++) {
            schedule(Math.floor(rng() * n), kind);
        }
    }
    for (let k = 0; k < Math.floor(n / 1000); k++) {
        schedule(Math.floor(rng() * n), "replay-same-bytes");
    }
    const craft = async (kind: BadKind, i: number, current: Buffer): Promise<{ event: ApiGatewayProxyEvent; expect: Expectation }> => {
        const b64 = (b: Buffer): ApiGatewayProxyEvent => ({ body: b.toString("base64"), isBase64Encoded: true });
        const fresh = async (plaintext?: Buffer): Promise<{ env: Buffer; id: string }> => {
            const id = crypto.randomUUID();
            const pt = plaintext ?? plaintextFor(i, id, rng);
            return { env: await encryptor.encrypt(headerOf(i, n, id), pt), id };
        };
        const pt = plaintextFor(i, "plaintext-submission", rng);
        switch (kind) {
            case "plaintext-json":
                return { event: { body: pt.toString("utf8"), isBase64Encoded: false }, expect: { kind, status: 400, code: "not-an-envelope" } };
            case "plaintext-binary":
                return { event: b64(pt), expect: { kind, status: 400, code: "not-an-envelope" } };
            case "empty":
                return { event: { body: "", isBase64Encoded: true }, expect: { kind, status: 400, code: "empty-body" } };
            case "truncated-body": {
                const { env } = await fresh();
                return { event: b64(env.subarray(0, env.length - 20)), expect: { kind, status: 400, code: "truncated" } };
            }
            case "truncated-prefix": {
                const { env } = await fresh();
                return { event: b64(env.subarray(0, 40)), expect: { kind, status: 400, code: "truncated" } };
            }
            case "trailing-bytes": {
                const { env } = await fresh();
                return { event: b64(Buffer.concat([env, Buffer.from([0])])), expect: { kind, status: 400, code: "malformed" } };
            }
            case "unknown-version": {
                const { env } = await fresh();
                const bad = Buffer.from(env);
                bad[2] = FORMAT_VERSION + 1;
                return { event: b64(bad), expect: { kind, status: 400, code: "unsupported-version" } };
            }
            case "non-canonical-header": {
                const { env } = await fresh();
                const h = env.subarray(5, 5 + env.readUInt16BE(3)).toString("latin1");
                return { event: b64(withHeaderBytes(env, Buffer.from(h.replace(',"schema"', ', "schema"'), "latin1"))), expect: { kind, status: 400, code: "bad-header" } };
            }
            case "bad-classification": {
                const { env } = await fresh();
                const h = env.subarray(5, 5 + env.readUInt16BE(3)).toString("latin1");
                const changed = h.replace(/"classification":"[a-z]+"/, '"classification":"top-secret"');
                return { event: b64(withHeaderBytes(env, Buffer.from(changed, "latin1"))), expect: { kind, status: 400, code: "bad-header" } };
            }
            case "oversized": {
                const big = Buffer.concat([pt, Buffer.alloc(DEFAULT_MAX_ENVELOPE_BYTES, 0x41)]);
                const { env } = await fresh(big);
                return { event: b64(env), expect: { kind, status: 413, code: "oversized" } };
            }
            case "replay-same-bytes":
                return { event: b64(current), expect: { kind, status: 409, code: "duplicate" } };
            case "replay-new-ciphertext": {
                const env = await encryptor.encrypt(headerOf(i, n, goodIds[i]), plaintextFor(i, goodIds[i], rng));
                return { event: b64(env), expect: { kind, status: 409, code: "duplicate" } };
            }
            case "tampered-ciphertext": {
                const { env, id } = await fresh();
                const bad = Buffer.from(env);
                bad[bad.length - 30] ^= 0x01;
                return { event: b64(bad), expect: { kind, status: 202, code: undefined, recipientCode: "authentication-failed", recordId: id } };
            }
            case "tampered-header": {
                const { env, id } = await fresh();
                const h = env.subarray(5, 5 + env.readUInt16BE(3)).toString("latin1");
                // Same length, still canonical: the tenant's last letter changes, so the record lands elsewhere.
                const changed = h.replace(/"tenant":"([a-z0-9-]*)([a-z0-9])"/, (_m, a: string, c: string) => `"tenant":"${a}${c === "z" ? "y" : "z"}"`);
                return { event: b64(withHeaderBytes(env, Buffer.from(changed, "latin1"))), expect: { kind, status: 202, code: undefined, recipientCode: "unwrap-failed", recordId: id } };
            }
        }
    };
    // ---- ingest
    const ingestLog = fs.openSync(path.join(logsDir, "ingest-metrics.log"), "a");
    const dedup = new FileDedupStore(path.join(dedupDir, "dedup.log"));
    const stream = new FileStreamSink(streamDir, 4);
    const ingest = createIngestHandler({
        dedup,
        stream,
        maxEnvelopeBytes: DEFAULT_MAX_ENVELOPE_BYTES,
        metrics: (line) => {
            fs.writeSync(ingestLog, line + "\n");
        },
    });
    let goodAccepted = 0;
    const goodProblems: string[] = [];
    const badResults: { expect: Expectation; status: number; code: string | undefined; reason: string }[] = [];
    const acceptedTampered: Expectation[] = [];
    for (let i = 0; i < n; i++) {
        const env = await produce(i);
        const res = await ingest({ body: env.toString("base64"), isBase64Encoded: true, requestContext: { requestId: `good-${i}` } });
        if (res.statusCode === 202) {
            goodAccepted++;
        } else if (goodProblems.length < 5) {
            goodProblems.push(`record ${i}: ${res.statusCode} ${res.body}`);
        }
        for (const kind of badAt.get(i) ?? []) {
            const { event, expect } = await craft(kind, i, env);
            const r = await ingest(event);
            const body = JSON.parse(r.body) as { code?: string; reason?: string };
            badResults.push({ expect, status: r.statusCode, code: body.code, reason: body.reason ?? "" });
            if (r.statusCode === 202 && expect.recipientCode) {
                acceptedTampered.push(expect);
            }
        }
    }
    stream.close();
    dedup.close();
    fs.closeSync(ingestLog);
    check("good records accepted by ingest", goodAccepted === n, `${goodAccepted}/${n} accepted${goodProblems.length ? "; " + goodProblems.join("; ") : ""}`);
    const wrong = badResults.filter((r) => r.status !== r.expect.status || r.code !== r.expect.code || (r.expect.status !== 202 && r.reason === ""));
    check(
        "bad submissions refused with the expected status and reason",
        wrong.length === 0,
        `${badResults.length - wrong.length}/${badResults.length} as expected` +
            wrong.slice(0, 5).map((w) => `; ${w.expect.kind}: expected ${w.expect.status} ${w.expect.code}, got ${w.status} ${w.code} (${w.reason})`).join(""),
    );
    const rejections = new Map<string, { count: number; sample: string }>();
    for (const r of badResults) {
        const key = `${r.expect.kind} -> ${r.status} ${r.code ?? "accepted (refused later by the recipient: " + r.expect.recipientCode + ")"}`;
        const prev = rejections.get(key);
        rejections.set(key, { count: (prev?.count ?? 0) + 1, sample: prev?.sample ?? r.reason });
    }
    lap("ingest");
    timings["produce"] = Math.round(Number(produceNs) / 1e6);
    timings["ingest"] -= timings["produce"];

    // ---- process
    const processLog = fs.openSync(path.join(logsDir, "process-metrics.log"), "a");
    const store = new FsObjectStore(bucketDir);
    const processHandler = createProcessHandler({
        store,
        prefix: DEFAULT_DATA_PREFIX,
        metrics: (line) => {
            fs.writeSync(processLog, line + "\n");
        },
    });
    let processed = 0;
    let invalid = 0;
    for (const event of readStreamEvents(streamDir, options.batchSize ?? 1000)) {
        const r = await processHandler(event);
        processed += r.records;
        invalid += r.invalid;
    }
    fs.closeSync(processLog);
    const expectedInStream = goodAccepted + acceptedTampered.length;
    check("process wrote every streamed record", processed === expectedInStream && invalid === 0, `${processed} written, ${invalid} invalid, ${expectedInStream} expected`);
    lap("process");

    // ---- recipient
    const recipient = createRecipientHandler({ store, decryptor: new EnvelopeDecryptor(recipientKeys), prefix: DEFAULT_DATA_PREFIX });
    const partitions = new Set<string>();
    for (let cursor: string | undefined, page; (page = await store.list(DEFAULT_DATA_PREFIX, cursor, 10000)); ) {
        for (const k of page.keys) {
            partitions.add(k.slice(DEFAULT_DATA_PREFIX.length, k.lastIndexOf("/")));
            cursor = k;
        }
        if (!page.truncated) {
            break;
        }
    }
    const deliveredCount = new Map<string, number>();
    let deliveredMismatch = 0;
    let delivered = 0;
    const failures = new Map<string, string>(); // recordId -> code (for tampered ones, ids come from the crafted list)
    const failureCodes: string[] = [];
    const badResponses: string[] = [];
    for (const p of [...partitions].sort()) {
        const m = /^tenant=([^/]+)\/schema=([^/]+)\/date=([^/]+)$/.exec(p);
        if (!m) {
            badResponses.push(`unexpected partition ${p}`);
            continue;
        }
        const [, tenant, schema, date] = m;
        let after: string | undefined;
        for (;;) {
            const res = await recipient({
                body: null,
                isBase64Encoded: false,
                queryStringParameters: { tenant, schema, date, ...(after ? { after } : {}) },
                requestContext: { authorizer: { tenants: tenant } },
            });
            if (res.statusCode !== 200) {
                badResponses.push(`${p}: ${res.statusCode} ${res.body}`);
                break;
            }
            const body = JSON.parse(res.body) as RecipientResponse;
            for (const r of body.records) {
                delivered++;
                deliveredCount.set(r.recordId, (deliveredCount.get(r.recordId) ?? 0) + 1);
                if (originals.get(r.recordId) !== sha(Buffer.from(r.plaintext, "base64"))) {
                    deliveredMismatch++;
                }
            }
            for (const f of body.failures) {
                failureCodes.push(f.code);
                if (f.recordId) {
                    failures.set(f.recordId, f.code);
                }
            }
            if (!body.next) {
                break;
            }
            after = body.next;
        }
    }
    const notDelivered = goodIds.filter((id) => !deliveredCount.has(id));
    const duplicated = [...deliveredCount.entries()].filter(([, c]) => c > 1);
    const unexpected = [...deliveredCount.keys()].filter((id) => !originals.has(id));
    check(
        "every accepted record delivered exactly once, decrypting to its original",
        notDelivered.length === 0 && duplicated.length === 0 && unexpected.length === 0 && deliveredMismatch === 0 && badResponses.length === 0,
        `${delivered} delivered from ${partitions.size} partitions; missing ${notDelivered.length}, duplicated ${duplicated.length}, ` +
            `unexpected ${unexpected.length}, plaintext mismatches ${deliveredMismatch}` +
            (badResponses.length ? `; ${badResponses.slice(0, 3).join("; ")}` : ""),
    );
    const tamperedOk = acceptedTampered.filter((e) => e.recordId !== undefined && failures.get(e.recordId) === e.recipientCode);
    check(
        "envelopes tampered after encryption refused by the recipient",
        tamperedOk.length === acceptedTampered.length && failureCodes.length === acceptedTampered.length,
        `${tamperedOk.length}/${acceptedTampered.length} refused with the expected code; ${failureCodes.length} failures in total (${[...new Set(failureCodes)].join(", ")})`,
    );
    const denied = await recipient({
        body: null,
        isBase64Encoded: false,
        queryStringParameters: { tenant: TENANTS[0], schema: SCHEMAS[0], date: "2026-11-22" },
        requestContext: { authorizer: { tenants: TENANTS[1] } },
    });
    const anonymous = await recipient({ body: null, isBase64Encoded: false, queryStringParameters: { tenant: TENANTS[0], schema: SCHEMAS[0], date: "2026-11-22" } });
    check("recipient refuses callers not authorised for the tenant", denied.statusCode === 403 && anonymous.statusCode === 401, `other tenant: ${denied.statusCode}; no authoriser: ${anonymous.statusCode}`);
    lap("recipient");

    // ---- no plaintext outside keys/ and the recipient's response
    const marker = Buffer.from(PLAINTEXT_MARKER, "latin1");
    const scanned = [streamDir, bucketDir, dedupDir, logsDir].flatMap(listFiles);
    const leaking = scanned.filter((f) => fs.readFileSync(f).includes(marker));
    let scannedBytes = 0;
    for (const f of scanned) {
        scannedBytes += fs.statSync(f).size;
    }
    check(
        "no file written by ingest or process contains plaintext",
        leaking.length === 0 && scanned.length > 0,
        `${scanned.length} files, ${scannedBytes} bytes scanned for the plaintext marker; ${leaking.length} contain it${leaking.length ? ": " + leaking.slice(0, 3).join(", ") : ""}`,
    );

    // ---- metrics agree
    const sumMetric = (file: string, name: string, filter?: (doc: Record<string, unknown>) => boolean): number =>
        fs
            .readFileSync(file, "utf8")
            .split("\n")
            .filter((l) => l !== "")
            .map((l) => JSON.parse(l) as Record<string, unknown>)
            .filter((d) => !filter || filter(d))
            .reduce((s, d) => s + Number(d[name] ?? 0), 0);
    const acceptedMetric = sumMetric(path.join(logsDir, "ingest-metrics.log"), "Requests", (d) => d["Outcome"] === "accepted");
    const writtenMetric = sumMetric(path.join(logsDir, "process-metrics.log"), "RecordsWritten");
    check("metrics agree", acceptedMetric === expectedInStream && writtenMetric === expectedInStream, `ingest accepted ${acceptedMetric}, process RecordsWritten ${writtenMetric}, expected ${expectedInStream}`);
    lap("verify");

    const result: LocalPipelineResult = {
        ok: checks.every((c) => c.ok),
        dir,
        checks,
        accepted: goodAccepted,
        delivered,
        rejections,
        keyProviderCalls: { generate: producerKeys.generateCalls, unwrap: recipientKeys.unwrapCalls },
        timingsMs: timings,
    };
    if (!options.keep) {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    log(`done in ${dir}`);
    return result;
}
