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
 * How each document is read, and what a policy ARN resolves to, is ./attachedPolicies.ts. Principals and groups are
 * matched by their name, ARN or the engine's property dependencies. Values unknown during preview are recorded in
 * the `Undecided` given (with the holder and property).
 */
import type { PolicyResource } from "@pulumi/policy";
import { dependencies, heldDocument, indexPolicies, managedDocuments, type AttachedPolicy, type StackPolicies } from "./attachedPolicies";
import { coversAction, policyDocumentOrUndefined } from "./iam";
import type { IdentityPolicy, KmsPrincipal } from "./kmsAccess";
import { known, stringProp, UNKNOWN, type Unknown } from "./known";
import type { Undecided } from "./unknown";

export { AWS_MANAGED_KMS_SUMMARIES, type AttachedPolicy } from "./attachedPolicies";

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

const IAM_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):(role|user|group)\/(?:.*\/)?([^/]+)$/;

/** The account, kind and name of a role, user or group ARN (the name without its path); undefined for any other. */
export function parseIamArn(arn: string): { readonly account: string; readonly kind: "role" | "user" | "group"; readonly name: string } | undefined {
    const m = IAM_ARN.exec(arn);
    return m === null ? undefined : { account: m[1], kind: m[2] as "role" | "user" | "group", name: m[3] };
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
    const doc = known(() => policyDocumentOrUndefined(rawDoc));
    if (doc === UNKNOWN) return "unknown";
    if (doc === undefined) return false; // not a policy document: AWS rejects it at deployment
    return doc.statements.some((s) => s.effect === "Allow" && coversAction(s, "sts:TagSession"));
}

function list(v: unknown): unknown[] {
    return Array.isArray(v) ? Array.from(v as unknown[]) : [];
}

/** A principal while its documents are being collected. */
interface Collecting {
    readonly res: PolicyResource;
    readonly kind: "role" | "user";
    readonly name: string | undefined | Unknown;
    readonly arn: string | undefined;
    readonly policies: AttachedPolicy[];
    boundary?: AttachedPolicy;
}

/** The stack's policies, groups and principals, indexed the ways attachments name them. */
interface StackIam {
    readonly undecided: Undecided;
    readonly policies: StackPolicies;
    readonly groups: readonly PolicyResource[];
    readonly groupByUrn: ReadonlyMap<string, PolicyResource>;
    /** The documents of each group (filled in before memberships attach them). */
    readonly groupDocs: Map<PolicyResource, AttachedPolicy[]>;
    readonly principals: readonly Collecting[];
    readonly principalByUrn: ReadonlyMap<string, Collecting>;
    /** By `<kind>:<name>` (the first with each). */
    readonly principalByName: ReadonlyMap<string, Collecting>;
    /** By ARN (the first with each). */
    readonly principalByArn: ReadonlyMap<string, Collecting>;
}

function indexStack(resources: readonly PolicyResource[], undecided: Undecided): StackIam {
    const groups = resources.filter((r) => r.type === "aws:iam/group:Group");
    const principals: Collecting[] = [];
    for (const res of resources) {
        const kind = res.type === "aws:iam/role:Role" ? "role" : res.type === "aws:iam/user:User" ? "user" : undefined;
        if (kind === undefined) continue;
        const arn = stringProp(res.props, "arn");
        principals.push({ res, kind, name: stringProp(res.props, "name"), arn: typeof arn === "string" ? arn : undefined, policies: [] });
    }
    const principalByName = new Map<string, Collecting>();
    const principalByArn = new Map<string, Collecting>();
    for (const p of principals) {
        if (typeof p.name === "string" && !principalByName.has(`${p.kind}:${p.name}`)) principalByName.set(`${p.kind}:${p.name}`, p);
        if (p.arn !== undefined && !principalByArn.has(p.arn)) principalByArn.set(p.arn, p);
    }
    return {
        undecided,
        policies: indexPolicies(resources),
        groups,
        groupByUrn: new Map(groups.map((g) => [g.urn, g] as const)),
        groupDocs: new Map(groups.map((g) => [g, []])),
        principals,
        principalByUrn: new Map(principals.map((p) => [p.res.urn, p] as const)),
        principalByName,
        principalByArn,
    };
}

