import { resourceRule } from "../../lib/rule";
import { globMatch } from "../../lib/iam";

export const DEFAULT_DENIED_MANAGED_POLICIES: readonly string[] = [
    "AdministratorAccess",
    "AdministratorAccess-*",
    "PowerUserAccess",
    "IAMFullAccess",
    "*FullAccess",
];

/** Attachment types and the input holding the policy ARN(s). */
const SINGLE: Readonly<Record<string, string>> = {
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "policyArn",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": "policyArn",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "policyArn",
    "aws:iam/policyAttachment:PolicyAttachment": "policyArn",
};
const MULTIPLE: Readonly<Record<string, string>> = {
    "aws:iam/role:Role": "managedPolicyArns",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "policyArns",
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": "policyArns",
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": "policyArns",
};

/** The policy name of an AWS-managed policy ARN (`arn:<partition>:iam::aws:policy/[path/]Name`), else undefined. */
export function awsManagedPolicyName(arn: string): string | undefined {
    const m = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
    return m?.[1];
}

interface Config {
    deniedManagedPolicies?: string[];
}

export const iamNoAdminManagedPolicies = resourceRule({
    name: "iam-no-admin-managed-policies",
    description:
        "Roles, users and groups must not get AWS-managed administrator, power-user or full-access policies (AdministratorAccess, PowerUserAccess, IAMFullAccess, *FullAccess), via attachments or Role.managedPolicyArns.",
    severity: "critical",
    framework: {
        paper: "5.1 Identity and access: least privilege",
        securityHub: ["IAM.1"],
        checkov: ["CKV_AWS_274"],
    },
    remediationSteps:
        "Remove the attachment (or the ARN from managedPolicyArns) and grant the role a customer-managed or inline policy listing the exact actions and resource ARNs it needs.",
    configSchema: {
        properties: {
            deniedManagedPolicies: {
                type: "array",
                items: { type: "string" },
                description: "AWS-managed policy names (globs with *) that must not be attached.",
                default: [...DEFAULT_DENIED_MANAGED_POLICIES],
            },
        },
    },
    validateResource: (args, report) => {
        const denied = args.getConfig<Config>().deniedManagedPolicies ?? DEFAULT_DENIED_MANAGED_POLICIES;
        const check = (property: string, arn: unknown) => {
            if (typeof arn !== "string") {
                return;
            }
            const name = awsManagedPolicyName(arn);
            if (name !== undefined && denied.some((d) => globMatch(d, name))) {
                report(
                    `${property} attaches the AWS-managed policy ${name} (${arn}), which grants administrator, power-user or full-service access; attach a policy with the specific actions and resources instead.`,
                );
            }
        };
        const single = SINGLE[args.type];
        if (single !== undefined) {
            check(single, args.props[single]);
            return;
        }
        const multiple = MULTIPLE[args.type];
        if (multiple !== undefined) {
            const arns: unknown = args.props[multiple];
            if (Array.isArray(arns)) {
                arns.forEach((arn: unknown, i: number) => check(`${multiple}[${i}]`, arn));
            }
        }
    },
});
