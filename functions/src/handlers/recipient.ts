/**
 * recipient (serve): the only component that decrypts. Behind an authenticated API Gateway route, it reads the
 * batch objects of one partition, decrypts each envelope with the KMS key provider (Decrypt on the records key is
 * granted to this function's role alone) and returns the plaintext to the authorised caller.
 *
 * Request: GET ?tenant=<t>&schema=<s>&date=<YYYY-MM-DD>[&after=<cursor>], header `Authorization: <Cognito ID token>`
 * (optionally `Bearer `-prefixed).
 *
 * Authentication: the function verifies the ID token itself (signature against the user pool's JWKS, issuer,
 * audience = the app client, token use, expiry) with aws-jwt-verify, and reads the caller's tenants from the
 * verified `custom:tenants` claim (comma-separated, or "*"). It does not trust the event's `authorizer` field: a
 * principal allowed to invoke the function directly could write anything there. (Infra also restricts invocation
 * to API Gateway; see functions/README.md.) The handler refuses a tenant that is not listed, and the decryptor
 * refuses any envelope whose header names another tenant or schema than requested, even if planted here.
 *
 * Response: 200 { tenant, schema, date, records: [{recordId, time, classification, producer, plaintext (base64)}],
 * failures: [{object, index?, recordId?, code, reason}], duplicates, next?: <cursor>, interrupted? }.
 * - The page is budgeted on the size of the serialised Lambda response (the limit is 6 MB): records stop before the
 *   budget is passed, inside an object if need be (`next` is then `<object key>#<envelope index>`).
 * - Each record id is delivered once per response; a later copy (a duplicate that reached storage) is skipped and
 *   counted in `duplicates`. Record ids are authenticated (GCM AAD), so a copy is recognised only after its first
 *   occurrence decrypted.
 * - A transient failure (KMS throttling, S3 SlowDown or 5xx, a timeout) never skips anything: the page ends at the
 *   first record not read, `next` points at it and `interrupted` says why; with nothing read yet, the answer is
 *   503 with Retry-After. Running short of time ends the page the same way.
 * - Failures name our own reason codes only: no S3 or KMS error text, and nothing of another tenant (an envelope
 *   of another tenant or schema is reported as `context-mismatch` without its record id or header).
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import { CognitoJwtVerifier } from "aws-jwt-verify";
import { FetchError, JwtBaseError } from "aws-jwt-verify/error";
import type { JwksCache } from "aws-jwt-verify/jwk";
import { S3ObjectStore } from "../adapters/aws-s3";
import { MetricsSink, ObjectStore, stdoutMetrics } from "../adapters/ports";
import { decodeBatch } from "../batch";
import { ENV } from "../contract";
import { EnvelopeDecryptor, EnvelopeError, headerProblem, KmsKeyProvider, parseEnvelope } from "../envelope";
import { errorFields, isTransient, ObjectNotFoundError } from "../errors";
import { json } from "../http";
import { normalisePrefix, partitionOf } from "../layout";
import { createLogger, Log, publishMetrics } from "../telemetry";

/** Lambda's limit on a synchronous invocation's response payload (6 MB). */
export const LAMBDA_RESPONSE_LIMIT_BYTES = 6 * 1024 * 1024;
/** Default page budget: the serialised Lambda response stays under this many bytes. */
export const DEFAULT_RESPONSE_BUDGET_BYTES = 6_000_000;
/** Default time kept in hand: the page ends when less than this remains of the invocation. */
export const DEFAULT_TIME_RESERVE_MS = 1500;
/** Retry-After (seconds) when nothing could be read because a service was temporarily unavailable. */
export const RETRY_AFTER_SECONDS = 2;

export interface Caller {
    readonly subject: string;
    /** Tenants the caller may read; "*" for all. */
    readonly tenants: readonly string[];
}

export type AuthResult = { readonly ok: true; readonly caller: Caller } | { readonly ok: false; readonly transient: boolean; readonly reason: string };

/** Establishes who is calling from the request itself (never from the event's authorizer field). */
export type Authenticate = (event: APIGatewayProxyEvent) => Promise<AuthResult>;

export interface RecipientDeps {
    readonly store: ObjectStore;
    readonly decryptor: EnvelopeDecryptor;
    readonly prefix: string;
    readonly authenticate: Authenticate;
    /**
     * Page budget on the serialised Lambda response, in bytes (at most LAMBDA_RESPONSE_LIMIT_BYTES). A page always
     * holds at least one record or failure if it fits the Lambda limit. Default 6,000,000.
     */
    readonly maxResponseBytes?: number;
    /** Default DEFAULT_TIME_RESERVE_MS. */
    readonly timeReserveMs?: number;
    readonly logger?: Log;
    readonly metrics?: MetricsSink;
}

