/**
 * The verifier's judgements: each end-to-end property of a local run (pipeline.ts lists them) as a check with a
 * name, a verdict and a detail, from what the stages observed. Pure: the stages gather, these decide.
 */
import { LAMBDA_RESPONSE_LIMIT_BYTES } from "../handlers/recipient";
import { BadResult, Expectation } from "./producer";
import { RecordedRequest } from "./request-log";
import { IngestOutcome } from "./stages/ingest";
import { ProcessOutcome } from "./stages/process";
import { ReplayOutcome } from "./stages/orchestration";
import { AuthorisationProbes, DeliveryOutcome } from "./stages/recipient";
import { AtRestScan, MetricSums } from "./stages/verify";

export interface Check {
    readonly name: string;
    readonly ok: boolean;
    readonly detail: string;
}

/** Properties 1 and 2: every good record accepted (after retries); every bad submission answered as expected. */
export function ingestChecks(records: number, ingest: Pick<IngestOutcome, "accepted" | "retries" | "problems" | "badResults">): Check[] {
    const { accepted, retries, problems, badResults } = ingest;
    const wrong = badResults.filter((r) => r.status !== r.expect.status || r.code !== r.expect.code || (r.expect.status !== 202 && r.reason === ""));
    return [
        {
            name: "good records accepted by ingest",
            ok: accepted === records,
            detail: `${accepted}/${records} accepted (${retries} producer retries after 503)${problems.length ? "; " + problems.join("; ") : ""}`,
        },
        {
            name: "bad submissions refused with the expected status and reason",
            ok: wrong.length === 0,
            detail:
                `${badResults.length - wrong.length}/${badResults.length} as expected` +
                wrong
                    .slice(0, 5)
                    .map((w) => `; ${w.expect.kind}: expected ${w.expect.status} ${w.expect.code}, got ${w.status} ${w.code} (${w.reason})`)
                    .join(""),
        },
    ];
}

/** The bad submissions by kind and answer (`<kind> -> <status> <code>`), with a count and the first reason given. */
export function rejectionSummary(badResults: readonly BadResult[]): Map<string, { count: number; sample: string }> {
    const rejections = new Map<string, { count: number; sample: string }>();
    for (const r of badResults) {
        const key = `${r.expect.kind} -> ${r.status} ${r.code ?? "accepted (refused later by the recipient: " + r.expect.recipientCode + ")"}`;
        const prev = rejections.get(key);
        rejections.set(key, { count: (prev?.count ?? 0) + 1, sample: prev?.sample ?? r.reason });
    }
    return rejections;
}

/** Property 3: what entered the stream was stored exactly once, by process or by the replays. */
export function storedOnceCheck(expectedInStream: number, streamedTwice: number, processed: Omit<ProcessOutcome, "deadLetters">, replayed: ReplayOutcome): Check {
    const { stored, duplicatesSkipped, invalid } = processed;
    const { range, problems } = replayed;
    return {
        name: "every streamed record stored exactly once (dead-lettered batches replayed; replays and stream duplicates skipped)",
        ok: stored + replayed.stored === expectedInStream && (range.stored ?? -1) === 0 && invalid === 0 && problems.length === 0 && duplicatesSkipped >= streamedTwice,
        detail:
            `${stored} stored by process, ${replayed.stored} by ${replayed.deadLetters} dead-letter replays, ${expectedInStream} expected; ` +
            `${duplicatesSkipped} duplicates skipped (${streamedTwice} records streamed twice); range replay read ${range.read ?? 0}, stored ${range.stored ?? "?"}` +
            (problems.length ? `; ${problems.slice(0, 3).join("; ")}` : ""),
    };
}

/**
 * Properties 4 and 7: every accepted record delivered once, decrypting to its original; the tampered envelopes
 * refused with the expected codes and nothing else; every response under Lambda's limit.
 */
