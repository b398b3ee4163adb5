import { resourceRule } from "../../lib/rule";
import { kindOf, objAt } from "../../lib/k8s";

export const BINDING_TYPES: readonly string[] = [
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
];

interface Config {
    deniedClusterRoles?: string[];
}

export const k8sNoClusterAdminBinding = resourceRule({
    name: "k8s-no-cluster-admin-binding",
    description: "RoleBindings and ClusterRoleBindings must not grant the cluster-admin ClusterRole (configurable list).",
    severity: "critical",
    framework: { paper: "5.1 Identity and access: least privilege; Table 3: orchestration (control-plane access)" },
    remediationSteps: "Bind a Role or ClusterRole that lists only the permissions the subject needs instead of cluster-admin.",
    configSchema: {
        properties: {
            deniedClusterRoles: { type: "array", items: { type: "string" }, default: ["cluster-admin"], description: "ClusterRole names that must not be bound." },
        },
    },
    resourceTypes: BINDING_TYPES,
    validateResource: (args, report) => {
        const denied = args.getConfig<Config>().deniedClusterRoles ?? ["cluster-admin"];
        const ref = objAt(args.props, "roleRef");
        const name = ref?.["name"];
        if (ref?.["kind"] === "ClusterRole" && typeof name === "string" && denied.includes(name)) {
            report(`${kindOf(args.type)} roleRef binds the ClusterRole "${name}", which grants full control of the cluster; bind a least-privilege Role instead.`);
        }
    },
});