export interface DeliveredRecord {
    readonly recordId: string;
    readonly time: string;
    readonly classification: string;
    readonly producer: string;
    /** base64 */
    readonly plaintext: string;
}

export interface DeliveryFailure {
    readonly object: string;
    readonly index?: number;
    readonly recordId?: string;
    readonly code: string;
    readonly reason: string;
}

export interface RecipientResponse {
    readonly tenant: string;
    readonly schema: string;
    readonly date: string;
    readonly records: readonly DeliveredRecord[];
    readonly failures: readonly DeliveryFailure[];
    /** Copies of record ids already delivered in this response, skipped. */
    readonly duplicates: number;
    /** Pass as `after` to continue; absent when the partition has been read to its end. */
    readonly next?: string;
    /** Why the page ended before its budget: a service was temporarily unavailable, or time ran short. */
    readonly interrupted?: { readonly code: "retry" | "time"; readonly reason: string };
}

export type RecipientHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** The verified claim that lists a caller's tenants. */
export const TENANTS_CLAIM = "custom:tenants";

function tenantsOf(claim: unknown): readonly string[] | undefined {
    if (typeof claim !== "string" || claim.trim() === "") {
        return undefined;
    }
    const list = claim.split(",").map((t) => t.trim()).filter((t) => t !== "");
    return list.length > 0 ? list : undefined;
}

/** The token from `Authorization: <token>` or `Authorization: Bearer <token>` (any header-name case). */
export function bearerToken(event: APIGatewayProxyEvent): string | undefined {
    for (const [name, value] of Object.entries(event.headers ?? {})) {
        if (name.toLowerCase() === "authorization" && typeof value === "string" && value.trim() !== "") {
            const v = value.trim();
            return /^bearer\s+/i.test(v) ? v.replace(/^bearer\s+/i, "") : v;
        }
    }
    return undefined;
}

export interface CognitoAuthOptions {
    readonly userPoolId: string;
    readonly clientId: string;
    /** The pool's JWKS, when it should not be fetched (ENV.recipient.USER_POOL_JWKS). */
    readonly jwks?: Parameters<JwksCache["addJwks"]>[1];
    readonly logger?: Log;
}

