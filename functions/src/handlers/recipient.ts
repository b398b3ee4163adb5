/**
 * recipient (serve): the only component that decrypts. Behind an authenticated API Gateway route, it reads the
 * batch objects of one partition, decrypts each envelope with the KMS key provider (Decrypt on the records key is
 * granted to this function's role alone) and returns the plaintext to the authorised caller.
 *
 * Request: GET ?tenant=<t>&schema=<s>&date=<YYYY-MM-DD>[&after=<object key>]
 * Authorisation: the API Gateway authoriser must put the caller's tenants in the request context, as
 * `authorizer.tenants` (Lambda authoriser) or `authorizer.claims["custom:tenants"]` (Cognito): a comma-separated
 * list, or "*". The handler refuses a tenant that is not listed, and the decryptor refuses any envelope whose
 * header names another tenant or schema than requested, even if it was planted in this partition.
 * Response: 200 { records: [{recordId, time, classification, producer, plaintext (base64)}], failures: [...],
 * next?: <object key to pass as `after`> }; pages stop after ~4 MiB of plaintext (Lambda's response limit is 6 MB).
 */
import { S3ObjectStore } from "../adapters/aws-s3";
import { ObjectStore } from "../adapters/ports";
import { decodeBatch } from "../batch";
import { ENV } from "../contract";
import { EnvelopeDecryptor, EnvelopeError, headerProblem, KmsKeyProvider } from "../envelope";
import { ApiGatewayProxyEvent, ApiGatewayProxyResult, json } from "../lambda-types";
import { normalisePrefix, partitionOf } from "./process";

export const DEFAULT_MAX_RESPONSE_PLAINTEXT_BYTES = 4 * 1024 * 1024;

export interface RecipientDeps {
    readonly store: ObjectStore;
    readonly decryptor: EnvelopeDecryptor;
    readonly prefix: string;
    /** Page size bound, in plaintext bytes (at least one object is always returned). Default 4 MiB. */
    readonly maxResponsePlaintextBytes?: number;
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
    readonly next?: string;
}

export type RecipientHandler = (event: ApiGatewayProxyEvent) => Promise<ApiGatewayProxyResult>;

/** Tenants the caller may read, from the authoriser context; undefined when there is no authorised caller. */
export function authorisedTenants(event: ApiGatewayProxyEvent): readonly string[] | undefined {
    const auth = event.requestContext?.authorizer;
    if (!auth) {
        return undefined;
    }
    let raw: unknown = auth["tenants"];
    const claims = auth["claims"];
    if (raw === undefined && typeof claims === "object" && claims !== null) {
        raw = (claims as Record<string, unknown>)["custom:tenants"];
    }
    if (typeof raw !== "string" || raw.trim() === "") {
        return undefined;
    }
    return raw.split(",").map((t) => t.trim()).filter((t) => t !== "");
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function createRecipientHandler(deps: RecipientDeps): RecipientHandler {
    const prefix = normalisePrefix(deps.prefix);
    const budget = deps.maxResponsePlaintextBytes ?? DEFAULT_MAX_RESPONSE_PLAINTEXT_BYTES;

    return async (event) => {
        const tenants = authorisedTenants(event);
        if (!tenants) {
            return json(401, { code: "unauthenticated", reason: "no authorised caller: the request carries no tenants from the authoriser" });
        }
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
        const partition = `${prefix}${partitionOf({ tenant, schema, classification: "public", recordId: "", producer: "", time: date })}`;
        const after = q["after"];
        if (after !== undefined && !after.startsWith(partition)) {
            return json(400, { code: "bad-request", reason: `query parameter "after" must be an object key under ${partition}` });
        }

        const records: DeliveredRecord[] = [];
        const failures: DeliveryFailure[] = [];
        let plaintextBytes = 0;
        let cursor = after;
        let next: string | undefined;
        outer: for (;;) {
            const page = await deps.store.list(partition, cursor, 100);
            for (const key of page.keys) {
                if (plaintextBytes >= budget) {
                    next = cursor;
                    break outer;
                }
                cursor = key;
                let envelopes: Buffer[];
                try {
                    envelopes = decodeBatch(await deps.store.get(key));
                } catch (err) {
                    failures.push({ object: key, code: "bad-object", reason: (err as Error).message });
                    continue;
                }
                for (let i = 0; i < envelopes.length; i++) {
                    try {
                        const { header, plaintext } = await deps.decryptor.decrypt(envelopes[i], { tenant, schema });
                        plaintextBytes += plaintext.length;
                        records.push({
                            recordId: header.recordId,
                            time: header.time,
                            classification: header.classification,
                            producer: header.producer,
                            plaintext: plaintext.toString("base64"),
                        });
                    } catch (err) {
                        if (!(err instanceof EnvelopeError)) {
                            throw err;
                        }
                        failures.push({ object: key, index: i, ...(err.recordId ? { recordId: err.recordId } : {}), code: err.code, reason: err.message });
                    }
                }
            }
            if (!page.truncated) {
                break;
            }
        }
        const body: RecipientResponse = { tenant, schema, date, records, failures, ...(next ? { next } : {}) };
        return json(200, body);
    };
}

let deployed: RecipientHandler | undefined;

/** Lambda entry point: S3 and the KMS key provider configured from the environment (contract.ts ENV.recipient). */
export async function handler(event: ApiGatewayProxyEvent): Promise<ApiGatewayProxyResult> {
    if (!deployed) {
        const bucket = process.env[ENV.recipient.DATA_BUCKET];
        const keyArn = process.env[ENV.recipient.RECORDS_KEY_ARN];
        if (!bucket || !keyArn) {
            throw new Error(`recipient: environment variables ${ENV.recipient.DATA_BUCKET} and ${ENV.recipient.RECORDS_KEY_ARN} are required`);
        }
        // Module scope: the unwrapped-key cache survives across invocations of a warm function, within its limits.
        deployed = createRecipientHandler({
            store: new S3ObjectStore(bucket),
            decryptor: new EnvelopeDecryptor(new KmsKeyProvider(keyArn)),
            prefix: normalisePrefix(process.env[ENV.recipient.DATA_PREFIX]),
        });
    }
    return deployed(event);
}
