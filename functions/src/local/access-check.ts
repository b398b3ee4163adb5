/**
 * The access check of `pipeline:local --backend emulators`: every request of the request log (request-log.ts), with
 * the local names (account, bucket, keys, table, stream) replaced by the deployed program's, decided by the
 * program's own identity, key and bucket policies. A request that is denied fails the check, named with the
 * statement that denies it or the allow that is missing.
 *
 * The decision itself is made by the caller (`RequestDecider`; the script uses the policy pack's access model on
 * the program built under Pulumi mocks), so this module only turns log entries into requests as IAM sees them:
 *
 * - the condition keys the log records, with every value renamed;
 * - `s3:TlsVersion` = `1.3` on S3 requests, as `aws:SecureTransport` = `true` (request-log.ts): deployed, the SDK's
 *   HTTPS endpoints negotiate TLS 1.3 (Node.js offers it, and the data lake's policy requires it);
 * - `aws:ViaAWSService`: `true` for the KMS requests S3 makes on the caller's behalf, else `false`;
 * - the keys a request lists completely: its service's request keys (a missing SSE header is absent, not unknown),
 *   and `aws:Source*` (a function calling a service directly has no source ARN or account).
 */
import { RecordedRequest } from "./request-log";

/** A request as IAM evaluates it (the shape of policies/lib/requestAccess.ts `AccessRequest`). */
export interface IamRequest {
    readonly action: string;
    readonly resource: string;
    readonly context: Readonly<Record<string, string | readonly string[]>>;
    readonly complete: readonly string[];
}

/** A decision (the shape of policies/lib/requestAccess.ts `AccessDecision`). */
export interface IamDecision {
    readonly decision: "allowed" | "denied" | "undecided";
    readonly allowedBy: readonly string[];
    readonly deniedBy: readonly string[];
    readonly reasons: readonly string[];
}

/** Decides a request made by the principal with this role ARN. */
export type RequestDecider = (principalArn: string, request: IamRequest) => IamDecision;

/** Condition-key prefixes each service's log entries list completely. */
const COMPLETE: Readonly<Record<string, readonly string[]>> = {
    s3: ["s3:x-amz-", "s3:prefix", "s3:delimiter", "s3:max-keys", "aws:source"],
    kms: ["kms:", "aws:source"],
    dynamodb: ["dynamodb:", "aws:source"],
    kinesis: ["kinesis:", "aws:source"],
};

/** Renames local names in a value: each `[local, program]` pair, longest first. */
export function renamer(pairs: readonly (readonly [string, string])[]): (value: string) => string {
    const sorted = [...pairs].filter(([a]) => a !== "").sort((a, b) => b[0].length - a[0].length);
    return (value) => {
        let out = value;
        for (const [from, to] of sorted) out = out.split(from).join(to);
        return out;
    };
}

/** The request an entry of the log stands for, renamed. */
export function iamRequest(entry: RecordedRequest, rename: (value: string) => string = (v) => v): IamRequest {
    const context: Record<string, string | readonly string[]> = {};
    for (const [k, v] of Object.entries(entry.conditions)) {
        context[k] = typeof v === "string" ? rename(v) : v.map(rename);
    }
    if (entry.service === "s3") context["s3:TlsVersion"] = "1.3";
    context["aws:ViaAWSService"] = entry.via !== undefined ? "true" : "false";
    return { action: entry.action, resource: rename(entry.resource), context, complete: COMPLETE[entry.service] ?? ["aws:source"] };
}

export interface AccessCheckResult {
    readonly ok: boolean;
    /** Distinct requests decided and their total count. */
    readonly decided: number;
    readonly total: number;
    /** Requests of callers that are not pipeline principals (the harness's own reads), not decided. */
    readonly skipped: number;
    /** `<caller> <action> <resource>: denied by <statement>` / `...: <missing allow>` / `...: undecided (<why>)`. */
    readonly problems: readonly string[];
    /** Decided requests per `<caller> <action>`: `allowed` counts. */
    readonly allowed: ReadonlyMap<string, number>;
}

/**
 * Decides every entry whose caller is a pipeline principal (`roles`: caller -> role ARN in the program); entries of
 * other callers are skipped and counted. A denied or undecided request is a problem.
 */
export function checkRequests(
    entries: readonly RecordedRequest[],
    options: { readonly roles: Readonly<Record<string, string>>; readonly rename: (value: string) => string; readonly decide: RequestDecider },
): AccessCheckResult {
    const problems: string[] = [];
    const allowed = new Map<string, number>();
    let decided = 0;
    let total = 0;
    let skipped = 0;
    for (const e of entries) {
        const role = options.roles[e.caller];
        if (role === undefined) {
            skipped += e.count;
            continue;
        }
        decided++;
        total += e.count;
        const req = iamRequest(e, options.rename);
        const d = options.decide(role, req);
        const what = `${e.caller} ${e.action}${e.via !== undefined ? ` (via ${e.via})` : ""} ${req.resource}`;
        if (d.decision === "allowed") {
            const k = `${e.caller} ${e.action}${e.via !== undefined ? ` via ${e.via}` : ""}`;
            allowed.set(k, (allowed.get(k) ?? 0) + e.count);
        } else if (d.decision === "denied") {
            problems.push(d.deniedBy.length > 0 ? `${what}: denied by ${d.deniedBy.join(" and ")}` : `${what}: denied: ${d.reasons.join("; ")}`);
        } else {
            problems.push(`${what}: undecided: ${d.reasons.join("; ")}`);
        }
    }
    return { ok: problems.length === 0 && decided > 0, decided, total, skipped, problems, allowed };
}
