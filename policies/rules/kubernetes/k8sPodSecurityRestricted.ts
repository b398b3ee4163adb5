import { resourceRule } from "../../lib/rule";
import { containerLabel, containersOf, isObj, kindOf, listOf, objAt, podSpecOf, WORKLOAD_TYPES } from "../../lib/k8s";

/** Volume types the restricted profile allows. */
export const RESTRICTED_VOLUME_TYPES: readonly string[] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

const SECCOMP_OK = ["RuntimeDefault", "Localhost"];

export const k8sPodSecurityRestricted = resourceRule({
    name: "k8s-pod-security-restricted",
    description: "Pod templates must meet the Pod Security restricted profile (non-root, no privilege escalation, drop ALL, seccomp, volume types).",
    details:
        "Every pod template (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob) must meet the Pod Security \"restricted\" profile for all containers, init containers and ephemeral containers: runAsNonRoot, allowPrivilegeEscalation false, capabilities drop ALL, seccomp RuntimeDefault or Localhost, not privileged, no hostNetwork/hostPID/hostIPC, no host ports, procMount Default, no Windows host processes, no hostPath or other non-restricted volume types.",
    severity: "high",
    framework: {
        paper: "5.3 Infrastructure: hardened orchestration (strict pod security)",
        checkov: ["CKV_K8S_16", "CKV_K8S_17", "CKV_K8S_18", "CKV_K8S_19", "CKV_K8S_20", "CKV_K8S_23", "CKV_K8S_28", "CKV_K8S_31", "CKV_K8S_37"],
    },
    remediationSteps:
        "In the pod spec set securityContext: { runAsNonRoot: true, seccompProfile: { type: \"RuntimeDefault\" } }; in every container set securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [\"ALL\"] }, privileged: false }; remove hostNetwork/hostPID/hostIPC and hostPath volumes (use emptyDir, configMap, secret, projected or persistentVolumeClaim).",
    resourceTypes: WORKLOAD_TYPES,
    validateResource: (args, report) => {
        const pod = podSpecOf(args.type, args.props);
        if (pod === undefined) {
            return;
        }
        const kind = kindOf(args.type);
        const p = pod.path;
        for (const f of ["hostNetwork", "hostPID", "hostIPC"]) {
            if (pod.spec[f] === true) {
                report(`${kind} ${p}.${f} is true; the restricted profile requires it to be false or unset.`);
            }
        }
        listOf(pod.spec["volumes"]).forEach((v, i) => {
            if (!isObj(v)) {
                return;
            }
            const types = Object.keys(v).filter((k) => k !== "name");
            for (const t of types.filter((t) => !RESTRICTED_VOLUME_TYPES.includes(t))) {
                report(
                    `${kind} ${p}.volumes[${i}] is a ${t} volume; the restricted profile allows only ${RESTRICTED_VOLUME_TYPES.join(", ")}.`,
                );
            }
        });
        const podSc = objAt(pod.spec, "securityContext") ?? {};
        const podNonRoot = podSc["runAsNonRoot"] === true;
        const podSeccomp = objAt(podSc, "seccompProfile")?.["type"];
        if (podSc["runAsUser"] === 0) {
            report(`${kind} ${p}.securityContext.runAsUser is 0 (root); the restricted profile requires a non-zero user.`);
        }
        if (typeof podSeccomp === "string" && !SECCOMP_OK.includes(podSeccomp)) {
            report(`${kind} ${p}.securityContext.seccompProfile.type is "${podSeccomp}"; the restricted profile requires RuntimeDefault or Localhost.`);
        }
        for (const c of containersOf(pod)) {
            const label = containerLabel(c);
            const sc = objAt(c.container, "securityContext") ?? {};
            if (sc["privileged"] === true) {
                report(`${kind} ${label} securityContext.privileged is true; the restricted profile forbids privileged containers.`);
            }
            if (sc["allowPrivilegeEscalation"] !== false) {
                report(`${kind} ${label} securityContext.allowPrivilegeEscalation is not false; set it to false.`);
            }
            const drop = listOf(objAt(sc, "capabilities")?.["drop"]);
            if (!drop.includes("ALL")) {
                report(`${kind} ${label} securityContext.capabilities.drop does not include "ALL"; drop ALL capabilities.`);
            }
            const add = listOf(objAt(sc, "capabilities")?.["add"]).filter((x) => x !== "NET_BIND_SERVICE");
            if (add.length > 0) {
                report(`${kind} ${label} securityContext.capabilities.add includes ${add.map((x) => `"${String(x)}"`).join(", ")}; the restricted profile allows adding only NET_BIND_SERVICE.`);
            }
            const nonRoot = sc["runAsNonRoot"];
            if (nonRoot === false) {
                report(`${kind} ${label} securityContext.runAsNonRoot is false; the restricted profile requires true.`);
            } else if (nonRoot !== true && !podNonRoot) {
                report(`${kind} ${label} does not set runAsNonRoot: true (neither in the container nor in ${p}.securityContext); the restricted profile requires it.`);
            }
            if (sc["runAsUser"] === 0) {
                report(`${kind} ${label} securityContext.runAsUser is 0 (root); the restricted profile requires a non-zero user.`);
            }
            if (sc["procMount"] !== undefined && sc["procMount"] !== "Default") {
                report(`${kind} ${label} securityContext.procMount is "${String(sc["procMount"])}"; the restricted profile requires Default.`);
            }
            if (objAt(sc, "windowsOptions")?.["hostProcess"] === true) {
                report(`${kind} ${label} securityContext.windowsOptions.hostProcess is true; the restricted profile forbids host processes.`);
            }
            listOf(c.container["ports"]).forEach((port, i) => {
                const hostPort = isObj(port) ? port["hostPort"] : undefined;
                if (typeof hostPort === "number" && hostPort !== 0) {
                    report(`${kind} ${label} ports[${i}].hostPort is ${hostPort}; the restricted profile forbids host ports.`);
                }
            });
            const seccomp = objAt(sc, "seccompProfile")?.["type"];
            if (typeof seccomp === "string") {
                if (!SECCOMP_OK.includes(seccomp)) {
                    report(`${kind} ${label} securityContext.seccompProfile.type is "${seccomp}"; the restricted profile requires RuntimeDefault or Localhost.`);
                }
            } else if (typeof podSeccomp !== "string" || !SECCOMP_OK.includes(podSeccomp)) {
                report(`${kind} ${label} has no seccompProfile (neither in the container nor in ${p}.securityContext); set seccompProfile.type to RuntimeDefault.`);
            }
        }
    },
});