/** The principal of `kind` a name or ARN names: by name, else by ARN (or by the ARN's name, in its account). */
function principalNamed(iam: StackIam, kind: "role" | "user", nameOrArn: string): Collecting | undefined {
    const byName = (n: string) => iam.principalByName.get(`${kind}:${n}`);
    const direct = byName(nameOrArn);
    if (direct !== undefined) return direct;
    const parsed = parseIamArn(nameOrArn);
    if (parsed === undefined || parsed.kind !== kind) return undefined;
    return (
        iam.principalByArn.get(nameOrArn) ??
        [byName(parsed.name)].find((p) => p !== undefined && (p.arn === undefined || parseIamArn(p.arn)?.account === parsed.account))
    );
}

/** The values of `holder.prop` (one or a list), or UNKNOWN (recorded as undecided). */
function namesIn(iam: StackIam, holder: PolicyResource, prop: string): unknown[] | Unknown {
    const v = known(() => {
        const x: unknown = holder.props[prop];
        return Array.isArray(x) ? Array.from(x as unknown[]) : x;
    });
    if (v === UNKNOWN) {
        iam.undecided.add(`${prop} of ${holder.name} is unknown`);
        return UNKNOWN;
    }
    return Array.isArray(v) ? v : [v];
}

/** The principals `holder.prop` names (a name or ARN, or a list), by property dependency first. */
function principalsNamed(iam: StackIam, kind: "role" | "user", holder: PolicyResource, prop: string): Collecting[] {
    const byDep = dependencies(holder, prop, iam.principalByUrn).filter((p) => p.kind === kind);
    if (byDep.length > 0) return byDep;
    const names = namesIn(iam, holder, prop);
    if (names === UNKNOWN) return [];
    return names
        .filter((x): x is string => typeof x === "string")
        .map((x) => principalNamed(iam, kind, x))
        .filter((x): x is Collecting => x !== undefined);
}

/** The groups `holder.prop` names (a name or ARN, or a list), by property dependency first. */
function groupsNamed(iam: StackIam, holder: PolicyResource, prop: string): PolicyResource[] {
    const byDep = dependencies(holder, prop, iam.groupByUrn);
    if (byDep.length > 0) return byDep;
    const names = namesIn(iam, holder, prop);
    if (names === UNKNOWN) return [];
    return iam.groups.filter((g) => {
        const n = stringProp(g.props, "name");
        const a = stringProp(g.props, "arn");
        return names.some((x) => typeof x === "string" && (x === n || x === a));
    });
}

/** How a group's document reaches its members, e.g. `through group "devs"`. */
function groupVia(g: PolicyResource): string {
    const n = stringProp(g.props, "name");
    return `through group "${typeof n === "string" ? n : g.name}"`;
}

function attach(ps: readonly Collecting[], docs: readonly AttachedPolicy[]): void {
    for (const p of ps) for (const d of docs) if (!p.policies.includes(d)) p.policies.push(d);
}

/** What a role or user holds itself: a role's inline and managed policies, and the permissions boundary. */
function collectOwn(iam: StackIam, p: Collecting): void {
    const res = p.res;
    if (p.kind === "role") {
        const inline = known(() => res.props["inlinePolicies"]);
        if (inline === UNKNOWN) {
            iam.undecided.add(`${res.name} inlinePolicies is unknown`);
        } else {
            list(inline).forEach((_x, i) => {
                const read = () => (list(res.props["inlinePolicies"])[i] as Record<string, unknown>)["policy"];
                const d = heldDocument(res, `inlinePolicies[${i}].policy`, "inlinePolicies", read, iam.undecided);
                if (d !== undefined) p.policies.push(d);
            });
        }
        attach([p], managedDocuments(iam.policies, iam.undecided, res, "managedPolicyArns"));
    }
    const boundary = known(() => res.props["permissionsBoundary"]);
    if (boundary === UNKNOWN || (typeof boundary === "string" && boundary !== "")) {
        const b = managedDocuments(iam.policies, iam.undecided, res, "permissionsBoundary");
        if (b.length > 0) p.boundary = b[0];
    }
}

