import type { PolicyResource } from "@pulumi/policy";
import { stackRule } from "../../lib/rule";
import { parsePolicyDocument, PolicyDocumentError, statementLabel, type PolicyDocument, type Statement } from "../../lib/iam";
import { arnMatch, fromBoolean, NO, unknown, YES, type ResourceMatcher } from "../../lib/iamEval";
import { collectPrincipals, toKmsPrincipal, type AttachedPolicy, type StackPrincipal } from "../../lib/iamStack";
import {
    evaluateKeyAccess,
    type AccessPath,
    type IdentityPolicy,
    type KmsGrant,
    type KmsKey,
    type KmsOperation,
} from "../../lib/kmsAccess";
import { dependsOn, known, stringProp, tagOf, UNKNOWN } from "../../lib/known";
import { Undecided } from "../../lib/unknown";
import { KEY_ROLE_TAG, PRINCIPAL_ROLE_TAG, PRODUCER_PRINCIPAL, RECIPIENT_PRINCIPAL, RECORDS_KEY_ROLE } from "../../conventions";

/** The guarded operations on a records key and who may perform them. */
const OPERATIONS: readonly (KmsOperation & { readonly allowed: string })[] = [
    { label: "kms:Decrypt", actions: ["kms:Decrypt"], allowed: RECIPIENT_PRINCIPAL },
    // Re-encrypting records under a key the caller can decrypt is a way around kms:Decrypt.
    { label: "kms:ReEncryptFrom", actions: ["kms:ReEncryptFrom"], allowed: RECIPIENT_PRINCIPAL },
    {
        label: "kms:GenerateDataKey*",
        actions: ["kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext"],
        allowed: PRODUCER_PRINCIPAL,
    },
];
type Operation = (typeof OPERATIONS)[number];

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

/** KMS condition keys of the key itself, from its inputs (undefined: unknown). */
function keyAttributes(res: PolicyResource): Record<string, string | undefined> {
    const str = (read: () => unknown, dflt: string): string | undefined => {
        const v = known(read);
        return v === UNKNOWN ? undefined : typeof v === "string" && v !== "" ? v : dflt;
    };
    const origin = known(() => {
        const xks = res.props["xksKeyId"];
        const store = res.props["customKeyStoreId"];
        return typeof xks === "string" && xks !== "" ? "EXTERNAL_KEY_STORE" : typeof store === "string" && store !== "" ? "AWS_CLOUDHSM" : "AWS_KMS";
    });
    const multi = known(() => res.props["multiRegion"] === true);
    return {
        "kms:KeySpec": str(() => res.props["customerMasterKeySpec"] ?? res.props["keySpec"], "SYMMETRIC_DEFAULT"),
        "kms:KeyUsage": str(() => res.props["keyUsage"], "ENCRYPT_DECRYPT"),
        "kms:KeyOrigin": origin === UNKNOWN ? undefined : origin,
        "kms:MultiRegion": multi === UNKNOWN ? undefined : String(multi),
    };
}

/**
 * Whether a `Resource` pattern covers a key whose ARN is not known yet (preview): `"*"` does, a literal ARN is
 * another key's, a wildcard pattern for KMS may be this key's.
 */
function pendingKeyMatcher(keyName: string): ResourceMatcher {
    return (pattern) => {
        if (pattern === "*") return YES;
        if (!/[*?]/.test(pattern)) return NO;
        const service = pattern.split(":")[2];
        if (service !== undefined && !/[*?]/.test(service) && service !== "kms") return NO;
        return unknown(`the ARN of records key "${keyName}" is unknown`);
    };
}

/** True if the statement applies only to principals tagged with the operation's allowed role (StringEquals on the tag). */
function onlyAllowedTag(s: Statement, op: Operation): boolean {
    return Object.entries(s.condition ?? {}).some(
        ([operator, block]) =>
            operator.toLowerCase() === "stringequals" &&
            Object.entries(block).some(([k, v]) => {
                const values = Array.isArray(v) ? (v as unknown[]) : [v];
                return k.toLowerCase() === `aws:principaltag/${PRINCIPAL_ROLE_TAG}` && values.length > 0 && values.every((x) => x === op.allowed);
            }),
    );
}

interface Finding {
    readonly order: readonly (number | string)[];
    readonly message: string;
    readonly urn: string;
}

function compare(a: readonly (number | string)[], b: readonly (number | string)[]): number {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
        const x = a[i] ?? -1;
        const y = b[i] ?? -1;
        if (x === y) continue;
        if (typeof x === "number" && typeof y === "number") return x - y;
        return String(x) < String(y) ? -1 : 1;
    }
    return 0;
}

