/**
 * What the verifier reads after the run: everything at rest (for the plaintext marker), the functions' metric
 * files, and (emulators) the requests the functions made, written out for the access check.
 */
import * as path from "node:path";
import { PipelineBackend } from "../backends";
import { PLAINTEXT_MARKER } from "../producer";
import { RecordedRequest } from "../request-log";
import { sumMetric } from "../run-files";

/** What the scan at rest found. */
export interface AtRestScan {
    readonly items: number;
    readonly bytes: number;
    /** Where the plaintext marker was found. */
    readonly leaking: readonly string[];
}

/** Scans everything the backend holds at rest for the plaintext marker. */
export async function scanAtRest(backend: PipelineBackend): Promise<AtRestScan> {
    const marker = Buffer.from(PLAINTEXT_MARKER, "latin1");
    let items = 0;
    let bytes = 0;
    const leaking: string[] = [];
    for await (const item of backend.atRest()) {
        items++;
        bytes += item.bytes.length;
        if (item.bytes.includes(marker)) {
            leaking.push(item.where);
        }
    }
    return { items, bytes, leaking };
}

/** The metrics the functions published that the run can predict. */
export interface MetricSums {
    /** ingest Requests with Outcome "accepted". */
    readonly accepted: number;
    /** process RecordsWritten. */
    readonly written: number;
    /** recipient RecordsDelivered. */
    readonly delivered: number;
}

export function metricSums(logsDir: string): MetricSums {
    return {
        accepted: sumMetric(logsDir, "ingest-metrics.log", "Requests", (d) => d["Outcome"] === "accepted"),
        written: sumMetric(logsDir, "process-metrics.log", "RecordsWritten"),
        delivered: sumMetric(logsDir, "recipient-metrics.log", "RecordsDelivered"),
    };
}

/** The requests the functions made (emulators), and the file they were written to (`requests.jsonl` in `dir`). */
export interface Requests {
    readonly entries: readonly RecordedRequest[];
    /** Requests in all (entries count repeats). */
    readonly total: number;
    readonly file: string;
}

/** Writes the backend's request log to `dir`/requests.jsonl; undefined when the backend records none (in-process). */
export function writeRequests(backend: PipelineBackend, dir: string): Requests | undefined {
    if (!backend.requestLog) {
        return undefined;
    }
    const entries = backend.requestLog.entries();
    const file = path.join(dir, "requests.jsonl");
    backend.requestLog.writeJsonl(file);
    return { entries, total: backend.requestLog.total, file };
}
