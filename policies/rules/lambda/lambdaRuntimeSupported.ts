import { resourceRule } from "../../lib/rule";

/**
 * Runtimes AWS Lambda had deprecated by November 2026 (AWS Lambda runtime deprecation schedule; e.g. nodejs18.x
 * 2025-09-01, python3.9 2025-12-15, ruby3.2 2026-03-31, nodejs20.x 2026-04-30, dotnet8 2026-11-10), plus every
 * older runtime of those families.
 */
export const DEFAULT_DEPRECATED_RUNTIMES: readonly string[] = [
    "nodejs",
    "nodejs4.3",
    "nodejs4.3-edge",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "nodejs16.x",
    "nodejs18.x",
    "nodejs20.x",
    "python2.7",
    "python3.6",
    "python3.7",
    "python3.8",
    "python3.9",
    "ruby2.5",
    "ruby2.7",
    "ruby3.2",
    "java8",
    "go1.x",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "dotnet5.0",
    "dotnet6",
    "dotnet7",
    "dotnet8",
    "provided",
];

interface Config {
    deprecatedRuntimes?: string[];
}

export const lambdaRuntimeSupported = resourceRule({
    name: "lambda-runtime-supported",
    description: "Lambda functions must use a runtime that is not deprecated (default: nodejs22.x, nodejs24.x, python3.12+, java21+, ...).",
    details:
        "Lambda functions must not use a deprecated runtime (configurable list; default as of November 2026: nodejs20.x and older, python3.9 and older, ruby3.2 and older, java8 (AL1), go1.x, dotnet8 and older, provided (AL1)). Deprecated runtimes get no security patches.",
    severity: "high",
    framework: { paper: "5.3 Infrastructure: patching", securityHub: ["Lambda.2"], checkov: ["CKV_AWS_363"] },
    remediationSteps: "Set runtime to a supported runtime (e.g. nodejs22.x or nodejs24.x, python3.13) and redeploy after testing.",
    configSchema: {
        properties: {
            deprecatedRuntimes: {
                type: "array",
                items: { type: "string" },
                default: [...DEFAULT_DEPRECATED_RUNTIMES],
                description: "Runtime identifiers that are deprecated.",
            },
        },
    },
    resourceTypes: ["aws:lambda/function:Function"],
    validateResource: (args, report) => {
                const runtime: unknown = args.props["runtime"];
        const deprecated = args.getConfig<Config>().deprecatedRuntimes ?? DEFAULT_DEPRECATED_RUNTIMES;
        if (typeof runtime === "string" && deprecated.includes(runtime)) {
            report(`runtime is "${runtime}", which AWS Lambda has deprecated (no more security patches); use a supported runtime such as "nodejs22.x" or "nodejs24.x".`);
        }
    },
});
