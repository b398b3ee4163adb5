import type { PolicyResource } from "@pulumi/policy";
import { stackRule } from "../../lib/rule";
import { VERSIONING_TYPES, bucketLabel, resourceLabel, settingsByBucket, undecidedReason } from "../../lib/s3";
import { Undecided, peek } from "../../lib/unknown";

const FIX = "add an aws.s3.BucketVersioning for the bucket with versioningConfiguration { status: \"Enabled\" }";

export const s3BucketVersioningEnabled = stackRule({
    name: "s3-bucket-versioning-enabled",
    description: "S3 buckets must have versioning enabled (aws.s3.BucketVersioning with status Enabled).",
    details:
        "Every S3 bucket must have versioning enabled by an aws.s3.BucketVersioning (or its deprecated V2 type) with versioningConfiguration.status \"Enabled\" (or the deprecated inline versioning.enabled true), so that overwritten or deleted objects can be restored.",
    severity: "medium",
    framework: { paper: "Table 2: backups (restore); 5.5 Runtime (immutability)", securityHub: ["S3.14"], checkov: ["CKV_AWS_21"] },
    remediationSteps:
        "Add `new aws.s3.BucketVersioning(name, { bucket: bucket.id, versioningConfiguration: { status: \"Enabled\" } })` for the bucket.",
    validateStack: (args, report) => {
        const undecided = new Undecided();
        for (const s of settingsByBucket(args.resources as PolicyResource[], VERSIONING_TYPES)) {
            const b = s.bucket;
            if (s.linked.length > 0) {
                const problems: string[] = [];
                let ok = false;
                for (const v of s.linked) {
                    const st = peek(v.props, "versioningConfiguration", "status");
                    if (!st.known) {
                        undecided.add(`${resourceLabel(v)} of ${bucketLabel(b)}: versioningConfiguration.status is unknown during preview`);
                    } else if (st.value === "Enabled") {
                        ok = true;
                    } else {
                        problems.push(`${resourceLabel(v)} has versioningConfiguration.status ${st.value === undefined ? "not set" : `"${String(st.value)}"`}`);
                    }
                }
                if (!ok && problems.length > 0 && problems.length === s.linked.length) {
                    report(`S3 ${bucketLabel(b)} does not have versioning enabled: ${problems.join("; ")}; set it to "Enabled".`, b.urn);
                }
                continue;
            }
            if (s.undecided.length > 0) {
                undecided.add(undecidedReason(b, s.undecided));
                continue;
            }
            const inline = peek(b.props, "versioning", "enabled");
            if (inline.known && inline.value === true) {
                continue;
            }
            report(`S3 ${bucketLabel(b)} does not have versioning enabled: no BucketVersioning resource configures it; ${FIX}.`, b.urn);
        }
        undecided.finish();
    },
});
