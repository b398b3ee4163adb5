import { stackRule } from "../../lib/rule";
import { Undecided, peek, unwrapDeep } from "../../lib/unknown";
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

const LB_TYPES = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"];

export const lbListenerHttpRedirectsToHttps = stackRule({
    name: "lb-listener-http-redirects-to-https",
    description: "Plain HTTP load balancer listeners (including ALB listeners with no protocol) may only redirect to HTTPS.",
    details:
        "A listener with protocol HTTP, or with no protocol on an Application Load Balancer (the provider's default is HTTP there; the load balancer is found through loadBalancerArn, and its loadBalancerType defaults to application), " +
        "must have only default actions of type \"redirect\" with redirect.protocol \"HTTPS\"; anything else (forward, fixed-response) serves data unencrypted. A listener whose load balancer is not in the stack and sets no protocol cannot be judged.",
    severity: "high",
    framework: {
        paper: "Articles: TLS on every hop; HTTPS for every call",
        securityHub: ["ELB.1"],
        checkov: ["CKV_AWS_2", "CKV2_AWS_20"],
    },
    remediationSteps:
        "Make the HTTP listener's only default action { type: \"redirect\", redirect: { protocol: \"HTTPS\", port: \"443\", statusCode: \"HTTP_301\" } } and serve the application on an HTTPS listener (protocol \"HTTPS\", certificateArn, a TLS 1.3-only sslPolicy); or remove the HTTP listener.",
    validateStack: (args, report) => {
        const undecided = new Undecided();
        for (const l of args.resources.filter((r) => LISTENER_TYPES.includes(r.type))) {
            const protocol = peek(l.props, "protocol");
            if (!protocol.known) {
                undecided.add(`the protocol of listener "${l.name}" is unknown`);
                continue;
            }
            let label = "HTTP listener";
            if (protocol.value === undefined || protocol.value === null || protocol.value === "") {
                const lb = (l.propertyDependencies["loadBalancerArn"] ?? []).find((d) => LB_TYPES.includes(d.type));
                if (lb === undefined) {
                    continue; // an ALB listener is HTTP, a Gateway Load Balancer's has no protocol: the load balancer is not in the stack
                }
                const kind = peek(lb.props, "loadBalancerType");
                if (!kind.known) {
                    undecided.add(`the loadBalancerType of "${lb.name}" is unknown`);
                    continue;
                }
                if (kind.value !== undefined && kind.value !== null && kind.value !== "application") {
                    continue;
                }
                label = "listener with no protocol (HTTP on an Application Load Balancer)";
            } else if (protocol.value !== "HTTP") {
                continue;
            }
            const raw = peek(l.props, "defaultActions");
            if (!raw.known) {
                undecided.add(`the defaultActions of listener "${l.name}" are unknown`);
                continue;
            }
            const actions: unknown[] = Array.isArray(raw.value) ? (unwrapDeep(raw.value) as unknown[]) : [];
            if (actions.length === 0) {
                report(`${label} has no defaultActions; its default action must redirect to HTTPS (type "redirect", redirect.protocol "HTTPS").`, l.urn);
                continue;
            }
            actions.forEach((a, i) => {
                if (!isHttpsRedirect(a)) {
                    const type = typeof a === "object" && a !== null ? String((a as Record<string, unknown>)["type"]) : "unknown";
                    report(
                        `${label} defaultActions[${i}] is of type "${type}" and does not redirect to HTTPS; plain HTTP listeners may only redirect (type "redirect", redirect.protocol "HTTPS").`,
                        l.urn,
                    );
                }
            });
        }
        undecided.finish();
    },
});
