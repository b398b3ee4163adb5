import { stackRule } from "../../lib/rule";
import { Undecided, peek } from "../../lib/unknown";
import { PUBLIC_ROUTES_SCHEMA, allowed } from "./allowList";

interface Config {
    publicEntryPoints?: string[];
}

export const apigatewayv2RouteAuthorized = stackRule({
    name: "apigatewayv2-route-authorized",
    description: "API Gateway v2 routes must name an authorizer (JWT, Lambda or AWS_IAM), unless listed as public on purpose.",
    details:
        "Reports aws.apigatewayv2.Route whose authorizationType is NONE (the default), and HTTP APIs created with quick-create target, which get a $default route without authorization. " +
        "On WebSocket APIs only $connect can carry an authorizer, so other WebSocket routes are not judged. publicEntryPoints lists routes that are public on purpose, by logical name or route key (\"GET /health\").",
    severity: "high",
    framework: { paper: "5.4 Network: API gateways with authentication, authorisation and rate limiting", securityHub: ["APIGateway.8"], checkov: ["CKV_AWS_309"] },
    remediationSteps:
        "Set authorizationType (\"JWT\" with an authorizerId for a JWT authorizer, \"CUSTOM\" for a Lambda authorizer, or \"AWS_IAM\") on the aws.apigatewayv2.Route; replace quick-create target with explicit routes; list intentional public routes in publicEntryPoints.",
    configSchema: { properties: { publicEntryPoints: PUBLIC_ROUTES_SCHEMA } },
    validateStack: (args, report) => {
        const list = args.getConfig<Config>().publicEntryPoints ?? [];
        const undecided = new Undecided();
        for (const a of args.resources.filter((r) => r.type === "aws:apigatewayv2/api:Api")) {
            const target = peek(a.props, "target");
            const proto = peek(a.props, "protocolType");
            if (proto.known && proto.value === "HTTP" && (!target.known || (typeof target.value === "string" && target.value !== "")) && !allowed(list, a.name, "$default")) {
                report(`HTTP API "${a.name}" sets target (quick create), which adds a $default route without authorization; define routes with an authorizer instead (or add "${a.name}" to publicEntryPoints if it is public on purpose).`, a.urn);
            }
        }
        for (const r of args.resources.filter((x) => x.type === "aws:apigatewayv2/route:Route")) {
            const type = peek(r.props, "authorizationType");
            const key = peek(r.props, "routeKey");
            if (!type.known || !key.known) {
                undecided.add(`the authorizationType or routeKey of route "${r.name}" is unknown`);
                continue;
            }
            if ((type.value !== undefined && type.value !== "NONE") || typeof key.value !== "string") {
                continue;
            }
            const api = (r.propertyDependencies["apiId"] ?? []).find((d) => d.type === "aws:apigatewayv2/api:Api");
            const proto = api === undefined ? undefined : peek(api.props, "protocolType");
            const websocket = proto !== undefined && proto.known ? proto.value === "WEBSOCKET" : key.value.startsWith("$") && key.value !== "$default";
            if (websocket && key.value !== "$connect") {
                continue;
            }
            if (allowed(list, r.name, key.value)) {
                continue;
            }
            report(`route "${r.name}" (${key.value}) has authorizationType ${type.value === undefined ? "not set (NONE)" : '"NONE"'}, so anyone who can reach the API can call it; set authorizationType with an authorizer (or add it to publicEntryPoints if it is public on purpose).`, r.urn);
        }
        undecided.finish();
    },
});
