import type { PolicyResource } from "@pulumi/policy";
import { stackRule } from "../../lib/rule";
import { POD_SPEC_PATHS, isObj, kindOf } from "../../lib/k8s";
import { Undecided, peek } from "../../lib/unknown";

const SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount";

function text(v: unknown): string | undefined {
    return typeof v === "string" && v !== "" ? v : undefined;
}

export const k8sServiceAccountTokenNotAutomounted = stackRule({
    name: "k8s-service-account-token-not-automounted",
    description: "Pods must not mount a service-account token they do not ask for: automountServiceAccountToken false on the pod or its ServiceAccount.",
    details:
        "A pod mounts its service account's token unless the pod template sets automountServiceAccountToken: false, or leaves it unset and runs as a ServiceAccount that sets it to false (the pod's setting wins). " +
        "Each pod template is judged with the ServiceAccount it names (spec.serviceAccountName, default \"default\") when that account is declared in the stack in the same namespace; an account the stack does not declare (such as a namespace's \"default\") mounts its token, as Kubernetes does by default. " +
        "ServiceAccounts declared in the stack must themselves set automountServiceAccountToken: false (it defaults to true).",
    severity: "medium",
    framework: { paper: "5.1 Identity and access: short-lived credentials", checkov: ["CKV_K8S_38"] },
    remediationSteps:
        "Set automountServiceAccountToken: false on the ServiceAccount and leave it unset (or false) in the pod template; for a pod that needs the API, mount a short-lived projected serviceAccountToken volume instead of setting automountServiceAccountToken: true.",
    validateStack: (args, report) => {
        const undecided = new Undecided();
        const accounts: { res: PolicyResource; name: string | undefined; nameKnown: boolean; namespace: string | undefined; automount: unknown }[] = [];
        for (const r of args.resources) {
            if (r.type !== SERVICE_ACCOUNT) {
                continue;
            }
            const v = peek(r.props, "automountServiceAccountToken");
            const name = peek(r.props, "metadata", "name");
            const ns = peek(r.props, "metadata", "namespace");
            if (!v.known) {
                undecided.add(`automountServiceAccountToken of ServiceAccount "${r.name}" is unknown`);
            } else if (v.value !== false) {
                report(`ServiceAccount automountServiceAccountToken is ${v.value === true ? "true" : "not set (defaults to true)"}; set it to false.`, r.urn);
            }
            accounts.push({
                res: r,
                name: name.known ? text(name.value) : undefined,
                nameKnown: name.known,
                namespace: ns.known ? text(ns.value) : undefined,
                automount: v.known ? v.value : undefined,
            });
        }
        for (const r of args.resources) {
            const path = POD_SPEC_PATHS[r.type];
            if (path === undefined) {
                continue;
            }
            const spec = peek(r.props, ...path);
            if (!spec.known) {
                undecided.add(`the pod template of ${kindOf(r.type)} "${r.name}" is unknown`);
                continue;
            }
            if (!isObj(spec.value)) {
                continue;
            }
            const where = `${kindOf(r.type)} ${path.join(".")}`;
            const own = peek(r.props, ...path, "automountServiceAccountToken");
            if (!own.known) {
                undecided.add(`${where}.automountServiceAccountToken of "${r.name}" is unknown`);
                continue;
            }
            if (own.value === true) {
                report(`${where}.automountServiceAccountToken is true; remove it or set it to false.`, r.urn);
                continue;
            }
            if (own.value === false) {
                continue;
            }
            const sa = peek(r.props, ...path, "serviceAccountName");
            const legacy = peek(r.props, ...path, "serviceAccount");
            if (!sa.known || !legacy.known) {
                undecided.add(`the service account of ${kindOf(r.type)} "${r.name}" is unknown`);
                continue;
            }
            const accountName = text(sa.value) ?? text(legacy.value) ?? "default";
            const nsPeek = peek(r.props, "metadata", "namespace");
            const namespace = nsPeek.known ? text(nsPeek.value) : undefined;
            const account = accounts.find((a) => a.name === accountName && (!nsPeek.known || a.namespace === namespace));
            const unnamed = accounts.filter((a) => !a.nameKnown);
            if (account === undefined && unnamed.length > 0) {
                undecided.add(`cannot tell whether ServiceAccount ${unnamed.map((a) => `"${a.res.name}"`).join(", ")} is the service account "${accountName}" of ${kindOf(r.type)} "${r.name}": its name is unknown`);
                continue;
            }
            if (account !== undefined && account.automount === false) {
                continue;
            }
            if (account !== undefined && account.automount === undefined && !peek(account.res.props, "automountServiceAccountToken").known) {
                continue; // recorded as undecided above
            }
            const why =
                account === undefined
                    ? `its service account "${accountName}" is not declared in this stack, so Kubernetes mounts that account's token by default`
                    : `its ServiceAccount "${accountName}" does not set automountServiceAccountToken: false`;
            report(`${where}.automountServiceAccountToken is not set and ${why}; set automountServiceAccountToken: false in the pod template.`, r.urn);
        }
        undecided.finish();
    },
});