export function deliveryChecks(
    goodIds: readonly string[],
    originals: ReadonlyMap<string, string>,
    acceptedTampered: readonly Expectation[],
    d: Omit<DeliveryOutcome, "refusals">,
): Check[] {
    const notDelivered = goodIds.filter((id) => !d.deliveredCount.has(id));
    const duplicated = [...d.deliveredCount.entries()].filter(([, c]) => c > 1);
    const unexpected = [...d.deliveredCount.keys()].filter((id) => !originals.has(id));
    const tamperedOk = acceptedTampered.filter((e) => e.recordId !== undefined && d.failures.get(e.recordId) === e.recipientCode);
    return [
        {
            name: "every accepted record delivered exactly once, decrypting to its original",
            ok: notDelivered.length === 0 && duplicated.length === 0 && unexpected.length === 0 && d.mismatches === 0 && d.badResponses.length === 0,
            detail:
                `${d.delivered} delivered from ${d.partitions} partitions in ${d.responses} responses (KMS throttling: ${d.retryAnswers} answered 503 Retry-After, ${d.interruptedPages} pages ended early, all resumed); missing ${notDelivered.length}, duplicated ${duplicated.length}, ` +
                `unexpected ${unexpected.length}, plaintext mismatches ${d.mismatches}` +
                (d.badResponses.length ? `; ${d.badResponses.slice(0, 3).join("; ")}` : ""),
        },
        {
            name: "envelopes tampered after encryption refused by the recipient",
            ok: tamperedOk.length === acceptedTampered.length && d.failureCodes.length === acceptedTampered.length,
            detail: `${tamperedOk.length}/${acceptedTampered.length} refused with the expected code; ${d.failureCodes.length} failures in total (${[...new Set(d.failureCodes)].sort().join(", ")})`,
        },
        {
            name: "every recipient response under Lambda's 6 MB limit",
            ok: d.maxResponseBytes <= LAMBDA_RESPONSE_LIMIT_BYTES,
            detail: `${d.responses} responses, largest ${d.maxResponseBytes} bytes (limit ${LAMBDA_RESPONSE_LIMIT_BYTES})`,
        },
    ];
}

/** Property 5: the recipient refuses callers of other tenants (403) and without a token of its pool (401). */
export function authorisationCheck(p: AuthorisationProbes): Check {
    return {
        name: "recipient refuses callers not authorised for the tenant, and trusts no authorizer field",
        ok: p.otherTenant === 403 && p.anonymous === 401 && p.authorizerOnly === 401 && p.forged === 401,
        detail: `other tenant: ${p.otherTenant}; no token: ${p.anonymous}; only an authorizer field: ${p.authorizerOnly}; token of another pool: ${p.forged}`,
    };
}

/** Property 6: no plaintext at rest (and something was scanned). */
export function atRestCheck(scan: AtRestScan): Check {
    const { leaking } = scan;
    return {
        name: "no plaintext at rest (stream, bucket, table, metric and log files)",
        ok: leaking.length === 0 && scan.items > 0,
        detail: `${scan.items} items, ${scan.bytes} bytes scanned for the plaintext marker; ${leaking.length} contain it${leaking.length ? ": " + leaking.slice(0, 3).join(", ") : ""}`,
    };
}

/** Property 8: the metrics agree with what happened. */
export function metricsCheck(m: MetricSums, expected: { readonly inStream: number; readonly stored: number; readonly delivered: number }): Check {
    return {
        name: "metrics agree",
        ok: m.accepted === expected.inStream && m.written === expected.stored && m.delivered === expected.delivered,
        detail: `ingest accepted ${m.accepted} (expected ${expected.inStream}), process RecordsWritten ${m.written} (stored ${expected.stored}), recipient RecordsDelivered ${m.delivered} (delivered ${expected.delivered})`,
    };
}

/** Property 9 (emulators): every upload carried SSE-KMS with a key id; the requests, by caller and action. */
export function uploadsCheck(requests: readonly RecordedRequest[], total: number): Check {
    const puts = requests.filter((r) => r.action === "s3:PutObject");
    const keyed = puts.filter((r) => r.conditions["s3:x-amz-server-side-encryption"] === "aws:kms" && typeof r.conditions["s3:x-amz-server-side-encryption-aws-kms-key-id"] === "string");
    const byAction = new Map<string, number>();
    for (const r of requests) {
        byAction.set(`${r.caller} ${r.action}${r.via ? " (via s3)" : ""}`, (byAction.get(`${r.caller} ${r.action}${r.via ? " (via s3)" : ""}`) ?? 0) + r.count);
    }
    return {
        name: "every upload carried SSE-KMS with the storage key; requests logged for the access check",
        ok: puts.length > 0 && keyed.length === puts.length,
        detail:
            `${keyed.length}/${puts.length} uploads with aws:kms and a key id; ${total} requests in ${requests.length} distinct entries: ` +
            [...byAction.entries()]
                .sort()
                .map(([k, v]) => `${k} ${v}`)
                .join(", "),
    };
}
