import assert from "node:assert/strict";
import { apigatewayv2DomainTls } from "../../../policies/rules/tls/apigatewayv2DomainTls";
import { runResourceRule } from "../harness";

const T = "aws:apigatewayv2/domainName:DomainName";
const run = (props: Record<string, unknown>, type = T) => runResourceRule(apigatewayv2DomainTls, { type, props });

describe("apigatewayv2-domain-tls", () => {
    it("is advisory by default", () => {
        assert.equal(apigatewayv2DomainTls.enforcementLevel, "advisory");
    });

    it("reports every HTTP API domain, saying only TLS_1_2 exists", async () => {
        assert.deepEqual((await run({ domainName: "x", domainNameConfiguration: { certificateArn: "c", endpointType: "REGIONAL", securityPolicy: "TLS_1_2" } })).messages, [
            'domainNameConfiguration.securityPolicy is "TLS_1_2": HTTP and WebSocket API domains can only use TLS_1_2, which allows TLS 1.2; TLS 1.3-only requires a REST API domain (SecurityPolicy_TLS13_1_3_2025_09) or CloudFront (TLSv1.3_2025) in front.',
        ]);
    });

    it("ignores REST API domains", async () => {
        assert.deepEqual((await run({ securityPolicy: "TLS_1_0" }, "aws:apigateway/domainName:DomainName")).messages, []);
    });
});
