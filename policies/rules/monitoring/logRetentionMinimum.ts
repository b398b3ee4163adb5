import { resourceRule } from "../../lib/rule";

export const DEFAULT_MIN_RETENTION_DAYS = 90;

interface Config {
    minRetentionDays?: number;
}

export const logRetentionMinimum = resourceRule({
    name: "log-retention-minimum",
    description: "CloudWatch log groups must keep logs for at least the configured number of days (default 90).",
    details:
        "CloudWatch log groups must keep logs at least a configurable number of days (default 90). A missing or 0 retentionInDays means logs never expire, which satisfies the minimum.",
    severity: "medium",
    framework: { paper: "5.5 Runtime: audit logging; Table 3: monitoring signals", securityHub: ["CloudWatch.16"], checkov: ["CKV_AWS_338"] },
    remediationSteps: "Set retentionInDays to at least the minimum (a CloudWatch Logs retention value such as 90, 180, 365), or leave it unset to keep logs forever.",
    configSchema: {
        properties: {
            minRetentionDays: { type: "integer", minimum: 1, default: DEFAULT_MIN_RETENTION_DAYS, description: "Shortest accepted retention, in days." },
        },
    },
    resourceTypes: ["aws:cloudwatch/logGroup:LogGroup"],
    validateResource: (args, report) => {
                const min = args.getConfig<Config>().minRetentionDays ?? DEFAULT_MIN_RETENTION_DAYS;
        const days: unknown = args.props["retentionInDays"];
        if (typeof days === "number" && days > 0 && days < min) {
            report(`retentionInDays is ${days}, shorter than the minimum of ${min} days; set retentionInDays to at least ${min}.`);
        }
    },
});
