/**
 * The program's own policies as AWS would read them: a stack (the real Pulumi.<stack>.yaml, every layer) built under
 * Pulumi mocks whose outputs are the gate's synthetic ones (realistic ARNs, key ids, user pool ids, queue URLs,
 * random suffixes), its resources handed to the pack's access model (policies/lib/stackAccess.ts), and the names of
 * the pipeline's resources and principals that requests are addressed to. Used by the access tests (tests/access)
 * and by `npm run pipeline:local -- --backend emulators` (its access check).
 */
import type { PolicyResource } from "@pulumi/policy";
import { checkRequests, renamer } from "../../../functions/src/local/access-check";
import type { LocalResources } from "../../../functions/src/local/backends";
import type { Check } from "../../../functions/src/local/pipeline";
import type { RecordedRequest } from "../../../functions/src/local/request-log";
import { managedPolicyDocument } from "../../../policies/lib/managedPolicies";
import { StackAccess } from "../../../policies/lib/stackAccess";
import { DATA_PREFIX } from "../../../infra/lib/layout";
import { ACCOUNTS, Created, REGION, syntheticState } from "../../infra/support/harness";
import { buildStack } from "../../infra/support/stack";

/** What the pipeline's requests are addressed to, in the program's names. */
export interface ProgramNames {
    readonly stack: string;
    readonly account: string;
    readonly region: string;
    /** The data lake's bucket name and the prefix the process stage writes to. */
    readonly dataBucket: string;
    readonly dataPrefix: string;
    /** Key ARNs by `e2ee:key-role`. */
    readonly keys: Readonly<Record<"records" | "storage" | "logs" | "secrets" | "backup", string>>;
    readonly dedupTableArn: string;
    readonly streamArn: string;
    /** Function ARNs. */
    readonly functions: Readonly<Record<"ingest" | "process" | "replay" | "recipient", string>>;
    /** Role ARNs of the pipeline's principals (`k8s-recipient` only where the recipient runs on Kubernetes). */
    readonly roles: Readonly<Record<string, string>>;
    /** `arn:...:execute-api:...:<api>/live/GET/records`: the one route that may invoke the recipient. */
    readonly recipientRouteArn: string;
    readonly ingestRouteArn: string;
}

export interface ProgramAccess {
    readonly names: ProgramNames;
    readonly access: StackAccess;
    /** Every custom resource, as the policy runtime sees it. */
    readonly resources: readonly PolicyResource[];
}

function plain(v: unknown): Record<string, unknown> {
    return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (x instanceof Promise ? undefined : x))) as Record<string, unknown>;
}

/** A registered resource as the policy runtime gives it to a stack policy (inputs and outputs, all known). */
export function policyResource(r: Created): PolicyResource {
    return {
        type: r.type,
        name: r.name,
        urn: r.urn ?? `urn:pulumi:mock::e2ee-pipeline::${r.type}::${r.name}`,
        props: plain({ ...r.inputs, ...r.state, id: r.id }),
        propertyDependencies: {},
        dependencies: [],
        isCustom: r.custom,
    } as unknown as PolicyResource;
}

