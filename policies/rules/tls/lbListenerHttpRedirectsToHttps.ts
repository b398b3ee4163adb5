import { resourceRule } from "../../lib/rule";
import { LISTENER_TYPES } from "./lbListenerTls13Only";

function isHttpsRedirect(action: unknown): boolean {
    if (typeof action !== "object" || action === null) {
        return false;
    }
    const a = action as Record<string, unknown>;
    if (a["type"] !== "redirect") {
        return false;
    }
    const r = a["redirect"];
    if (typeof r !== "object" || r === null) {
        return false;
    }
    const proto: unknown = (r as Record<string, unknown>)["protocol"];
    return proto === "HTTPS";
}

export const lbListenerHttpRedirectsToHttps = resourceRule({
    name: "lb-listener-http-redirects-to-https",
    description:
        "Plain HTTP load balancer listeners are allowed only when their default action redirects to HTTPS (type \"redirect\" with redirect.protocol \"HTTPS\"); anything else serves data unencrypted.",
    severity: "high",
    framework: {
        paper: "Articles: TLS on every hop; HTTPS for every call",
        securityHub: ["ELB.1"],
        checkov: ["CKV_AWS_2", "CKV2_AWS_20"],
    },
    remediationSteps:
        "Make the HTTP listener's only default action { type: \"redirect\", redirect: { protocol: \"HTTPS\", port: \"443\", statusCode: \"HTTP_301\" } } and serve the application on an HTTPS listener with a TLS 1.3-only policy; or remove the HTTP listener.",
    resourceTypes: LISTENER_TYPES,
    validateResource: (args, report) => {
        const protocol: unknown = args.props["protocol"];
        // A listener without protocol is HTTP on an ALB but protocol-less on a Gateway LB; only explicit HTTP is checked.
        if (protocol !== "HTTP") {
            return;
        }
        const raw: unknown = args.props["defaultActions"];
        const actions: unknown[] = Array.isArray(raw) ? Array.from(raw as unknown[]) : [];
        if (actions.length === 0) {
            report("HTTP listener has no defaultActions; its default action must redirect to HTTPS (type \"redirect\", redirect.protocol \"HTTPS\").");
            return;
        }
        actions.forEach((a, i) => {
            if (!isHttpsRedirect(a)) {
                const type = typeof a === "object" && a !== null ? String((a as Record<string, unknown>)["type"]) : "unknown";
                report(
                    `HTTP listener defaultActions[${i}] is of type "${type}" and does not redirect to HTTPS; plain HTTP listeners may only redirect (type "redirect", redirect.protocol "HTTPS").`,
                );
            }
        });
    },
});
