import assert from "node:assert/strict";
import { k8sPodSecurityRestricted } from "../../../policies/rules/kubernetes/k8sPodSecurityRestricted";
import { UNKNOWN, runResourceRule } from "../harness";
import { restrictedContainer, restrictedPod, WORKLOADS, wrap } from "./fixtures";

const D = "kubernetes:apps/v1:Deployment";
const run = (pod: Record<string, unknown>, type = D) => runResourceRule(k8sPodSecurityRestricted, { type, props: wrap(type, pod) });
const P = "spec.template.spec";

describe("k8s-pod-security-restricted", () => {
    it("accepts a restricted pod in every workload type", async () => {
        for (const t of WORKLOADS) {
            assert.deepEqual((await run(restrictedPod(), t)).messages, [], t);
        }
    });

    it("reports host namespaces and hostPath volumes", async () => {
        const pod = { ...restrictedPod(), hostNetwork: true, hostPID: true, hostIPC: true, volumes: [{ name: "h", hostPath: { path: "/var/run" } }] };
        assert.deepEqual((await run(pod)).messages, [
            `Deployment ${P}.hostNetwork is true; the restricted profile requires it to be false or unset.`,
            `Deployment ${P}.hostPID is true; the restricted profile requires it to be false or unset.`,
            `Deployment ${P}.hostIPC is true; the restricted profile requires it to be false or unset.`,
            `Deployment ${P}.volumes[0] is a hostPath volume; the restricted profile allows only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret.`,
        ]);
    });

    it("reports a privileged init container that escalates and keeps capabilities (CronJob path)", async () => {
        const bad = { name: "init", image: "i", securityContext: { privileged: true, capabilities: { add: ["SYS_ADMIN", "NET_BIND_SERVICE"] } } };
        const pod = { ...restrictedPod(), initContainers: [bad] };
        const C = 'CronJob spec.jobTemplate.spec.template.spec.initContainers[0] ("init")';
        assert.deepEqual((await run(pod, "kubernetes:batch/v1:CronJob")).messages, [
            `${C} securityContext.privileged is true; the restricted profile forbids privileged containers.`,
            `${C} securityContext.allowPrivilegeEscalation is not false; set it to false.`,
            `${C} securityContext.capabilities.drop does not include "ALL"; drop ALL capabilities.`,
            `${C} securityContext.capabilities.add includes "SYS_ADMIN"; the restricted profile allows adding only NET_BIND_SERVICE.`,
        ]);
    });

    it("requires runAsNonRoot and seccomp at pod or container level", async () => {
        const { securityContext: _sc, ...noPodSc } = restrictedPod();
        const c = { ...restrictedContainer("app"), securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } };
        const pod = { ...noPodSc, initContainers: [], containers: [c] };
        assert.deepEqual((await run(pod)).messages, [
            `Deployment ${P}.containers[0] ("app") does not set runAsNonRoot: true (neither in the container nor in ${P}.securityContext); the restricted profile requires it.`,
            `Deployment ${P}.containers[0] ("app") has no seccompProfile (neither in the container nor in ${P}.securityContext); set seccompProfile.type to RuntimeDefault.`,
        ]);
        // Container-level settings are enough.
        const c2 = { ...c, securityContext: { ...(c.securityContext as object), runAsNonRoot: true, seccompProfile: { type: "Localhost", localhostProfile: "p.json" } } };
        assert.deepEqual((await run({ ...noPodSc, initContainers: [], containers: [c2] })).messages, []);
    });

    it("reports container overrides: runAsNonRoot false, runAsUser 0, seccomp Unconfined", async () => {
        const c = { ...restrictedContainer("app"), securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: false, runAsUser: 0, seccompProfile: { type: "Unconfined" } } };
        assert.deepEqual((await run({ ...restrictedPod(), containers: [c] }, "kubernetes:core/v1:Pod")).messages, [
            'Pod spec.containers[0] ("app") securityContext.runAsNonRoot is false; the restricted profile requires true.',
            'Pod spec.containers[0] ("app") securityContext.runAsUser is 0 (root); the restricted profile requires a non-zero user.',
            'Pod spec.containers[0] ("app") securityContext.seccompProfile.type is "Unconfined"; the restricted profile requires RuntimeDefault or Localhost.',
        ]);
    });

    it("reports host ports, an unmasked procMount and Windows host processes", async () => {
        const c = {
            ...restrictedContainer("app"),
            ports: [{ containerPort: 8080 }, { containerPort: 8443, hostPort: 8443 }],
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, procMount: "Unmasked", windowsOptions: { hostProcess: true } },
        };
        assert.deepEqual((await run({ ...restrictedPod(), containers: [c] }, "kubernetes:apps/v1:DaemonSet")).messages, [
            `DaemonSet ${P}.containers[0] ("app") securityContext.procMount is "Unmasked"; the restricted profile requires Default.`,
            `DaemonSet ${P}.containers[0] ("app") securityContext.windowsOptions.hostProcess is true; the restricted profile forbids host processes.`,
            `DaemonSet ${P}.containers[0] ("app") ports[1].hostPort is 8443; the restricted profile forbids host ports.`,
        ]);
    });

    it("ignores non-workload types and cannot decide an unknown security context", async () => {
        assert.deepEqual((await runResourceRule(k8sPodSecurityRestricted, { type: "kubernetes:core/v1:Service", props: { spec: {} } })).messages, []);
        const pod = { ...restrictedPod(), containers: [{ ...restrictedContainer("app"), securityContext: UNKNOWN.object }] };
        assert.equal((await run(pod)).unknown, "Object value at .spec.template.spec.containers.0.securityContext can't be known during preview");
    });
});
