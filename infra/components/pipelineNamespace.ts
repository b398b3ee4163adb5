/**
 * The pipeline's Kubernetes namespace, hardened: Pod Security `restricted` (enforce, audit, warn), default-deny
 * ingress and egress NetworkPolicies plus a narrow egress allow-list (DNS to the cluster DNS on 53, HTTPS to the
 * VPC endpoint CIDRs on 443, the mesh control plane on 15012), Istio mTLS STRICT, and a worker service account that
 * mounts no token and may only read the pipeline's config map (a Role without wildcards).
 *
 * Its children are named `<name>-<part>` (`<name>-namespace`, `<name>-default-deny`, ...); the orchestration layer
 * gives it the layer's own name, so that they keep the names they had when the layer created them directly.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { FormerParent, childOptions } from "../lib/component";
import { IPV4_CIDR, checkKubernetesName, required } from "../lib/validate";

const COMPONENT = "PipelineNamespace";
export const PIPELINE_NAMESPACE_TYPE = "e2ee:pipeline:PipelineNamespace";

/** Pod Security Standards labels of the pipeline namespace. */
export const POD_SECURITY_LABELS: Readonly<Record<string, string>> = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/audit-version": "latest",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/warn-version": "latest",
};

/** Where the namespace lives and what its workloads may reach: a layer's `kubernetes` argument. */
export interface PipelineNamespaceSettings {
    /** Provider of the cluster. Required. */
    readonly provider: k8s.Provider;
    /** Name of the namespace (RFC 1123 label). Default `e2ee-pipeline`. */
    readonly namespace?: string;
    /** CIDRs of the VPC interface endpoints' subnets: the only HTTPS (443) egress, narrower than 0.0.0.0/0. Required, non-empty. */
    readonly vpcEndpointCidrs: pulumi.Input<pulumi.Input<string>[]>;
    /** Namespace of the cluster DNS (pods labelled `k8s-app: kube-dns`). Default `kube-system`. */
    readonly dnsNamespace?: string;
    /** Namespace of the Istio control plane (pods `app: istiod`, xDS on 15012). Default `istio-system`. */
    readonly meshNamespace?: string;
}

export interface PipelineNamespaceArgs extends PipelineNamespaceSettings {
    /** Entries of the `pipeline-config` config map, the one thing the worker service account may read. Required. */
    readonly config: Readonly<Record<string, pulumi.Input<string>>>;
    /** Where its resources were created before it existed (see `FormerParent`). Default none. */
    readonly formerParent?: FormerParent;
}

/** `PipelineNamespaceSettings` once checked, defaults applied. */
export interface ValidPipelineNamespaceSettings {
    readonly namespace: string;
    readonly dnsNamespace: string;
    readonly meshNamespace: string;
}

/**
 * Checks the settings (throws `<component>: argument "<prefix><name>" ...`, e.g. `OrchestrationLayer: argument
 * "kubernetes.vpcEndpointCidrs" ...` for a layer's `kubernetes` argument) and applies the defaults.
 */
export function validatePipelineNamespaceSettings(component: string, settings: PipelineNamespaceSettings, prefix = ""): ValidPipelineNamespaceSettings {
    const arg = (name: string): string => `${prefix}${name}`;
    const s = required(component, prefix === "" ? "args" : prefix.replace(/\.$/, ""), settings);
    required(component, arg("provider"), s.provider);
    const cidrs = s.vpcEndpointCidrs;
    if (cidrs === undefined || (Array.isArray(cidrs) && cidrs.length === 0)) {
        throw new Error(`${component}: argument "${arg("vpcEndpointCidrs")}" must list at least one CIDR`);
    }
    if (Array.isArray(cidrs)) {
        for (const c of cidrs) {
            if (typeof c === "string" && (!IPV4_CIDR.test(c) || c === "0.0.0.0/0")) {
                throw new Error(`${component}: argument "${arg("vpcEndpointCidrs")}" must list IPv4 CIDRs narrower than 0.0.0.0/0, got "${c}"`);
            }
        }
    }
    return {
        namespace: checkKubernetesName(component, arg("namespace"), s.namespace ?? "e2ee-pipeline"),
        dnsNamespace: checkKubernetesName(component, arg("dnsNamespace"), s.dnsNamespace ?? "kube-system"),
        meshNamespace: checkKubernetesName(component, arg("meshNamespace"), s.meshNamespace ?? "istio-system"),
    };
}

/** Checks `args` (throws `PipelineNamespace: argument "<name>" ...`) and applies the defaults. */
export function validatePipelineNamespaceArgs(args: PipelineNamespaceArgs): ValidPipelineNamespaceSettings {
    const v = validatePipelineNamespaceSettings(COMPONENT, args);
    required(COMPONENT, "config", args.config);
    return v;
}

