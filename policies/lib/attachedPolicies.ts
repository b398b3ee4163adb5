/**
 * The identity-based documents a stack attaches to its principals (./iamStack.ts), each read from the resource that
 * holds it: a document input (a role's `inlinePolicies`, `aws.iam.RolePolicy`, `aws.iam.Policy` ...), or a policy
 * ARN (`managedPolicyArns`, `policyArn`, `permissionsBoundary` ...).
 *
 * A policy ARN resolves to the `aws.iam.Policy` of the stack with that ARN (or the one the attachment's property
 * depends on). An AWS-managed policy resolves to a summary of its KMS-relevant statements when it is one of a few
 * common ones (`AWS_MANAGED_KMS_SUMMARIES`); any other policy ARN is a document outside the program. Values unknown
 * during preview are recorded in the `Undecided` given (with the holder and property), and the documents are passed
 * on as unavailable.
 */
import type { PolicyResource } from "@pulumi/policy";
import { parsePolicyDocument, policyDocumentOrUndefined } from "./iam";
import type { IdentityPolicy } from "./kmsAccess";
import { known, stringProp, UNKNOWN } from "./known";
import { isUnknownSentinel, peek, raw, type Undecided } from "./unknown";

/** A document in effect for a principal, with the resource that holds it. */
export interface AttachedPolicy {
    /** The resource holding the document (the role for an inline policy, the `aws.iam.Policy`, the `RolePolicy`). */
    readonly holder: PolicyResource;
    /** The input of `holder` its value came from, for property dependencies (e.g. `policy`, `inlinePolicies`). */
    readonly depProperty: string;
    readonly policy: IdentityPolicy;
}

/**
 * KMS-relevant statements of common AWS-managed policies (by policy name): administrator and power-user access, and
 * service-role policies that grant no KMS action.
 */
export const AWS_MANAGED_KMS_SUMMARIES: Readonly<Record<string, readonly unknown[]>> = {
    AdministratorAccess: [{ Effect: "Allow", Action: "*", Resource: "*" }],
    PowerUserAccess: [{ Effect: "Allow", NotAction: ["iam:*", "organizations:*", "account:*"], Resource: "*" }],
    AWSLambdaBasicExecutionRole: [],
    AWSLambdaVPCAccessExecutionRole: [],
    AWSXRayDaemonWriteAccess: [],
    AmazonEKSWorkerNodePolicy: [],
    AmazonEKS_CNI_Policy: [],
    AmazonEC2ContainerRegistryReadOnly: [],
};

const AWS_MANAGED = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/;

/** Whether a document that is partly unknown may hold a Deny (a statement whose Effect is not known to be Allow). */
export function mayDeny(rawDoc: unknown): boolean {
    const r = raw(rawDoc);
    if (typeof r !== "object" || r === null) return true;
    const st = peek(r, "Statement");
    if (!st.known) return true;
    const list = Array.isArray(st.value) ? (st.value as unknown[]) : [st.value];
    return list.some((s) => {
        const e = peek(s, "Effect");
        return !e.known || e.value !== "Allow";
    });
}

/** `{ via }` when a document reaches the principal indirectly, else nothing. */
function viaOf(via: string | undefined): { via?: string } {
    return via === undefined ? {} : { via };
}

/**
 * The document of an identity policy held by `holder` at `property` (`read` reads it, `depProperty` is the input
 * it comes from); undefined when there is none or it is not a policy document.
 */
export function heldDocument(
    holder: PolicyResource,
    property: string,
    depProperty: string,
    read: () => unknown,
    undecided: Undecided,
    via?: string,
): AttachedPolicy | undefined {
    const source = { label: `${holder.name} ${property}`, urn: holder.urn };
    const base = viaOf(via);
    const rawDoc = known(read);
    if (rawDoc === UNKNOWN) {
        undecided.add(`${holder.name} ${property} is unknown`);
        return { holder, depProperty, policy: { source, document: undefined, unavailable: "is unknown during preview", mayDeny: true, ...base } };
    }
    if (rawDoc === undefined || rawDoc === null || rawDoc === "") return undefined;
    let unknownRead = false;
    const doc = undecided.attempt(source.label, () => {
        try {
            return policyDocumentOrUndefined(rawDoc);
        } catch (e) {
            unknownRead = true;
            throw e;
        }
    });
    if (doc === undefined) {
        if (!unknownRead) return undefined; // not a policy document: AWS rejects it at deployment
        return { holder, depProperty, policy: { source, document: undefined, unavailable: "is partly unknown during preview", mayDeny: mayDeny(rawDoc), ...base } };
    }
    return { holder, depProperty, policy: { source, document: doc, ...base } };
}

