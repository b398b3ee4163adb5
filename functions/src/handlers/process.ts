/**
 * process: consumes the stream (Kinesis event) and works on ciphertext only. It reads the public header of each
 * envelope, routes and partitions by tenant, schema and date, writes one batch object per partition and chunk
 * (S3 PutObject, key <prefix>tenant=<t>/schema=<s>/date=<YYYY-MM-DD>/<batch id>.e2eb) and emits metrics in
 * CloudWatch embedded metric format. It has no decrypt permission.
 *
 * Idempotence: the batch id is a hash of the Kinesis event ids in the object, so a retried batch overwrites the
 * same objects instead of duplicating records. A storage failure throws, and Lambda retries the whole batch.
 * An envelope that fails structural validation (it cannot, ingest checked it) is dropped, logged and counted.
 */
import * as crypto from "node:crypto";
import { S3ObjectStore } from "../adapters/aws-s3";
import { MetricsSink, ObjectStore, stdoutMetrics } from "../adapters/ports";
import { BATCH_EXTENSION, encodeBatch } from "../batch";
import { DEFAULT_DATA_PREFIX, ENV } from "../contract";
import { EnvelopeError } from "../envelope/errors";
import { parseEnvelope } from "../envelope/format";
import { RecordHeader } from "../envelope/header";
import { KinesisStreamEvent } from "../lambda-types";
import { emfLine } from "../metrics";

export const DEFAULT_MAX_OBJECT_BYTES = 8 * 1024 * 1024;

export interface ProcessDeps {
    readonly store: ObjectStore;
    /** Key prefix, "" or ending in "/". */
    readonly prefix: string;
    /** Largest batch object; a partition with more bytes is split into chunks. Default 8 MiB. */
    readonly maxObjectBytes?: number;
    readonly metrics?: MetricsSink;
}

export interface ProcessResult {
    readonly records: number;
    readonly invalid: number;
    readonly objects: readonly string[];
}

export type ProcessHandler = (event: KinesisStreamEvent) => Promise<ProcessResult>;

/** Storage partition of a header: tenant, schema and UTC date. */
export function partitionOf(header: RecordHeader): string {
    return `tenant=${header.tenant}/schema=${header.schema}/date=${header.time.slice(0, 10)}/`;
}

export function normalisePrefix(raw: string | undefined): string {
    const p = raw === undefined ? DEFAULT_DATA_PREFIX : raw;
    if (p === "") {
        return "";
    }
    if (p.startsWith("/") || p.split("/").some((s, i, all) => s === ".." || (s === "" && i < all.length - 1))) {
        throw new Error(`${ENV.process.DATA_PREFIX} must be a relative key prefix without empty or ".." segments; got ${JSON.stringify(raw)}`);
    }
    return p.endsWith("/") ? p : `${p}/`;
}

export function createProcessHandler(deps: ProcessDeps): ProcessHandler {
    const metrics = deps.metrics ?? stdoutMetrics;
    const maxObjectBytes = deps.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
    const prefix = normalisePrefix(deps.prefix);

    return async (event) => {
        const started = Date.now();
        const groups = new Map<string, { envelopes: Buffer[]; eventIds: string[]; bytes: number }>();
        let invalid = 0;
        for (const record of event.Records) {
            const data = Buffer.from(record.kinesis.data, "base64");
            let header: RecordHeader;
            try {
                header = parseEnvelope(data).header;
            } catch (err) {
                if (!(err instanceof EnvelopeError)) {
                    throw err;
                }
                invalid++;
                console.error(JSON.stringify({ level: "error", message: "dropped invalid envelope", eventID: record.eventID, code: err.code, reason: err.message }));
                continue;
            }
            const partition = partitionOf(header);
            let g = groups.get(partition);
            if (!g) {
                g = { envelopes: [], eventIds: [], bytes: 0 };
                groups.set(partition, g);
            }
            g.envelopes.push(data);
            g.eventIds.push(record.eventID);
            g.bytes += data.length + 4;
        }

        const objects: string[] = [];
        let bytesWritten = 0;
        for (const [partition, g] of groups) {
            const id = crypto.createHash("sha256").update(g.eventIds.join("\n")).digest("hex").slice(0, 32);
            // Split into chunks of at most maxObjectBytes (at least one envelope per chunk).
            let chunk: Buffer[] = [];
            let chunkBytes = 0;
            let index = 0;
            const flush = async (): Promise<void> => {
                const key = `${prefix}${partition}${id}-${String(index).padStart(4, "0")}${BATCH_EXTENSION}`;
                const body = encodeBatch(chunk);
                await deps.store.put(key, body, { records: String(chunk.length), format: "e2eb-1" });
                objects.push(key);
                bytesWritten += body.length;
                index++;
                chunk = [];
                chunkBytes = 0;
            };
            for (const e of g.envelopes) {
                if (chunk.length > 0 && chunkBytes + e.length + 4 > maxObjectBytes) {
                    await flush();
                }
                chunk.push(e);
                chunkBytes += e.length + 4;
            }
            if (chunk.length > 0) {
                await flush();
            }
        }

        const records = event.Records.length - invalid;
        metrics(
            emfLine(
                { Function: "process" },
                {
                    RecordsIn: { value: event.Records.length, unit: "Count" },
                    RecordsWritten: { value: records, unit: "Count" },
                    InvalidRecords: { value: invalid, unit: "Count" },
                    ObjectsWritten: { value: objects.length, unit: "Count" },
                    BytesWritten: { value: bytesWritten, unit: "Bytes" },
                    Duration: { value: Date.now() - started, unit: "Milliseconds" },
                },
            ),
        );
        return { records, invalid, objects };
    };
}

let deployed: ProcessHandler | undefined;

/** Lambda entry point: S3 adapter configured from the environment (contract.ts ENV.process). */
export async function handler(event: KinesisStreamEvent): Promise<ProcessResult> {
    if (!deployed) {
        const bucket = process.env[ENV.process.DATA_BUCKET];
        if (!bucket) {
            throw new Error(`process: environment variable ${ENV.process.DATA_BUCKET} is required`);
        }
        deployed = createProcessHandler({ store: new S3ObjectStore(bucket), prefix: normalisePrefix(process.env[ENV.process.DATA_PREFIX]) });
    }
    return deployed(event);
}
