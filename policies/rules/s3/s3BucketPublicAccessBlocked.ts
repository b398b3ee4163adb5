import type { PolicyResource } from "@pulumi/policy";
import { stackRule } from "../../lib/rule";
import { PUBLIC_ACCESS_BLOCK_TYPES, bucketLabel, resourceLabel, settingsByBucket, undecidedReason } from "../../lib/s3";
import { Undecided, peek } from "../../lib/unknown";

export const PUBLIC_ACCESS_SETTINGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

const FIX =
    "add an aws.s3.BucketPublicAccessBlock for the bucket with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true";

export const s3BucketPublicAccessBlocked = stackRule({
    name: "s3-bucket-public-access-blocked",
    description:
        "Every S3 bucket must have an aws.s3.BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
    severity: "critical",
    framework: {
        paper: "4.2/5.2 Data protection (data loss prevention); 5.4 Network (controlled ingress)",
        securityHub: ["S3.8"],
        checkov: ["CKV2_AWS_6", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"],
    },
    remediationSteps:
        "Add `new aws.s3.BucketPublicAccessBlock(name, { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true })` for the bucket.",
    validateStack: (args, report) => {
        const undecided = new Undecided();
        for (const s of settingsByBucket(args.resources as PolicyResource[], PUBLIC_ACCESS_BLOCK_TYPES)) {
            const b = s.bucket;
            if (s.linked.length === 0) {
                if (s.undecided.length > 0) {
                    undecided.add(undecidedReason(b, s.undecided));
                } else {
                    report(`S3 ${bucketLabel(b)} has no BucketPublicAccessBlock, so public ACLs and policies are not blocked; ${FIX}.`, b.urn);
                }
                continue;
            }
            // The bucket complies if a linked block has all four settings true; a block with unknown settings
            // (and none compliant) leaves it undecided; otherwise each block's gaps are reported.
            const gaps: string[] = [];
            let ok = false;
            let unknown = false;
            for (const pab of s.linked) {
                const missing: string[] = [];
                let unknownHere = false;
                for (const k of PUBLIC_ACCESS_SETTINGS) {
                    const v = peek(pab.props, k);
                    if (!v.known) {
                        unknownHere = true;
                    } else if (v.value !== true) {
                        missing.push(`${k} ${v.value === undefined || v.value === null ? "not set" : String(v.value)}`);
                    }
                }
                if (missing.length > 0) {
                    gaps.push(`${resourceLabel(pab)} has ${missing.join(", ")}`);
                } else if (unknownHere) {
                    unknown = true;
                    undecided.add(`${resourceLabel(pab)} of ${bucketLabel(b)}: a public access setting is unknown during preview`);
                } else {
                    ok = true;
                }
            }
            if (!ok && !unknown && gaps.length > 0) {
                report(`S3 ${bucketLabel(b)} does not block all public access: ${gaps.join("; ")}; set all four settings to true.`, b.urn);
            }
        }
        undecided.finish();
    },
});