/** The documents a policy resource or attachment `r` gives roles and users directly, and groups (for their members). */
function collectAttachment(iam: StackIam, r: PolicyResource): void {
    const managed = (prop: string, via?: string) => managedDocuments(iam.policies, iam.undecided, r, prop, via);
    const held = (via?: string) => heldDocument(r, "policy", "policy", () => r.props["policy"], iam.undecided, via);
    switch (r.type) {
        case "aws:iam/rolePolicy:RolePolicy":
        case "aws:iam/userPolicy:UserPolicy": {
            const kind = r.type === "aws:iam/rolePolicy:RolePolicy" ? "role" : "user";
            const ps = principalsNamed(iam, kind, r, kind);
            const d = ps.length > 0 ? held() : undefined;
            if (d !== undefined) attach(ps, [d]);
            break;
        }
        case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
        case "aws:iam/userPolicyAttachment:UserPolicyAttachment": {
            const kind = r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" ? "role" : "user";
            const ps = principalsNamed(iam, kind, r, kind);
            if (ps.length > 0) attach(ps, managed("policyArn"));
            break;
        }
        case "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive":
        case "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": {
            const kind = r.type.startsWith("aws:iam/role") ? "role" : "user";
            const ps = principalsNamed(iam, kind, r, kind === "role" ? "roleName" : "userName");
            if (ps.length > 0) attach(ps, managed("policyArns"));
            break;
        }
        case "aws:iam/policyAttachment:PolicyAttachment": {
            const ps = [...principalsNamed(iam, "role", r, "roles"), ...principalsNamed(iam, "user", r, "users")];
            const gs = groupsNamed(iam, r, "groups");
            if (ps.length === 0 && gs.length === 0) break;
            attach(ps, managed("policyArn"));
            for (const g of gs) iam.groupDocs.get(g)?.push(...managed("policyArn", groupVia(g)));
            break;
        }
        case "aws:iam/groupPolicy:GroupPolicy": {
            for (const g of groupsNamed(iam, r, "group")) {
                const d = held(groupVia(g));
                if (d !== undefined) iam.groupDocs.get(g)?.push(d);
            }
            break;
        }
        case "aws:iam/groupPolicyAttachment:GroupPolicyAttachment":
        case "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": {
            const single = r.type === "aws:iam/groupPolicyAttachment:GroupPolicyAttachment";
            for (const g of groupsNamed(iam, r, single ? "group" : "groupName")) {
                iam.groupDocs.get(g)?.push(...managed(single ? "policyArn" : "policyArns", groupVia(g)));
            }
            break;
        }
        default:
            break;
    }
}

/** The documents of its groups a group membership `r` gives its users. */
function collectMembership(iam: StackIam, r: PolicyResource): void {
    if (r.type === "aws:iam/groupMembership:GroupMembership") {
        const users = principalsNamed(iam, "user", r, "users");
        for (const g of groupsNamed(iam, r, "group")) attach(users, iam.groupDocs.get(g) ?? []);
    } else if (r.type === "aws:iam/userGroupMembership:UserGroupMembership") {
        const users = principalsNamed(iam, "user", r, "user");
        for (const g of groupsNamed(iam, r, "groups")) attach(users, iam.groupDocs.get(g) ?? []);
    }
}

function stackPrincipal(p: Collecting): StackPrincipal {
    return {
        resource: p.res,
        kind: p.kind,
        label: typeof p.name === "string" ? p.name : p.res.name,
        name: p.name,
        arn: p.arn,
        tags: tagsOf(p.res),
        sessionTags: p.kind === "role" ? sessionTagsOf(p.res) : false,
        policies: p.policies,
        ...(p.boundary !== undefined ? { boundary: p.boundary } : {}),
    };
}

/** Collects the stack's roles and users with their identity policies and boundaries. */
export function collectPrincipals(resources: readonly PolicyResource[], undecided: Undecided): StackPrincipal[] {
    const iam = indexStack(resources, undecided);
    // What principals hold themselves, then attachments (group documents among them), then group memberships.
    for (const p of iam.principals) collectOwn(iam, p);
    for (const r of resources) collectAttachment(iam, r);
    for (const r of resources) collectMembership(iam, r);
    return iam.principals.map(stackPrincipal);
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
