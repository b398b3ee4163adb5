/**
 * The recipient on Kubernetes: a hardened Deployment (image by digest, non-root, read-only root filesystem, no
 * privilege escalation, all capabilities dropped, seccomp RuntimeDefault, resource limits, no Kubernetes API token)
 * running as an IAM role through IRSA (its service account names the role in `eks.amazonaws.com/role-arn`; EKS's
 * pod identity webhook projects a token for STS only), with the recipient function's variables (the data prefix
 * the process stage writes to, the user pool it verifies ID tokens against), serving TLS 1.3 from a cert-manager
 * Certificate (90-day duration, renewed 30 days before expiry, key
 * rotated), a ClusterIP Service, and the one NetworkPolicy that lets the mesh ingress reach it. It runs in a
 * namespace that already denies everything else (`PipelineNamespace`).
 *
 * Its children are named `<name>-<part>` (`<name>-deployment`, `<name>-service`, ...); the serving layer gives it
 * the layer's own name, so that they keep the names they had when the layer created them directly.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ENV } from "../../functions/src/contract";
import { FormerParent, childOptions } from "../lib/component";
import { IMAGE_BY_DIGEST, S3_KEY_PREFIX, checkInt, checkKubernetesName, checkPattern, required } from "../lib/validate";

const COMPONENT = "KubernetesRecipient";
export const KUBERNETES_RECIPIENT_TYPE = "e2ee:pipeline:KubernetesRecipient";

/** cert-manager certificate lifetime: 90 days (paper table 2: certificates rotated every 90 days). */
export const CERTIFICATE_DURATION = "2160h";
/** Renew 30 days before expiry. */
export const CERTIFICATE_RENEW_BEFORE = "720h";

/** How the recipient runs on a cluster: what a layer that offers the Kubernetes recipient takes as its `kubernetes` argument. */
export interface KubernetesRecipientSettings {
    /** Provider of the cluster. Required. */
    readonly provider: k8s.Provider;
    /** Namespace to run in, e.g. `PipelineNamespace.namespaceName` (Pod Security restricted, default-deny). Required. */
    readonly namespace: pulumi.Input<string>;
    /** Recipient image pinned by digest, `<repository>@sha256:<64 hex digits>`. Required. */
    readonly image: string;
    /** cert-manager issuer of the serving certificate. Required. */
    readonly certificateIssuerName: string;
    /** Kind of the issuer. Default `ClusterIssuer`. */
    readonly certificateIssuerKind?: "ClusterIssuer" | "Issuer";
    /** DNS names of the serving certificate. Default `recipient.<namespace>.svc` and `recipient.<namespace>.svc.cluster.local`. */
    readonly serviceDnsNames?: readonly string[];
    /** Replicas, 1-20. Default 2. */
    readonly replicas?: number;
    /** HTTPS port of the container, 1024-65535 (non-root). Default 8443. */
    readonly containerPort?: number;
    /** Namespace of the mesh ingress gateway, the only allowed client of the pods. Default `istio-system`. */
    readonly ingressNamespace?: string;
    /** Container CPU limit. Default `500m`. */
    readonly cpuLimit?: string;
    /** Container memory limit. Default `256Mi`. */
    readonly memoryLimit?: string;
}

/** The annotation of a service account that names its IRSA role. */
export const IRSA_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn";
/** The name of the recipient's service account (the IRSA role's trust names it). */
export const RECIPIENT_SERVICE_ACCOUNT = "recipient";