/**
 * The namespace's NetworkPolicies: deny all ingress and egress, then allow only DNS to the cluster DNS, HTTPS to the
 * VPC endpoints and xDS to the mesh control plane.
 */
function createNetworkPolicies(
    name: string,
    args: PipelineNamespaceArgs,
    v: ValidPipelineNamespaceSettings,
    nsName: pulumi.Output<string>,
    labels: Record<string, string>,
    k8sOpts: pulumi.CustomResourceOptions,
): void {
    new k8s.networking.v1.NetworkPolicy(
        `${name}-default-deny`,
        {
            metadata: { name: "default-deny-all", namespace: nsName, labels },
            spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        },
        k8sOpts,
    );

    new k8s.networking.v1.NetworkPolicy(
        `${name}-allow-dns`,
        {
            metadata: { name: "allow-dns-egress", namespace: nsName, labels },
            spec: {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [
                            {
                                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": v.dnsNamespace } },
                                podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                            },
                        ],
                        ports: [
                            { protocol: "UDP", port: 53 },
                            { protocol: "TCP", port: 53 },
                        ],
                    },
                ],
            },
        },
        k8sOpts,
    );

    new k8s.networking.v1.NetworkPolicy(
        `${name}-allow-vpc-endpoints`,
        {
            metadata: { name: "allow-https-to-vpc-endpoints", namespace: nsName, labels },
            spec: {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: pulumi.output(args.vpcEndpointCidrs).apply((cidrs) => cidrs.map((cidr) => ({ ipBlock: { cidr } }))),
                        ports: [{ protocol: "TCP", port: 443 }],
                    },
                ],
            },
        },
        k8sOpts,
    );

    new k8s.networking.v1.NetworkPolicy(
        `${name}-allow-mesh`,
        {
            metadata: { name: "allow-mesh-control-plane", namespace: nsName, labels },
            spec: {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [
                            {
                                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": v.meshNamespace } },
                                podSelector: { matchLabels: { app: "istiod" } },
                            },
                        ],
                        ports: [{ protocol: "TCP", port: 15012 }],
                    },
                ],
            },
        },
        k8sOpts,
    );
}

export class PipelineNamespace extends pulumi.ComponentResource {
    public readonly namespaceName: pulumi.Output<string>;
    /** The worker service account. */
    public readonly serviceAccountName: pulumi.Output<string>;

    constructor(name: string, args: PipelineNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        const v = validatePipelineNamespaceArgs(args);
        super(PIPELINE_NAMESPACE_TYPE, name, {}, opts);

        const k8sOpts = childOptions(this, args.formerParent, { provider: args.provider });
        const labels = { "app.kubernetes.io/part-of": "e2ee-pipeline", "app.kubernetes.io/managed-by": "pulumi" };

        const ns = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            {
                metadata: {
                    name: v.namespace,
                    labels: { ...labels, ...POD_SECURITY_LABELS, "istio-injection": "enabled" },
                },
            },
            k8sOpts,
        );
        const nsName = ns.metadata.name;

        createNetworkPolicies(name, args, v, nsName, labels, k8sOpts);

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-service-account`,
            {
                metadata: { name: "pipeline-worker", namespace: nsName, labels },
                automountServiceAccountToken: false,
            },
            k8sOpts,
        );

        const configMap = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            {
                metadata: { name: "pipeline-config", namespace: nsName, labels },
                data: args.config,
            },
            k8sOpts,
        );

        const k8sRole = new k8s.rbac.v1.Role(
            `${name}-role`,
            {
                metadata: { name: "pipeline-worker", namespace: nsName, labels },
                rules: [
                    {
                        apiGroups: [""],
                        resources: ["configmaps"],
                        resourceNames: [configMap.metadata.name],
                        verbs: ["get", "watch"],
                    },
                ],
            },
            k8sOpts,
        );

        new k8s.rbac.v1.RoleBinding(
            `${name}-role-binding`,
            {
                metadata: { name: "pipeline-worker", namespace: nsName, labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: k8sRole.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace: nsName }],
            },
            k8sOpts,
        );

        new k8s.apiextensions.CustomResource(
            `${name}-mtls-strict`,
            {
                apiVersion: "security.istio.io/v1",
                kind: "PeerAuthentication",
                metadata: { name: "default", namespace: nsName, labels },
                spec: { mtls: { mode: "STRICT" } },
            },
            k8sOpts,
        );

        this.namespaceName = nsName;
        this.serviceAccountName = serviceAccount.metadata.name;
        this.registerOutputs({ namespaceName: this.namespaceName, serviceAccountName: this.serviceAccountName });
    }
}
