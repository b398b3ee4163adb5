/**
 * The whole pipeline on one machine: a producer encrypts N records (plus deliberately bad submissions), the real
 * ingest, process, replay and recipient handlers run over one of two backends (backends.ts: in-process adapters,
 * or the AWS adapters against the protocol servers), with faults injected that a deployment meets (a stream that
 * refuses puts, an S3 outage long enough for batches to be dead-lettered, KMS throttling at the recipient,
 * records that enter the stream twice), and a verifier checks end-to-end properties:
 *
 *  1. every good record is accepted by ingest (the producer retries 503s, as it must);
 *  2. every bad submission gets the expected status and reason code;
 *  3. every record in the stream is stored exactly once (the event source's dead-lettered batches are replayed by
 *     the orchestration state machine, run locally; a range replay stores nothing twice);
 *  4. every accepted record is delivered by the recipient exactly once and decrypts to its original plaintext;
 *     records tampered after encryption are refused with the expected code; nothing else appears;
 *  5. the recipient refuses unauthenticated callers (no token, or only an authorizer field) and other tenants;
 *  6. no plaintext at rest: stream, bucket, table, metric and log files (or, on the emulators, their contents);
 *  7. every recipient response is under Lambda's 6 MB limit;
 *  8. metrics agree with what happened;
 *  9. (emulators) every upload carried SSE-KMS with the storage key, and the requests are logged for the access
 *     check (`requests.jsonl`, see request-log.ts);
 * 10. (emulators, with `accessCheck`) every request is allowed by the deployed program's own policies
 *     (access-check.ts; `npm run pipeline:local` passes it).
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_DATA_PREFIX, DEFAULT_MAX_ENVELOPE_BYTES } from "../contract";
import { CountingKeyProvider, EnvelopeDecryptor, EnvelopeEncryptor, FORMAT_VERSION, RecordHeader } from "../envelope";
import { createIngestHandler } from "../handlers/ingest";
import { createProcessHandler } from "../handlers/process";
import { cognitoAuthenticator, createRecipientHandler, LAMBDA_RESPONSE_LIMIT_BYTES, RecipientResponse } from "../handlers/recipient";
import { createReplayHandler } from "../handlers/replay";
import { EsmFailureRecord } from "../orchestration/tasks";
import { pool } from "../store";
import { Log } from "../telemetry";
import { Backend, LocalResources, startBackend } from "./backends";
import { LocalUserPool } from "./cognito";
import { Endpoints } from "./emulators";
import { drainStream } from "./event-source";
import { lambdaContext, restApiEvent } from "./events";
import { RecordedRequest } from "./request-log";
import { runReplayStateMachine } from "./state-machine";

/** Every plaintext record contains this marker; finding it at rest means plaintext leaked. */
export const PLAINTEXT_MARKER = "PLAINTEXT-MARKER-d41c";

export interface LocalPipelineOptions {
    readonly records: number;
    /** Default "in-process". */
    readonly backend?: Backend;
    /** Working directory (created); default a fresh temp dir, removed at the end unless `keep`. */
    readonly dir?: string;
    readonly keep?: boolean;
    /** Kinesis batch size for process. Default 100 (the processing layer's default). */
    readonly batchSize?: number;
    /** Ingest requests in flight. Default 16. */
    readonly concurrency?: number;
    /** Inject the faults (default true). */
    readonly faults?: boolean;
    readonly log?: (line: string) => void;
    /** Progress of a stage (records done of total). */
    readonly progress?: (stage: string, done: number, total: number) => void;
    /** Key prefix of the data lake's batches. Default `DEFAULT_DATA_PREFIX`; `npm run pipeline:local` passes the program's (infra/lib/layout.ts). */
    readonly prefix?: string;
    /**
     * The access check (emulators): decides the logged requests against a program's policies, given the local
     * resources' names, and reports it as a check. Default: none.
     */
    readonly accessCheck?: (requests: readonly RecordedRequest[], local: LocalResources) => Promise<Check> | Check;
}

