import type { PolicyResource } from "@pulumi/policy";
import { stackRule } from "../../lib/rule";
import { listOf } from "../../lib/k8s";
import { Undecided, peek, unwrapDeep } from "../../lib/unknown";
import { PUBLIC_ROUTES_SCHEMA, allowed } from "./allowList";

interface Config {
    publicEntryPoints?: string[];
}

function from(r: PolicyResource, prop: string, type: string): PolicyResource | undefined {
    return (r.propertyDependencies[prop] ?? []).find((d) => d.type === type);
}

/** The path of an API Gateway resource built from pathPart and parentId, or undefined when it cannot be known. */
function pathOf(res: PolicyResource | undefined, depth = 0): string | undefined {
    if (res === undefined || depth > 30) {
        return undefined;
    }
    if (res.type === "aws:apigateway/restApi:RestApi") {
        return "";
    }
    const part = peek(res.props, "pathPart");
    if (!part.known || typeof part.value !== "string") {
        return undefined;
    }
    const parent = (res.propertyDependencies["parentId"] ?? []).find((d) => d.type === "aws:apigateway/resource:Resource" || d.type === "aws:apigateway/restApi:RestApi");
    const base = pathOf(parent, depth + 1);
    return base === undefined ? undefined : `${base}/${part.value}`;
}

export const apigatewayMethodAuthorized = stackRule({
    name: "apigateway-method-authorized",
    description: "API Gateway REST methods must require authorization (AWS_IAM, Cognito or a Lambda authorizer), unless listed as public on purpose.",
    details:
        "Reports aws.apigateway.Method with authorization NONE on a REST API that is not PRIVATE. OPTIONS methods (CORS preflight, which browsers send without credentials) are not judged. " +
        "apiKeyRequired does not count: API keys identify callers for usage plans, they do not authenticate them. publicEntryPoints lists methods that are public on purpose, by logical name or as \"GET /path\".",
    severity: "high",
    framework: { paper: "5.4 Network: API gateways with authentication, authorisation and rate limiting", securityHub: ["APIGateway.8"], checkov: ["CKV_AWS_59"] },
    remediationSteps:
        "Set authorization to \"AWS_IAM\", \"COGNITO_USER_POOLS\" or \"CUSTOM\" with an authorizerId on the aws.apigateway.Method; list methods that are public on purpose (health checks, webhooks that verify signatures) in publicEntryPoints.",
    configSchema: { properties: { publicEntryPoints: PUBLIC_ROUTES_SCHEMA } },
    validateStack: (args, report) => {
        const list = args.getConfig<Config>().publicEntryPoints ?? [];
        const undecided = new Undecided();
        for (const m of args.resources.filter((r) => r.type === "aws:apigateway/method:Method")) {
            const auth = peek(m.props, "authorization");
            const verb = peek(m.props, "httpMethod");
            if (!auth.known || !verb.known) {
                undecided.add(`the authorization or httpMethod of method "${m.name}" is unknown`);
                continue;
            }
            if (auth.value !== "NONE" || verb.value === "OPTIONS") {
                continue;
            }
            const api = from(m, "restApi", "aws:apigateway/restApi:RestApi");
            const types = api === undefined ? { known: true, value: undefined } : peek(api.props, "endpointConfiguration", "types");
            if (types.known && listOf(unwrapDeep(types.value)).includes("PRIVATE")) {
                continue;
            }
            const path = pathOf(from(m, "resourceId", "aws:apigateway/resource:Resource") ?? (from(m, "resourceId", "aws:apigateway/restApi:RestApi")));
            const route = path === undefined ? undefined : `${String(verb.value)} ${path === "" ? "/" : path}`;
            if (allowed(list, m.name, route)) {
                continue;
            }
            const what = route === undefined ? `method "${m.name}" (${String(verb.value)})` : `method "${m.name}" (${route})`;
            report(`${what} has authorization "NONE", so anyone who can reach the API can call it; set authorization to "AWS_IAM", "COGNITO_USER_POOLS" or "CUSTOM" with an authorizer (or add it to publicEntryPoints if it is public on purpose).`, m.urn);
        }
        undecided.finish();
    },
});
