/**
 * Delivery: the real recipient handler reads every partition the data lake holds, page by page through `next`,
 * as each partition's tenant (a token of the local user pool), while KMS throttles Decrypt beyond the SDK's
 * retries partway through (with faults); then callers it must refuse try it.
 */
import type { APIGatewayProxyResult } from "aws-lambda";
import { ObjectStore } from "../../adapters/ports";
import { EnvelopeDecryptor, KeyProvider } from "../../envelope";
import { Authenticate, createRecipientHandler, RecipientHandler, RecipientResponse } from "../../handlers/recipient";
import { LocalUserPool } from "../cognito";
import { lambdaContext, restApiEvent } from "../events";
import { SCHEMAS, sha, TENANTS } from "../producer";
import { metricsFile } from "../run-files";
import { Run, serviceLog } from "./run";

/** What the recipient delivered, tallied over every response. */
export interface DeliveryOutcome {
    readonly partitions: number;
    readonly delivered: number;
    readonly responses: number;
    readonly maxResponseBytes: number;
    /** Pages that ended early (`interrupted`). */
    readonly interruptedPages: number;
    /** Answers 503 (retried). */
    readonly retryAnswers: number;
    /** How often each record id was delivered. */
    readonly deliveredCount: ReadonlyMap<string, number>;
    /** Delivered records whose plaintext is not the original. */
    readonly mismatches: number;
    /** recordId -> code of the failures that name a record. */
    readonly failures: ReadonlyMap<string, string>;
    /** The code of every failure. */
    readonly failureCodes: readonly string[];
    /** Partitions that could not be read, and unexpected answers. */
    readonly badResponses: readonly string[];
    /** The statuses answered to callers who must be refused. */
    readonly refusals: AuthorisationProbes;
}

/** Statuses the recipient answered to callers it must refuse. */
export interface AuthorisationProbes {
    /** A verified caller of another tenant. */
    readonly otherTenant: number;
    /** No token. */
    readonly anonymous: number;
    /** No token, only an authorizer field claiming every tenant (a direct invocation). */
    readonly authorizerOnly: number;
    /** A token of another user pool. */
    readonly forged: number;
}

/** What delivery needs from the setup. */
export interface DeliverySetup {
    readonly users: LocalUserPool;
    readonly authenticate: Authenticate;
    readonly recipientKeys: KeyProvider;
    /** recordId -> sha256 of the original plaintext. */
    readonly originals: ReadonlyMap<string, string>;
}

export interface PartitionQuery {
    readonly tenant: string;
    readonly schema: string;
    readonly date: string;
}

/** The query of a partition (`tenant=<t>/schema=<s>/date=<d>`, relative to the prefix); undefined for anything else. */
export function partitionQuery(partition: string): PartitionQuery | undefined {
    const m = /^tenant=([^/]+)\/schema=([^/]+)\/date=([^/]+)$/.exec(partition);
    return m ? { tenant: m[1], schema: m[2], date: m[3] } : undefined;
}

export async function recipientStage(run: Run, setup: DeliverySetup): Promise<DeliveryOutcome> {
    const { backend } = run;
    const recipient = createRecipientHandler({
        store: backend.store("recipient"),
        decryptor: new EnvelopeDecryptor(setup.recipientKeys),
        prefix: run.prefix,
        authenticate: setup.authenticate,
        metrics: metricsFile(run.logsDir, "recipient-metrics.log"),
        logger: serviceLog(run, "recipient"),
    });
    const partitions = await listPartitions(backend.store("setup"), run.prefix);
    if (run.faults) {
        backend.throttleDecrypt(3, 2);
    }
    const tally = new DeliveryTally(setup.originals);
    let partitionsDone = 0;
    for (const p of [...partitions].sort()) {
        const q = partitionQuery(p);
        if (!q) {
            tally.badResponses.push(`unexpected partition ${p}`);
            continue;
        }
        await readPartition(recipient, setup.users, p, q, tally);
        run.progress("recipient", ++partitionsDone, partitions.size);
    }
    const refusals = await probeAuthorisation(recipient, setup.users, backend.region);
    return { ...tally.outcome(), partitions: partitions.size, refusals };
}

