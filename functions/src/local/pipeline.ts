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
 *
 * The run's parts: producer.ts (the records and the bad submissions), stages/ (one module per stage: ingest,
 * process, orchestration, recipient, and what the verifier reads afterwards), checks.ts (the judgements, from what
 * the stages observed); this module sets the run up, runs the stages in order and reports.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_DATA_PREFIX } from "../contract";
import { CountingKeyProvider, EnvelopeEncryptor } from "../envelope";
import { cognitoAuthenticator } from "../handlers/recipient";
import { Backend, LocalResources, PipelineBackend, startBackend } from "./backends";
import { atRestCheck, authorisationCheck, Check, deliveryChecks, ingestChecks, metricsCheck, rejectionSummary, storedOnceCheck, uploadsCheck } from "./checks";
import { LocalUserPool } from "./cognito";
import { Endpoints } from "./emulators";
import { RecordedRequest } from "./request-log";
import { ingestStage } from "./stages/ingest";
import { replayStage } from "./stages/orchestration";
import { processStage } from "./stages/process";
import { recipientStage } from "./stages/recipient";
import { Run } from "./stages/run";
import { metricSums, scanAtRest, writeRequests } from "./stages/verify";

export type { Check } from "./checks";
export { PLAINTEXT_MARKER } from "./producer";

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

/** The run's settings with their defaults; throws for a record count, batch size or concurrency out of range. */
export function pipelineSettings(options: Pick<LocalPipelineOptions, "records" | "backend" | "batchSize" | "concurrency" | "faults" | "prefix">): {
    readonly records: number;
    readonly backend: Backend;
    readonly batchSize: number;
    readonly concurrency: number;
    readonly faults: boolean;
    readonly prefix: string;
} {
    const n = options.records;
    if (!Number.isSafeInteger(n) || n < 1) {
        throw new Error(`records must be a positive integer; got ${n}`);
    }
    const backend = options.backend ?? "in-process";
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
    return { records: n, backend, batchSize, concurrency, faults: options.faults ?? true, prefix: options.prefix ?? DEFAULT_DATA_PREFIX };
}

/** Time of each stage: the time since the previous lap (or since it was created). */
class Laps {
    readonly timings: Record<string, number> = {};
    private t0 = Date.now();

    lap(name: string): void {
        const t = Date.now();
        this.timings[name] = t - this.t0;
        this.t0 = t;
    }
}

/** The run's log line naming the backend (and its endpoints). */
function backendLine(backend: PipelineBackend): string {
    return `backend ${backend.name}${backend.endpoints ? `: ${Object.entries(backend.endpoints).map(([k, v]) => `${k} ${v}`).join(", ")}` : ""}`;
}

/**
 * Runs the pipeline once: sets up the backend, the user pool and the keys; runs the stages (produce and ingest,
 * process, orchestration, delivery), each judged by its checks (checks.ts); verifies what is at rest, the metrics
 * and (emulators) the requests; reports. The backend is closed and the work directory removed (unless `keep`)
 * whatever happens.
 */
export async function runLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipelineResult> {
    const settings = pipelineSettings(options);
    const n = settings.records;
    const log = options.log ?? (() => undefined);
    const progress = options.progress ?? (() => undefined);
    const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "e2ee-pipeline-local-"));
    fs.mkdirSync(dir, { recursive: true });
    const logsDir = path.join(dir, "logs");
    fs.mkdirSync(logsDir, { recursive: true });
    const laps = new Laps();
    const checks: Check[] = [];

    const backend = await startBackend(settings.backend, { root: dir, logs: logsDir });
    log(backendLine(backend));
    try {
        laps.lap("setup");
        const users = new LocalUserPool(backend.region);
        const authenticate = cognitoAuthenticator({ userPoolId: users.userPoolId, clientId: users.clientId, jwks: users.jwks });
        const producerKeys = new CountingKeyProvider(backend.producerKeys);
        const recipientKeys = new CountingKeyProvider(backend.recipientKeys);
        const run: Run = { ...settings, backend, logsDir, progress };

        const ingest = await ingestStage(run, new EnvelopeEncryptor(producerKeys));
        checks.push(...ingestChecks(n, ingest));
        const rejections = rejectionSummary(ingest.badResults);
        laps.lap("ingest");
        laps.timings["produce (within ingest)"] = ingest.produceMs;

        const expectedInStream = ingest.accepted + ingest.acceptedTampered.length;
        const processed = await processStage(run, expectedInStream + ingest.streamedTwice);
        laps.lap("process");

        const replayed = await replayStage(run, processed.deadLetters, ingest.startedMs, laps.timings["ingest"] ?? 0);
        checks.push(storedOnceCheck(expectedInStream, ingest.streamedTwice, processed, replayed));
        laps.lap("orchestration");

        const delivery = await recipientStage(run, { users, authenticate, recipientKeys, originals: ingest.originals });
        checks.push(...deliveryChecks(ingest.goodIds, ingest.originals, ingest.acceptedTampered, delivery), authorisationCheck(delivery.refusals));
        laps.lap("recipient");

        checks.push(atRestCheck(await scanAtRest(backend)));
        checks.push(metricsCheck(metricSums(logsDir), { inStream: expectedInStream, stored: processed.stored, delivered: delivery.delivered }));
        // Requests (emulators): logged for the access check; uploads carry SSE-KMS with the storage key.
        const requests = writeRequests(backend, dir);
        if (requests) {
            checks.push(uploadsCheck(requests.entries, requests.total));
            if (options.accessCheck && backend.resources) {
                checks.push(await options.accessCheck(requests.entries, backend.resources));
            }
        }
        laps.lap("verify");

        return {
            ok: checks.every((c) => c.ok),
            backend: backend.name,
            ...(backend.endpoints ? { endpoints: backend.endpoints } : {}),
            dir,
            checks,
            accepted: ingest.accepted,
            delivered: delivery.delivered,
            rejections,
            keyProviderCalls: { generate: producerKeys.generateCalls, unwrap: recipientKeys.unwrapCalls },
            timingsMs: laps.timings,
            responses: { count: delivery.responses, maxBytes: delivery.maxResponseBytes },
            recovery: {
                ingestRetries: ingest.retries,
                deadLetteredBatches: processed.deadLetters.length,
                replayExecutions: processed.deadLetters.length + 1,
                rangeReplay: { stored: replayed.range.stored ?? 0, duplicates: replayed.range.duplicates ?? 0 },
            },
            requests: requests?.entries ?? [],
            ...(requests ? { requestsFile: requests.file } : {}),
        };
    } finally {
        await backend.close();
        if (!options.keep) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
}
