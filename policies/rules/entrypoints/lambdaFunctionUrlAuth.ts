import { resourceRule } from "../../lib/rule";
import { PUBLIC_ROUTES_SCHEMA, allowed } from "./allowList";

interface Config {
    publicEntryPoints?: string[];
}

export const lambdaFunctionUrlAuth = resourceRule({
    name: "lambda-function-url-auth",
    description: "Lambda function URLs must require IAM authentication (authorizationType AWS_IAM), unless listed as public on purpose.",
    details: "authorizationType NONE lets anyone on the internet invoke the function through its URL; only the function's code stands between a caller and its permissions. publicEntryPoints lists URLs that are public on purpose (by logical name).",
    severity: "high",
    framework: { paper: "5.4 Network: API gateways with authentication, authorisation and rate limiting", checkov: ["CKV_AWS_258"] },
    remediationSteps: "Set authorizationType: \"AWS_IAM\" and call the URL with SigV4-signed requests (CloudFront origin access control signs for browsers), or put the function behind API Gateway with an authorizer; list intentional public URLs in publicEntryPoints.",
    configSchema: { properties: { publicEntryPoints: PUBLIC_ROUTES_SCHEMA } },
    resourceTypes: ["aws:lambda/functionUrl:FunctionUrl"],
    validateResource: (args, report) => {
        if (args.props["authorizationType"] !== "NONE" || allowed(args.getConfig<Config>().publicEntryPoints ?? [], args.name)) {
            return;
        }
        report(`authorizationType is "NONE", so anyone on the internet can invoke the function through its URL; set authorizationType to "AWS_IAM" (or add "${args.name}" to publicEntryPoints if it is public on purpose).`);
    },
});
