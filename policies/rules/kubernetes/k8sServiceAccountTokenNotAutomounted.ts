import { resourceRule } from "../../lib/rule";
import { kindOf, podSpecOf } from "../../lib/k8s";

export const k8sServiceAccountTokenNotAutomounted = resourceRule({
    name: "k8s-service-account-token-not-automounted",
    description:
        "ServiceAccounts must set automountServiceAccountToken: false (the default is true), and pod templates must not set it to true; pods that call the API server opt in with a projected token.",
    severity: "medium",
    framework: { paper: "5.1 Identity and access: short-lived credentials", checkov: ["CKV_K8S_38"] },
    remediationSteps:
        "Set automountServiceAccountToken: false on the ServiceAccount; for a pod that needs the API, mount a short-lived projected serviceAccountToken volume instead of setting automountServiceAccountToken: true.",
    validateResource: (args, report) => {
        if (args.type === "kubernetes:core/v1:ServiceAccount") {
            const v: unknown = args.props["automountServiceAccountToken"];
            if (v !== false) {
                report(`ServiceAccount automountServiceAccountToken is ${v === true ? "true" : "not set (defaults to true)"}; set it to false.`);
            }
            return;
        }
        const pod = podSpecOf(args.type, args.props);
        if (pod !== undefined && pod.spec["automountServiceAccountToken"] === true) {
            report(`${kindOf(args.type)} ${pod.path}.automountServiceAccountToken is true; remove it or set it to false.`);
        }
    },
});