/** Verifies Cognito ID tokens of one user pool and app client (aws-jwt-verify); tenants from `custom:tenants`. */
export function cognitoAuthenticator(options: CognitoAuthOptions): Authenticate {
    const verifier = CognitoJwtVerifier.create({ userPoolId: options.userPoolId, clientId: options.clientId, tokenUse: "id" });
    if (options.jwks) {
        verifier.cacheJwks(options.jwks);
    }
    return async (event) => {
        const token = bearerToken(event);
        if (!token) {
            return { ok: false, transient: false, reason: "no token in the Authorization header" };
        }
        try {
            const payload = await verifier.verify(token);
            const tenants = tenantsOf(payload[TENANTS_CLAIM]);
            if (!tenants) {
                return { ok: false, transient: false, reason: `the token has no ${TENANTS_CLAIM} claim` };
            }
            return { ok: true, caller: { subject: String(payload.sub), tenants } };
        } catch (err) {
            if (err instanceof FetchError) {
                return { ok: false, transient: true, reason: `the user pool's keys could not be fetched: ${err.message}` };
            }
            if (err instanceof JwtBaseError) {
                return { ok: false, transient: false, reason: `${err.name}: ${err.message}` };
            }
            throw err;
        }
    };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** `<object key>` (after that whole object) or `<object key>#<n>` (from its envelope n). */
const CURSOR = /^(.+?)(?:#(\d{1,9}))?$/;

/** Bytes `s` takes inside a JSON string literal (without the quotes): UTF-8, plus one per escaped quote/backslash. */
function jsonStringBytes(s: string): number {
    return Buffer.byteLength(JSON.stringify(s)) - 2;
}

/**
 * Exact size accounting of the Lambda response `{statusCode, headers, body}`: the body is JSON, and it is itself a
 * JSON string inside the response, so each fragment counts once as body text and once more for its escapes.
 */
class ResponseSize {
    private bytes: number;
    constructor(frame: string) {
        this.bytes = Buffer.byteLength(frame);
    }
    /** Size after adding `fragment` (JSON text) to the body, comma included. */
    with(fragment: string, comma: boolean): number {
        return this.bytes + jsonStringBytes(fragment) + (comma ? 1 : 0);
    }
    add(fragment: string, comma: boolean): void {
        this.bytes = this.with(fragment, comma);
    }
}

export function createRecipientHandler(deps: RecipientDeps): RecipientHandler {
    const prefix = normalisePrefix(deps.prefix);
    const budget = deps.maxResponseBytes ?? DEFAULT_RESPONSE_BUDGET_BYTES;
    if (!Number.isSafeInteger(budget) || budget < 1 || budget > LAMBDA_RESPONSE_LIMIT_BYTES) {
        throw new Error(`recipient: maxResponseBytes must be an integer in 1..${LAMBDA_RESPONSE_LIMIT_BYTES}; got ${budget}`);
    }
    const reserve = deps.timeReserveMs ?? DEFAULT_TIME_RESERVE_MS;
    const logger = deps.logger ?? createLogger("recipient");
    const metrics = deps.metrics ?? stdoutMetrics;

    return async (event, context) => {
        const requestId = context.awsRequestId;
        const auth = await deps.authenticate(event);
        if (!auth.ok) {
            logger.warn("request refused: not authenticated", { requestId, reason: auth.reason });
            return auth.transient
                ? json(503, { code: "retry", reason: "authentication is temporarily unavailable; retry" }, { "retry-after": String(RETRY_AFTER_SECONDS) })
                : json(401, { code: "unauthenticated", reason: "a valid Cognito ID token of this API's user pool is required in the Authorization header" });
        }
        const tenants = auth.caller.tenants;
        const q = event.queryStringParameters ?? {};
        const tenant = q["tenant"] ?? "";
        const schema = q["schema"] ?? "";
        const date = q["date"] ?? "";
        // Validate with the header rules (a dummy header with the requested tenant and schema).
        const problem = headerProblem({
            tenant,
            schema,
            classification: "public",
            recordId: "0000000000000000",
            producer: "query",
            time: DATE.test(date) ? `${date}T00:00:00.000Z` : "invalid",
        });
        if (problem) {
            return json(400, { code: "bad-request", reason: problem.replace("header field", "query parameter").replace('"time"', '"date" (YYYY-MM-DD)') });
        }
        if (!tenants.includes("*") && !tenants.includes(tenant)) {
            return json(403, { code: "forbidden", reason: `caller is not authorised for tenant "${tenant}"` });
        }
        const partition = `${prefix}${partitionOf({ tenant, schema, time: date })}`;
        let start: { key: string; index?: number } | undefined;
        const after = q["after"];
        if (after !== undefined) {
            const m = CURSOR.exec(after);
            if (!m || !m[1].startsWith(partition) || m[1].length === partition.length) {
                return json(400, { code: "bad-request", reason: `query parameter "after" must be a cursor returned as "next" for this partition (an object key under ${partition})` });
            }
            start = { key: m[1], ...(m[2] !== undefined ? { index: Number(m[2]) } : {}) };
        }
        const page = await readPage(partition, tenant, schema, start, context);
        publishMetrics(metrics, "recipient", {}, {
            RecordsDelivered: { value: page.records.length, unit: "Count" },
            DeliveryFailures: { value: page.failures.length, unit: "Count" },
            Duplicates: { value: page.duplicates, unit: "Count" },
        });
        const progress = page.records.length > 0 || page.failures.length > 0 || page.duplicates > 0;
        let interrupted = page.stop?.interrupted;
        if (page.stop?.internal !== undefined) {
            logger.error("the partition could not be read", { requestId, position: page.stop.next, ...errorFields(page.stop.internal) });
            if (!progress) {
                return json(500, { code: "internal", reason: `the recipient could not read the partition; the error was logged with request id ${requestId}` });
            }
            interrupted = { code: "retry", reason: `the page ended at an error logged with request id ${requestId}; continue from next` };
        }
        if (interrupted?.code === "retry" && !progress) {
            return json(503, { code: "retry", reason: "a storage or key service is temporarily unavailable; retry" }, { "retry-after": String(RETRY_AFTER_SECONDS) });
        }
        const body: RecipientResponse = {
            tenant,
            schema,
            date,
            records: page.records,
            failures: page.failures,
            duplicates: page.duplicates,
            ...(page.stop?.next !== undefined ? { next: page.stop.next } : {}),
            ...(interrupted ? { interrupted } : {}),
        };
        const result = json(200, body);
        const bytes = Buffer.byteLength(JSON.stringify(result));
        if (bytes > LAMBDA_RESPONSE_LIMIT_BYTES) {
            // The accounting in readPage is exact; this only guards it.
            throw new Error(`recipient: response of ${bytes} bytes exceeds the Lambda limit`);
        }
        return result;
    };

    /** Why and where a page ended before the partition's end. */
    interface Stop {
        /** Cursor of the first record not read: `<key>#<index>`, or `<key>` for "after this whole object". */
        readonly next: string;
        readonly interrupted?: RecipientResponse["interrupted"];
        readonly internal?: unknown;
    }

    async function readPage(
        partition: string,
        tenant: string,
        schema: string,
        start: { key: string; index?: number } | undefined,
        context: Context,
    ): Promise<{ records: DeliveredRecord[]; failures: DeliveryFailure[]; duplicates: number; stop?: Stop }> {
        const requestId = context.awsRequestId;
        const records: DeliveredRecord[] = [];
        const failures: DeliveryFailure[] = [];
        const delivered = new Set<string>();
        let duplicates = 0;
        // The response with every field but the two arrays at its longest, so only the arrays remain to count.
        const frameBody = JSON.stringify({
            tenant,
            schema,
            date: "0000-00-00",
            records: [],
            failures: [],
            duplicates: 1e9,
            next: `${partition}${"x".repeat(1024)}#999999999`,
            interrupted: { code: "retry", reason: "x".repeat(160) },
        });
        const size = new ResponseSize(JSON.stringify({ ...json(200, null), body: frameBody }));
        const empty = (): boolean => records.length === 0 && failures.length === 0;
        /** True when `fragment` may join `array`: within the budget, or the first item of the page within the hard limit. */
        const fits = (fragment: string, array: unknown[]): boolean =>
            size.with(fragment, array.length > 0) <= budget || (empty() && size.with(fragment, false) <= LAMBDA_RESPONSE_LIMIT_BYTES);
        const addFailure = (f: DeliveryFailure): boolean => {
            const frag = JSON.stringify(f);
            if (!fits(frag, failures)) {
                return false;
            }
            size.add(frag, failures.length > 0);
            failures.push(f);
            return true;
        };
        const failed = (next: string, err: unknown): Stop => {
            if (isTransient(err)) {
                logger.warn("page interrupted by a transient error", { requestId, position: next, ...errorFields(err) });
                return { next, interrupted: { code: "retry", reason: "a storage or key service was temporarily unavailable; continue from next" } };
            }
            return { next, internal: err };
        };
        const timeShort = (): boolean => !empty() && context.getRemainingTimeInMillis() < reserve;
        const outOfTime = (next: string): Stop => ({ next, interrupted: { code: "time", reason: "the invocation ran short of time; continue from next" } });

        /**
         * Record ids of envelopes [0, from) of an object (read on an earlier page), and a check whether a copy of a
         * record id among them is authentic (then it was delivered, and a later copy is a duplicate).
         */
        const earlierCopies = (envelopes: Buffer[], from: number): ((recordId: string, bytes: Buffer) => Promise<boolean>) => {
            const byId = new Map<string, Buffer[]>();
            for (let i = 0; i < from && i < envelopes.length; i++) {
                try {
                    const rid = parseEnvelope(envelopes[i]).header.recordId;
                    byId.set(rid, [...(byId.get(rid) ?? []), envelopes[i]]);
                } catch {
                    // Not an envelope: it was reported on the earlier page.
                }
            }
            return async (recordId, bytes) => {
                for (const copy of byId.get(recordId) ?? []) {
                    if (copy.equals(bytes)) {
                        return true;
                    }
                    try {
                        (await deps.decryptor.decrypt(copy, { tenant, schema })).plaintext.fill(0);
                        return true;
                    } catch {
                        // Not authentic: that copy was reported, not delivered.
                    }
                }
                return false;
            };
        };

        const readObject = async (key: string, from: number): Promise<Stop | undefined> => {
            let body: Buffer;
            try {
                body = await deps.store.get(key);
            } catch (err) {
                if (err instanceof ObjectNotFoundError) {
                    // Listed, then gone (deleted meanwhile): there is nothing left to read in it.
                    return addFailure({ object: key, code: "object-missing", reason: "the object was listed but no longer exists" }) ? undefined : { next: `${key}#${from}` };
                }
                return failed(`${key}#${from}`, err);
            }
            let envelopes: Buffer[];
            try {
                envelopes = decodeBatch(body);
            } catch (err) {
                return addFailure({ object: key, code: "bad-object", reason: (err as Error).message }) ? undefined : { next: `${key}#${from}` };
            }
            const deliveredEarlier = from > 0 ? earlierCopies(envelopes, from) : undefined;
            for (let i = from; i < envelopes.length; i++) {
                if (timeShort()) {
                    return outOfTime(`${key}#${i}`);
                }
                let decrypted;
                try {
                    decrypted = await deps.decryptor.decrypt(envelopes[i], { tenant, schema });
                } catch (err) {
                    if (!(err instanceof EnvelopeError)) {
                        return failed(`${key}#${i}`, err);
                    }
                    const f: DeliveryFailure =
                        err.code === "context-mismatch"
                            ? { object: key, index: i, code: err.code, reason: "the envelope belongs to another tenant or schema than requested" }
                            : { object: key, index: i, ...(err.recordId ? { recordId: err.recordId } : {}), code: err.code, reason: err.message };
                    if (!addFailure(f)) {
                        return { next: `${key}#${i}` };
                    }
                    continue;
                }
                const { header, plaintext } = decrypted;
                const record: DeliveredRecord = {
                    recordId: header.recordId,
                    time: header.time,
                    classification: header.classification,
                    producer: header.producer,
                    plaintext: plaintext.toString("base64"),
                };
                plaintext.fill(0);
                if (delivered.has(header.recordId) || (deliveredEarlier && (await deliveredEarlier(header.recordId, envelopes[i])))) {
                    duplicates++;
                    continue;
                }
                const frag = JSON.stringify(record);
                if (!fits(frag, records)) {
                    if (!empty() || size.with(frag, false) <= LAMBDA_RESPONSE_LIMIT_BYTES) {
                        return { next: `${key}#${i}` };
                    }
                    // Larger than any Lambda response can carry (possible only if ingest's limit was raised past it).
                    if (!addFailure({ object: key, index: i, recordId: header.recordId, code: "too-large", reason: "the record is too large for one response" })) {
                        return { next: `${key}#${i}` };
                    }
                    continue;
                }
                size.add(frag, records.length > 0);
                records.push(record);
                delivered.add(header.recordId);
            }
            return undefined;
        };

        let stop: Stop | undefined;
        let listAfter = start?.key;
        if (start?.index !== undefined) {
            stop = await readObject(start.key, start.index);
        }
        while (!stop) {
            let listing;
            try {
                listing = await deps.store.list(partition, listAfter, 100);
            } catch (err) {
                stop = failed(listAfter ?? `${partition}`, err);
                break;
            }
            for (const key of listing.keys) {
                stop = timeShort() ? outOfTime(`${key}#0`) : await readObject(key, 0);
                if (stop) {
                    break;
                }
                listAfter = key;
            }
            if (!listing.truncated) {
                break;
            }
        }
        return { records, failures, duplicates, ...(stop ? { stop } : {}) };
    }
}

let deployed: RecipientHandler | undefined;

/** Lambda entry point: S3, the KMS key provider and the Cognito verifier configured from the environment (ENV.recipient). */
export async function handler(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
    if (!deployed) {
        const names = ENV.recipient;
        const bucket = process.env[names.DATA_BUCKET];
        const keyArn = process.env[names.RECORDS_KEY_ARN];
        const userPoolId = process.env[names.USER_POOL_ID];
        const clientId = process.env[names.USER_POOL_CLIENT_ID];
        if (!bucket || !keyArn || !userPoolId || !clientId) {
            throw new Error(`recipient: environment variables ${names.DATA_BUCKET}, ${names.RECORDS_KEY_ARN}, ${names.USER_POOL_ID} and ${names.USER_POOL_CLIENT_ID} are required`);
        }
        const jwksText = process.env[names.USER_POOL_JWKS];
        // Module scope: the unwrapped-key cache survives across invocations of a warm function, within its limits.
        deployed = createRecipientHandler({
            store: new S3ObjectStore(bucket, new S3Client({})),
            decryptor: new EnvelopeDecryptor(new KmsKeyProvider(keyArn, new KMSClient({}))),
            prefix: normalisePrefix(process.env[names.DATA_PREFIX], names.DATA_PREFIX),
            authenticate: cognitoAuthenticator({ userPoolId, clientId, ...(jwksText ? { jwks: JSON.parse(jwksText) as CognitoAuthOptions["jwks"] } : {}) }),
        });
    }
    return deployed(event, context);
}
