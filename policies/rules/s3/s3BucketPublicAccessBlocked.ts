import type { PolicyResource } from "@pulumi/policy";
import { stackRule } from "../../lib/rule";
import { isScopedByCondition } from "../iam/kmsKeyPolicyNoUnscopedWildcardPrincipal";
import { bucketPolicySettings, policiesOf, statementLabel } from "../../lib/bucketPolicy";
import { PUBLIC_ACCESS_BLOCK_TYPES, bucketLabel, resourceLabel, settingsByBucket, undecidedReason } from "../../lib/s3";
import { Undecided, peek, unwrapDeep } from "../../lib/unknown";

export const PUBLIC_ACCESS_SETTINGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;
type Setting = (typeof PUBLIC_ACCESS_SETTINGS)[number];

/** What turning a setting off does. */
const EFFECT: Readonly<Record<Setting, string>> = {
    blockPublicAcls: "new public ACLs are accepted",
    ignorePublicAcls: "public ACLs take effect",
    blockPublicPolicy: "a bucket policy granting public access can be attached",
    restrictPublicBuckets: "a public bucket policy gives anyone access",
};

export const ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock";
export const OWNERSHIP_TYPES: readonly string[] = ["aws:s3/bucketOwnershipControls:BucketOwnershipControls"];
export const ACL_TYPES: readonly string[] = ["aws:s3/bucketAclV2:BucketAclV2", "aws:s3/bucketAcl:BucketAcl"];

const PUBLIC_CANNED_ACLS: readonly string[] = ["public-read", "public-read-write", "authenticated-read"];
const PUBLIC_GROUPS: readonly string[] = ["http://acs.amazonaws.com/groups/global/AllUsers", "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"];

/** Condition keys that scope a "*" principal in a bucket policy (S3 does not consider such a policy public). */
export const BUCKET_POLICY_SCOPING_KEYS: readonly string[] = [
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalServiceName",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceOwner",
    "aws:SourceVpce",
    "aws:SourceVpc",
    "aws:userid",
    "s3:DataAccessPointAccount",
    "s3:DataAccessPointArn",
];

/** The settings of a public access block that are off (false, or unset: the resource's default is false). */
function weakSettings(r: PolicyResource, undecided: Undecided): { setting: Setting; value: string }[] | undefined {
    const out: { setting: Setting; value: string }[] = [];
    let unknown = false;
    for (const k of PUBLIC_ACCESS_SETTINGS) {
        const v = peek(r.props, k);
        if (!v.known) {
            unknown = true;
        } else if (v.value !== true) {
            out.push({ setting: k, value: v.value === undefined || v.value === null ? "not set (false)" : String(v.value) });
        }
    }
    if (unknown) {
        undecided.add(`${resourceLabel(r)}: a public access setting is unknown during preview`);
        return out.length > 0 ? out : undefined;
    }
    return out;
}

function describeWeak(weak: readonly { setting: Setting; value: string }[]): string {
    return weak.map((w) => `${w.setting} is ${w.value}, so ${EFFECT[w.setting]}`).join("; ");
}

/** The public grants an ACL value makes, as message fragments. */
function publicAcl(props: unknown, what: string): string[] {
    const out: string[] = [];
    const acl = peek(props, "acl");
    if (acl.known && typeof acl.value === "string" && PUBLIC_CANNED_ACLS.includes(acl.value)) {
        out.push(`${what} acl "${acl.value}"`);
    }
    const lists: unknown[] = [];
    const grants = peek(props, "grants");
    if (grants.known && Array.isArray(grants.value)) {
        lists.push(...(unwrapDeep(grants.value) as unknown[]).map((g) => ({ grantee: { ...(g as Record<string, unknown>) }, permission: (g as Record<string, unknown>)["permissions"] })));
    }
    const policy = peek(props, "accessControlPolicy", "grants");
    if (policy.known && Array.isArray(policy.value)) {
        lists.push(...(unwrapDeep(policy.value) as unknown[]));
    }
    for (const g of lists) {
        const grantee = (g as { grantee?: { uri?: unknown } }).grantee;
        if (typeof grantee?.uri === "string" && PUBLIC_GROUPS.includes(grantee.uri)) {
            out.push(`${what} grant to ${grantee.uri.slice(grantee.uri.lastIndexOf("/") + 1)}`);
        }
    }
    return out;
}

