/**
 * The IAM principals of a stack (roles and users) and the identity-based policies in effect for each, in every form
 * a Pulumi program attaches them:
 *
 * - roles: `aws.iam.Role` `inlinePolicies` and `managedPolicyArns`, `aws.iam.RolePolicy`,
 *   `aws.iam.RolePolicyAttachment`, `aws.iam.RolePolicyAttachmentsExclusive`, `aws.iam.PolicyAttachment` (`roles`);
 * - users: `aws.iam.UserPolicy`, `aws.iam.UserPolicyAttachment`, `aws.iam.UserPolicyAttachmentsExclusive`,
 *   `aws.iam.PolicyAttachment` (`users`), and the policies of their groups (`aws.iam.GroupMembership`,
 *   `aws.iam.UserGroupMembership`; `aws.iam.GroupPolicy`, `aws.iam.GroupPolicyAttachment`,
 *   `aws.iam.GroupPolicyAttachmentsExclusive`, `aws.iam.PolicyAttachment` `groups`);
 * - `permissionsBoundary` of roles and users.
 *
 * A policy ARN resolves to the `aws.iam.Policy` of the stack with that ARN (or the one the attachment's property
 * depends on). An AWS-managed policy resolves to a summary of its KMS-relevant statements when it is one of a few
 * common ones (`AWS_MANAGED_KMS_SUMMARIES`); any other policy ARN is a document outside the program. Principals are
 * matched by their name, ARN or the engine's property dependencies. Values unknown during preview are recorded in
 * the `Undecided` given (with the holder and property), and the documents are passed on as unavailable.
 */
import type { PolicyResource } from "@pulumi/policy";
import { coversAction, parsePolicyDocument, PolicyDocumentError, type PolicyDocument } from "./iam";
import type { IdentityPolicy, KmsPrincipal } from "./kmsAccess";
import { known, stringProp, UNKNOWN, type Unknown } from "./known";
import { isUnknownSentinel, peek, raw, type Undecided } from "./unknown";

/** A document in effect for a principal, with the resource that holds it. */
export interface AttachedPolicy {
    /** The resource holding the document (the role for an inline policy, the `aws.iam.Policy`, the `RolePolicy`). */
    readonly holder: PolicyResource;
    /** The input of `holder` its value came from, for property dependencies (e.g. `policy`, `inlinePolicies`). */
    readonly depProperty: string;
    readonly policy: IdentityPolicy;
}

export interface StackPrincipal {
    readonly resource: PolicyResource;
    readonly kind: "role" | "user";
    /** The role or user name input, or the logical name when it is not known. */
    readonly label: string;
    readonly name: string | undefined | Unknown;
    readonly arn: string | undefined;
    /** Tags, or UNKNOWN. */
    readonly tags: Readonly<Record<string, string>> | Unknown;
    readonly sessionTags: boolean | "unknown";
    readonly policies: readonly AttachedPolicy[];
    readonly boundary?: AttachedPolicy;
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

const IAM_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):(role|user|group)\/(?:.*\/)?([^/]+)$/;
const AWS_MANAGED = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/;

function parse(rawDoc: unknown): PolicyDocument | undefined {
    try {
        return parsePolicyDocument(rawDoc);
    } catch (e) {
        if (e instanceof PolicyDocumentError) {
            return undefined;
        }
        throw e;
    }
}

/** Whether a document that is partly unknown may hold a Deny (a statement whose Effect is not known to be Allow). */
function mayDeny(rawDoc: unknown): boolean {
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

function tagsOf(res: PolicyResource): Readonly<Record<string, string>> | Unknown {
    return known(() => {
        const t: unknown = res.props["tags"];
        if (typeof t !== "object" || t === null) return {};
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(t as Record<string, unknown>)) {
            if (typeof v === "string") out[k] = v;
        }
        return out;
    });
}

/** Whether the role's trust policy lets callers pass session tags (sts:TagSession). */
function sessionTagsOf(role: PolicyResource): boolean | "unknown" {
    const rawDoc = known(() => role.props["assumeRolePolicy"]);
    if (rawDoc === UNKNOWN) return "unknown";
    if (rawDoc === undefined || rawDoc === null || rawDoc === "") return false;
    const doc = known(() => parse(rawDoc));
    if (doc === UNKNOWN) return "unknown";
    if (doc === undefined) return false; // not a policy document: AWS rejects it at deployment
    return doc.statements.some((s) => s.effect === "Allow" && coversAction(s, "sts:TagSession"));
}

