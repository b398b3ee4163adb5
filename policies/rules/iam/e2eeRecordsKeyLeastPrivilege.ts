import type { PolicyResource } from "@pulumi/policy";
import { stackRule } from "../../lib/rule";
import {
    coversAction,
    excludedByResourceTags,
    globMatch,
    hasConditions,
    parsePolicyDocument,
    PolicyDocumentError,
    statementLabel,
    type PolicyDocument,
    type Statement,
} from "../../lib/iam";
import { dependsOn, known, stringProp, tagOf, UNKNOWN, type Unknown } from "../../lib/known";
import { Undecided } from "../../lib/unknown";
import { KEY_ROLE_TAG, PRINCIPAL_ROLE_TAG, PRODUCER_PRINCIPAL, RECIPIENT_PRINCIPAL, RECORDS_KEY_ROLE } from "../../conventions";

/** The two guarded operations on a records key and who may perform them. */
const OPERATIONS = [
    { label: "kms:Decrypt", actions: ["kms:Decrypt"], allowed: RECIPIENT_PRINCIPAL },
    // Re-encrypting records under a key the caller can decrypt is a way around kms:Decrypt.
    { label: "kms:ReEncryptFrom", actions: ["kms:ReEncryptFrom"], allowed: RECIPIENT_PRINCIPAL },
    {
        label: "kms:GenerateDataKey*",
        actions: [
            "kms:GenerateDataKey",
            "kms:GenerateDataKeyWithoutPlaintext",
            "kms:GenerateDataKeyPair",
            "kms:GenerateDataKeyPairWithoutPlaintext",
        ],
        allowed: PRODUCER_PRINCIPAL,
    },
] as const;
type Operation = (typeof OPERATIONS)[number];

interface Role {
    readonly res: PolicyResource;
    readonly name: string | undefined | Unknown;
    readonly arn: string | undefined | Unknown;
    readonly tag: string | undefined | Unknown;
}

interface Key {
    readonly res: PolicyResource;
    readonly arn: string | undefined | Unknown;
    readonly ids: readonly string[];
    /** The key's tags, for aws:ResourceTag conditions (undefined when unknown). */
    readonly tags: Readonly<Record<string, string>> | undefined;
    /** Per operation: whether the key policy lets IAM policies grant it (account root or a scoped "*"). */
    readonly delegated: Map<Operation, boolean>;
}