export interface Check {
    readonly name: string;
    readonly ok: boolean;
    readonly detail: string;
}

export interface LocalPipelineResult {
    readonly ok: boolean;
    readonly backend: Backend;
    readonly endpoints?: Endpoints;
    readonly dir: string;
    readonly checks: readonly Check[];
    readonly accepted: number;
    readonly delivered: number;
    readonly rejections: ReadonlyMap<string, { count: number; sample: string }>;
    readonly keyProviderCalls: { readonly generate: number; readonly unwrap: number };
    readonly timingsMs: Readonly<Record<string, number>>;
    readonly responses: { readonly count: number; readonly maxBytes: number };
    readonly recovery: { readonly ingestRetries: number; readonly deadLetteredBatches: number; readonly replayExecutions: number; readonly rangeReplay: { stored: number; duplicates: number } };
    /** AWS requests made by the functions (emulators backend), and where they were written (kept with `keep`). */
    readonly requests: readonly RecordedRequest[];
    readonly requestsFile?: string;
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

/** A Log that appends JSON lines to a file (the functions' structured logs of a local run). */
function fileLog(file: string, service: string): Log {
    const fd = fs.openSync(file, "a");
    const write = (level: string) => (message: unknown, ...extra: unknown[]): void => {
        fs.writeSync(fd, JSON.stringify(Object.assign({ level, service, message, timestamp: new Date().toISOString() }, ...extra.filter((e) => typeof e === "object"))) + "\n");
    };
    return { debug: write("DEBUG"), info: write("INFO"), warn: write("WARN"), error: write("ERROR") } as unknown as Log;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipelineResult> {
    const n = options.records;
    if (!Number.isSafeInteger(n) || n < 1) {
        throw new Error(`records must be a positive integer; got ${n}`);
    }
    const backendName = options.backend ?? "in-process";
    const batchSize = options.batchSize ?? 100;
    const concurrency = options.concurrency ?? 16;
    for (const [name, v] of [
        ["batchSize", batchSize],
        ["concurrency", concurrency],
    ] as const) {
        if (!Number.isSafeInteger(v) || v < 1 || v > 10000) {
            throw new Error(`${name} must be an integer in 1..10000; got ${v}`);
        }
    }
    const faults = options.faults ?? true;
    const log = options.log ?? (() => undefined);
    const progress = options.progress ?? (() => undefined);
    const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "e2ee-pipeline-local-"));
    fs.mkdirSync(dir, { recursive: true });
    const logsDir = path.join(dir, "logs");
    fs.mkdirSync(logsDir, { recursive: true });
    const timings: Record<string, number> = {};
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
    const metricsTo = (file: string): ((line: string) => void) => {
        const fd = fs.openSync(path.join(logsDir, file), "a");
        return (line) => fs.writeSync(fd, line + "\n");
    };
    const prefix = options.prefix ?? DEFAULT_DATA_PREFIX;

