import assert from "node:assert/strict";
import { apigatewayDomainTls13 } from "../../../policies/rules/tls/apigatewayDomainTls13";
import { UNKNOWN, runResourceRule } from "../harness";

const ALLOWED = "SecurityPolicy_TLS13_1_3_2025_09, SecurityPolicy_TLS13_1_3_FIPS_2025_09";
const base = {
    domainName: "api.example.com",
    regionalCertificateArn: "arn:aws:acm:eu-west-1:111122223333:certificate/c",
    endpointConfiguration: { types: "REGIONAL" },
    securityPolicy: "SecurityPolicy_TLS13_1_3_2025_09",
    endpointAccessMode: "STRICT",
};
const run = (props: Record<string, unknown>, type = "aws:apigateway/domainName:DomainName") => runResourceRule(apigatewayDomainTls13, { type, props });

describe("apigateway-domain-tls13", () => {
    it("accepts the TLS 1.3-only policy and its FIPS variant with an endpoint access mode", async () => {
        assert.deepEqual((await run(base)).messages, []);
        assert.deepEqual((await run({ ...base, securityPolicy: "SecurityPolicy_TLS13_1_3_FIPS_2025_09", endpointAccessMode: "BASIC" })).messages, []);
    });

    it("reports a missing securityPolicy (TLS_1_2)", async () => {
        assert.deepEqual((await run({ ...base, securityPolicy: undefined })).messages, [
            `securityPolicy is not set, so the domain uses TLS_1_2, which allows TLS 1.2; set securityPolicy to one of: ${ALLOWED}.`,
        ]);
    });

    it("reports legacy and TLS13_1_2 policies", async () => {
        assert.deepEqual((await run({ ...base, securityPolicy: "TLS_1_0" })).messages, [
            `securityPolicy is "TLS_1_0", which allows TLS 1.0; set securityPolicy to one of: ${ALLOWED}.`,
        ]);
        assert.deepEqual((await run({ ...base, securityPolicy: "SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09" })).messages, [
            `securityPolicy is "SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09", which still allows TLS 1.2; set securityPolicy to one of: ${ALLOWED}.`,
        ]);
    });

    it("reports a TLS 1.3 policy without endpointAccessMode", async () => {
        assert.deepEqual((await run({ ...base, endpointAccessMode: undefined })).messages, [
            'securityPolicy "SecurityPolicy_TLS13_1_3_2025_09" is an enhanced security policy and requires endpointAccessMode; set endpointAccessMode to "STRICT".',
        ]);
    });

    it("ignores apigatewayv2 domains", async () => {
        assert.deepEqual((await run({ securityPolicy: "TLS_1_2" }, "aws:apigatewayv2/domainName:DomainName")).messages, []);
    });

    it("cannot decide an unknown securityPolicy", async () => {
        const r = await run({ ...base, securityPolicy: UNKNOWN.string });
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, "string value at .securityPolicy can't be known during preview");
    });
});
