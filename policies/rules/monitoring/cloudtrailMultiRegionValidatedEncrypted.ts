import { resourceRule } from "../../lib/rule";

export const cloudtrailMultiRegionValidatedEncrypted = resourceRule({
    name: "cloudtrail-multi-region-validated-encrypted",
    description: "CloudTrail trails must be multi-region, validate log files, encrypt with a customer-managed KMS key and deliver to CloudWatch Logs.",
    details:
        "CloudTrail trails must be multi-region (isMultiRegionTrail), validate log files (enableLogFileValidation), encrypt logs with a customer-managed KMS key (kmsKeyId) and deliver to CloudWatch Logs (cloudWatchLogsGroupArn) for alerting.",
    severity: "high",
    framework: {
        paper: "5.5 Runtime: audit logging; articles: CloudTrail for audit; Table 3",
        securityHub: ["CloudTrail.1", "CloudTrail.2", "CloudTrail.4", "CloudTrail.5"],
        checkov: ["CKV_AWS_67", "CKV_AWS_36", "CKV_AWS_35", "CKV2_AWS_10"],
    },
    remediationSteps:
        "Set isMultiRegionTrail: true, enableLogFileValidation: true, kmsKeyId: <logs key ARN (tag e2ee:key-role=logs)>, cloudWatchLogsGroupArn: \"<log group ARN>:*\" and cloudWatchLogsRoleArn on the aws.cloudtrail.Trail.",
    resourceTypes: ["aws:cloudtrail/trail:Trail"],
    validateResource: (args, report) => {
                const p = args.props;
        if (p["isMultiRegionTrail"] !== true) {
            report("isMultiRegionTrail is not true; set it to true so every region's API activity is recorded.");
        }
        if (p["enableLogFileValidation"] !== true) {
            report("enableLogFileValidation is not true; set it to true so tampering with delivered log files is detectable.");
        }
        const kms: unknown = p["kmsKeyId"];
        if (typeof kms !== "string" || kms === "") {
            report("kmsKeyId is not set, so logs are encrypted only with S3-managed keys; set kmsKeyId to a customer-managed KMS key ARN.");
        }
        const cw: unknown = p["cloudWatchLogsGroupArn"];
        if (typeof cw !== "string" || cw === "") {
            report("cloudWatchLogsGroupArn is not set, so no metric filters or alarms can watch the trail; deliver it to a CloudWatch Logs group.");
        }
    },
});