    const backend = await startBackend(backendName, { root: dir, logs: logsDir });
    log(`backend ${backend.name}${backend.endpoints ? `: ${Object.entries(backend.endpoints).map(([k, v]) => `${k} ${v}`).join(", ")}` : ""}`);
    try {
        lap("setup");
        const users = new LocalUserPool(backend.region);
        const authenticate = cognitoAuthenticator({ userPoolId: users.userPoolId, clientId: users.clientId, jwks: users.jwks });
        const producerKeys = new CountingKeyProvider(backend.producerKeys);
        const recipientKeys = new CountingKeyProvider(backend.recipientKeys);
        const encryptor = new EnvelopeEncryptor(producerKeys);

        // ---- produce and ingest (memory stays flat: only ids and plaintext hashes are kept)
        const rng = prng(0x5eed);
        const originals = new Map<string, string>(); // recordId -> sha256 of plaintext, for good records
        const goodIds: string[] = new Array(n);
        const goodEnvelopes = new Map<number, Buffer>(); // a few, replayed into the stream below
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
        const streamReplays = new Set<number>();
        for (let k = 0; k < Math.max(3, Math.floor(n / 1000)); k++) {
            streamReplays.add(Math.floor(rng() * n));
        }
        // Plaintext lengths drawn up front, so the run does not depend on the order of concurrent requests.
        const lengths = Array.from({ length: n }, () => rng());
        const crafted = prng(0xbad);
        const plaintext = (i: number, recordId: string): Buffer => plaintextFor(i, recordId, () => lengths[i]);

        const ingest = createIngestHandler({
            idempotency: backend.ingestIdempotency,
            stream: backend.streamSink,
            maxEnvelopeBytes: DEFAULT_MAX_ENVELOPE_BYTES,
            metrics: metricsTo("ingest-metrics.log"),
            logger: fileLog(path.join(logsDir, "ingest.log"), "ingest"),
        });
        let ingestRetries = 0;
        /** The producer: submits and retries 503s after their Retry-After (shortened locally). */
        const submit = async (event: () => APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
            for (let attempt = 0; ; attempt++) {
                const res = await ingest(event(), lambdaContext("ingest", 10_000));
                if (res.statusCode !== 503 || attempt >= 20) {
                    return res;
                }
                ingestRetries++;
                await sleep(Math.min(50, 2 * 2 ** attempt));
            }
        };
        const b64 = (b: Buffer) => (): APIGatewayProxyEvent => restApiEvent({ path: "/records", body: b.toString("base64"), isBase64Encoded: true, headers: { "content-type": "application/octet-stream" } });
        const craft = async (kind: BadKind, i: number, current: Buffer): Promise<{ event: () => APIGatewayProxyEvent; expect: Expectation }> => {
            const fresh = async (pt?: Buffer): Promise<{ env: Buffer; id: string }> => {
                const id = crypto.randomUUID();
                return { env: await encryptor.encrypt(headerOf(i, n, id), pt ?? plaintextFor(i, id, crafted)), id };
            };
            const pt = plaintextFor(i, "plaintext-submission", crafted);
            switch (kind) {
                case "plaintext-json":
                    return { event: () => restApiEvent({ path: "/records", body: pt.toString("utf8") }), expect: { kind, status: 400, code: "not-an-envelope" } };
                case "plaintext-binary":
                    return { event: b64(pt), expect: { kind, status: 400, code: "not-an-envelope" } };
                case "empty":
                    return { event: () => restApiEvent({ path: "/records", body: "", isBase64Encoded: true }), expect: { kind, status: 400, code: "empty-body" } };
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
                    const { env } = await fresh(Buffer.concat([pt, Buffer.alloc(DEFAULT_MAX_ENVELOPE_BYTES, 0x41)]));
                    return { event: b64(env), expect: { kind, status: 413, code: "oversized" } };
                }
                case "replay-same-bytes":
                    return { event: b64(current), expect: { kind, status: 409, code: "duplicate" } };
                case "replay-new-ciphertext": {
                    const env = await encryptor.encrypt(headerOf(i, n, goodIds[i]), plaintextFor(i, goodIds[i], crafted));
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
                    return {
                        event: b64(withHeaderBytes(env, Buffer.from(changed, "latin1"))),
                        expect: { kind, status: 202, code: undefined, recipientCode: "unwrap-failed", recordId: id },
                    };
                }
            }
        };

