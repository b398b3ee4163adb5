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
import { S3ObjectStore } from "../adapters/aws-s3";
import { MetricsSink, ObjectStore, stdoutMetrics } from "../adapters/ports";
import { ENV } from "../contract";
import { EnvelopeDecryptor, KmsKeyProvider } from "../envelope";
import { errorFields } from "../errors";
import { json } from "../http";
import { normalisePrefix } from "../layout";
import { Authenticate, CognitoAuthOptions, cognitoAuthenticator, mayRead } from "../recipient/auth";
import { readPage } from "../recipient/page";
import { parseCursor, parseRecordsQuery, partitionPrefix } from "../recipient/query";
import { LAMBDA_RESPONSE_LIMIT_BYTES, pageResponse, unauthenticatedResponse } from "../recipient/response";
import { createLogger, Log, publishMetrics } from "../telemetry";

export { bearerToken, cognitoAuthenticator, TENANTS_CLAIM } from "../recipient/auth";
export type { Authenticate, AuthResult, Caller, CognitoAuthOptions } from "../recipient/auth";
export { LAMBDA_RESPONSE_LIMIT_BYTES, RETRY_AFTER_SECONDS } from "../recipient/response";
export type { DeliveredRecord, DeliveryFailure, RecipientResponse } from "../recipient/response";

/** Default page budget: the serialised Lambda response stays under this many bytes. */
export const DEFAULT_RESPONSE_BUDGET_BYTES = 6_000_000;
/** Default time kept in hand: the page ends when less than this remains of the invocation. */
export const DEFAULT_TIME_RESERVE_MS = 1500;

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

export type RecipientHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/**
 * The recipient: authentication (recipient/auth.ts), the request (recipient/query.ts), the caller's right to the
 * tenant, the page (recipient/page.ts) and the answer (recipient/response.ts), in that order.
 */
export function createRecipientHandler(deps: RecipientDeps): RecipientHandler {
    const prefix = normalisePrefix(deps.prefix);
    const budget = deps.maxResponseBytes ?? DEFAULT_RESPONSE_BUDGET_BYTES;
    if (!Number.isSafeInteger(budget) || budget < 1 || budget > LAMBDA_RESPONSE_LIMIT_BYTES) {
        throw new Error(`recipient: maxResponseBytes must be an integer in 1..${LAMBDA_RESPONSE_LIMIT_BYTES}; got ${budget}`);
    }
    const logger = deps.logger ?? createLogger("recipient");
    const metrics = deps.metrics ?? stdoutMetrics;
    const pageDeps = { store: deps.store, decryptor: deps.decryptor, budget, reserve: deps.timeReserveMs ?? DEFAULT_TIME_RESERVE_MS, logger };

    return async (event, context) => {
        const requestId = context.awsRequestId;
        const auth = await deps.authenticate(event);
        if (!auth.ok) {
            logger.warn("request refused: not authenticated", { requestId, reason: auth.reason });
            return unauthenticatedResponse(auth);
        }
        const query = parseRecordsQuery(event.queryStringParameters);
        if (!query.ok) {
            return json(400, { code: "bad-request", reason: query.reason });
        }
        const { tenant, schema } = query.value;
        if (!mayRead(auth.caller.tenants, tenant)) {
            return json(403, { code: "forbidden", reason: `caller is not authorised for tenant "${tenant}"` });
        }
        const partition = partitionPrefix(prefix, query.value);
        const start = parseCursor(event.queryStringParameters?.["after"], partition);
        if (!start.ok) {
            return json(400, { code: "bad-request", reason: start.reason });
        }
        const page = await readPage(pageDeps, partition, tenant, schema, start.value, context);
        publishMetrics(metrics, "recipient", {}, {
            RecordsDelivered: { value: page.records.length, unit: "Count" },
            DeliveryFailures: { value: page.failures.length, unit: "Count" },
            Duplicates: { value: page.duplicates, unit: "Count" },
        });
        if (page.stop?.internal !== undefined) {
            logger.error("the partition could not be read", { requestId, position: page.stop.next, ...errorFields(page.stop.internal) });
        }
        return pageResponse(query.value, page, requestId);
    };
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
