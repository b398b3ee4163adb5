import { resourceRule } from "../../lib/rule";
import { documentsOf, parseLocated, statementLabel, type Statement } from "../../lib/iam";

/** Condition keys that restrict who the "*" principal can be (or through what it can act). */
export const DEFAULT_SCOPING_CONDITION_KEYS: readonly string[] = [
    "kms:CallerAccount",
    "kms:ViaService",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceVpce",
    "aws:SourceVpc",
];

/** Operators that restrict a key to the listed values (negated, Null and IfExists operators do not). */
const SCOPING_OPERATORS = new Set(["stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"]);

/** True if the statement has a positive condition on one of `keys` whose values are not all "*". */
export function isScopedByCondition(s: Statement, keys: readonly string[]): boolean {
    const wanted = new Set(keys.map((k) => k.toLowerCase()));
    for (const [op, block] of Object.entries(s.condition ?? {})) {
        const bare = op.replace(/^(ForAllValues|ForAnyValue):/i, "").toLowerCase();
        if (!SCOPING_OPERATORS.has(bare)) {
            continue;
        }
        for (const [key, value] of Object.entries(block)) {
            const values = Array.isArray(value) ? (value as unknown[]) : [value];
            if (wanted.has(key.toLowerCase()) && values.length > 0 && values.every((v) => typeof v === "string" && v !== "*")) {
                return true;
            }
        }
    }
    return false;
}

interface Config {
    scopingConditionKeys?: string[];
}

export const kmsKeyPolicyNoUnscopedWildcardPrincipal = resourceRule({
    name: "kms-key-policy-no-unscoped-wildcard-principal",
    description: "KMS key policies must not allow Principal \"*\" without a condition that scopes it (account, organisation, service, ARN).",
    details:
        "A KMS key policy must not allow the \"*\" principal unless a condition scopes it (kms:CallerAccount, kms:ViaService, aws:PrincipalOrgID, aws:SourceAccount, ...). A \"*\" principal scoped this way is accepted: it is a common scanner false positive.",
    severity: "critical",
    framework: {
        paper: "Table 2: key management; articles: access to keys restricted by role",
        checkov: ["CKV_AWS_33"],
    },
    remediationSteps:
        "Name the principals (role ARNs) in the statement's Principal, or add a StringEquals/ArnEquals condition on kms:CallerAccount, kms:ViaService, aws:PrincipalOrgID, aws:PrincipalArn or aws:SourceAccount that restricts who can use the key.",
    configSchema: {
        properties: {
            scopingConditionKeys: {
                type: "array",
                items: { type: "string" },
                description: "Condition keys that scope a \"*\" principal (with StringEquals/StringLike/ArnEquals/ArnLike).",
                default: [...DEFAULT_SCOPING_CONDITION_KEYS],
            },
        },
    },
    resourceTypes: ["aws:kms/key:Key", "aws:kms/keyPolicy:KeyPolicy"],
    validateResource: (args, report) => {
        if (args.type !== "aws:kms/key:Key" && args.type !== "aws:kms/keyPolicy:KeyPolicy") {
            return;
        }
        const keys = args.getConfig<Config>().scopingConditionKeys ?? DEFAULT_SCOPING_CONDITION_KEYS;
        for (const { located, doc } of parseLocated(documentsOf(args.type, args.props))) {
            if (doc === undefined) {
                continue;
            }
            for (const s of doc.statements) {
                if (s.effect === "Allow" && s.principal?.wildcard === true && !isScopedByCondition(s, keys)) {
                    report(
                        `${located.property} ${statementLabel(s)} allows Principal "*" without a scoping condition; name the principals or add a condition on one of: ${keys.join(", ")}.`,
                    );
                }
            }
        }
    },
});
