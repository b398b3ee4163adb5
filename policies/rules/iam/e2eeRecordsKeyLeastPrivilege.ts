import type { PolicyResource } from "@pulumi/policy";
import { stackRule } from "../../lib/rule";
import { collectPrincipals, type StackPrincipal } from "../../lib/iamStack";
import { evaluateKeyAccess } from "../../lib/kmsAccess";
import { Undecided } from "../../lib/unknown";
import { KEY_ROLE_TAG, PRINCIPAL_ROLE_TAG } from "../../conventions";
import { keyGrants, keyPolicyOf, keyPrincipals, kmsKeyOf, OPERATIONS, recordsKeys } from "./recordsKey";
import { compareOrder, everyoneFindings, outsideUndecided, principalFindings, type Finding } from "./recordsKeyFindings";

/**
 * The findings on one records key (what cannot be decided goes to `undecided`): its policy and grants, the
 * program's principals, who KMS lets perform each guarded operation, and the messages.
 */
function keyFindings(keyRes: PolicyResource, resources: readonly PolicyResource[], stackPrincipals: readonly StackPrincipal[], position: (urn: string) => number, undecided: Undecided): Finding[] {
    const policy = keyPolicyOf(keyRes, resources, undecided);
    if (policy === undefined) return [];
    const key = kmsKeyOf(keyRes, policy);
    const grants = keyGrants(keyRes, resources, undecided);
    const { principals, matcherOf } = keyPrincipals(stackPrincipals, keyRes, key);
    const access = evaluateKeyAccess(key, principals, grants, OPERATIONS);
    const ctx = { keyRes, grants, position, matcherOf };
    const everyone = everyoneFindings(ctx, access.outside);
    const own = principalFindings(ctx, access.principals, stackPrincipals, everyone.everyone, undecided);
    outsideUndecided(access.outside, own.statementsWithFindings).forEach((r) => undecided.add(r));
    return [...everyone.findings, ...own.findings];
}

/** The findings in order, each (message and resource) once. */
function ordered(findings: readonly Finding[]): Finding[] {
    const seen = new Set<string>();
    const once = findings.filter((f) => {
        const id = `${f.urn}\u0000${f.message}`;
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
    });
    return once.sort((a, b) => compareOrder(a.order, b.order));
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
        const keys = recordsKeys(resources, undecided);
        if (keys.length === 0) {
            undecided.finish();
            return;
        }
        const principals = collectPrincipals(resources, undecided);
        const order = new Map(resources.map((r, i) => [r.urn, i] as const));
        const position = (urn: string): number => order.get(urn) ?? -1;
        for (const f of ordered(keys.flatMap((k) => keyFindings(k, resources, principals, position, undecided)))) {
            report(f.message, f.urn);
        }
        undecided.finish();
    },
});
