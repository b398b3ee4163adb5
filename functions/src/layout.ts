/**
 * The data lake's layout, shared by the stages that write it (process, replay) and the one that reads it
 * (recipient): `<prefix>tenant=<t>/schema=<s>/date=<YYYY-MM-DD>/<UTC write time>-<attempt>-<chunk>.e2eb`.
 * Object names start with their write time, so a partition lists in roughly the order it was written.
 */
import * as crypto from "node:crypto";
import { BATCH_EXTENSION } from "./batch";
import { DEFAULT_DATA_PREFIX } from "./contract";
import { RecordHeader } from "./envelope/header";

/** Storage partition of a header: tenant, schema and UTC date. */
export function partitionOf(header: Pick<RecordHeader, "tenant" | "schema" | "time">): string {
    return `tenant=${header.tenant}/schema=${header.schema}/date=${header.time.slice(0, 10)}/`;
}

/** Validates a DATA_PREFIX value ("" or a relative prefix; a missing final "/" is added). */
export function normalisePrefix(raw: string | undefined, variable = "DATA_PREFIX"): string {
    const p = raw === undefined ? DEFAULT_DATA_PREFIX : raw;
    if (p === "") {
        return "";
    }
    if (p.startsWith("/") || p.split("/").some((s, i, all) => s === ".." || (s === "" && i < all.length - 1))) {
        throw new Error(`${variable} must be a relative key prefix without empty or ".." segments; got ${JSON.stringify(raw)}`);
    }
    return p.endsWith("/") ? p : `${p}/`;
}

/** `20261123T093000123Z`: sorts as the time does. */
export function compactTime(ms: number): string {
    return new Date(ms).toISOString().replace(/[-:.]/g, "");
}

/** A name unique to one write attempt: time, 48 random bits, chunk index. */
export function objectKey(prefix: string, partition: string, writtenAtMs: number, attempt: string, chunk: number): string {
    return `${prefix}${partition}${compactTime(writtenAtMs)}-${attempt}-${String(chunk).padStart(4, "0")}${BATCH_EXTENSION}`;
}

export function newAttemptId(): string {
    return crypto.randomBytes(6).toString("hex");
}