        backend.refuseEveryNthPut(faults ? 997 : 0);
        const runStartedMs = Date.now();
        let goodAccepted = 0;
        let done = 0;
        const goodProblems: string[] = [];
        const badResults: { expect: Expectation; status: number; code: string | undefined; reason: string }[] = [];
        const acceptedTampered: Expectation[] = [];
        let produceMs = 0;
        await pool(Array.from({ length: n }, (_, i) => i), concurrency, async (i) => {
            const started = Date.now();
            const recordId = crypto.randomUUID();
            const pt = plaintext(i, recordId);
            const env = await encryptor.encrypt(headerOf(i, n, recordId), pt);
            originals.set(recordId, sha(pt));
            goodIds[i] = recordId;
            if (streamReplays.has(i)) {
                goodEnvelopes.set(i, env);
            }
            produceMs += Date.now() - started;
            const res = await submit(b64(env));
            if (res.statusCode === 202) {
                goodAccepted++;
            } else if (goodProblems.length < 5) {
                goodProblems.push(`record ${i}: ${res.statusCode} ${res.body}`);
            }
            for (const kind of badAt.get(i) ?? []) {
                const { event, expect } = await craft(kind, i, env);
                const r = await submit(event);
                const body = JSON.parse(r.body) as { code?: string; reason?: string };
                badResults.push({ expect, status: r.statusCode, code: body.code, reason: body.reason ?? "" });
                if (r.statusCode === 202 && expect.recipientCode) {
                    acceptedTampered.push(expect);
                }
            }
            progress("ingest", ++done, n);
        });
        backend.refuseEveryNthPut(0);
        // Records that enter the stream a second time (what an ingest retry after an ambiguous timeout produces).
        for (const env of goodEnvelopes.values()) {
            await backend.streamSink.put([{ data: env, partitionKey: crypto.randomUUID() }]);
        }
        check("good records accepted by ingest", goodAccepted === n, `${goodAccepted}/${n} accepted (${ingestRetries} producer retries after 503)${goodProblems.length ? "; " + goodProblems.join("; ") : ""}`);
        const wrong = badResults.filter((r) => r.status !== r.expect.status || r.code !== r.expect.code || (r.expect.status !== 202 && r.reason === ""));
        check(
            "bad submissions refused with the expected status and reason",
            wrong.length === 0,
            `${badResults.length - wrong.length}/${badResults.length} as expected` +
                wrong
                    .slice(0, 5)
                    .map((w) => `; ${w.expect.kind}: expected ${w.expect.status} ${w.expect.code}, got ${w.status} ${w.code} (${w.reason})`)
                    .join(""),
        );
        const rejections = new Map<string, { count: number; sample: string }>();
        for (const r of badResults) {
            const key = `${r.expect.kind} -> ${r.status} ${r.code ?? "accepted (refused later by the recipient: " + r.expect.recipientCode + ")"}`;
            const prev = rejections.get(key);
            rejections.set(key, { count: (prev?.count ?? 0) + 1, sample: prev?.sample ?? r.reason });
        }
        lap("ingest");
        timings["produce (within ingest)"] = produceMs;

        // ---- process, through a local event source mapping; an S3 outage long enough for batches to be dead-lettered
        let stored = 0;
        let duplicatesSkipped = 0;
        let invalid = 0;
        const processHandler = createProcessHandler({
            store: backend.store("process"),
            ledger: backend.ledger("process"),
            prefix,
            metrics: metricsTo("process-metrics.log"),
            logger: fileLog(path.join(logsDir, "process.log"), "process"),
            onResult: (r) => {
                for (const o of r.outcomes) {
                    stored += o.kind === "stored" ? 1 : 0;
                    duplicatesSkipped += o.kind === "duplicate" ? 1 : 0;
                    invalid += o.kind === "invalid" ? 1 : 0;
                }
            },
        });
        const expectedInStream = goodAccepted + acceptedTampered.length;
        const totalInStream = expectedInStream + goodEnvelopes.size;
        const deadLetters: EsmFailureRecord[] = [];
        let invocations = 0;
        let seen = 0;
        const outageInvocations = 6;
        if (faults) {
            backend.failUploads((key) => key.includes("/tenant=initech/"));
        }
        await drainStream({
            source: backend.streamSource("process"),
            handler: processHandler,
            contextFor: () => lambdaContext("process", 60_000),
            streamArn: backend.streamArn,
            region: backend.region,
            batchSize,
            maximumRetryAttempts: 2,
            bisectOnError: true,
            onFailure: (r) => deadLetters.push(r),
            onInvoke: (records) => {
                if (++invocations === outageInvocations) {
                    backend.clearUploadFaults();
                }
                seen += records;
                progress("process", Math.min(seen, totalInStream), totalInStream);
            },
        });
        backend.clearUploadFaults();
        lap("process");

