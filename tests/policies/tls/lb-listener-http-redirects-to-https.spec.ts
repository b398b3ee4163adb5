import assert from "node:assert/strict";
import { lbListenerHttpRedirectsToHttps } from "../../../policies/rules/tls/lbListenerHttpRedirectsToHttps";
import { UNKNOWN, runStackRule } from "../harness";

const redirect = { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } };
const base = { loadBalancerArn: "arn:lb", port: 80, protocol: "HTTP", defaultActions: [redirect] };
const run = (props: Record<string, unknown>, type = "aws:lb/listener:Listener") => runStackRule(lbListenerHttpRedirectsToHttps, [{ type, name: "l", props }]);

describe("lb-listener-http-redirects-to-https", () => {
    it("accepts a redirect-only HTTP listener (both type tokens)", async () => {
        assert.deepEqual((await run(base)).messages, []);
        assert.deepEqual((await run(base, "aws:alb/listener:Listener")).messages, []);
    });

    it("reports an HTTP listener that forwards", async () => {
        assert.deepEqual((await run({ ...base, defaultActions: [{ type: "forward", targetGroupArn: "arn:tg" }] })).messages, [
            'HTTP listener defaultActions[0] is of type "forward" and does not redirect to HTTPS; plain HTTP listeners may only redirect (type "redirect", redirect.protocol "HTTPS").',
        ]);
    });

    it("reports a redirect to HTTP and a fixed response", async () => {
        const r = await run({
            ...base,
            defaultActions: [{ type: "redirect", redirect: { protocol: "HTTP", port: "8080" } }, { type: "fixed-response", fixedResponse: { contentType: "text/plain" } }],
        });
        assert.deepEqual(r.messages, [
            'HTTP listener defaultActions[0] is of type "redirect" and does not redirect to HTTPS; plain HTTP listeners may only redirect (type "redirect", redirect.protocol "HTTPS").',
            'HTTP listener defaultActions[1] is of type "fixed-response" and does not redirect to HTTPS; plain HTTP listeners may only redirect (type "redirect", redirect.protocol "HTTPS").',
        ]);
    });

    it("reports an HTTP listener without default actions", async () => {
        assert.deepEqual((await run({ ...base, defaultActions: [] })).messages, [
            'HTTP listener has no defaultActions; its default action must redirect to HTTPS (type "redirect", redirect.protocol "HTTPS").',
        ]);
    });

    it("ignores HTTPS listeners", async () => {
        assert.deepEqual((await run({ ...base, protocol: "HTTPS", defaultActions: [{ type: "forward" }] })).messages, []);
    });

    it("cannot decide unknown default actions during preview", async () => {
        const r = await run({ ...base, defaultActions: UNKNOWN.array });
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, 'the defaultActions of listener "l" are unknown');
    });

    it("an ALB listener with no protocol is HTTP: reported when it forwards; not judged on a Gateway or Network Load Balancer", async () => {
        const lb = (loadBalancerType?: string) => ({ type: "aws:lb/loadBalancer:LoadBalancer", name: "lb", props: loadBalancerType === undefined ? {} : { loadBalancerType } });
        const listener = { type: "aws:lb/listener:Listener", name: "l", props: { loadBalancerArn: UNKNOWN.string, port: 80, defaultActions: [{ type: "forward", targetGroupArn: "arn:tg" }] }, propertyDependencies: { loadBalancerArn: ["lb"] } };
        assert.deepEqual((await runStackRule(lbListenerHttpRedirectsToHttps, [lb(), listener])).messages, [
            'listener with no protocol (HTTP on an Application Load Balancer) defaultActions[0] is of type "forward" and does not redirect to HTTPS; plain HTTP listeners may only redirect (type "redirect", redirect.protocol "HTTPS").',
        ]);
        assert.deepEqual((await runStackRule(lbListenerHttpRedirectsToHttps, [lb("gateway"), listener])).messages, []);
        assert.deepEqual((await runStackRule(lbListenerHttpRedirectsToHttps, [{ ...listener, propertyDependencies: {} }])).messages, []);
    });
});
