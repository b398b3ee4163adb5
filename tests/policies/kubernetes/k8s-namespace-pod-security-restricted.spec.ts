import assert from "node:assert/strict";
import { k8sNamespacePodSecurityRestricted } from "../../../policies/rules/kubernetes/k8sNamespacePodSecurityRestricted";
import { runResourceRule } from "../harness";

const run = (metadata: Record<string, unknown>, config?: Record<string, unknown>) =>
    runResourceRule(k8sNamespacePodSecurityRestricted, { type: "kubernetes:core/v1:Namespace", props: { metadata } }, config);

describe("k8s-namespace-pod-security-restricted", () => {
    it("accepts enforce=restricted", async () => {
        assert.deepEqual((await run({ name: "pipeline", labels: { "pod-security.kubernetes.io/enforce": "restricted" } })).messages, []);
    });

    it("reports baseline and a missing label", async () => {
        assert.deepEqual((await run({ name: "pipeline", labels: { "pod-security.kubernetes.io/enforce": "baseline" } })).messages, [
            'metadata.labels["pod-security.kubernetes.io/enforce"] is "baseline"; set it to "restricted".',
        ]);
        assert.deepEqual((await run({ name: "pipeline", labels: { "pod-security.kubernetes.io/warn": "restricted" } })).messages, [
            'metadata.labels["pod-security.kubernetes.io/enforce"] is not set; set it to "restricted".',
        ]);
    });

    it("honours exemptNamespaces", async () => {
        assert.deepEqual((await run({ name: "istio-system" }, { exemptNamespaces: ["istio-system"] })).messages, []);
    });
});
