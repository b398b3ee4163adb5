import type { PolicyResource } from "@pulumi/policy";
import { bucketPolicySettings, deniesAllS3ToEveryone, onlyCondition, policiesOf } from "../../lib/bucketPolicy";
import { stackRule } from "../../lib/rule";
import { bucketLabel } from "../../lib/s3";
import { Undecided } from "../../lib/unknown";
import type { Statement } from "../../lib/iam";

const STATEMENT =
    "a statement { Effect: \"Deny\", Principal: \"*\", Action: \"s3:*\", Resource: [<bucket ARN>, <bucket ARN>/*], Condition: { Bool: { \"aws:SecureTransport\": \"false\" } } }";

/** True for a Deny-all-S3-to-everyone statement whose only condition is Bool aws:SecureTransport false. */
export function deniesInsecureTransport(s: Statement): boolean {
    const c = onlyCondition(s);
    return (
        deniesAllS3ToEveryone(s) &&
        c !== undefined &&
        (c[0] === "Bool" || c[0] === "BoolIfExists") &&
        c[1] === "aws:securetransport" &&
        c[2].length === 1 &&
        c[2][0].toLowerCase() === "false"
    );
}

export const s3BucketDeniesInsecureTransport = stackRule({
    name: "s3-bucket-denies-insecure-transport",
    description: "S3 bucket policies must deny requests without TLS (Deny with aws:SecureTransport false).",
    details:
        "Every S3 bucket's policy must deny all S3 actions to every principal when aws:SecureTransport is false, so plain-HTTP requests are refused.",
    severity: "high",
    framework: { paper: "Table 2: in transit (TLS on every hop); articles: HTTPS for every call", securityHub: ["S3.5"] },
    remediationSteps: `Attach an aws.s3.BucketPolicy to the bucket containing ${STATEMENT}.`,
    validateStack: (args, report) => {
        const undecided = new Undecided();
        for (const s of bucketPolicySettings(args.resources as PolicyResource[])) {
            const b = s.bucket;
            const prefix = `S3 ${bucketLabel(b)} does not deny requests over plain HTTP`;
            const found = policiesOf(s, undecided);
            if (found.kind === "undecided") {
                continue;
            }
            if (found.kind === "none") {
                report(`${prefix}: no BucketPolicy applies to it; attach one containing ${STATEMENT}.`, b.urn);
                continue;
            }
            if (found.policies.some((p) => p.statements.some(deniesInsecureTransport))) {
                continue;
            }
            if (found.unknown > 0) {
                continue; // an unknown document may hold the statement: recorded as undecided
            }
            const where = [...found.invalid, ...found.policies.map((p) => `${p.label} has no such statement`)].join("; ");
            report(`${prefix}: ${where}; add ${STATEMENT}.`, b.urn);
        }
        undecided.finish();
    },
});