export interface KubernetesRecipientArgs extends KubernetesRecipientSettings {
    /** Data-lake bucket the recipient reads. Required. */
    readonly dataBucketName: pulumi.Input<string>;
    /** The records key the recipient decrypts with. Required. */
    readonly recordsKeyArn: pulumi.Input<string>;
    /** Key prefix the process stage writes batches under (`DATA_PREFIX`), ending with `/`. Required. */
    readonly dataPrefix: string;
    /** The Cognito user pool whose ID tokens the recipient verifies (`USER_POOL_ID`, `<region>_<id>`). Required. */
    readonly userPoolId: pulumi.Input<string>;
    /** The app client the tokens are issued to (`USER_POOL_CLIENT_ID`). Required. */
    readonly userPoolClientId: pulumi.Input<string>;
    /** The pool's JWKS document (`USER_POOL_JWKS`). Default: fetched from Cognito. */
    readonly userPoolJwks?: pulumi.Input<string>;
    /** AWS region of the bucket, the keys and the pool (`AWS_REGION`). Required. */
    readonly region: string;
    /** The IAM role the pods run as (IRSA), e.g. `kubernetesRecipientPrincipal(...).role.arn`. Required. */
    readonly roleArn: pulumi.Input<string>;
    /** Where its resources were created before it existed (see `FormerParent`). Default none. */
    readonly formerParent?: FormerParent;
}

/** `KubernetesRecipientSettings` once checked, defaults applied. */
export interface ValidKubernetesRecipientSettings {
    readonly image: string;
    readonly certificateIssuerName: string;
    readonly certificateIssuerKind: "ClusterIssuer" | "Issuer";
    readonly replicas: number;
    readonly containerPort: number;
    readonly ingressNamespace: string;
    readonly cpuLimit: string;
    readonly memoryLimit: string;
}

/**
 * Checks the settings (throws `<component>: argument "<prefix><name>" ...`, e.g. `ServingLayer: argument
 * "kubernetes.image" ...` for a layer's `kubernetes` argument) and applies the defaults.
 */
export function validateKubernetesRecipientSettings(component: string, settings: KubernetesRecipientSettings, prefix = ""): ValidKubernetesRecipientSettings {
    const arg = (name: string): string => `${prefix}${name}`;
    const s = required(component, prefix === "" ? "args" : prefix.replace(/\.$/, ""), settings);
    required(component, arg("provider"), s.provider);
    required(component, arg("namespace"), s.namespace);
    const image = checkPattern(component, arg("image"), required(component, arg("image"), s.image), IMAGE_BY_DIGEST, 'pinned by digest ("<repository>@sha256:<64 hex digits>")');
    const certificateIssuerName = required(component, arg("certificateIssuerName"), s.certificateIssuerName);
    const certificateIssuerKind = s.certificateIssuerKind ?? "ClusterIssuer";
    if (certificateIssuerKind !== "ClusterIssuer" && certificateIssuerKind !== "Issuer") {
        throw new Error(`${component}: argument "${arg("certificateIssuerKind")}" must be "ClusterIssuer" or "Issuer", got "${String(certificateIssuerKind)}"`);
    }
    if (s.serviceDnsNames !== undefined && s.serviceDnsNames.length === 0) throw new Error(`${component}: argument "${arg("serviceDnsNames")}" must not be empty`);
    return {
        image,
        certificateIssuerName,
        certificateIssuerKind,
        replicas: checkInt(component, arg("replicas"), s.replicas ?? 2, 1, 20),
        containerPort: checkInt(component, arg("containerPort"), s.containerPort ?? 8443, 1024, 65535),
        ingressNamespace: checkKubernetesName(component, arg("ingressNamespace"), s.ingressNamespace ?? "istio-system"),
        cpuLimit: checkPattern(component, arg("cpuLimit"), s.cpuLimit ?? "500m", /^\d+(\.\d+)?m?$/, 'a CPU quantity such as "500m"'),
        memoryLimit: checkPattern(component, arg("memoryLimit"), s.memoryLimit ?? "256Mi", /^\d+(Ki|Mi|Gi)$/, 'a memory quantity such as "256Mi"'),
    };
}

