import { resourceRule } from "../../lib/rule";
import { objAt } from "../../lib/k8s";

export const PSA_ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";

interface Config {
    exemptNamespaces?: string[];
}

export const k8sNamespacePodSecurityRestricted = resourceRule({
    name: "k8s-namespace-pod-security-restricted",
    description: "Kubernetes namespaces must enforce the Pod Security restricted profile (label pod-security.kubernetes.io/enforce: restricted).",
    details:
        `Every Kubernetes Namespace must carry the label ${PSA_ENFORCE_LABEL}: restricted, so Pod Security Admission rejects pods that do not meet the restricted profile.`,
    severity: "high",
    framework: { paper: "5.3 Infrastructure: hardened orchestration (strict pod security)" },
    remediationSteps: `Add metadata.labels["${PSA_ENFORCE_LABEL}"] = "restricted" to the Namespace (optionally also the audit and warn labels).`,
    configSchema: {
        properties: {
            exemptNamespaces: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "Namespace names (metadata.name) exempt from this policy, e.g. system namespaces.",
            },
        },
    },
    resourceTypes: ["kubernetes:core/v1:Namespace"],
    validateResource: (args, report) => {
                const name = objAt(args.props, "metadata")?.["name"];
        if (typeof name === "string" && (args.getConfig<Config>().exemptNamespaces ?? []).includes(name)) {
            return;
        }
        const value = objAt(args.props, "metadata", "labels")?.[PSA_ENFORCE_LABEL];
        if (value !== "restricted") {
            report(
                `metadata.labels["${PSA_ENFORCE_LABEL}"] is ${typeof value === "string" ? `"${value}"` : "not set"}; set it to "restricted".`,
            );
        }
    },
});
