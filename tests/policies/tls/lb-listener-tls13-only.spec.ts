import assert from "node:assert/strict";
import { lbListenerTls13Only } from "../../../policies/rules/tls/lbListenerTls13Only";
import { UNKNOWN, runResourceRule } from "../harness";

const LB = "aws:lb/listener:Listener";
const ALLOWED = "ELBSecurityPolicy-TLS13-1-3-2021-06, ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04, ELBSecurityPolicy-TLS13-1-3-PQ-2025-09, ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09";
const base = {
    loadBalancerArn: "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/a/1",
    port: 443,
    protocol: "HTTPS",
    sslPolicy: "ELBSecurityPolicy-TLS13-1-3-2021-06",
    certificateArn: "arn:aws:acm:eu-west-1:111122223333:certificate/c",
    defaultActions: [{ type: "forward", targetGroupArn: "arn:tg" }],
};
const run = (props: Record<string, unknown>, type = LB, config?: Record<string, unknown>) => runResourceRule(lbListenerTls13Only, { type, props }, config);

describe("lb-listener-tls13-only", () => {
    it("accepts every TLS 1.3-only policy on HTTPS (lb and alb tokens) and TLS listeners", async () => {
        for (const sslPolicy of ALLOWED.split(", ")) {
            assert.deepEqual((await run({ ...base, sslPolicy })).messages, []);
            assert.deepEqual((await run({ ...base, sslPolicy }, "aws:alb/listener:Listener")).messages, []);
            assert.deepEqual((await run({ ...base, protocol: "TLS", sslPolicy })).messages, []);
        }
    });

    it("reports a missing sslPolicy as ELBSecurityPolicy-2016-08 (TLS 1.0)", async () => {
        const { sslPolicy: _s, ...noPolicy } = base;
        assert.deepEqual((await run(noPolicy)).messages, [
            `HTTPS listener has no sslPolicy, so AWS applies ELBSecurityPolicy-2016-08, which allows TLS 1.0; set sslPolicy to one of: ${ALLOWED}.`,
        ]);
    });

    it("reports the TLS13-1-0/1-1/1-2 traps as still allowing older TLS", async () => {
        for (const [policy, v] of [
            ["ELBSecurityPolicy-TLS13-1-0-2021-06", "0"],
            ["ELBSecurityPolicy-TLS13-1-1-2021-06", "1"],
            ["ELBSecurityPolicy-TLS13-1-2-2021-06", "2"],
            ["ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", "2"],
        ]) {
            assert.deepEqual((await run({ ...base, protocol: "TLS", sslPolicy: policy })).messages, [
                `TLS listener sslPolicy is "${policy}": despite its TLS13 prefix it still allows TLS 1.${v} (the "1-${v}" part is the minimum version); set sslPolicy to one of: ${ALLOWED}.`,
            ]);
        }
    });

    it("reports TLS 1.2 and legacy policies", async () => {
        assert.deepEqual((await run({ ...base, sslPolicy: "ELBSecurityPolicy-TLS-1-2-2017-01" })).messages, [
            `HTTPS listener sslPolicy is "ELBSecurityPolicy-TLS-1-2-2017-01": it allows TLS 1.2; set sslPolicy to one of: ${ALLOWED}.`,
        ]);
        assert.deepEqual((await run({ ...base, sslPolicy: "ELBSecurityPolicy-2016-08" }, "aws:alb/listener:Listener")).messages, [
            `HTTPS listener sslPolicy is "ELBSecurityPolicy-2016-08": it allows TLS 1.0; set sslPolicy to one of: ${ALLOWED}.`,
        ]);
    });

    it("ignores HTTP/TCP listeners and other types", async () => {
        assert.deepEqual((await run({ ...base, protocol: "HTTP", sslPolicy: undefined })).messages, []);
        assert.deepEqual((await run({ ...base, protocol: "TCP", sslPolicy: undefined })).messages, []);
        assert.deepEqual((await run({ ...base, sslPolicy: undefined }, "aws:lb/loadBalancer:LoadBalancer")).messages, []);
    });

    it("uses the configured allow-list (exact names, no prefix match)", async () => {
        const config = { allowedSslPolicies: ["ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04"] };
        assert.deepEqual((await run(base, LB, config)).messages, [
            `HTTPS listener sslPolicy is "ELBSecurityPolicy-TLS13-1-3-2021-06": it is not on the TLS 1.3-only allow-list; set sslPolicy to one of: ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04.`,
        ]);
    });

    it("cannot decide an unknown sslPolicy during preview", async () => {
        const r = await run({ ...base, sslPolicy: UNKNOWN.string });
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, "string value at .sslPolicy can't be known during preview");
    });
});
