import assert from "node:assert/strict";
import { k8sServiceAccountTokenNotAutomounted } from "../../../policies/rules/kubernetes/k8sServiceAccountTokenNotAutomounted";
import { runResourceRule } from "../harness";
import { restrictedPod, wrap } from "./fixtures";

const SA = "kubernetes:core/v1:ServiceAccount";
const run = (type: string, props: Record<string, unknown>) => runResourceRule(k8sServiceAccountTokenNotAutomounted, { type, props });

describe("k8s-service-account-token-not-automounted", () => {
    it("accepts automountServiceAccountToken false on service accounts; pods may leave it unset", async () => {
        assert.deepEqual((await run(SA, { metadata: { name: "sa" }, automountServiceAccountToken: false })).messages, []);
        const { automountServiceAccountToken: _a, ...pod } = restrictedPod();
        assert.deepEqual((await run("kubernetes:apps/v1:Deployment", wrap("kubernetes:apps/v1:Deployment", pod))).messages, []);
    });

    it("reports a service account that mounts its token (unset or true)", async () => {
        assert.deepEqual((await run(SA, { metadata: { name: "sa" } })).messages, ["ServiceAccount automountServiceAccountToken is not set (defaults to true); set it to false."]);
        assert.deepEqual((await run(SA, { automountServiceAccountToken: true })).messages, ["ServiceAccount automountServiceAccountToken is true; set it to false."]);
    });

    it("reports a pod template that sets it to true", async () => {
        const pod = { ...restrictedPod(), automountServiceAccountToken: true };
        assert.deepEqual((await run("kubernetes:batch/v1:CronJob", wrap("kubernetes:batch/v1:CronJob", pod))).messages, [
            "CronJob spec.jobTemplate.spec.template.spec.automountServiceAccountToken is true; remove it or set it to false.",
        ]);
    });
});
