import type { PolicyResource } from "@pulumi/policy";
import { cmkProblem, keyRef } from "../../lib/keys";
import { stackRule } from "../../lib/rule";
import { BucketSettings, SSE_TYPES, bucketLabel, resourceLabel, settingsByBucket, undecidedReason } from "../../lib/s3";
import { Undecided, peek } from "../../lib/unknown";

const FIX =
    "configure it with an aws.s3.BucketServerSideEncryptionConfiguration whose rules are [{ applyServerSideEncryptionByDefault: { sseAlgorithm: \"aws:kms\", kmsMasterKeyId: <customer-managed KMS key ARN> }, bucketKeyEnabled: true }]";

/**
 * The problem with one SSE rule list (from a configuration resource's `rules` or a bucket's deprecated inline
 * `serverSideEncryptionConfiguration.rule`), or undefined if it encrypts with a customer-managed key. `where` is
 * the property path for messages. Reading an unknown (other than the key reference) throws UnknownValueError.
 */
function sseProblem(rules: readonly Record<string, unknown>[], where: string): string | undefined {
    const i = rules.findIndex((r) => r["applyServerSideEncryptionByDefault"] !== undefined && r["applyServerSideEncryptionByDefault"] !== null);
    if (i < 0) {
        return `${where} has no applyServerSideEncryptionByDefault, so S3 applies SSE-S3 (AES256)`;
    }
    const d = rules[i]["applyServerSideEncryptionByDefault"] as Record<string, unknown>;
    const path = `${where}[${i}].applyServerSideEncryptionByDefault`;
    const alg: unknown = d["sseAlgorithm"];
    if (alg !== "aws:kms" && alg !== "aws:kms:dsse") {
        const note = alg === "AES256" ? " (SSE-S3, an S3-owned key)" : "";
        return `${path}.sseAlgorithm is "${String(alg)}"${note}`;
    }
    const ref = keyRef(d, "kmsMasterKeyId");
    const problem = cmkProblem(ref, `${path}.kmsMasterKeyId`);
    if (problem === undefined) {
        return undefined;
    }
    return ref.kind === "missing" ? `${problem}, so S3 uses the AWS-managed key alias/aws/s3` : problem;
}

function checkBucket(s: BucketSettings, undecided: Undecided, report: (message: string, urn?: string) => void): void {
    const b = s.bucket;
    const prefix = `S3 ${bucketLabel(b)} is not encrypted with a customer-managed KMS key`;
    if (s.linked.length > 0) {
        for (const cfg of s.linked) {
            const problem = undecided.attempt(`${resourceLabel(cfg)} of ${bucketLabel(b)}`, () =>
                sseProblem(Array.from((cfg.props["rules"] ?? []) as Record<string, unknown>[]), `${resourceLabel(cfg)} rules`),
            );
            if (problem !== undefined) {
                report(`${prefix}: ${problem}; ${FIX}.`, b.urn);
            }
        }
        return;
    }
    if (s.undecided.length > 0) {
        undecided.add(undecidedReason(b, s.undecided));
        return;
    }
    // Deprecated inline configuration on the bucket itself (a wholly unknown value is the provider's computed
    // default during preview, i.e. not configured by the program).
    const inline = peek(b.props, "serverSideEncryptionConfiguration");
    if (inline.known && inline.value !== undefined && inline.value !== null) {
        const problem = undecided.attempt(`${bucketLabel(b)} serverSideEncryptionConfiguration`, () => {
            const rule = (b.props["serverSideEncryptionConfiguration"] as Record<string, unknown>)["rule"];
            const rules = rule === undefined || rule === null ? [] : [rule as Record<string, unknown>];
            return sseProblem(rules, "serverSideEncryptionConfiguration.rule");
        });
        if (problem !== undefined) {
            report(`${prefix}: ${problem}; ${FIX}.`, b.urn);
        }
        return;
    }
    report(`${prefix}: no BucketServerSideEncryptionConfiguration resource configures it, so S3 applies SSE-S3 (AES256); ${FIX}.`, b.urn);
}

export const s3BucketEncryptedWithCmk = stackRule({
    name: "s3-bucket-encrypted-with-cmk",
    description: "S3 buckets must be encrypted by default with a customer-managed KMS key (aws:kms or aws:kms:dsse), with bucket keys on.",
    details:
        "Every S3 bucket must be encrypted by default with a customer-managed KMS key, configured by an aws.s3.BucketServerSideEncryptionConfiguration (or its deprecated V2 type) pointing at the bucket: sseAlgorithm \"aws:kms\" (or \"aws:kms:dsse\") with a kmsMasterKeyId that is not the AWS-managed alias/aws/s3. A bucket without one, AES256 (SSE-S3), or aws:kms without kmsMasterKeyId is a violation.",
    severity: "high",
    framework: { paper: "Table 2: at rest (envelope encryption, KMS customer-managed keys)", securityHub: ["S3.4"], checkov: ["CKV_AWS_145"] },
    remediationSteps:
        "Add `new aws.s3.BucketServerSideEncryptionConfiguration(name, { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: \"aws:kms\", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }] })` for the bucket, with a customer-managed aws.kms.Key.",
    validateStack: (args, report) => {
        const undecided = new Undecided();
        for (const s of settingsByBucket(args.resources as PolicyResource[], SSE_TYPES)) {
            checkBucket(s, undecided, report);
        }
        undecided.finish();
    },
});
