import type { PolicyResource } from "@pulumi/policy";
import { stackRule } from "../../lib/rule";
import { isObj, kindOf, listOf, namespaceOf, objAt, WORKLOAD_TYPES, type Obj } from "../../lib/k8s";
import { known, UNKNOWN } from "../../lib/known";
import { Undecided } from "../../lib/unknown";

export const NETWORK_POLICY_TYPE = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
export const NAMESPACE_TYPE = "kubernetes:core/v1:Namespace";

/** What a NetworkPolicy denies by default for every pod of its namespace. */
export function defaultDenies(spec: Obj): { ingress: boolean; egress: boolean } {
    const selector = objAt(spec, "podSelector");
    const selectsAll =
        selector === undefined ||
        (Object.keys(objAt(selector, "matchLabels") ?? {}).length === 0 && listOf(selector["matchExpressions"]).length === 0);
    if (!selectsAll) {
        return { ingress: false, egress: false };
    }
    const hasEgressRules = spec["egress"] !== undefined;
    const rawTypes = spec["policyTypes"];
    // Without policyTypes, Kubernetes assumes Ingress, plus Egress when egress rules are present.
    const types = Array.isArray(rawTypes) ? listOf(rawTypes) : ["Ingress", ...(hasEgressRules ? ["Egress"] : [])];
    return {
        ingress: types.includes("Ingress") && listOf(spec["ingress"]).length === 0,
        egress: types.includes("Egress") && listOf(spec["egress"]).length === 0,
    };
}

interface Namespace {
    readonly label: string;
    readonly workloads: PolicyResource[];
    nsResource?: PolicyResource;
    ingress: boolean;
    egress: boolean;
    undecided: boolean;
}

export const k8sNamespaceDefaultDeny = stackRule({
    name: "k8s-namespace-default-deny",
    description: "Every Kubernetes namespace the stack creates must have a default-deny NetworkPolicy for ingress and egress.",
    details:
        "Every Kubernetes namespace that runs workloads must have default-deny NetworkPolicies for both ingress and egress: podSelector {} with policyTypes including Ingress (resp. Egress) and no ingress (resp. egress) rules. A namespace is matched by metadata.namespace, or by the Namespace resource the value came from; workloads without a namespace count for \"default\".",
    severity: "high",
    framework: { paper: "5.4 Network: segmentation, egress filtering for all outbound traffic (case study: micro-segmentation)" },
    remediationSteps:
        "Add to each namespace a NetworkPolicy { podSelector: {}, policyTypes: [\"Ingress\", \"Egress\"] } with no rules, then allow the flows each workload needs (DNS, the API it calls) with further NetworkPolicies.",
    validateStack: (args, report) => {
        const undecided = new Undecided();
        const namespaces = args.resources.filter((r) => r.type === NAMESPACE_TYPE);
        const keyOfNamespaceResource = (ns: PolicyResource): string => {
            const name = known(() => objAt(ns.props, "metadata")?.["name"]);
            return typeof name === "string" ? `name:${name}` : `res:${ns.urn}`;
        };
        /** The namespace key of a namespaced resource, or undefined when it cannot be decided. */
        const keyOf = (r: PolicyResource): { key: string; label: string } | undefined => {
            const ns = known(() => namespaceOf(r.props));
            if (ns !== UNKNOWN) {
                return { key: `name:${ns ?? "default"}`, label: ns ?? "default" };
            }
            const dep = (r.propertyDependencies["metadata"] ?? []).find((d) => d.type === NAMESPACE_TYPE);
            if (dep === undefined) {
                undecided.add(`the namespace of ${kindOf(r.type)} "${r.name}" is unknown`);
                return undefined;
            }
            return { key: keyOfNamespaceResource(dep), label: dep.name };
        };

        const byKey = new Map<string, Namespace>();
        for (const w of args.resources.filter((r) => WORKLOAD_TYPES.includes(r.type))) {
            const k = keyOf(w);
            if (k === undefined) {
                continue;
            }
            const ns = byKey.get(k.key) ?? { label: k.label, workloads: [], ingress: false, egress: false, undecided: false };
            ns.workloads.push(w);
            byKey.set(k.key, ns);
        }
        for (const ns of namespaces) {
            const entry = byKey.get(keyOfNamespaceResource(ns));
            if (entry !== undefined) {
                entry.nsResource = ns;
            }
        }
        for (const np of args.resources.filter((r) => r.type === NETWORK_POLICY_TYPE)) {
            const k = keyOf(np);
            const entry = k === undefined ? undefined : byKey.get(k.key);
            if (entry === undefined) {
                if (k === undefined) {
                    // A policy we cannot place could be any namespace's default deny.
                    byKey.forEach((e) => (e.undecided = true));
                }
                continue;
            }
            const spec = known(() => {
                const s = np.props["spec"];
                return isObj(s) ? JSON.parse(JSON.stringify(s)) as Obj : undefined;
            });
            if (spec === UNKNOWN) {
                entry.undecided = true;
                undecided.add(`the spec of NetworkPolicy "${np.name}" is unknown`);
                continue;
            }
            if (spec === undefined) {
                continue;
            }
            const d = defaultDenies(spec);
            entry.ingress ||= d.ingress;
            entry.egress ||= d.egress;
        }
        for (const ns of byKey.values()) {
            const missing = [...(ns.ingress ? [] : ["ingress"]), ...(ns.egress ? [] : ["egress"])];
            if (missing.length === 0) {
                continue;
            }
            if (ns.undecided) {
                continue;
            }
            const workloads = ns.workloads.map((w) => `${kindOf(w.type)} "${w.name}"`).join(", ");
            report(
                `namespace "${ns.label}" runs ${workloads} but has no default-deny ${missing.join(" and ")} NetworkPolicy (podSelector {}, policyTypes including ${missing.map((m) => (m === "ingress" ? "\"Ingress\"" : "\"Egress\"")).join(" and ")}, no ${missing.join("/")} rules).`,
                (ns.nsResource ?? ns.workloads[0]).urn,
            );
        }
        undecided.finish();
    },
});