/** Builds `stack` under synthetic mocks and reads the names the requests use. */
export async function programAccess(stack: string): Promise<ProgramAccess> {
    const built = await buildStack(stack, { state: await syntheticState() });
    const custom = built.resources.filter((r) => r.custom);
    const find = (type: string, name: string): Created => {
        const r = custom.find((x) => x.type === type && x.name === name);
        if (r === undefined) throw new Error(`${stack}: no ${type} named ${name}`);
        return r;
    };
    const arn = (type: string, name: string): string => String(find(type, name).state.arn);
    const keyRole = (role: string): string => {
        const k = custom.find((x) => x.type === "aws:kms/key:Key" && (x.inputs.tags as Record<string, string> | undefined)?.["e2ee:key-role"] === role);
        if (k === undefined) throw new Error(`${stack}: no ${role} key`);
        return String(k.state.arn);
    };
    const roles: Record<string, string> = {};
    for (const r of custom.filter((x) => x.type === "aws:iam/role:Role")) {
        roles[String(r.state.name).replace(`e2ee-pipeline-${stack}-`, "")] = String(r.state.arn);
    }
    const names: ProgramNames = {
        stack,
        account: ACCOUNTS[stack] ?? ACCOUNTS.test,
        region: REGION,
        dataBucket: String(find("aws:s3/bucket:Bucket", "storage-data-lake").state.bucket),
        dataPrefix: DATA_PREFIX,
        keys: { records: keyRole("records"), storage: keyRole("storage"), logs: keyRole("logs"), secrets: keyRole("secrets"), backup: keyRole("backup") },
        dedupTableArn: arn("aws:dynamodb/table:Table", "storage-dedup-table"),
        streamArn: arn("aws:kinesis/stream:Stream", "ingestion-stream"),
        functions: {
            ingest: arn("aws:lambda/function:Function", "ingestion-ingest-function"),
            process: arn("aws:lambda/function:Function", "processing-process-function"),
            replay: arn("aws:lambda/function:Function", "processing-replay-function"),
            recipient: arn("aws:lambda/function:Function", "serving-recipient-function"),
        },
        roles,
        recipientRouteArn: String(find("aws:lambda/permission:Permission", "serving-recipient-invoke").inputs.sourceArn),
        ingestRouteArn: String(find("aws:lambda/permission:Permission", "ingestion-ingest-invoke").inputs.sourceArn),
    };
    const resources = custom.map(policyResource);
    return { names, access: new StackAccess(resources, { account: names.account, managedPolicy: managedPolicyDocument }), resources };
}

/** The pipeline principals of the request log, by the names of their roles (`<namePrefix>-<name>`). */
export const CALLER_ROLES: Readonly<Record<string, string>> = { producer: "producer", ingest: "ingest", process: "process", replay: "replay", recipient: "recipient" };

/**
 * The access check of `pipeline:local --backend emulators`: every request of the pipeline's principals in the
 * request log, its local names (account, bucket, keys, table, stream) mapped to each stack's, allowed by that
 * stack's own policies. A request that is not is named, with the statement that denies it or the missing allow.
 */
export function programAccessCheck(stacks: readonly string[]): (requests: readonly RecordedRequest[], local: LocalResources) => Promise<Check> {
    return async (requests, local) => {
        const details: string[] = [];
        const problems: string[] = [];
        let ok = true;
        for (const stack of stacks) {
            const { names: n, access } = await programAccess(stack);
            const rename = renamer([
                [`arn:aws:s3:::${local.bucket}`, `arn:aws:s3:::${n.dataBucket}`],
                [local.recordsKeyArn, n.keys.records],
                [local.storageKeyArn, n.keys.storage],
                [local.tableArn, n.dedupTableArn],
                [local.streamArn, n.streamArn],
                [local.accountId, n.account],
            ]);
            const roles = Object.fromEntries(Object.entries(CALLER_ROLES).map(([caller, role]) => [caller, n.roles[role]]));
            const r = checkRequests(requests, { roles, rename, decide: (principalArn, request) => access.evaluate({ principalArn }, request) });
            ok &&= r.ok;
            problems.push(...r.problems.map((x) => `${stack}: ${x}`));
            details.push(`${stack}: ${r.decided - r.problems.length}/${r.decided} distinct requests allowed (${r.total} in all)`);
            if (stack === stacks[0]) {
                const byAction = [...r.allowed.entries()].sort().map(([k, v]) => `${k} ${v}`);
                details.push(`${byAction.join(", ")}; ${r.skipped} requests of the harness itself not decided`);
            }
        }
        return {
            name: `every request allowed by the program's own identity, key and bucket policies (${stacks.join(" and ")} stacks)`,
            ok,
            detail: `${details.join("; ")}${problems.length > 0 ? `; ${problems.length} not allowed: ${problems.slice(0, 5).join(" | ")}` : ""}`,
        };
    };
}
