/**
 * Produce and ingest: the producer encrypts `records` good records and submits them through the real ingest
 * handler, with the planned bad submissions among them (producer.ts), while the stream refuses every 997th put
 * (with faults); then a few good envelopes enter the stream a second time, as an ingest retry after an ambiguous
 * timeout makes them. Memory stays flat: only ids and plaintext hashes are kept.
 */
import * as crypto from "node:crypto";
import { DEFAULT_MAX_ENVELOPE_BYTES } from "../../contract";
import { EnvelopeEncryptor } from "../../envelope";
import { createIngestHandler } from "../../handlers/ingest";
import { pool } from "../../store";
import { BadResult, craftSubmission, Crafting, envelopeEvent, Expectation, headerOf, planSubmissions, plaintextFor, prng, sha, Submitter } from "../producer";
import { metricsFile } from "../run-files";
import { Run, serviceLog } from "./run";

export interface IngestOutcome {
    /** recordId -> sha256 of the plaintext, for the good records. */
    readonly originals: ReadonlyMap<string, string>;
    /** The good records' ids, in production order. */
    readonly goodIds: readonly string[];
    /** Good records accepted (202). */
    readonly accepted: number;
    /** The first good records not accepted, with their answers. */
    readonly problems: readonly string[];
    /** Producer retries after a 503. */
    readonly retries: number;
    readonly badResults: readonly BadResult[];
    /** Tampered envelopes ingest accepted (it cannot tell them apart): the recipient must refuse them. */
    readonly acceptedTampered: readonly Expectation[];
    /** Good records that entered the stream a second time. */
    readonly streamedTwice: number;
    /** When production started (epoch ms). */
    readonly startedMs: number;
    /** Time spent encrypting, summed over the concurrent producers. */
    readonly produceMs: number;
}

export async function ingestStage(run: Run, encryptor: EnvelopeEncryptor): Promise<IngestOutcome> {
    const { backend, records: n } = run;
    const plan = planSubmissions(n, prng(0x5eed));
    const crafting: Crafting = { encryptor, n, rng: prng(0xbad) };
    const plaintext = (i: number, recordId: string): Buffer => plaintextFor(i, recordId, () => plan.lengths[i]);
    const originals = new Map<string, string>();
    const goodIds: string[] = new Array(n);
    const goodEnvelopes = new Map<number, Buffer>(); // a few, replayed into the stream below
    const submitter = new Submitter(
        createIngestHandler({
            idempotency: backend.ingestIdempotency,
            stream: backend.streamSink,
            maxEnvelopeBytes: DEFAULT_MAX_ENVELOPE_BYTES,
            metrics: metricsFile(run.logsDir, "ingest-metrics.log"),
            logger: serviceLog(run, "ingest"),
        }),
    );

    backend.refuseEveryNthPut(run.faults ? 997 : 0);
    const startedMs = Date.now();
    let accepted = 0;
    let done = 0;
    const problems: string[] = [];
    const badResults: BadResult[] = [];
    const acceptedTampered: Expectation[] = [];
    let produceMs = 0;
    await pool(Array.from({ length: n }, (_, i) => i), run.concurrency, async (i) => {
        const started = Date.now();
        const recordId = crypto.randomUUID();
        const pt = plaintext(i, recordId);
        const env = await encryptor.encrypt(headerOf(i, n, recordId), pt);
        originals.set(recordId, sha(pt));
        goodIds[i] = recordId;
        if (plan.streamReplays.has(i)) {
            goodEnvelopes.set(i, env);
        }
        produceMs += Date.now() - started;
        const res = await submitter.submit(envelopeEvent(env));
        if (res.statusCode === 202) {
            accepted++;
        } else if (problems.length < 5) {
            problems.push(`record ${i}: ${res.statusCode} ${res.body}`);
        }
        for (const kind of plan.badAt.get(i) ?? []) {
            const { event, expect } = await craftSubmission(crafting, kind, i, { envelope: env, recordId });
            const r = await submitter.submit(event);
            const body = JSON.parse(r.body) as { code?: string; reason?: string };
            badResults.push({ expect, status: r.statusCode, code: body.code, reason: body.reason ?? "" });
            if (r.statusCode === 202 && expect.recipientCode) {
                acceptedTampered.push(expect);
            }
        }
        run.progress("ingest", ++done, n);
    });
    backend.refuseEveryNthPut(0);
    // Records that enter the stream a second time (what an ingest retry after an ambiguous timeout produces).
    for (const env of goodEnvelopes.values()) {
        await backend.streamSink.put([{ data: env, partitionKey: crypto.randomUUID() }]);
    }
    return { originals, goodIds, accepted, problems, retries: submitter.retries, badResults, acceptedTampered, streamedTwice: goodEnvelopes.size, startedMs, produceMs };
}
