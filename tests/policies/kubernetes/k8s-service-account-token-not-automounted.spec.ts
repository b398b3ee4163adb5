import assert from "node:assert/strict";
import { k8sServiceAccountTokenNotAutomounted } from "../../../policies/rules/kubernetes/k8sServiceAccountTokenNotAutomounted";
import { UNKNOWN, runStackRule, urnOf, type StackResourceInput } from "../harness";
import { restrictedPod, wrap } from "./fixtures";

const SA = "kubernetes:core/v1:ServiceAccount";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const run = (inputs: StackResourceInput[]) => runStackRule(k8sServiceAccountTokenNotAutomounted, inputs);
const account = (props: Record<string, unknown>): StackResourceInput => ({ type: SA, name: "sa", props: { metadata: { name: "app", namespace: "pipeline" }, ...props } });
/** The restricted pod without automountServiceAccountToken, running as `serviceAccountName`. */
const pod = (extra: Record<string, unknown>): Record<string, unknown> => {
    const { automountServiceAccountToken: _a, ...rest } = restrictedPod();
    return { ...rest, ...extra };
};
const deployment = (p: Record<string, unknown>, type = DEPLOYMENT): StackResourceInput => ({ type, name: "w", props: wrap(type, p) });

describe("k8s-service-account-token-not-automounted", () => {
    it("accepts a pod that opts out, and a pod whose ServiceAccount opts out", async () => {
        assert.deepEqual((await run([account({ automountServiceAccountToken: false }), deployment(restrictedPod())])).messages, []);
        assert.deepEqual((await run([account({ automountServiceAccountToken: false }), deployment(pod({ serviceAccountName: "app" }))])).messages, []);
    });

    it("reports a service account that mounts its token (unset or true)", async () => {
        assert.deepEqual((await run([{ type: SA, name: "sa", props: { metadata: { name: "sa" } } }])).messages, ["ServiceAccount automountServiceAccountToken is not set (defaults to true); set it to false."]);
        assert.deepEqual((await run([{ type: SA, name: "sa", props: { automountServiceAccountToken: true } }])).messages, ["ServiceAccount automountServiceAccountToken is true; set it to false."]);
    });

    it("reports a pod template that sets it to true", async () => {
        const p = { ...restrictedPod(), automountServiceAccountToken: true };
        assert.deepEqual((await run([deployment(p, "kubernetes:batch/v1:CronJob")])).messages, [
            "CronJob spec.jobTemplate.spec.template.spec.automountServiceAccountToken is true; remove it or set it to false.",
        ]);
    });

    it("reports a pod template that leaves it unset and runs as an account the stack does not declare (the namespace's default)", async () => {
        const r = await run([deployment(pod({}))]);
        assert.deepEqual(r.violations, [
            {
                message:
                    'Deployment spec.template.spec.automountServiceAccountToken is not set and its service account "default" is not declared in this stack, so Kubernetes mounts that account\'s token by default; set automountServiceAccountToken: false in the pod template.',
                urn: urnOf(DEPLOYMENT, "w"),
            },
        ]);
    });

    it("reports a pod template that leaves it unset and runs as a declared account that does not opt out", async () => {
        const r = await run([account({}), deployment(pod({ serviceAccountName: "app" }))]);
        assert.deepEqual(r.messages, [
            "ServiceAccount automountServiceAccountToken is not set (defaults to true); set it to false.",
            'Deployment spec.template.spec.automountServiceAccountToken is not set and its ServiceAccount "app" does not set automountServiceAccountToken: false; set automountServiceAccountToken: false in the pod template.',
        ]);
    });

    it("an account in another namespace does not count; an unknown account name is undecided", async () => {
        const other: StackResourceInput = { type: SA, name: "sa", props: { metadata: { name: "app", namespace: "other" }, automountServiceAccountToken: false } };
        assert.equal((await run([other, deployment(pod({ serviceAccountName: "app" }))])).messages.length, 1);
        const r = await run([account({ automountServiceAccountToken: false }), deployment(pod({ serviceAccountName: UNKNOWN.string }))]);
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, 'the service account of Deployment "w" is unknown');
    });
});
