import { resourceRule } from "../../lib/rule";
import { documentsOf, isWildcardAction, parseLocated, statementLabel } from "../../lib/iam";

/**
 * Identity-based policies (aws.iam.Policy, RolePolicy, UserPolicy, GroupPolicy, Role.inlinePolicies) must not
 * allow `"*"` or `"<service>:*"` actions. Resource-based policies (key and bucket policies) are checked by
 * their own rules: a key policy granting `kms:*` to the account root is the standard delegation pattern.
 */
export const iamNoWildcardActions = resourceRule({
    name: "iam-no-wildcard-actions",
    description:
        "IAM identity policies must not allow \"*\" or \"<service>:*\" actions; list the specific actions each component needs (least privilege).",
    severity: "high",
    framework: {
        paper: "5.1 Identity and access: least privilege",
        securityHub: ["IAM.1", "IAM.21"],
        checkov: ["CKV_AWS_1", "CKV_AWS_62", "CKV_AWS_63"],
    },
    remediationSteps:
        "Replace \"*\" and \"<service>:*\" in the statement's Action with the exact actions the role uses (for example \"s3:GetObject\", \"kms:Encrypt\"). IAM Access Analyzer's policy generation can list the actions a role actually used.",
    validateResource: (args, report) => {
        for (const { located, doc } of parseLocated(documentsOf(args.type, args.props))) {
            if (doc === undefined || located.kind !== "identity") {
                continue;
            }
            for (const s of doc.statements) {
                if (s.effect !== "Allow" || s.action === undefined) {
                    continue;
                }
                for (const a of s.action.filter(isWildcardAction)) {
                    const what = a === "*" ? "every action of every service (administrator access)" : `every current and future action of ${a.split(":")[0]}`;
                    report(
                        `${located.property} ${statementLabel(s)} allows Action "${a}", which grants ${what}; list the specific actions needed instead.`,
                    );
                }
            }
        }
    },
});
