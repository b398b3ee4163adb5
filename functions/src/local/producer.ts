/**
 * The producer of a local run: synthetic records (deterministic apart from record ids, nonces and keys), the plan
 * of which submissions go wrong and how, the bad submissions themselves (plaintext, truncated, malformed, replayed
 * or tampered envelopes, each with the answer ingest or the recipient must give), and a submitter that retries 503s
 * as a producer must.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import * as crypto from "node:crypto";
import { DEFAULT_MAX_ENVELOPE_BYTES } from "../contract";
import { EnvelopeEncryptor, FORMAT_VERSION, RecordHeader } from "../envelope";
import { IngestHandler } from "../handlers/ingest";
import { lambdaContext, restApiEvent } from "./events";

/** Every plaintext record contains this marker; finding it at rest means plaintext leaked. */
export const PLAINTEXT_MARKER = "PLAINTEXT-MARKER-d41c";

export type BadKind =
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

/** What a bad submission must be answered. */
export interface Expectation {
    readonly kind: BadKind;
    readonly status: number;
    readonly code: string | undefined;
    /** For envelopes that ingest cannot tell apart from good ones: what the recipient must say. */
    readonly recipientCode?: string;
    readonly recordId?: string;
}

/** A bad submission and what ingest answered. */
export interface BadResult {
    readonly expect: Expectation;
    readonly status: number;
    readonly code: string | undefined;
    readonly reason: string;
}

export const BAD_KINDS: readonly BadKind[] = [
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

export const TENANTS = ["acme", "globex", "initech"];
export const SCHEMAS = ["orders.v1", "clicks.v2"];
const CLASSIFICATION: Record<string, RecordHeader["classification"]> = { "orders.v1": "confidential", "clicks.v2": "internal" };
const BASE_TIME = Date.parse("2026-11-22T00:00:00.000Z");
const SPAN_MS = 2 * 24 * 3600 * 1000;

export function sha(b: Uint8Array): string {
    return crypto.createHash("sha256").update(b).digest("base64");
}

export function plaintextFor(i: number, recordId: string, rng: () => number): Buffer {
    const filler = "x".repeat(100 + Math.floor(rng() * 1400));
    return Buffer.from(JSON.stringify({ recordId, seq: i, marker: PLAINTEXT_MARKER, customer: `customer-${i}`, amountCents: Math.floor(rng() * 1e6), note: filler }));
}

/** Deterministic PRNG (mulberry32), so runs are reproducible apart from record ids, nonces and keys. */
export function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** The header of record `i` of `n`: tenants and schemas in turn, times spread over two days. */
export function headerOf(i: number, n: number, recordId: string): RecordHeader {
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
export function withHeaderBytes(envelope: Buffer, header: Buffer): Buffer {
    const h = envelope.readUInt16BE(3);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(header.length);
    return Buffer.concat([envelope.subarray(0, 3), len, header, envelope.subarray(5 + h)]);
}

/** Which of `n` records carry bad submissions (and of which kinds), which enter the stream twice, and each one's plaintext length draw. */
export interface SubmissionPlan {
    readonly badAt: ReadonlyMap<number, readonly BadKind[]>;
    readonly streamReplays: ReadonlySet<number>;
    /** One draw per record, taken up front so a run does not depend on the order of concurrent requests. */
    readonly lengths: readonly number[];
}

/** Three of each bad kind (and one more replay per thousand records), at least three records streamed twice. */
export function planSubmissions(n: number, rng: () => number): SubmissionPlan {
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
    const lengths = Array.from({ length: n }, () => rng());
    return { badAt, streamReplays, lengths };
}

/** A REST API event submitting `b` as a binary envelope (made fresh for each attempt). */
export const envelopeEvent = (b: Buffer) => (): APIGatewayProxyEvent =>
    restApiEvent({ path: "/records", body: b.toString("base64"), isBase64Encoded: true, headers: { "content-type": "application/octet-stream" } });

/** A bad submission and the answer it must get. */
export interface Crafted {
    readonly event: () => APIGatewayProxyEvent;
    readonly expect: Expectation;
}

/** What crafting needs: the producer's encryptor, the run's size and the PRNG of crafted plaintexts. */
export interface Crafting {
    readonly encryptor: EnvelopeEncryptor;
    readonly n: number;
    readonly rng: () => number;
}

/** A bad submission of `kind` next to good record `i` (its envelope and record id, for the replays). */
export async function craftSubmission(c: Crafting, kind: BadKind, i: number, current: { readonly envelope: Buffer; readonly recordId: string }): Promise<Crafted> {
    const b64 = envelopeEvent;
    const fresh = async (pt?: Buffer): Promise<{ env: Buffer; id: string }> => {
        const id = crypto.randomUUID();
        return { env: await c.encryptor.encrypt(headerOf(i, c.n, id), pt ?? plaintextFor(i, id, c.rng)), id };
    };
    const headerText = (env: Buffer): string => env.subarray(5, 5 + env.readUInt16BE(3)).toString("latin1");
    const pt = plaintextFor(i, "plaintext-submission", c.rng);
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
            const h = headerText(env);
            return { event: b64(withHeaderBytes(env, Buffer.from(h.replace(',"schema"', ', "schema"'), "latin1"))), expect: { kind, status: 400, code: "bad-header" } };
        }
        case "bad-classification": {
            const { env } = await fresh();
            const changed = headerText(env).replace(/"classification":"[a-z]+"/, '"classification":"top-secret"');
            return { event: b64(withHeaderBytes(env, Buffer.from(changed, "latin1"))), expect: { kind, status: 400, code: "bad-header" } };
        }
        case "oversized": {
            const { env } = await fresh(Buffer.concat([pt, Buffer.alloc(DEFAULT_MAX_ENVELOPE_BYTES, 0x41)]));
            return { event: b64(env), expect: { kind, status: 413, code: "oversized" } };
        }
        case "replay-same-bytes":
            return { event: b64(current.envelope), expect: { kind, status: 409, code: "duplicate" } };
        case "replay-new-ciphertext": {
            const env = await c.encryptor.encrypt(headerOf(i, c.n, current.recordId), plaintextFor(i, current.recordId, c.rng));
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
            // Same length, still canonical: the tenant's last letter changes, so the record lands elsewhere.
            const changed = headerText(env).replace(/"tenant":"([a-z0-9-]*)([a-z0-9])"/, (_m, a: string, ch: string) => `"tenant":"${a}${ch === "z" ? "y" : "z"}"`);
            return {
                event: b64(withHeaderBytes(env, Buffer.from(changed, "latin1"))),
                expect: { kind, status: 202, code: undefined, recipientCode: "unwrap-failed", recordId: id },
            };
        }
    }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The producer's side of ingest: submits, and retries 503s after a short back-off (Retry-After, shortened locally). */
export class Submitter {
    /** Retries after a 503. */
    retries = 0;
    constructor(private readonly ingest: IngestHandler) {}

    async submit(event: () => APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
        for (let attempt = 0; ; attempt++) {
            const res = await this.ingest(event(), lambdaContext("ingest", 10_000));
            if (res.statusCode !== 503 || attempt >= 20) {
                return res;
            }
            this.retries++;
            await sleep(Math.min(50, 2 * 2 ** attempt));
        }
    }
}
