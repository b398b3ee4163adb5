import { stackRule } from "../../lib/rule";
import { ACCOUNT_PUBLIC_ACCESS_BLOCK } from "../s3/s3BucketPublicAccessBlocked";
import { BASELINE_NOTE, ofTypes } from "./baseline";

export const s3AccountPublicAccessBlocked = stackRule({
    name: "s3-account-public-access-blocked",
    description: "Account baseline: the stack that owns the account's baseline must set the account-level S3 public access block.",
    details: `${BASELINE_NOTE} A block with a setting turned off is reported in every stack by s3-bucket-public-access-blocked.`,
    severity: "high",
    optIn: "accountBaseline",
    framework: { paper: "4.2/5.2 Data protection (data loss prevention)", securityHub: ["S3.1"], checkov: ["CKV_AWS_53"] },
    remediationSteps: "In the account-baseline stack add an aws.s3.AccountPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
    validateStack: (args, report) => {
        if (ofTypes(args.resources, [ACCOUNT_PUBLIC_ACCESS_BLOCK]).length === 0) {
            report("the stack owns the account baseline (accountBaseline: true) but creates no aws.s3.AccountPublicAccessBlock; add one with all four settings true.");
        }
    },
});
