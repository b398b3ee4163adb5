import { resourceRule } from "../../lib/rule";
import { documentsOf, hasConditions, parseLocated, statementLabel, ROLE_TYPE } from "../../lib/iam";

export const iamTrustPolicyNoWildcardPrincipal = resourceRule({
    name: "iam-trust-policy-no-wildcard-principal",
    description: "Role trust policies must not let any principal (\"*\") assume the role without a condition, nor use Allow with NotPrincipal.",
    details:
        "A role's trust policy (assumeRolePolicy) must not let the \"*\" principal assume it without a condition, and must not use Allow with NotPrincipal.",
    severity: "critical",
    framework: {
        paper: "5.1 Identity and access: service identities per component",
        checkov: ["CKV_AWS_60"],
    },
    remediationSteps:
        "Name the principal that may assume the role: a service ({\"Service\": \"lambda.amazonaws.com\"}), a role ARN, or a federated provider. If \"*\" is unavoidable, add a Condition that scopes it (e.g. aws:PrincipalOrgID, aws:PrincipalArn).",
    resourceTypes: [ROLE_TYPE],
    validateResource: (args, report) => {
        for (const { located, doc } of parseLocated(documentsOf(args.type, args.props, ["trust"]))) {
            if (doc === undefined || located.kind !== "trust") {
                continue;
            }
            for (const s of doc.statements) {
                if (s.effect !== "Allow") {
                    continue;
                }
                if (s.principal?.wildcard === true && !hasConditions(s)) {
                    report(
                        `${located.property} ${statementLabel(s)} lets Principal "*" (any AWS account) assume the role without a Condition; name the trusted principal or add a scoping Condition.`,
                    );
                }
                if (s.notPrincipal !== undefined) {
                    report(
                        `${located.property} ${statementLabel(s)} uses "Effect": "Allow" with NotPrincipal, which trusts every other principal; name the trusted principal in Principal.`,
                    );
                }
            }
        }
    },
});
