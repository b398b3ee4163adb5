import assert from "node:assert/strict";
import { k8sEnvNoPlaintextSecrets } from "../../../policies/rules/secrets/k8sEnvNoPlaintextSecrets";
import { runResourceRule } from "../harness";

const env = [
    { name: "STAGE", value: "prod" },
    { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
];
const deployment = (containerEnv: unknown[], initEnv: unknown[] = []) => ({
    metadata: { namespace: "pipeline" },
    spec: { template: { spec: { initContainers: [{ name: "init", image: "i", env: initEnv }], containers: [{ name: "app", image: "a", env: containerEnv }] } } },
});

describe("k8s-env-no-plaintext-secrets", () => {
    it("accepts valueFrom references and ordinary values", async () => {
        assert.deepEqual((await runResourceRule(k8sEnvNoPlaintextSecrets, { type: "kubernetes:apps/v1:Deployment", props: deployment(env) })).messages, []);
    });

    it("reports literal secrets in containers and init containers", async () => {
        const r = await runResourceRule(k8sEnvNoPlaintextSecrets, {
            type: "kubernetes:apps/v1:Deployment",
            props: deployment([...env, { name: "API_KEY", value: "abc" }], [{ name: "AWS_KEY", value: "ASIAABCDEFGHIJKLMNOP" }]),
        });
        assert.deepEqual(r.messages, [
            'Deployment spec.template.spec.initContainers[0] ("init") env[0] AWS_KEY looks like a plain-text secret (its value matches the secret pattern /^(AKIA|ASIA)[0-9A-Z]{16}$/); use valueFrom.secretKeyRef instead of value.',
            'Deployment spec.template.spec.containers[0] ("app") env[2] API_KEY looks like a plain-text secret (its name matches /API_?KEY/ and it holds a plain value); use valueFrom.secretKeyRef instead of value.',
        ]);
    });

    it("checks CronJob pod templates", async () => {
        const r = await runResourceRule(k8sEnvNoPlaintextSecrets, {
            type: "kubernetes:batch/v1:CronJob",
            props: { spec: { schedule: "* * * * *", jobTemplate: { spec: { template: { spec: { containers: [{ name: "job", image: "j", env: [{ name: "TOKEN", value: "t" }] }] } } } } } },
        });
        assert.deepEqual(r.messages, [
            'CronJob spec.jobTemplate.spec.template.spec.containers[0] ("job") env[0] TOKEN looks like a plain-text secret (its name matches /TOKEN/ and it holds a plain value); use valueFrom.secretKeyRef instead of value.',
        ]);
    });
});
