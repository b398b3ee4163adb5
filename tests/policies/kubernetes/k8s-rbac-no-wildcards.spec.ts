import assert from "node:assert/strict";
import { k8sRbacNoWildcards } from "../../../policies/rules/kubernetes/k8sRbacNoWildcards";
import { runResourceRule } from "../harness";

const R = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const CR = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
const good = { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] };
const run = (type: string, rules: unknown[]) => runResourceRule(k8sRbacNoWildcards, { type, props: { metadata: { name: "r" }, rules } });

describe("k8s-rbac-no-wildcards", () => {
    it("accepts explicit rules", async () => {
        assert.deepEqual((await run(R, [good])).messages, []);
    });

    it("reports wildcard verbs, resources and apiGroups per rule", async () => {
        assert.deepEqual((await run(CR, [good, { apiGroups: ["*"], resources: ["*"], verbs: ["*"] }])).messages, [
            'ClusterRole rules[1].verbs contains "*"; list the specific verbs instead.',
            'ClusterRole rules[1].resources contains "*"; list the specific resources instead.',
            'ClusterRole rules[1].apiGroups contains "*"; list the specific apiGroups instead.',
        ]);
        assert.deepEqual((await run(R, [{ ...good, verbs: ["get", "*"] }])).messages, ['Role rules[0].verbs contains "*"; list the specific verbs instead.']);
    });
});