        // ---- orchestration: replay the dead-lettered batches, then a time range (which must store nothing new)
        const replayHandler = createReplayHandler({
            store: backend.store("replay"),
            ledger: backend.ledger("replay"),
            prefix,
            source: backend.streamSource("replay"),
            streamName: backend.streamArn.split("/").pop() as string,
            logger: fileLog(path.join(logsDir, "replay.log"), "replay"),
        });
        const replayProblems: string[] = [];
        let replayStored = 0;
        for (const [k, message] of deadLetters.entries()) {
            const r = await runReplayStateMachine(replayHandler, { mode: "deadLetter", message: JSON.stringify(message) });
            if (!r.ok) {
                replayProblems.push(`dead letter ${k}: ${r.error}`);
            }
            replayStored += (r.output as { stored?: number } | undefined)?.stored ?? 0;
            progress("replay", k + 1, deadLetters.length);
        }
        // A range replay over the start of the run (all of it for small runs): everything is stored already.
        const rangeFrom = runStartedMs - 1000;
        const rangeTo = n <= 5000 ? Date.now() - 1 : Math.min(Date.now() - 1, rangeFrom + Math.max(2000, Math.floor((timings["ingest"] ?? 0) / 10)));
        const range = await runReplayStateMachine(replayHandler, { mode: "range", from: new Date(rangeFrom).toISOString(), to: new Date(rangeTo).toISOString() });
        const rangeSummary = (range.output ?? {}) as { stored?: number; duplicates?: number; read?: number };
        if (!range.ok) {
            replayProblems.push(`range replay: ${range.error}`);
        }
        check(
            "every streamed record stored exactly once (dead-lettered batches replayed; replays and stream duplicates skipped)",
            stored + replayStored === expectedInStream && (rangeSummary.stored ?? -1) === 0 && invalid === 0 && replayProblems.length === 0 && duplicatesSkipped >= goodEnvelopes.size,
            `${stored} stored by process, ${replayStored} by ${deadLetters.length} dead-letter replays, ${expectedInStream} expected; ` +
                `${duplicatesSkipped} duplicates skipped (${goodEnvelopes.size} records streamed twice); range replay read ${rangeSummary.read ?? 0}, stored ${rangeSummary.stored ?? "?"}` +
                (replayProblems.length ? `; ${replayProblems.slice(0, 3).join("; ")}` : ""),
        );
        lap("orchestration");