/** Checks `args` (throws `KubernetesRecipient: argument "<name>" ...`) and applies the defaults. */
export function validateKubernetesRecipientArgs(args: KubernetesRecipientArgs): ValidKubernetesRecipientSettings {
    const v = validateKubernetesRecipientSettings(COMPONENT, args);
    required(COMPONENT, "dataBucketName", args.dataBucketName);
    required(COMPONENT, "recordsKeyArn", args.recordsKeyArn);
    checkPattern(COMPONENT, "dataPrefix", required(COMPONENT, "dataPrefix", args.dataPrefix), S3_KEY_PREFIX, 'a non-empty S3 key prefix ending with "/"');
    required(COMPONENT, "userPoolId", args.userPoolId);
    required(COMPONENT, "userPoolClientId", args.userPoolClientId);
    required(COMPONENT, "region", args.region);
    required(COMPONENT, "roleArn", args.roleArn);
    return v;
}

/**
 * The recipient's pod: non-root with a fixed uid, seccomp RuntimeDefault, no host namespaces, no service links,
 * no service-account token; one container pinned by digest, read-only root filesystem, no privilege escalation,
 * all capabilities dropped, resource limits, HTTPS probes, the TLS secret mounted read-only and a memory-backed /tmp.
 */
export function recipientPodSpec(
    v: ValidKubernetesRecipientSettings,
    data: Pick<KubernetesRecipientArgs, "dataBucketName" | "recordsKeyArn" | "dataPrefix" | "userPoolId" | "userPoolClientId" | "userPoolJwks" | "region">,
    serviceAccountName: pulumi.Input<string>,
    secretName: string,
): k8s.types.input.core.v1.PodSpec {
    return {
        serviceAccountName,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        hostNetwork: false,
        hostPID: false,
        hostIPC: false,
        securityContext: {
            runAsNonRoot: true,
            runAsUser: 10001,
            runAsGroup: 10001,
            fsGroup: 10001,
            seccompProfile: { type: "RuntimeDefault" },
        },
        containers: [
            {
                name: "recipient",
                image: v.image,
                imagePullPolicy: "IfNotPresent",
                ports: [{ name: "https", containerPort: v.containerPort, protocol: "TCP" }],
                env: [
                    { name: ENV.recipient.DATA_BUCKET, value: data.dataBucketName },
                    { name: ENV.recipient.RECORDS_KEY_ARN, value: data.recordsKeyArn },
                    { name: ENV.recipient.DATA_PREFIX, value: data.dataPrefix },
                    { name: ENV.recipient.USER_POOL_ID, value: data.userPoolId },
                    { name: ENV.recipient.USER_POOL_CLIENT_ID, value: data.userPoolClientId },
                    ...(data.userPoolJwks !== undefined ? [{ name: ENV.recipient.USER_POOL_JWKS, value: data.userPoolJwks }] : []),
                    { name: "AWS_REGION", value: data.region },
                    { name: "TLS_CERT_FILE", value: "/etc/tls/tls.crt" },
                    { name: "TLS_KEY_FILE", value: "/etc/tls/tls.key" },
                    { name: "TLS_MIN_VERSION", value: "TLSv1.3" },
                ],
                securityContext: {
                    allowPrivilegeEscalation: false,
                    privileged: false,
                    readOnlyRootFilesystem: true,
                    runAsNonRoot: true,
                    capabilities: { drop: ["ALL"] },
                    seccompProfile: { type: "RuntimeDefault" },
                },
                resources: {
                    requests: { cpu: "100m", memory: "128Mi" },
                    limits: { cpu: v.cpuLimit, memory: v.memoryLimit },
                },
                readinessProbe: { httpGet: { path: "/healthz", port: "https", scheme: "HTTPS" }, periodSeconds: 10 },
                livenessProbe: { httpGet: { path: "/healthz", port: "https", scheme: "HTTPS" }, periodSeconds: 20 },
                volumeMounts: [
                    { name: "tls", mountPath: "/etc/tls", readOnly: true },
                    { name: "tmp", mountPath: "/tmp" },
                ],
            },
        ],
        volumes: [
            { name: "tls", secret: { secretName, defaultMode: 0o440 } },
            { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
        ],
    };
}

export class KubernetesRecipient extends pulumi.ComponentResource {
    public readonly deploymentName: pulumi.Output<string>;
    public readonly serviceName: pulumi.Output<string>;
    /** Secret holding the cert-manager certificate. */
    public readonly certificateSecretName: string;

    constructor(name: string, args: KubernetesRecipientArgs, opts?: pulumi.ComponentResourceOptions) {
        const v = validateKubernetesRecipientArgs(args);
        super(KUBERNETES_RECIPIENT_TYPE, name, {}, opts);

        const k8sOpts = childOptions(this, args.formerParent, { provider: args.provider });
        const namespace = pulumi.output(args.namespace);
        const appLabels = { "app.kubernetes.io/name": "recipient", "app.kubernetes.io/part-of": "e2ee-pipeline" };
        const labels = { ...appLabels, "app.kubernetes.io/managed-by": "pulumi" };
        const secretName = "recipient-tls";
        const dnsNames: pulumi.Input<string[]> =
            args.serviceDnsNames !== undefined
                ? [...args.serviceDnsNames]
                : namespace.apply((ns) => [`recipient.${ns}.svc`, `recipient.${ns}.svc.cluster.local`]);

        // No Kubernetes API token; the IRSA webhook projects a token for STS (audience sts.amazonaws.com) only.
        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-service-account`,
            {
                metadata: { name: RECIPIENT_SERVICE_ACCOUNT, namespace, labels, annotations: { [IRSA_ROLE_ANNOTATION]: args.roleArn } },
                automountServiceAccountToken: false,
            },
            k8sOpts,
        );

        const certificate = new k8s.apiextensions.CustomResource(
            `${name}-certificate`,
            {
                apiVersion: "cert-manager.io/v1",
                kind: "Certificate",
                metadata: { name: "recipient-tls", namespace, labels },
                spec: {
                    secretName,
                    duration: CERTIFICATE_DURATION,
                    renewBefore: CERTIFICATE_RENEW_BEFORE,
                    dnsNames,
                    issuerRef: { name: args.certificateIssuerName, kind: v.certificateIssuerKind, group: "cert-manager.io" },
                    privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
                    usages: ["server auth", "digital signature"],
                },
            },
            k8sOpts,
        );

        const deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: { name: "recipient", namespace, labels },
                spec: {
                    replicas: v.replicas,
                    selector: { matchLabels: appLabels },
                    template: {
                        metadata: { labels },
                        spec: recipientPodSpec(v, args, serviceAccount.metadata.name, secretName),
                    },
                },
            },
            { ...k8sOpts, dependsOn: [certificate] },
        );

        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: { name: "recipient", namespace, labels },
                spec: {
                    type: "ClusterIP",
                    selector: appLabels,
                    ports: [{ name: "https", port: 443, targetPort: "https", protocol: "TCP" }],
                },
            },
            k8sOpts,
        );

        new k8s.networking.v1.NetworkPolicy(
            `${name}-allow-ingress`,
            {
                metadata: { name: "allow-mesh-ingress-to-recipient", namespace, labels },
                spec: {
                    podSelector: { matchLabels: appLabels },
                    policyTypes: ["Ingress"],
                    ingress: [
                        {
                            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": v.ingressNamespace } } }],
                            ports: [{ protocol: "TCP", port: v.containerPort }],
                        },
                    ],
                },
            },
            k8sOpts,
        );

        this.deploymentName = deployment.metadata.name;
        this.serviceName = service.metadata.name;
        this.certificateSecretName = secretName;
        this.registerOutputs({ deploymentName: this.deploymentName, serviceName: this.serviceName, certificateSecretName: this.certificateSecretName });
    }
}
