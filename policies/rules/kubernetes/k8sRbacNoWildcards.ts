import { resourceRule } from "../../lib/rule";
import { isObj, kindOf, listOf } from "../../lib/k8s";

export const RBAC_ROLE_TYPES: readonly string[] = [
    "kubernetes:rbac.authorization.k8s.io/v1:Role",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
];

export const k8sRbacNoWildcards = resourceRule({
    name: "k8s-rbac-no-wildcards",
    description: "Kubernetes Roles and ClusterRoles must not use \"*\" in any rule's verbs, resources or apiGroups (least privilege).",
    severity: "high",
    framework: { paper: "5.1 Identity and access: least privilege; Table 3: orchestration", checkov: ["CKV_K8S_49"] },
    remediationSteps: "List the exact apiGroups, resources and verbs the subject needs, e.g. { apiGroups: [\"\"], resources: [\"configmaps\"], verbs: [\"get\", \"list\"] }.",
    resourceTypes: RBAC_ROLE_TYPES,
    validateResource: (args, report) => {
        listOf(args.props["rules"]).forEach((r, i) => {
            if (!isObj(r)) {
                return;
            }
            for (const field of ["verbs", "resources", "apiGroups"]) {
                if (listOf(r[field]).includes("*")) {
                    report(`${kindOf(args.type)} rules[${i}].${field} contains "*"; list the specific ${field} instead.`);
                }
            }
        });
    },
});
