import assert from "node:assert/strict";
import { istioPeerAuthenticationStrict } from "../../../policies/rules/kubernetes/istioPeerAuthenticationStrict";
import { runResourceRule } from "../harness";

const V1 = "kubernetes:security.istio.io/v1:PeerAuthentication";
const V1B1 = "kubernetes:security.istio.io/v1beta1:PeerAuthentication";
const run = (spec: unknown, type = V1) => runResourceRule(istioPeerAuthenticationStrict, { type, props: { apiVersion: "security.istio.io/v1", kind: "PeerAuthentication", metadata: { name: "default" }, spec } });

describe("istio-peer-authentication-strict", () => {
    it("accepts STRICT (v1 and v1beta1) and UNSET port overrides", async () => {
        assert.deepEqual((await run({ mtls: { mode: "STRICT" } })).messages, []);
        assert.deepEqual((await run({ mtls: { mode: "STRICT" }, portLevelMtls: { "8080": { mode: "UNSET" } } }, V1B1)).messages, []);
    });

    it("reports PERMISSIVE and DISABLE", async () => {
        assert.deepEqual((await run({ mtls: { mode: "PERMISSIVE" } })).messages, ['PeerAuthentication spec.mtls.mode is "PERMISSIVE", which accepts plaintext traffic; set it to "STRICT".']);
        assert.deepEqual((await run({ mtls: { mode: "DISABLE" } }, V1B1)).messages, ['PeerAuthentication spec.mtls.mode is "DISABLE", which accepts plaintext traffic; set it to "STRICT".']);
    });

    it("reports weakened portLevelMtls under a STRICT default", async () => {
        assert.deepEqual((await run({ selector: { matchLabels: { app: "api" } }, mtls: { mode: "STRICT" }, portLevelMtls: { "9090": { mode: "DISABLE" }, "15020": { mode: "PERMISSIVE" } } })).messages, [
            'PeerAuthentication spec.portLevelMtls["9090"].mode is "DISABLE", which accepts plaintext traffic on that port; set it to "STRICT" or remove the entry.',
            'PeerAuthentication spec.portLevelMtls["15020"].mode is "PERMISSIVE", which accepts plaintext traffic on that port; set it to "STRICT" or remove the entry.',
        ]);
    });
});