/** An identity policy document attached to roles. */
interface AttachedDocument {
    readonly holder: PolicyResource;
    readonly property: string;
    readonly depProperty: string;
    readonly raw: unknown;
    readonly roles: readonly Role[];
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;
const ACCOUNT = /^(\d{12}|arn:aws[a-z-]*:iam::\d{12}:root)$/;

function covers(s: Statement, op: Operation): boolean {
    return op.actions.some((a) => coversAction(s, a));
}

function describeTag(tag: string | undefined): string {
    return tag === undefined ? `which has no ${PRINCIPAL_ROLE_TAG} tag` : `which is tagged ${PRINCIPAL_ROLE_TAG}=${tag}`;
}

function rule(op: Operation): string {
    return `only principals tagged ${PRINCIPAL_ROLE_TAG}=${op.allowed} may use ${op.label} on a records key`;
}

function parse(raw: unknown): PolicyDocument | undefined {
    try {
        return parsePolicyDocument(raw);
    } catch (e) {
        if (e instanceof PolicyDocumentError) {
            return undefined;
        }
        throw e;
    }
}

export const e2eeRecordsKeyLeastPrivilege = stackRule({
    name: "e2ee-records-key-least-privilege",
    description:
        `Only recipients decrypt, only producers encrypt: kms:Decrypt and kms:ReEncryptFrom (also via kms:*, kms:Decrypt*, kms:ReEncrypt*, "*") on a KMS key tagged ${KEY_ROLE_TAG}=records may be granted only to IAM roles tagged ${PRINCIPAL_ROLE_TAG}=recipient, and kms:GenerateDataKey* only to roles tagged ${PRINCIPAL_ROLE_TAG}=producer. ` +
        "Checks the key policy (principals named by role ARN are matched to the stack's roles by their name input) and the identity policies attached to roles (inline, RolePolicy, Policy with attachments). " +
        "A grant on Resource \"*\" counts only when the key policy delegates the operation to IAM (account root or a condition-scoped \"*\" principal); a grant whose aws:ResourceTag/<key> condition does not match the key's tags does not count. " +
        "What cannot be proven is not reported: principals outside the stack, unknown documents or tags (the rule then ends with the runtime's \"can't run during preview\" advisory).",
    severity: "critical",
    framework: {
        paper: "Articles: only the final recipient decrypts; access to keys restricted by role (Table 2: key management)",
        securityHub: ["KMS.1", "KMS.2"],
    },
    remediationSteps:
        `Marking convention: tag the producer-side envelope key ${KEY_ROLE_TAG}=records and every IAM role ${PRINCIPAL_ROLE_TAG}=<producer|recipient|ingest|process|...>. ` +
        "In the records key's policy name the recipient role ARN in the statement allowing kms:Decrypt and the producer role ARN in the statement allowing kms:GenerateDataKey*; do not delegate these actions to the account root. " +
        "Remove kms:Decrypt, kms:ReEncryptFrom and kms:GenerateDataKey* on the records key (or on \"*\") from every other role's policies.",
    validateStack: (args, report) => {
        const undecided = new Undecided();
        const resources = args.resources;

        const roles: Role[] = resources
            .filter((r) => r.type === "aws:iam/role:Role")
            .map((res) => ({
                res,
                name: stringProp(res.props, "name"),
                arn: stringProp(res.props, "arn"),
                tag: tagOf(res.props, PRINCIPAL_ROLE_TAG),
            }));

        const keys: Key[] = [];
        for (const res of resources) {
            if (res.type !== "aws:kms/key:Key") {
                continue;
            }
            const role = tagOf(res.props, KEY_ROLE_TAG);
            if (role === UNKNOWN) {
                undecided.add(`the tags of key "${res.name}" are unknown`);
                continue;
            }
            if (role !== RECORDS_KEY_ROLE) {
                continue;
            }
            const ids = ["arn", "keyId", "id"]
                .map((p) => stringProp(res.props, p))
                .filter((v): v is string => typeof v === "string");
            const tags = known(() => {
                const t: unknown = res.props["tags"];
                return typeof t === "object" && t !== null ? (JSON.parse(JSON.stringify(t)) as Record<string, string>) : {};
            });
            keys.push({ res, arn: stringProp(res.props, "arn"), ids, tags: tags === UNKNOWN ? undefined : tags, delegated: new Map() });
        }
        if (keys.length === 0) {
            undecided.finish();
            return;
        }

        const roleByName = (name: string): Role | undefined => roles.find((r) => r.name === name);
        /**
         * By exact ARN; else by role name (unique per account, whatever the path) when the stack role's ARN is not
         * known or is in the same account (a role of another account is another role, whose tags we cannot see).
         */
        const roleByArn = (arn: string): Role | undefined => {
            const m = ROLE_ARN.exec(arn);
            if (m === null) {
                return undefined;
            }
            const [, account, name] = m;
            return (
                roles.find((r) => r.arn === arn) ??
                roles.find((r) => r.name === name && (typeof r.arn !== "string" || ROLE_ARN.exec(r.arn)?.[1] === account))
            );
        };
        const check = (op: Operation, role: Role, onUrn: string, prefix: string) => {
            if (role.tag === UNKNOWN) {
                undecided.add(`the tags of role "${role.res.name}" are unknown`);
                return;
            }
            if (role.tag !== op.allowed) {
                const label = typeof role.name === "string" ? role.name : role.res.name;
                report(`${prefix} grants ${op.label} to role "${label}", ${describeTag(role.tag)}; ${rule(op)}.`, onUrn);
            }
        };

        // 1. Key policies.
        for (const key of keys) {
            const keyPolicies = resources.filter((r) => {
                if (r.type !== "aws:kms/keyPolicy:KeyPolicy") {
                    return false;
                }
                const keyId = stringProp(r.props, "keyId");
                return (typeof keyId === "string" && key.ids.includes(keyId)) || dependsOn(r, "keyId", key.res);
            });
            const holder = keyPolicies[0] ?? key.res;
            const raw = known(() => holder.props["policy"]);
            if (raw === UNKNOWN) {
                undecided.add(`the policy of records key "${key.res.name}" is unknown`);
                continue;
            }
            if (raw === undefined || raw === null || raw === "") {
                // KMS's default key policy gives the account root kms:*: IAM policies decide.
                OPERATIONS.forEach((op) => key.delegated.set(op, true));
                continue;
            }
            const doc = undecided.attempt(`the policy of records key "${key.res.name}"`, () => parse(raw));
            if (doc === undefined) {
                continue;
            }
            const where = `records key "${key.res.name}" ${holder === key.res ? "policy" : `key policy "${holder.name}"`}`;
            for (const s of doc.statements) {
                if (s.effect !== "Allow") {
                    continue;
                }
                for (const op of OPERATIONS) {
                    if (!covers(s, op)) {
                        continue;
                    }
                    const prefix = `${where} ${statementLabel(s)}`;
                    const p = s.principal;
                    if (p === undefined || p.wildcard) {
                        if (p !== undefined && hasConditions(s)) {
                            key.delegated.set(op, true);
                        } else {
                            report(`${prefix} grants ${op.label} to every principal (${p === undefined ? "NotPrincipal" : "Principal \"*\""} without a condition); ${rule(op)}.`, holder.urn);
                        }
                        continue;
                    }
                    for (const arn of p.aws) {
                        if (ACCOUNT.test(arn)) {
                            key.delegated.set(op, true);
                            continue;
                        }
                        const role = roleByArn(arn);
                        if (role !== undefined) {
                            check(op, role, holder.urn, prefix);
                        }
                    }
                    for (const svc of p.service) {
                        report(`${prefix} grants ${op.label} to service principal "${svc}"; ${rule(op)}.`, holder.urn);
                    }
                }
            }
        }

        // 2. Identity policies attached to roles.
        const attached: AttachedDocument[] = [];
        const policies = resources.filter((r) => r.type === "aws:iam/policy:Policy");
        const policyByArn = (holder: PolicyResource, prop: string, arn: string | undefined | Unknown): PolicyResource[] =>
            policies.filter((p) => (typeof arn === "string" && stringProp(p.props, "arn") === arn) || dependsOn(holder, prop, p));
        const rolesFor = (holder: PolicyResource, prop: string, nameOrArn: unknown): Role[] => {
            const byDep = roles.filter((r) => dependsOn(holder, prop, r.res));
            if (byDep.length > 0) {
                return byDep;
            }
            if (typeof nameOrArn !== "string") {
                return [];
            }
            const r = roleByName(nameOrArn) ?? roleByArn(nameOrArn);
            return r === undefined ? [] : [r];
        };
        const attachPolicy = (policy: PolicyResource, rs: Role[]) => {
            if (rs.length > 0) {
                attached.push({ holder: policy, property: "policy", depProperty: "policy", raw: known(() => policy.props["policy"]), roles: rs });
            }
        };
        for (const role of roles) {
            const inline = known(() => role.res.props["inlinePolicies"]);
            if (Array.isArray(inline)) {
                inline.forEach((p: unknown, i: number) => {
                    const raw = known(() => (p as Record<string, unknown>)["policy"]);
                    attached.push({ holder: role.res, property: `inlinePolicies[${i}].policy`, depProperty: "inlinePolicies", raw, roles: [role] });
                });
            }
            const managed = known(() => role.res.props["managedPolicyArns"]);
            const managedArns = Array.isArray(managed) ? (Array.from(managed) as unknown[]) : [];
            for (const p of policies) {
                const arn = stringProp(p.props, "arn");
                if (dependsOn(role.res, "managedPolicyArns", p) || (typeof arn === "string" && managedArns.includes(arn))) {
                    attachPolicy(p, [role]);
                }
            }
        }
        for (const r of resources) {
            if (r.type === "aws:iam/rolePolicy:RolePolicy") {
                const rs = rolesFor(r, "role", known(() => r.props["role"]));
                if (rs.length > 0) {
                    attached.push({ holder: r, property: "policy", depProperty: "policy", raw: known(() => r.props["policy"]), roles: rs });
                }
            } else if (r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
                const rs = rolesFor(r, "role", known(() => r.props["role"]));
                policyByArn(r, "policyArn", stringProp(r.props, "policyArn")).forEach((p) => attachPolicy(p, rs));
            } else if (r.type === "aws:iam/policyAttachment:PolicyAttachment") {
                const names = known(() => r.props["roles"]);
                const rs = [
                    ...roles.filter((x) => dependsOn(r, "roles", x.res)),
                    ...(Array.isArray(names) ? (Array.from(names) as unknown[]) : [])
                        .map((n) => (typeof n === "string" ? roleByName(n) : undefined))
                        .filter((x): x is Role => x !== undefined),
                ];
                policyByArn(r, "policyArn", stringProp(r.props, "policyArn")).forEach((p) => attachPolicy(p, [...new Set(rs)]));
            }
        }

        const seen = new Set<string>();
        for (const d of attached) {
            if (d.raw === UNKNOWN) {
                undecided.add(`${d.holder.name} ${d.property} is unknown`);
                continue;
            }
            if (d.raw === undefined || d.raw === null || d.raw === "") {
                continue;
            }
            const doc = undecided.attempt(`${d.holder.name} ${d.property}`, () => parse(d.raw));
            if (doc === undefined) {
                continue;
            }
            for (const s of doc.statements) {
                if (s.effect !== "Allow") {
                    continue;
                }
                for (const op of OPERATIONS) {
                    if (!covers(s, op)) {
                        continue;
                    }
                    for (const key of keys) {
                        const explicit =
                            typeof key.arn === "string"
                                ? (s.resource ?? []).some((p) => p !== "*" && globMatch(p, key.arn as string)) ||
                                  (s.notResource !== undefined && !s.notResource.some((p) => globMatch(p, key.arn as string)))
                                : dependsOn(d.holder, d.depProperty, key.res) && (s.resource ?? []).some((p) => p !== "*");
                        const wildcard = (s.resource ?? []).includes("*") && key.delegated.get(op) === true;
                        if ((!explicit && !wildcard) || (key.tags !== undefined && excludedByResourceTags(s, key.tags))) {
                            continue;
                        }
                        const on = explicit ? `on records key "${key.res.name}"` : `on Resource "*", which covers records key "${key.res.name}" because its key policy delegates ${op.label} to IAM,`;
                        const prefix = `${d.holder.name} ${d.property} ${statementLabel(s)}`;
                        for (const role of d.roles) {
                            const id = `${d.holder.urn}|${d.property}|${s.index}|${op.label}|${key.res.urn}|${role.res.urn}`;
                            if (seen.has(id)) {
                                continue;
                            }
                            seen.add(id);
                            if (role.tag === UNKNOWN) {
                                undecided.add(`the tags of role "${role.res.name}" are unknown`);
                                continue;
                            }
                            if (role.tag !== op.allowed) {
                                const label = typeof role.name === "string" ? role.name : role.res.name;
                                report(`${prefix} grants ${op.label} ${on} to role "${label}", ${describeTag(role.tag)}; ${rule(op)}.`, d.holder.urn);
                            }
                        }
                    }
                }
            }
        }
        undecided.finish();
    },
});