/**
 * The document a policy ARN that is not the stack's names, as attached by `holder.prop`: the summary of a common
 * AWS-managed policy, or a document that is not available.
 */
export function policyOutsideStack(holder: PolicyResource, prop: string, arn: string, via?: string): AttachedPolicy {
    const name = AWS_MANAGED.exec(arn)?.[1];
    const summary = name === undefined ? undefined : AWS_MANAGED_KMS_SUMMARIES[name];
    const source = { label: `${name !== undefined ? "AWS-managed policy" : "policy"} ${arn}`, urn: holder.urn };
    const base = viaOf(via);
    return {
        holder,
        depProperty: prop,
        policy:
            summary !== undefined
                ? { source, document: parsePolicyDocument({ Statement: summary }), ...base }
                : { source, document: undefined, unavailable: name !== undefined ? "is an AWS-managed policy whose document is not in the program" : "is not in the program", ...base },
    };
}

/** The resources of `among` that `holder.prop` depends on (by the engine's property dependencies). */
export function dependencies<T>(holder: PolicyResource, prop: string, among: ReadonlyMap<string, T>): T[] {
    return (holder.propertyDependencies?.[prop] ?? []).map((d) => among.get(d.urn)).filter((x): x is T => x !== undefined);
}

/** The stack's `aws.iam.Policy` resources, by ARN (the first with each) and by URN. */
export interface StackPolicies {
    readonly byArn: ReadonlyMap<string, PolicyResource>;
    readonly byUrn: ReadonlyMap<string, PolicyResource>;
}

export function indexPolicies(resources: readonly PolicyResource[]): StackPolicies {
    const policies = resources.filter((r) => r.type === "aws:iam/policy:Policy");
    const byArn = new Map<string, PolicyResource>();
    for (const p of policies) {
        const a = stringProp(p.props, "arn");
        if (typeof a === "string" && !byArn.has(a)) byArn.set(a, p);
    }
    return { byArn, byUrn: new Map(policies.map((p) => [p.urn, p] as const)) };
}

/** Documents of the managed policies `holder.prop` names (one ARN or a list). */
export function managedDocuments(policies: StackPolicies, undecided: Undecided, holder: PolicyResource, prop: string, via?: string): AttachedPolicy[] {
    const value = known(() => {
        const v: unknown = holder.props[prop];
        return Array.isArray(v) ? Array.from(v as unknown[]) : v;
    });
    const byDep = dependencies(holder, prop, policies.byUrn);
    const out: AttachedPolicy[] = [];
    const add = (p: PolicyResource) => {
        const d = heldDocument(p, "policy", "policy", () => p.props["policy"], undecided, via);
        if (d !== undefined && !out.some((x) => x.holder === p)) out.push(d);
    };
    byDep.forEach(add);
    if (value === UNKNOWN) {
        if (byDep.length === 0) {
            undecided.add(`the policy ARN ${prop} of ${holder.name} is unknown`);
            out.push({ holder, depProperty: prop, policy: { source: { label: `${holder.name} ${prop}`, urn: holder.urn }, document: undefined, unavailable: "is unknown during preview", mayDeny: true, ...viaOf(via) } });
        }
        return out;
    }
    const arns = (Array.isArray(value) ? value : [value]).filter((a): a is string => typeof a === "string" && a !== "");
    for (const arn of arns) {
        if (isUnknownSentinel(arn)) {
            if (byDep.length === 0) undecided.add(`a policy ARN in ${prop} of ${holder.name} is unknown`);
            continue;
        }
        const inStack = policies.byArn.get(arn);
        if (inStack !== undefined) {
            add(inStack);
            continue;
        }
        if (byDep.length > 0 && !Array.isArray(value)) continue;
        out.push(policyOutsideStack(holder, prop, arn, via));
    }
    return out;
}