export const s3BucketPublicAccessBlocked = stackRule({
    name: "s3-bucket-public-access-blocked",
    description: "S3 buckets must not be opened to the public: no public access setting turned off, no public ACL, no unscoped \"*\" bucket policy.",
    details:
        "Since April 2023 every new bucket blocks public access (all four settings on) and disables ACLs (BucketOwnerEnforced), so a bucket without a BucketPublicAccessBlock is not public. " +
        "Reported is what weakens those defaults: a BucketPublicAccessBlock (or AccountPublicAccessBlock) with a setting false or unset (the resource's default is false), " +
        "a public canned ACL or a grant to AllUsers/AuthenticatedUsers (inline on the bucket or an aws.s3.BucketAclV2), and a bucket policy Allow for Principal \"*\" without a condition that scopes it " +
        "(aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID, aws:SourceVpce, ...). Each message states the effect given the bucket's other settings (public, or rejected by S3 while the defaults stay on).",
    severity: "critical",
    framework: {
        paper: "4.2/5.2 Data protection (data loss prevention); 5.4 Network (controlled ingress)",
        securityHub: ["S3.1", "S3.2", "S3.3", "S3.8"],
        checkov: ["CKV2_AWS_6", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "CKV_AWS_20", "CKV_AWS_57"],
    },
    remediationSteps:
        "Set every setting of the BucketPublicAccessBlock (and AccountPublicAccessBlock) to true, or remove the resource before the bucket is created so the defaults apply; remove public ACLs and keep objectOwnership BucketOwnerEnforced; in bucket policies name the principals, or scope \"*\" with aws:SourceArn/aws:SourceAccount (e.g. CloudFront origin access control) or aws:PrincipalOrgID. Serve public content through CloudFront instead of a public bucket.",
    validateStack: (args, report) => {
        const undecided = new Undecided();
        const resources = args.resources as PolicyResource[];
        // The account-level block.
        let accountAllowsPolicies = false;
        let accountAllowsAcls = false;
        for (const a of resources.filter((r) => r.type === ACCOUNT_PUBLIC_ACCESS_BLOCK)) {
            const weak = weakSettings(a, undecided);
            if (weak !== undefined && weak.length > 0) {
                accountAllowsPolicies ||= weak.some((w) => w.setting === "blockPublicPolicy" || w.setting === "restrictPublicBuckets");
                accountAllowsAcls ||= weak.some((w) => w.setting === "blockPublicAcls" || w.setting === "ignorePublicAcls");
                report(`${resourceLabel(a)} turns off account-wide protection for every bucket in the account: ${describeWeak(weak)}; set all four settings to true.`, a.urn);
            }
        }
        const pabs = settingsByBucket(resources, PUBLIC_ACCESS_BLOCK_TYPES);
        const owners = settingsByBucket(resources, OWNERSHIP_TYPES);
        const acls = settingsByBucket(resources, ACL_TYPES);
        const policies = bucketPolicySettings(resources);
        pabs.forEach((s, i) => {
            const b = s.bucket;
            if (s.undecided.length > 0) {
                undecided.add(undecidedReason(b, s.undecided));
            }
            // 1. The bucket's public access block.
            const weak = new Map<Setting, string>();
            for (const pab of s.linked) {
                const w = weakSettings(pab, undecided);
                if (w !== undefined && w.length > 0) {
                    w.forEach((x) => weak.set(x.setting, x.value));
                    report(`S3 ${bucketLabel(b)}: ${resourceLabel(pab)} weakens the default public access block: ${describeWeak(w)}; set it to true.`, b.urn);
                }
            }
            const policiesAllowed = accountAllowsPolicies || weak.has("blockPublicPolicy") || weak.has("restrictPublicBuckets");
            const aclsAllowed = accountAllowsAcls || (weak.has("blockPublicAcls") && weak.has("ignorePublicAcls"));
            // 2. Public ACLs, effective only when ownership controls re-enable ACLs.
            const publicGrants = publicAcl(b.props, "the bucket's");
            for (const a of acls[i].linked) {
                publicGrants.push(...publicAcl(a.props, `${resourceLabel(a)}`));
            }
            if (publicGrants.length > 0) {
                const reenabled = owners[i].linked.filter((o) => {
                    const own = peek(o.props, "rule", "objectOwnership");
                    return own.known && (own.value === "BucketOwnerPreferred" || own.value === "ObjectWriter");
                });
                const effect =
                    reenabled.length > 0 && aclsAllowed
                        ? `${resourceLabel(reenabled[0])} re-enables ACLs and public ACLs are not blocked, so anyone on the internet gets that access`
                        : reenabled.length > 0
                          ? `${resourceLabel(reenabled[0])} re-enables ACLs, so the bucket is public as soon as the public access block allows public ACLs (while it does not, S3 rejects the ACL)`
                          : "with ACLs disabled (BucketOwnerEnforced, the default) S3 rejects it; re-enabling ACLs would make the bucket public";
                report(`S3 ${bucketLabel(b)} is given a public ACL (${publicGrants.join(", ")}): ${effect}; remove the public ACL and grant access through named principals or CloudFront.`, b.urn);
            }
            // 3. Bucket policies granting "*" without a scoping condition.
            const found = policiesOf(policies[i], undecided);
            if (found.kind === "found") {
                for (const p of found.policies) {
                    for (const st of p.statements) {
                        if (st.effect !== "Allow" || st.principal?.wildcard !== true || isScopedByCondition(st, BUCKET_POLICY_SCOPING_KEYS)) {
                            continue;
                        }
                        const effect = policiesAllowed
                            ? "and the public access block does not stop it, so anyone on the internet can use it"
                            : "S3 rejects such a policy while blockPublicPolicy is on (the default), so it either fails to deploy or makes the bucket public once the block is turned off";
                        report(
                            `S3 ${bucketLabel(b)}: ${p.label} ${statementLabel(st)} allows ${(st.action ?? ["every action except " + (st.notAction ?? []).join(", ")]).join(", ")} to Principal "*" without a scoping condition; ${effect}; name the principals or add a condition on aws:SourceArn, aws:SourceAccount or aws:PrincipalOrgID.`,
                            b.urn,
                        );
                    }
                }
            }
        });
        undecided.finish();
    },
});