function list(v: unknown): unknown[] {
    return Array.isArray(v) ? Array.from(v as unknown[]) : [];
}

/** Collects the stack's roles and users with their identity policies and boundaries. */
export function collectPrincipals(resources: readonly PolicyResource[], undecided: Undecided): StackPrincipal[] {
    const byType = (t: string) => resources.filter((r) => r.type === t);
    const policies = byType("aws:iam/policy:Policy");
    const groups = byType("aws:iam/group:Group");
    const policyByArn = new Map<string, PolicyResource>();
    for (const p of policies) {
        const a = stringProp(p.props, "arn");
        if (typeof a === "string" && !policyByArn.has(a)) policyByArn.set(a, p);
    }
    /** The resources of `among` that `holder.prop` depends on (by the engine's property dependencies). */
    const deps = <T>(holder: PolicyResource, prop: string, among: ReadonlyMap<string, T>): T[] =>
        (holder.propertyDependencies?.[prop] ?? []).map((d) => among.get(d.urn)).filter((x): x is T => x !== undefined);
    const policyByUrn = new Map(policies.map((p) => [p.urn, p] as const));
    const groupByUrn = new Map(groups.map((g) => [g.urn, g] as const));

    /** The document of an identity policy held by `holder` at `property`. */
    const document = (holder: PolicyResource, property: string, depProperty: string, read: () => unknown, via?: string): AttachedPolicy | undefined => {
        const source = { label: `${holder.name} ${property}`, urn: holder.urn };
        const base = via === undefined ? {} : { via };
        const rawDoc = known(read);
        if (rawDoc === UNKNOWN) {
            undecided.add(`${holder.name} ${property} is unknown`);
            return { holder, depProperty, policy: { source, document: undefined, unavailable: "is unknown during preview", mayDeny: true, ...base } };
        }
        if (rawDoc === undefined || rawDoc === null || rawDoc === "") return undefined;
        let unknownRead = false;
        const doc = undecided.attempt(source.label, () => {
            try {
                return parse(rawDoc);
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
    };

    /** Documents of the managed policies `holder.prop` names (one ARN or a list). */
    const managed = (holder: PolicyResource, prop: string, via?: string): AttachedPolicy[] => {
        const value = known(() => {
            const v: unknown = holder.props[prop];
            return Array.isArray(v) ? Array.from(v as unknown[]) : v;
        });
        const byDep = deps(holder, prop, policyByUrn);
        const out: AttachedPolicy[] = [];
        const add = (p: PolicyResource) => {
            const d = document(p, "policy", "policy", () => p.props["policy"], via);
            if (d !== undefined && !out.some((x) => x.holder === p)) out.push(d);
        };
        byDep.forEach(add);
        if (value === UNKNOWN) {
            if (byDep.length === 0) {
                undecided.add(`the policy ARN ${prop} of ${holder.name} is unknown`);
                out.push({ holder, depProperty: prop, policy: { source: { label: `${holder.name} ${prop}`, urn: holder.urn }, document: undefined, unavailable: "is unknown during preview", mayDeny: true, ...(via === undefined ? {} : { via }) } });
            }
            return out;
        }
        const arns = (Array.isArray(value) ? value : [value]).filter((a): a is string => typeof a === "string" && a !== "");
        for (const arn of arns) {
            if (isUnknownSentinel(arn)) {
                if (byDep.length === 0) undecided.add(`a policy ARN in ${prop} of ${holder.name} is unknown`);
                continue;
            }
            const inStack = policyByArn.get(arn);
            if (inStack !== undefined) {
                add(inStack);
                continue;
            }
            if (byDep.length > 0 && !Array.isArray(value)) continue;
            const name = AWS_MANAGED.exec(arn)?.[1];
            const summary = name === undefined ? undefined : AWS_MANAGED_KMS_SUMMARIES[name];
            const source = { label: `${name !== undefined ? "AWS-managed policy" : "policy"} ${arn}`, urn: holder.urn };
            const base = via === undefined ? {} : { via };
            out.push({
                holder,
                depProperty: prop,
                policy:
                    summary !== undefined
                        ? { source, document: parsePolicyDocument({ Statement: summary }), ...base }
                        : { source, document: undefined, unavailable: name !== undefined ? "is an AWS-managed policy whose document is not in the program" : "is not in the program", ...base },
            });
        }
        return out;
    };

    // Principals.
    const principals: { res: PolicyResource; kind: "role" | "user"; name: string | undefined | Unknown; arn: string | undefined; policies: AttachedPolicy[]; boundary?: AttachedPolicy }[] = [];
    for (const res of resources) {
        const kind = res.type === "aws:iam/role:Role" ? "role" : res.type === "aws:iam/user:User" ? "user" : undefined;
        if (kind === undefined) continue;
        const arn = stringProp(res.props, "arn");
        principals.push({ res, kind, name: stringProp(res.props, "name"), arn: typeof arn === "string" ? arn : undefined, policies: [] });
    }
    const principalByUrn = new Map(principals.map((p) => [p.res.urn, p] as const));
    const principalByName = new Map<string, (typeof principals)[number]>();
    const principalByArn = new Map<string, (typeof principals)[number]>();
    for (const p of principals) {
        if (typeof p.name === "string" && !principalByName.has(`${p.kind}:${p.name}`)) principalByName.set(`${p.kind}:${p.name}`, p);
        if (p.arn !== undefined && !principalByArn.has(p.arn)) principalByArn.set(p.arn, p);
    }
    const byName = (kind: "role" | "user", n: string) => principalByName.get(`${kind}:${n}`);
    const byArn = (kind: "role" | "user", arn: string) => {
        const m = IAM_ARN.exec(arn);
        if (m === null || m[2] !== kind) return undefined;
        const [, account, , n] = m;
        return (
            principalByArn.get(arn) ??
            [byName(kind, n)].find((p) => p !== undefined && (p.arn === undefined || IAM_ARN.exec(p.arn)?.[1] === account))
        );
    };
    /** The principals `holder.prop` names (a name or ARN, or a list), by property dependency first. */
    const named = (kind: "role" | "user", holder: PolicyResource, prop: string) => {
        const byDep = deps(holder, prop, principalByUrn).filter((p) => p.kind === kind);
        if (byDep.length > 0) return byDep;
        const v = known(() => {
            const x: unknown = holder.props[prop];
            return Array.isArray(x) ? Array.from(x as unknown[]) : x;
        });
        if (v === UNKNOWN) {
            undecided.add(`${prop} of ${holder.name} is unknown`);
            return [];
        }
        return (Array.isArray(v) ? v : [v])
            .filter((x): x is string => typeof x === "string")
            .map((x) => byName(kind, x) ?? byArn(kind, x))
            .filter((x): x is (typeof principals)[number] => x !== undefined);
    };
    const groupsNamed = (holder: PolicyResource, prop: string) => {
        const byDep = deps(holder, prop, groupByUrn);
        if (byDep.length > 0) return byDep;
        const v = known(() => {
            const x: unknown = holder.props[prop];
            return Array.isArray(x) ? Array.from(x as unknown[]) : x;
        });
        if (v === UNKNOWN) {
            undecided.add(`${prop} of ${holder.name} is unknown`);
            return [];
        }
        return groups.filter((g) => {
            const n = stringProp(g.props, "name");
            const a = stringProp(g.props, "arn");
            return (Array.isArray(v) ? v : [v]).some((x) => typeof x === "string" && (x === n || x === a));
        });
    };
    const attach = (ps: readonly (typeof principals)[number][], docs: readonly AttachedPolicy[]) => {
        for (const p of ps) for (const d of docs) if (!p.policies.includes(d)) p.policies.push(d);
    };

    // Group documents, then memberships.
    const groupDocs = new Map<PolicyResource, AttachedPolicy[]>(groups.map((g) => [g, []]));
    const groupVia = (g: PolicyResource) => `through group "${(() => {
        const n = stringProp(g.props, "name");
        return typeof n === "string" ? n : g.name;
    })()}"`;

    for (const p of principals) {
        const res = p.res;
        if (p.kind === "role") {
            const inline = known(() => res.props["inlinePolicies"]);
            if (inline === UNKNOWN) {
                undecided.add(`${res.name} inlinePolicies is unknown`);
            } else {
                list(inline).forEach((_x, i) => {
                    const d = document(res, `inlinePolicies[${i}].policy`, "inlinePolicies", () => (list(res.props["inlinePolicies"])[i] as Record<string, unknown>)["policy"]);
                    if (d !== undefined) p.policies.push(d);
                });
            }
            attach([p], managed(res, "managedPolicyArns"));
        }
        const boundary = known(() => res.props["permissionsBoundary"]);
        if (boundary === UNKNOWN || (typeof boundary === "string" && boundary !== "")) {
            const b = managed(res, "permissionsBoundary");
            if (b.length > 0) p.boundary = b[0];
        }
    }
    for (const r of resources) {
        switch (r.type) {
            case "aws:iam/rolePolicy:RolePolicy":
            case "aws:iam/userPolicy:UserPolicy": {
                const kind = r.type === "aws:iam/rolePolicy:RolePolicy" ? "role" : "user";
                const ps = named(kind, r, kind);
                const d = ps.length > 0 ? document(r, "policy", "policy", () => r.props["policy"]) : undefined;
                if (d !== undefined) attach(ps, [d]);
                break;
            }
            case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
            case "aws:iam/userPolicyAttachment:UserPolicyAttachment": {
                const kind = r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" ? "role" : "user";
                const ps = named(kind, r, kind);
                if (ps.length > 0) attach(ps, managed(r, "policyArn"));
                break;
            }
            case "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive":
            case "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": {
                const kind = r.type.startsWith("aws:iam/role") ? "role" : "user";
                const ps = named(kind, r, kind === "role" ? "roleName" : "userName");
                if (ps.length > 0) attach(ps, managed(r, "policyArns"));
                break;
            }
            case "aws:iam/policyAttachment:PolicyAttachment": {
                const ps = [...named("role", r, "roles"), ...named("user", r, "users")];
                const gs = groupsNamed(r, "groups");
                if (ps.length === 0 && gs.length === 0) break;
                const docs = managed(r, "policyArn");
                attach(ps, docs);
                for (const g of gs) groupDocs.get(g)?.push(...managed(r, "policyArn", groupVia(g)));
                break;
            }
            case "aws:iam/groupPolicy:GroupPolicy": {
                for (const g of groupsNamed(r, "group")) {
                    const d = document(r, "policy", "policy", () => r.props["policy"], groupVia(g));
                    if (d !== undefined) groupDocs.get(g)?.push(d);
                }
                break;
            }
            case "aws:iam/groupPolicyAttachment:GroupPolicyAttachment":
            case "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": {
                const single = r.type === "aws:iam/groupPolicyAttachment:GroupPolicyAttachment";
                for (const g of groupsNamed(r, single ? "group" : "groupName")) groupDocs.get(g)?.push(...managed(r, single ? "policyArn" : "policyArns", groupVia(g)));
                break;
            }
            default:
                break;
        }
    }
    for (const r of resources) {
        if (r.type === "aws:iam/groupMembership:GroupMembership") {
            const users = named("user", r, "users");
            for (const g of groupsNamed(r, "group")) attach(users, groupDocs.get(g) ?? []);
        } else if (r.type === "aws:iam/userGroupMembership:UserGroupMembership") {
            const users = named("user", r, "user");
            for (const g of groupsNamed(r, "groups")) attach(users, groupDocs.get(g) ?? []);
        }
    }

    return principals.map((p) => ({
        resource: p.res,
        kind: p.kind,
        label: typeof p.name === "string" ? p.name : p.res.name,
        name: p.name,
        arn: p.arn,
        tags: tagsOf(p.res),
        sessionTags: p.kind === "role" ? sessionTagsOf(p.res) : false,
        policies: p.policies,
        ...(p.boundary !== undefined ? { boundary: p.boundary } : {}),
    }));
}

/** The account of an IAM ARN. */
export function accountOf(arn: string | undefined): string | undefined {
    return arn === undefined ? undefined : /^arn:aws[a-z-]*:[a-z0-9-]+:[^:]*:(\d{12}):/.exec(arn)?.[1];
}

/** The principal as `evaluateKeyAccess` takes it; `adjust` may replace each document (e.g. its resource matcher). */
export function toKmsPrincipal(p: StackPrincipal, adjust: (a: AttachedPolicy) => IdentityPolicy = (a) => a.policy): KmsPrincipal {
    return {
        kind: p.kind,
        name: p.label,
        urn: p.resource.urn,
        arn: p.arn,
        account: accountOf(p.arn),
        tags: p.tags === UNKNOWN ? undefined : p.tags,
        sessionTags: p.sessionTags,
        policies: p.policies.map(adjust),
        ...(p.boundary !== undefined ? { boundary: adjust(p.boundary) } : {}),
    };
}
