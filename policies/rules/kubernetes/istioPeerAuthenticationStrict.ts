import { resourceRule } from "../../lib/rule";
import { isObj, objAt } from "../../lib/k8s";

export const PEER_AUTHENTICATION_TYPES: readonly string[] = [
    "kubernetes:security.istio.io/v1:PeerAuthentication",
    "kubernetes:security.istio.io/v1beta1:PeerAuthentication",
];

export const istioPeerAuthenticationStrict = resourceRule({
    name: "istio-peer-authentication-strict",
    description: "Istio PeerAuthentication must require mutual TLS (mtls.mode STRICT), including port-level overrides.",
    details:
        "Istio PeerAuthentication must not weaken mutual TLS: spec.mtls.mode and every spec.portLevelMtls[port].mode must not be PERMISSIVE or DISABLE (STRICT, or UNSET to inherit).",
    severity: "high",
    framework: { paper: "5.4 Network: service mesh with mutual TLS (case study: mTLS through a service mesh)" },
    remediationSteps: "Set spec.mtls.mode to \"STRICT\" and remove PERMISSIVE/DISABLE entries from spec.portLevelMtls.",
    resourceTypes: PEER_AUTHENTICATION_TYPES,
    validateResource: (args, report) => {
        const spec = objAt(args.props, "spec") ?? {};
        const mode = objAt(spec, "mtls")?.["mode"];
        if (mode === "PERMISSIVE" || mode === "DISABLE") {
            report(`PeerAuthentication spec.mtls.mode is "${mode}", which accepts plaintext traffic; set it to "STRICT".`);
        }
        const ports = objAt(spec, "portLevelMtls") ?? {};
        for (const [port, v] of Object.entries(ports)) {
            const m = isObj(v) ? v["mode"] : undefined;
            if (m === "PERMISSIVE" || m === "DISABLE") {
                report(`PeerAuthentication spec.portLevelMtls["${port}"].mode is "${m}", which accepts plaintext traffic on that port; set it to "STRICT" or remove the entry.`);
            }
        }
    },
});