export const e2eeRecordsKeyLeastPrivilege = stackRule({
    name: "e2ee-records-key-least-privilege",
    description: "Only roles and users tagged e2ee:principal-role=recipient may decrypt, and only producers may generate data keys, with a records key.",
    details:
        `Only recipients decrypt, only producers encrypt: on a KMS key tagged ${KEY_ROLE_TAG}=records, only IAM roles and users tagged ${PRINCIPAL_ROLE_TAG}=recipient may be able to kms:Decrypt or kms:ReEncryptFrom, and only those tagged ${PRINCIPAL_ROLE_TAG}=producer may be able to kms:GenerateDataKey*. ` +
        "Decides who can, as AWS KMS authorizes: the key policy (a principal named directly, \"*\" with the conditions it meets, or the account root, which lets identity policies decide), identity policies in every attachment form (inline, RolePolicy/UserPolicy/GroupPolicy, Policy with attachments, managedPolicyArns, group membership), permissions boundaries, KMS grants (aws.kms.Grant), explicit Deny (which wins), NotAction/NotResource/NotPrincipal, wildcards and conditions. " +
        "What cannot be proven is not reported but named as undecided (the runtime's \"can't run\" advisory): values unknown during preview, conditions on values of each request (kms:ViaService, encryption context, source IP), principals and documents outside the program.",
    severity: "critical",
    framework: {
        paper: "Articles: only the final recipient decrypts; access to keys restricted by role (Table 2: key management)",
        securityHub: ["KMS.1", "KMS.2"],
    },
    remediationSteps:
        `Marking convention: tag the producer-side envelope key ${KEY_ROLE_TAG}=records and every IAM role (and user) ${PRINCIPAL_ROLE_TAG}=<producer|recipient|ingest|process|...>. ` +
        "In the records key's policy name the recipient role ARN in the statement allowing kms:Decrypt and the producer role ARN in the statement allowing kms:GenerateDataKey*; do not delegate these actions to the account root, do not allow them to \"*\", and do not create KMS grants for them. " +
        "Remove the statement, attachment or grant named in the finding; an explicit Deny for every other principal (ArnNotEquals aws:PrincipalArn) in the key policy keeps it so.",
    validateStack: (args, report) => {
        const undecided = new Undecided();
        const resources = args.resources;
        const order = new Map(resources.map((r, i) => [r.urn, i] as const));
        const pos = (r: PolicyResource): number => order.get(r.urn) ?? -1;

        const keys: PolicyResource[] = [];
        for (const res of resources) {
            if (res.type !== "aws:kms/key:Key") continue;
            const role = tagOf(res.props, KEY_ROLE_TAG);
            if (role === UNKNOWN) {
                undecided.add(`the tags of key "${res.name}" are unknown`);
                continue;
            }
            if (role === RECORDS_KEY_ROLE) keys.push(res);
        }
        if (keys.length === 0) {
            undecided.finish();
            return;
        }

        const principals = collectPrincipals(resources, undecided);
        const findings: Finding[] = [];
        const seen = new Set<string>();
        const emit = (f: Finding) => {
            const id = `${f.urn}\u0000${f.message}`;
            if (!seen.has(id)) {
                seen.add(id);
                findings.push(f);
            }
        };

        for (const keyRes of keys) {
            const ids = ["arn", "keyId", "id"].map((p) => stringProp(keyRes.props, p)).filter((v): v is string => typeof v === "string");
            const forKey = (r: PolicyResource) => {
                const keyId = stringProp(r.props, "keyId");
                return (typeof keyId === "string" && ids.includes(keyId)) || dependsOn(r, "keyId", keyRes);
            };

            // The key policy: a separate aws.kms.KeyPolicy replaces the key's own.
            const holder = resources.find((r) => r.type === "aws:kms/keyPolicy:KeyPolicy" && forKey(r)) ?? keyRes;
            const rawPolicy = known(() => holder.props["policy"]);
            if (rawPolicy === UNKNOWN) {
                undecided.add(`the policy of records key "${keyRes.name}" is unknown`);
                continue;
            }
            let policy: KmsKey["policy"] = "default";
            if (rawPolicy !== undefined && rawPolicy !== null && rawPolicy !== "") {
                const doc = undecided.attempt(`the policy of records key "${keyRes.name}"`, () => parse(rawPolicy));
                if (doc === undefined) continue;
                policy = { source: { label: `records key "${keyRes.name}" ${holder === keyRes ? "policy" : `key policy "${holder.name}"`}`, urn: holder.urn }, document: doc };
            }
            const tags = known(() => {
                const t: unknown = keyRes.props["tags"];
                return typeof t === "object" && t !== null ? (JSON.parse(JSON.stringify(t)) as Record<string, string>) : {};
            });
            const arn = stringProp(keyRes.props, "arn");
            const keyArn = typeof arn === "string" ? arn : undefined;
            const arnParts = keyArn === undefined ? undefined : /^arn:[^:]+:kms:([^:]*):(\d{12}):/.exec(keyArn);
            const key: KmsKey = {
                name: keyRes.name,
                urn: keyRes.urn,
                arn: keyArn,
                account: arnParts?.[2],
                region: arnParts?.[1],
                tags: tags === UNKNOWN ? undefined : tags,
                attributes: keyAttributes(keyRes),
                policy,
                ...(keyArn === undefined ? { resource: pendingKeyMatcher(keyRes.name) } : {}),
            };

            // Grants on this key.
            const grantRes = resources.filter((r) => r.type === "aws:kms/grant:Grant" && forKey(r));
            const grants: (KmsGrant & { readonly res: PolicyResource })[] = [];
            for (const g of grantRes) {
                const operations = known(() => Array.from((g.props["operations"] as unknown[] | undefined) ?? []).filter((o): o is string => typeof o === "string"));
                if (operations === UNKNOWN) {
                    undecided.add(`the operations of grant "${g.name}" are unknown`);
                    continue;
                }
                const grantee = stringProp(g.props, "granteePrincipal");
                if (grantee === UNKNOWN) undecided.add(`the grantee of grant "${g.name}" is unknown`);
                const constraints = known(() => {
                    const c = Array.from((g.props["constraints"] as unknown[] | undefined) ?? []);
                    return c.length === 0 ? undefined : JSON.stringify(c);
                });
                if (constraints === UNKNOWN) undecided.add(`the constraints of grant "${g.name}" are unknown`);
                grants.push({
                    res: g,
                    source: { label: `grant "${g.name}"`, urn: g.urn },
                    grantee: typeof grantee === "string" ? grantee : undefined,
                    operations,
                    ...(constraints === UNKNOWN ? { constraints: "unknown during preview" } : constraints !== undefined ? { constraints } : {}),
                });
            }

            // The principals, with each document's resource matcher for this key.
            const matchers = new Map<IdentityPolicy, ResourceMatcher>();
            const defaultMatcher: ResourceMatcher = key.resource ?? ((p) => fromBoolean(keyArn !== undefined && arnMatch(p, keyArn)));
            const adjust = (a: AttachedPolicy): IdentityPolicy => {
                // Preview: a document built from the key's ARN names the key with whatever it holds there.
                const derived = keyArn === undefined && dependsOn(a.holder, a.depProperty, keyRes);
                const policyOut: IdentityPolicy = derived ? { ...a.policy, resource: () => YES } : a.policy;
                matchers.set(policyOut, derived ? () => YES : defaultMatcher);
                return policyOut;
            };
            const byUrn = new Map<string, StackPrincipal>(principals.map((p) => [p.resource.urn, p]));
            const access = evaluateKeyAccess(
                key,
                principals.map((p) => toKmsPrincipal(p, adjust)),
                grants,
                OPERATIONS,
            );
            const opIndex = (op: KmsOperation) => OPERATIONS.findIndex((o) => o.label === op.label);
            const keyPos = pos(keyRes);

            // Statements of the key policy that give an operation to every principal.
            const everyone = new Set<string>();
            const stmtKey = (op: KmsOperation, s: Statement) => `${op.label}\u0000${s.index}`;
            for (const o of access.outside) {
                const op = OPERATIONS[opIndex(o.operation)];
                if (o.decision === "allowed" && o.who.kind === "everyone" && o.statement !== undefined) {
                    everyone.add(stmtKey(op, o.statement));
                    const desc = o.who.conditioned ? 'Principal "*" with conditions every request meets' : 'Principal "*" without a condition';
                    emit({ order: [0, keyPos, o.statement.index, opIndex(op), -1], message: `${o.source.label} ${statementLabel(o.statement)} grants ${op.label} to every principal (${desc}); ${rule(op)}.`, urn: o.source.urn });
                } else if (o.decision === "allowed" && o.who.kind === "service") {
                    const message =
                        o.statement !== undefined
                            ? `${o.source.label} ${statementLabel(o.statement)} grants ${op.label} to service principal "${o.who.service}"; ${rule(op)}.`
                            : `${o.source.label} gives ${op.label} on records key "${keyRes.name}" to service principal "${o.who.service}"; ${rule(op)}.`;
                    const g = grants.find((x) => x.source === o.source);
                    emit({ order: o.statement !== undefined ? [0, keyPos, o.statement.index, opIndex(op), -1] : [2, g === undefined ? -1 : pos(g.res), 0, opIndex(op), keyPos, -1], message, urn: o.source.urn });
                }
            }

            // The program's principals.
            const statementsWithFindings = new Set<string>();
            for (const a of access.principals) {
                const op = OPERATIONS[opIndex(a.operation)];
                const sp = byUrn.get(a.principal.urn);
                if (sp === undefined || a.decision === "not-allowed") continue;
                const tag = tagOf(sp.resource.props, PRINCIPAL_ROLE_TAG);
                if (tag === op.allowed) continue;
                if (tag === UNKNOWN) {
                    undecided.add(`the tags of ${sp.kind} "${sp.resource.name}" are unknown`);
                    continue;
                }
                if (a.decision === "undecided") {
                    a.reasons.forEach((r) => undecided.add(r));
                    continue;
                }
                const to = `${sp.kind} "${sp.label}"`;
                for (const path of a.paths) {
                    const f = message(path, op, to, describeTag(tag), pos(sp.resource));
                    if (f === undefined) continue;
                    emit(f);
                    if (path.kind === "key-policy") statementsWithFindings.add(stmtKey(op, path.statement));
                }
            }

            // What is undecided about principals outside the program.
            for (const o of access.outside) {
                if (o.decision !== "undecided") continue;
                const op = OPERATIONS[opIndex(o.operation)];
                if (o.who.kind === "everyone" && o.statement !== undefined && (statementsWithFindings.has(stmtKey(op, o.statement)) || onlyAllowedTag(o.statement, op))) continue;
                const what =
                    o.who.kind === "everyone" && o.statement !== undefined
                        ? [`whether ${o.source.label} ${statementLabel(o.statement)} gives ${op.label} to principals outside the program: ${o.reasons.join(", ")}`]
                        : o.who.kind === "service" && o.statement !== undefined
                          ? [`whether ${o.source.label} ${statementLabel(o.statement)} gives ${op.label} to service principal "${o.who.service}": ${o.reasons.join(", ")}`]
                          : o.reasons;
                what.forEach((r) => undecided.add(r));
            }

            /** The finding for one path; ordered key policies, then identity policies, then grants (then statement, operation, key, principal). */
            function message(path: AccessPath, op: Operation, to: string, tagText: string, principalPos: number): Finding | undefined {
                const tail = `${tagText}; ${rule(op)}.`;
                const o = opIndex(op);
                if (path.kind === "key-policy") {
                    if (everyone.has(stmtKey(op, path.statement))) return undefined;
                    return { order: [0, keyPos, path.statement.index, o, principalPos], message: `${path.source.label} ${statementLabel(path.statement)} grants ${op.label} to ${to}, ${tail}`, urn: path.source.urn };
                }
                if (path.kind === "grant") {
                    const g = grants.find((x) => x.source === path.source);
                    return { order: [2, g === undefined ? -1 : pos(g.res), 0, o, keyPos, principalPos], message: `${path.source.label} gives ${op.label} on records key "${keyRes.name}" to ${to}, ${tail}`, urn: path.source.urn };
                }
                const s = path.statement;
                const matcher = [...matchers.entries()].find(([d]) => d.source === path.source)?.[1] ?? defaultMatcher;
                const explicit = s.notResource !== undefined || (s.resource ?? []).some((p) => p !== "*" && matcher(p).result === "yes");
                const because =
                    path.delegation.kind === "grant"
                        ? `${path.delegation.source.label} gives ${op.label} to its account`
                        : `its key policy delegates ${op.label} to IAM`;
                const on = explicit ? `on records key "${keyRes.name}"` : `on Resource "*", which covers records key "${keyRes.name}" because ${because},`;
                const via = path.via === undefined ? "" : ` (${path.via})`;
                return {
                    order: [1, order.get(path.source.urn) ?? -1, path.source.label, s.index, o, keyPos, principalPos],
                    message: `${path.source.label} ${statementLabel(s)} grants ${op.label} ${on} to ${to}${via}, ${tail}`,
                    urn: path.source.urn,
                };
            }
        }

        findings.sort((a, b) => compare(a.order, b.order));
        for (const f of findings) {
            report(f.message, f.urn);
        }
        undecided.finish();
    },
});
