import type { PolicyResource } from "@pulumi/policy";
import { bucketPolicySettings, deniesAllS3ToEveryone, onlyCondition, policiesOf, statementLabel } from "../../lib/bucketPolicy";
import { stackRule } from "../../lib/rule";
import { bucketLabel } from "../../lib/s3";
import { Undecided } from "../../lib/unknown";
import type { Statement } from "../../lib/iam";

interface Config {
    minimumTlsVersion?: number;
}

const DEFAULT_MINIMUM = 1.3;

function statement(min: number): string {
    return `a statement { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [<bucket ARN>, <bucket ARN>/*], Condition: { NumericLessThan: { "s3:TlsVersion": "${min.toFixed(1)}" } } }`;
}

/** The TLS version below which the statement denies all S3 access to everyone, or undefined if it is not such a statement. */
export function deniedBelow(s: Statement): number | undefined {
    const c = onlyCondition(s);
    if (!deniesAllS3ToEveryone(s) || c === undefined || c[0] !== "NumericLessThan" || c[1] !== "s3:tlsversion" || c[2].length !== 1) {
        return undefined;
    }
    const v = Number(c[2][0]);
    return Number.isFinite(v) ? v : undefined;
}

export const s3BucketRequiresTls13 = stackRule({
    name: "s3-bucket-requires-tls13",
    description: "S3 bucket policies must deny requests negotiated below TLS 1.3 (Deny with NumericLessThan s3:TlsVersion 1.3).",
    details:
        "Every S3 bucket's policy must deny all S3 actions to every principal when s3:TlsVersion is below 1.3 (NumericLessThan \"1.3\"; the minimum is configurable), so only TLS 1.3 connections are accepted. " +
        "Advisory by default: S3 endpoints already refuse TLS below 1.2, and a bucket that takes plain HTTP is reported by s3-bucket-denies-insecure-transport; requiring 1.3 is the paper's stricter stance, which a stack takes by raising the policy to mandatory in its pack config, as this project's own stacks do.",
    enforcementLevel: "advisory",
    severity: "high",
    framework: { paper: "Table 2: in transit (TLS 1.3, strong suites)" },
    remediationSteps: `Attach an aws.s3.BucketPolicy to the bucket containing ${statement(DEFAULT_MINIMUM)} (next to the aws:SecureTransport deny).`,
    configSchema: {
        properties: {
            minimumTlsVersion: {
                type: "number",
                enum: [1.2, 1.3],
                default: DEFAULT_MINIMUM,
                description: "The lowest TLS version the bucket policy must allow (requests below it must be denied).",
            },
        },
    },
    validateStack: (args, report) => {
        const min = args.getConfig<Config>().minimumTlsVersion ?? DEFAULT_MINIMUM;
        const undecided = new Undecided();
        for (const s of bucketPolicySettings(args.resources as PolicyResource[])) {
            const b = s.bucket;
            const prefix = `S3 ${bucketLabel(b)} does not require TLS ${min.toFixed(1)}`;
            const found = policiesOf(s, undecided);
            if (found.kind === "undecided") {
                continue;
            }
            if (found.kind === "none") {
                report(`${prefix}: no BucketPolicy applies to it; attach one containing ${statement(min)}.`, b.urn);
                continue;
            }
            const weaker: string[] = [];
            let ok = false;
            for (const p of found.policies) {
                for (const st of p.statements) {
                    const v = deniedBelow(st);
                    if (v !== undefined && v >= min) {
                        ok = true;
                    } else if (v !== undefined) {
                        weaker.push(`${p.label} ${statementLabel(st)} denies only below TLS ${String(v)}, so TLS ${String(v)} is still accepted`);
                    }
                }
            }
            if (ok || found.unknown > 0) {
                continue; // compliant, or an unknown document may hold the statement (recorded as undecided)
            }
            const where = [...found.invalid, ...(weaker.length > 0 ? weaker : found.policies.map((p) => `${p.label} has no s3:TlsVersion deny statement`))].join("; ");
            report(`${prefix}: ${where}; add ${statement(min)}.`, b.urn);
        }
        undecided.finish();
    },
});
