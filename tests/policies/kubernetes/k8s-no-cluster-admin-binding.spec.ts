import assert from "node:assert/strict";
import { k8sNoClusterAdminBinding } from "../../../policies/rules/kubernetes/k8sNoClusterAdminBinding";
import { runResourceRule } from "../harness";

const RB = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
const CRB = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
const run = (type: string, roleRef: unknown, config?: Record<string, unknown>) =>
    runResourceRule(k8sNoClusterAdminBinding, { type, props: { roleRef, subjects: [{ kind: "ServiceAccount", name: "sa", namespace: "pipeline" }] } }, config);

describe("k8s-no-cluster-admin-binding", () => {
    it("accepts a binding to a narrow role", async () => {
        assert.deepEqual((await run(RB, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "reader" })).messages, []);
        // A namespaced Role that happens to be called cluster-admin is not the ClusterRole.
        assert.deepEqual((await run(RB, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "cluster-admin" })).messages, []);
    });

    it("reports cluster-admin in RoleBinding and ClusterRoleBinding", async () => {
        const ref = { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" };
        assert.deepEqual((await run(CRB, ref)).messages, ['ClusterRoleBinding roleRef binds the ClusterRole "cluster-admin", which grants full control of the cluster; bind a least-privilege Role instead.']);
        assert.deepEqual((await run(RB, ref)).messages, ['RoleBinding roleRef binds the ClusterRole "cluster-admin", which grants full control of the cluster; bind a least-privilege Role instead.']);
    });

    it("uses the configured list", async () => {
        assert.deepEqual((await run(CRB, { kind: "ClusterRole", name: "admin" }, { deniedClusterRoles: ["cluster-admin", "admin"] })).messages, [
            'ClusterRoleBinding roleRef binds the ClusterRole "admin", which grants full control of the cluster; bind a least-privilege Role instead.',
        ]);
    });
});