        // ---- recipient, with KMS throttling beyond the SDK's retries partway through
        const recipient = createRecipientHandler({
            store: backend.store("recipient"),
            decryptor: new EnvelopeDecryptor(recipientKeys),
            prefix,
            authenticate,
            metrics: metricsTo("recipient-metrics.log"),
            logger: fileLog(path.join(logsDir, "recipient.log"), "recipient"),
        });
        const listing = backend.store("setup");
        const partitions = new Set<string>();
        for (let cursor: string | undefined; ; ) {
            const page = await listing.list(prefix, cursor, 1000);
            for (const k of page.keys) {
                partitions.add(k.slice(prefix.length, k.lastIndexOf("/")));
                cursor = k;
            }
            if (!page.truncated) {
                break;
            }
        }
        if (faults) {
            backend.throttleDecrypt(3, 2);
        }
        const deliveredCount = new Map<string, number>();
        let deliveredMismatch = 0;
        let delivered = 0;
        let responses = 0;
        let maxResponseBytes = 0;
        let interruptedPages = 0;
        let retryAnswers = 0;
        const failures = new Map<string, string>();
        const failureCodes: string[] = [];
        const badResponses: string[] = [];
        let partitionsDone = 0;
        for (const p of [...partitions].sort()) {
            const m = /^tenant=([^/]+)\/schema=([^/]+)\/date=([^/]+)$/.exec(p);
            if (!m) {
                badResponses.push(`unexpected partition ${p}`);
                continue;
            }
            const [, tenant, schema, date] = m;
            const token = users.idToken({ tenants: tenant });
            let after: string | undefined;
            for (let retries = 0; ; ) {
                const res = await recipient(
                    restApiEvent({ method: "GET", path: "/records", query: { tenant, schema, date, ...(after ? { after } : {}) }, headers: { Authorization: token } }),
                    lambdaContext("recipient", 10_000),
                );
                responses++;
                maxResponseBytes = Math.max(maxResponseBytes, Buffer.byteLength(JSON.stringify(res)));
                if (res.statusCode === 503 && retries++ < 10) {
                    retryAnswers++;
                    await sleep(10);
                    continue;
                }
                if (res.statusCode !== 200) {
                    badResponses.push(`${p}: ${res.statusCode} ${res.body.slice(0, 200)}`);
                    break;
                }
                const body = JSON.parse(res.body) as RecipientResponse;
                interruptedPages += body.interrupted ? 1 : 0;
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
            progress("recipient", ++partitionsDone, partitions.size);
        }
        const notDelivered = goodIds.filter((id) => !deliveredCount.has(id));
        const duplicated = [...deliveredCount.entries()].filter(([, c]) => c > 1);
        const unexpected = [...deliveredCount.keys()].filter((id) => !originals.has(id));
        check(
            "every accepted record delivered exactly once, decrypting to its original",
            notDelivered.length === 0 && duplicated.length === 0 && unexpected.length === 0 && deliveredMismatch === 0 && badResponses.length === 0,
            `${delivered} delivered from ${partitions.size} partitions in ${responses} responses (KMS throttling: ${retryAnswers} answered 503 Retry-After, ${interruptedPages} pages ended early, all resumed); missing ${notDelivered.length}, duplicated ${duplicated.length}, ` +
                `unexpected ${unexpected.length}, plaintext mismatches ${deliveredMismatch}` +
                (badResponses.length ? `; ${badResponses.slice(0, 3).join("; ")}` : ""),
        );
        const tamperedOk = acceptedTampered.filter((e) => e.recordId !== undefined && failures.get(e.recordId) === e.recipientCode);
        check(
            "envelopes tampered after encryption refused by the recipient",
            tamperedOk.length === acceptedTampered.length && failureCodes.length === acceptedTampered.length,
            `${tamperedOk.length}/${acceptedTampered.length} refused with the expected code; ${failureCodes.length} failures in total (${[...new Set(failureCodes)].sort().join(", ")})`,
        );
        check(
            "every recipient response under Lambda's 6 MB limit",
            maxResponseBytes <= LAMBDA_RESPONSE_LIMIT_BYTES,
            `${responses} responses, largest ${maxResponseBytes} bytes (limit ${LAMBDA_RESPONSE_LIMIT_BYTES})`,
        );
        const q = { tenant: TENANTS[0], schema: SCHEMAS[0], date: "2026-11-22" };
        const get = (headers: Record<string, string>, authorizer?: Record<string, unknown>) =>
            recipient(restApiEvent({ method: "GET", path: "/records", query: q, headers, ...(authorizer ? { authorizer } : {}) }), lambdaContext("recipient"));
        const otherTenant = await get({ Authorization: users.idToken({ tenants: TENANTS[1] }) });
        const anonymous = await get({});
        const authorizerOnly = await get({}, { tenants: "*", claims: { "custom:tenants": "*" } });
        const forged = await get({ Authorization: new LocalUserPool(backend.region).idToken({ tenants: "*" }) });
        check(
            "recipient refuses callers not authorised for the tenant, and trusts no authorizer field",
            otherTenant.statusCode === 403 && anonymous.statusCode === 401 && authorizerOnly.statusCode === 401 && forged.statusCode === 401,
            `other tenant: ${otherTenant.statusCode}; no token: ${anonymous.statusCode}; only an authorizer field: ${authorizerOnly.statusCode}; token of another pool: ${forged.statusCode}`,
        );
        lap("recipient");

        // ---- no plaintext at rest
        const marker = Buffer.from(PLAINTEXT_MARKER, "latin1");
        let scanned = 0;
        let scannedBytes = 0;
        const leaking: string[] = [];
        for await (const item of backend.atRest()) {
            scanned++;
            scannedBytes += item.bytes.length;
            if (item.bytes.includes(marker)) {
                leaking.push(item.where);
            }
        }
        check(
            "no plaintext at rest (stream, bucket, table, metric and log files)",
            leaking.length === 0 && scanned > 0,
            `${scanned} items, ${scannedBytes} bytes scanned for the plaintext marker; ${leaking.length} contain it${leaking.length ? ": " + leaking.slice(0, 3).join(", ") : ""}`,
        );

        // ---- metrics agree
        const sumMetric = (file: string, name: string, filter?: (doc: Record<string, unknown>) => boolean): number =>
            fs
                .readFileSync(path.join(logsDir, file), "utf8")
                .split("\n")
                .filter((l) => l !== "")
                .map((l) => JSON.parse(l) as Record<string, unknown>)
                .filter((d) => !filter || filter(d))
                .reduce((s, d) => s + Number(d[name] ?? 0), 0);
        const acceptedMetric = sumMetric("ingest-metrics.log", "Requests", (d) => d["Outcome"] === "accepted");
        const writtenMetric = sumMetric("process-metrics.log", "RecordsWritten");
        const deliveredMetric = sumMetric("recipient-metrics.log", "RecordsDelivered");
        check(
            "metrics agree",
            acceptedMetric === expectedInStream && writtenMetric === stored && deliveredMetric === delivered,
            `ingest accepted ${acceptedMetric} (expected ${expectedInStream}), process RecordsWritten ${writtenMetric} (stored ${stored}), recipient RecordsDelivered ${deliveredMetric} (delivered ${delivered})`,
        );

        // ---- requests (emulators): logged for the access check; uploads carry SSE-KMS with the storage key
        const requests = backend.requestLog?.entries() ?? [];
        let requestsFile: string | undefined;
        if (backend.requestLog) {
            requestsFile = path.join(dir, "requests.jsonl");
            backend.requestLog.writeJsonl(requestsFile);
            const puts = requests.filter((r) => r.action === "s3:PutObject");
            const keyed = puts.filter((r) => r.conditions["s3:x-amz-server-side-encryption"] === "aws:kms" && typeof r.conditions["s3:x-amz-server-side-encryption-aws-kms-key-id"] === "string");
            const byAction = new Map<string, number>();
            for (const r of requests) {
                byAction.set(`${r.caller} ${r.action}${r.via ? " (via s3)" : ""}`, (byAction.get(`${r.caller} ${r.action}${r.via ? " (via s3)" : ""}`) ?? 0) + r.count);
            }
            check(
                "every upload carried SSE-KMS with the storage key; requests logged for the access check",
                puts.length > 0 && keyed.length === puts.length,
                `${keyed.length}/${puts.length} uploads with aws:kms and a key id; ${backend.requestLog.total} requests in ${requests.length} distinct entries: ` +
                    [...byAction.entries()]
                        .sort()
                        .map(([k, v]) => `${k} ${v}`)
                        .join(", "),
            );
            if (options.accessCheck && backend.resources) {
                const c = await options.accessCheck(requests, backend.resources);
                checks.push(c);
            }
        }
        lap("verify");

        const result: LocalPipelineResult = {
            ok: checks.every((c) => c.ok),
            backend: backend.name,
            ...(backend.endpoints ? { endpoints: backend.endpoints } : {}),
            dir,
            checks,
            accepted: goodAccepted,
            delivered,
            rejections,
            keyProviderCalls: { generate: producerKeys.generateCalls, unwrap: recipientKeys.unwrapCalls },
            timingsMs: timings,
            responses: { count: responses, maxBytes: maxResponseBytes },
            recovery: {
                ingestRetries,
                deadLetteredBatches: deadLetters.length,
                replayExecutions: deadLetters.length + 1,
                rangeReplay: { stored: rangeSummary.stored ?? 0, duplicates: rangeSummary.duplicates ?? 0 },
            },
            requests,
            ...(requestsFile ? { requestsFile } : {}),
        };
        return result;
    } finally {
        await backend.close();
        if (!options.keep) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
}
