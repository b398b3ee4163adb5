/** A pod spec that meets the restricted profile, and helpers to wrap it in each workload type. */
export const DIGEST = "sha256:" + "a".repeat(64);

export function restrictedContainer(name: string): Record<string, unknown> {
    return {
        name,
        image: `registry.example.com/${name}:1.0@${DIGEST}`,
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true },
    };
}

export function restrictedPod(): Record<string, unknown> {
    return {
        securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
        automountServiceAccountToken: false,
        initContainers: [restrictedContainer("init")],
        containers: [restrictedContainer("app")],
        volumes: [{ name: "tmp", emptyDir: {} }, { name: "cfg", configMap: { name: "cfg" } }],
    };
}

export function wrap(type: string, pod: Record<string, unknown>): Record<string, unknown> {
    const meta = { metadata: { name: "w", namespace: "pipeline" } };
    switch (type) {
        case "kubernetes:core/v1:Pod":
            return { ...meta, spec: pod };
        case "kubernetes:batch/v1:CronJob":
            return { ...meta, spec: { schedule: "0 * * * *", jobTemplate: { spec: { template: { spec: pod } } } } };
        default:
            return { ...meta, spec: { template: { metadata: { labels: { app: "w" } }, spec: pod } } };
    }
}

export const WORKLOADS = [
    "kubernetes:core/v1:Pod",
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:batch/v1:Job",
    "kubernetes:batch/v1:CronJob",
];