/** The partitions (relative to `prefix`) of every object under `prefix`. */
async function listPartitions(listing: ObjectStore, prefix: string): Promise<Set<string>> {
    const partitions = new Set<string>();
    for (let cursor: string | undefined; ; ) {
        const page = await listing.list(prefix, cursor, 1000);
        for (const k of page.keys) {
            partitions.add(k.slice(prefix.length, k.lastIndexOf("/")));
            cursor = k;
        }
        if (!page.truncated) {
            break;
        }
    }
    return partitions;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Reads partition `p` (query `q`) to its end as its tenant, retrying 503s (up to 10 in a row). */
async function readPartition(recipient: RecipientHandler, users: LocalUserPool, p: string, q: PartitionQuery, tally: DeliveryTally): Promise<void> {
    const { tenant, schema, date } = q;
    const token = users.idToken({ tenants: tenant });
    let after: string | undefined;
    for (let retries = 0; ; ) {
        const res = await recipient(
            restApiEvent({ method: "GET", path: "/records", query: { tenant, schema, date, ...(after ? { after } : {}) }, headers: { Authorization: token } }),
            lambdaContext("recipient", 10_000),
        );
        tally.response(res);
        if (res.statusCode === 503 && retries++ < 10) {
            tally.retryAnswers++;
            await sleep(10);
            continue;
        }
        if (res.statusCode !== 200) {
            tally.badResponses.push(`${p}: ${res.statusCode} ${res.body.slice(0, 200)}`);
            break;
        }
        const body = JSON.parse(res.body) as RecipientResponse;
        tally.page(body);
        if (!body.next) {
            break;
        }
        after = body.next;
    }
}

/** The recipient's answers to a caller of another tenant, no token, only an authorizer field, and a token of another pool. */
async function probeAuthorisation(recipient: RecipientHandler, users: LocalUserPool, region: string): Promise<AuthorisationProbes> {
    const q = { tenant: TENANTS[0], schema: SCHEMAS[0], date: "2026-11-22" };
    const get = (headers: Record<string, string>, authorizer?: Record<string, unknown>) =>
        recipient(restApiEvent({ method: "GET", path: "/records", query: q, headers, ...(authorizer ? { authorizer } : {}) }), lambdaContext("recipient"));
    const otherTenant = await get({ Authorization: users.idToken({ tenants: TENANTS[1] }) });
    const anonymous = await get({});
    const authorizerOnly = await get({}, { tenants: "*", claims: { "custom:tenants": "*" } });
    const forged = await get({ Authorization: new LocalUserPool(region).idToken({ tenants: "*" }) });
    return { otherTenant: otherTenant.statusCode, anonymous: anonymous.statusCode, authorizerOnly: authorizerOnly.statusCode, forged: forged.statusCode };
}

/** Counts what the recipient's responses deliver. */
class DeliveryTally {
    private readonly deliveredCount = new Map<string, number>();
    private readonly failures = new Map<string, string>();
    private readonly failureCodes: string[] = [];
    readonly badResponses: string[] = [];
    private mismatches = 0;
    private delivered = 0;
    private responses = 0;
    private maxResponseBytes = 0;
    private interruptedPages = 0;
    retryAnswers = 0;

    constructor(private readonly originals: ReadonlyMap<string, string>) {}

    /** Any response: counted, and its serialised size. */
    response(res: APIGatewayProxyResult): void {
        this.responses++;
        this.maxResponseBytes = Math.max(this.maxResponseBytes, Buffer.byteLength(JSON.stringify(res)));
    }

    /** A page: its records (checked against the originals) and failures. */
    page(body: RecipientResponse): void {
        this.interruptedPages += body.interrupted ? 1 : 0;
        for (const r of body.records) {
            this.delivered++;
            this.deliveredCount.set(r.recordId, (this.deliveredCount.get(r.recordId) ?? 0) + 1);
            if (this.originals.get(r.recordId) !== sha(Buffer.from(r.plaintext, "base64"))) {
                this.mismatches++;
            }
        }
        for (const f of body.failures) {
            this.failureCodes.push(f.code);
            if (f.recordId) {
                this.failures.set(f.recordId, f.code);
            }
        }
    }

    outcome(): Omit<DeliveryOutcome, "partitions" | "refusals"> {
        const { delivered, responses, maxResponseBytes, interruptedPages, retryAnswers, deliveredCount, mismatches, failures, failureCodes, badResponses } = this;
        return { delivered, responses, maxResponseBytes, interruptedPages, retryAnswers, deliveredCount, mismatches, failures, failureCodes, badResponses };
    }
}
