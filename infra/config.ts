/**
 * Typed stack configuration for the `e2ee-pipeline` project.
 *
 * `validateConfig` is a pure function: it takes the stack's raw configuration (a record of full keys such as
 * `e2ee-pipeline:logRetentionDays` to string values, exactly what Pulumi stores) and returns either the typed
 * configuration or every problem found, each message naming the offending key. `loadConfig` is the thin
 * loader used by the program: it reads the stack through `pulumi.Config` and throws one error listing all
 * problems.
 *
 * dev and prod differ in retention, deletion protection, capacity, Kubernetes on/off and alarm thresholds;
 * no key switches a security control off (encryption, rotation, TLS and least privilege are not configurable).
 */
import * as pulumi from "@pulumi/pulumi";
import { DOMAIN_NAME, IMAGE_BY_DIGEST, IPV4_CIDR, KUBERNETES_NAME, LOG_RETENTION_DAYS, OIDC_PROVIDER_ARN, ROLE_ARN } from "./lib/validate";

export const NAMESPACE = "e2ee-pipeline";

export type Environment = "dev" | "prod";


interface KubernetesConfigCommon {
    /** kubeconfig context to use; undefined = the kubeconfig's current context. */
    readonly context?: string;
    /** Namespace for the pipeline's Kubernetes workloads. Default `e2ee-pipeline`. */
    readonly namespace: string;
}

/** The Kubernetes part: off, or on with the recipient's image, certificate issuer and the cluster's OIDC provider (all required then). */
export type KubernetesConfig =
    | (KubernetesConfigCommon & {
          readonly enabled: false;
          readonly recipientImage?: string;
          readonly certificateIssuer?: string;
          readonly oidcProviderArn?: string;
      })
    | (KubernetesConfigCommon & {
          readonly enabled: true;
          /** Recipient container image pinned by digest (`repo@sha256:<64 hex>`). */
          readonly recipientImage: string;
          /** cert-manager ClusterIssuer of the serving certificate. */
          readonly certificateIssuer: string;
          /** IAM OIDC provider of the EKS cluster (IRSA): `arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<ID>`. */
          readonly oidcProviderArn: string;
      });

export interface AlarmThresholds {
    /** Kinesis IncomingRecords (sum over 5 minutes) above which ingestion volume is unusual. */
    readonly ingestRecordsPer5Min: number;
    /** Messages visible in any dead-letter queue. */
    readonly dlqDepth: number;
    /** Lambda Errors (sum over 5 minutes) per function. */
    readonly functionErrors: number;
    /** Authentication failures (sum over 5 minutes). */
    readonly authFailures: number;
    /** Unauthorised API calls (AccessDenied / UnauthorizedOperation, sum over 5 minutes). */
    readonly unauthorizedApiCalls: number;
}

export interface PipelineConfig {
    readonly environment: Environment;
    /** `aws:region`. */
    readonly region: string;
    /** Prefix for physical names: `e2ee-pipeline-<environment>`. */
    readonly namePrefix: string;
    readonly logRetentionDays: number;
    readonly keyDeletionWindowDays: number;
    readonly deletionProtection: boolean;
    readonly vpcCidr: string;
    readonly availabilityZoneCount: number;
    /** IAM role ARNs that administer the KMS keys (never use them). Must include the deploying role. */
    readonly keyAdminArns: readonly string[];
    /** Principals (account roots or role ARNs) allowed to assume the producer role. */
    readonly producerTrustedPrincipalArns: readonly string[];
    /** `sts:ExternalId` the producer presents to assume the producer role (16+ characters). */
    readonly producerExternalId: string;
    /** Custom domain of the ingestion API (TLS 1.3 only), e.g. `ingest.dev.example.com`. */
    readonly ingestDomainName: string;
    /** ACM certificate ARN for `ingestDomainName`, in the stack's region. */
    readonly ingestCertificateArn: string;
    /** Custom domain of the recipient API (TLS 1.3 only). */
    readonly servingDomainName: string;
    /** ACM certificate ARN for `servingDomainName`. */
    readonly servingCertificateArn: string;
    readonly backupRetentionDays: number;
    /** AWS Backup schedule expression, `cron(...)`. */
    readonly backupSchedule: string;
    readonly ingestShardCount: number;
    readonly functionMemoryMb: number;
    readonly functionReservedConcurrency: number;
    readonly maxEnvelopeBytes: number;
    /**
     * Rotation keeper of the ingestion API's generated key (`ingestApiKeyRotation`, default `"1"`): set a new value
     * (e.g. the date) to generate a new key; producers read it again from the secret.
     */
    readonly ingestApiKeyRotation: string;
    readonly kubernetes: KubernetesConfig;
    readonly alarms: AlarmThresholds;
    /** Email address subscribed to the alert topic; undefined = no subscription. */
    readonly alarmEmail?: string;
}

export type ValidationResult =
    | { readonly ok: true; readonly config: PipelineConfig }
    | { readonly ok: false; readonly errors: readonly string[] };

/** Every key of our namespace (without the `e2ee-pipeline:` prefix), required or not. */
export const CONFIG_KEYS = [
    "environment",
    "logRetentionDays",
    "keyDeletionWindowDays",
    "deletionProtection",
    "vpcCidr",
    "availabilityZoneCount",
    "keyAdminArns",
    "producerTrustedPrincipalArns",
    "producerExternalId",
    "ingestDomainName",
    "ingestCertificateArn",
    "servingDomainName",
    "servingCertificateArn",
    "backupRetentionDays",
    "backupSchedule",
    "ingestShardCount",
    "functionMemoryMb",
    "functionReservedConcurrency",
    "maxEnvelopeBytes",
    "ingestApiKeyRotation",
    "kubernetesEnabled",
    "kubernetesContext",
    "kubernetesNamespace",
    "kubernetesRecipientImage",
    "kubernetesCertificateIssuer",
    "kubernetesOidcProviderArn",
    "alarmIngestRecordsPer5Min",
    "alarmDlqDepth",
    "alarmFunctionErrors",
    "alarmAuthFailures",
    "alarmUnauthorizedApiCalls",
    "alarmEmail",
    /** Secret kubeconfig contents; read by infra/index.ts with getSecret, never validated or copied here. */
    "kubeconfig",
] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(root|role\/[\w+=,.@/-]{1,512})$/;
const ACM_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const CRON = /^cron\([^()]+\)$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

const full = (key: ConfigKey): string => `${NAMESPACE}:${key}`;
const quote = (v: string): string => JSON.stringify(v);

/**
 * Validates the raw stack configuration. `raw` maps full keys (`e2ee-pipeline:<key>`, `aws:region`) to their
 * string values; keys of other namespaces are ignored, unknown keys of our namespace are errors (typos).
 */
export function validateConfig(raw: Readonly<Record<string, string | undefined>>): ValidationResult {
    const errors: string[] = [];
    const get = (key: ConfigKey): string | undefined => {
        const v = raw[full(key)];
        return v === undefined || v.trim() === "" ? undefined : v.trim();
    };

    for (const k of Object.keys(raw)) {
        if (k.startsWith(`${NAMESPACE}:`) && !(CONFIG_KEYS as readonly string[]).includes(k.slice(NAMESPACE.length + 1))) {
            errors.push(`${k} is not a known configuration key (known: ${CONFIG_KEYS.join(", ")})`);
        }
    }

    const str = (key: ConfigKey, re: RegExp, what: string, def?: string): string => {
        const v = get(key);
        if (v === undefined) {
            if (def === undefined) errors.push(`${full(key)} is required (${what})`);
            return def ?? "";
        }
        if (!re.test(v)) errors.push(`${full(key)} must be ${what}, got ${quote(v)}`);
        return v;
    };
    const int = (key: ConfigKey, min: number, max: number, def?: number): number => {
        const v = get(key);
        if (v === undefined) {
            if (def === undefined) errors.push(`${full(key)} is required (an integer from ${min} to ${max})`);
            return def ?? min;
        }
        const n = /^-?\d+$/.test(v) ? Number(v) : NaN;
        if (!Number.isSafeInteger(n) || n < min || n > max) {
            const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
            errors.push(`${full(key)} must be an integer ${range}, got ${quote(v)}`);
            return min;
        }
        return n;
    };
    const bool = (key: ConfigKey, def?: boolean): boolean => {
        const v = get(key);
        if (v === undefined) {
            if (def === undefined) errors.push(`${full(key)} is required (true or false)`);
            return def ?? false;
        }
        if (v !== "true" && v !== "false") {
            errors.push(`${full(key)} must be true or false, got ${quote(v)}`);
            return false;
        }
        return v === "true";
    };
    const list = (key: ConfigKey, re: RegExp, what: string): string[] => {
        const v = get(key);
        if (v === undefined) {
            errors.push(`${full(key)} is required (a comma-separated list of ${what})`);
            return [];
        }
        const items = v.split(",").map((s) => s.trim()).filter((s) => s !== "");
        if (items.length === 0) errors.push(`${full(key)} must list at least one of ${what}, got ${quote(v)}`);
        for (const item of items) {
            if (!re.test(item)) errors.push(`${full(key)} must be a comma-separated list of ${what}, got ${quote(item)}`);
        }
        return items;
    };

    const regionRaw = raw["aws:region"]?.trim();
    let region = "";
    if (regionRaw === undefined || regionRaw === "") errors.push(`aws:region is required (e.g. "eu-west-1")`);
    else if (!REGION.test(regionRaw)) errors.push(`aws:region must be an AWS region name such as "eu-west-1", got ${quote(regionRaw)}`);
    else region = regionRaw;

    const envRaw = get("environment");
    let environment: Environment = "dev";
    if (envRaw === undefined) errors.push(`${full("environment")} is required ("dev" or "prod")`);
    else if (envRaw !== "dev" && envRaw !== "prod") errors.push(`${full("environment")} must be "dev" or "prod", got ${quote(envRaw)}`);
    else environment = envRaw;

    const logRetentionDays = int("logRetentionDays", 90, Number.MAX_SAFE_INTEGER);
    if (get("logRetentionDays") !== undefined && logRetentionDays >= 90 && !LOG_RETENTION_DAYS.includes(logRetentionDays)) {
        errors.push(
            `${full("logRetentionDays")} must be a CloudWatch Logs retention value (${LOG_RETENTION_DAYS.join(", ")}), got ${quote(String(logRetentionDays))}`,
        );
    }
    const keyDeletionWindowDays = int("keyDeletionWindowDays", 7, 30);
    const deletionProtection = bool("deletionProtection");

    const vpcCidr = str("vpcCidr", IPV4_CIDR, "an IPv4 CIDR block from /16 to /20 such as \"10.40.0.0/16\"");
    const m = IPV4_CIDR.exec(vpcCidr);
    if (m) {
        const octets = m.slice(1, 5).map(Number);
        const prefix = Number(m[5]);
        if (octets.some((o) => o > 255) || prefix < 16 || prefix > 20) {
            errors.push(`${full("vpcCidr")} must be an IPv4 CIDR block from /16 to /20 such as "10.40.0.0/16", got ${quote(vpcCidr)}`);
        }
    }
    const availabilityZoneCount = int("availabilityZoneCount", 2, 4);

    const keyAdminArns = list("keyAdminArns", ROLE_ARN, "IAM role ARNs (arn:aws:iam::<account>:role/<name>)");
    const producerTrustedPrincipalArns = list(
        "producerTrustedPrincipalArns",
        PRINCIPAL_ARN,
        "IAM principal ARNs (arn:aws:iam::<account>:root or arn:aws:iam::<account>:role/<name>)",
    );
    const producerExternalId = str("producerExternalId", /^[\w+=,.@:\/-]{16,1224}$/, "an external id of 16 to 1224 characters of [A-Za-z0-9+=,.@:/_-]");
    const ingestDomainName = str("ingestDomainName", DOMAIN_NAME, "a lower-case fully-qualified domain name such as \"ingest.example.com\"");
    const ingestCertificateArn = str("ingestCertificateArn", ACM_ARN, "an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)");

    const backupRetentionDays = int("backupRetentionDays", 7, 36500);
    const backupSchedule = str("backupSchedule", CRON, "an AWS Backup schedule expression such as \"cron(0 3 * * ? *)\"", "cron(0 3 * * ? *)");

    const servingDomainName = str("servingDomainName", DOMAIN_NAME, "a lower-case fully-qualified domain name such as \"records.example.com\"");
    const servingCertificateArn = str("servingCertificateArn", ACM_ARN, "an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)");
    if (ingestDomainName !== "" && ingestDomainName === servingDomainName) {
        errors.push(`${full("servingDomainName")} must differ from ${full("ingestDomainName")}, got ${quote(servingDomainName)}`);
    }
    const ingestShardCount = int("ingestShardCount", 1, 500);
    const functionMemoryMb = int("functionMemoryMb", 128, 10240, 256);
    const functionReservedConcurrency = int("functionReservedConcurrency", 1, 1000);
    const maxEnvelopeBytes = int("maxEnvelopeBytes", 1024, 1048576, 262144);
    const ingestApiKeyRotation = str("ingestApiKeyRotation", /^[A-Za-z0-9._:-]{1,64}$/, '1-64 letters, digits, ".", "_", ":" or "-" (e.g. "2026-01-15")', "1");

    const k8sEnabled = bool("kubernetesEnabled");
    const k8sOptional = (key: ConfigKey, re: RegExp, what: string): string | undefined => {
        const v = get(key);
        if (v === undefined) {
            if (k8sEnabled) errors.push(`${full(key)} is required when ${full("kubernetesEnabled")} is true (${what})`);
            return undefined;
        }
        if (!re.test(v)) errors.push(`${full(key)} must be ${what}, got ${quote(v)}`);
        return v;
    };
    const k8sCommon = {
        context: get("kubernetesContext"),
        namespace: str("kubernetesNamespace", KUBERNETES_NAME, "a Kubernetes namespace name (RFC 1123 label)", "e2ee-pipeline"),
    };
    const recipientImage = k8sOptional("kubernetesRecipientImage", IMAGE_BY_DIGEST, "a container image pinned by digest (repo@sha256:<64 hex>)");
    const certificateIssuer = k8sOptional("kubernetesCertificateIssuer", KUBERNETES_NAME, "a cert-manager issuer name (RFC 1123 label)");
    const oidcProviderArn = k8sOptional(
        "kubernetesOidcProviderArn",
        OIDC_PROVIDER_ARN,
        "the EKS cluster's IAM OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<ID>)",
    );
    // Enabled without the image, the issuer or the provider has been reported above, and no configuration is returned then.
    const kubernetes: KubernetesConfig =
        k8sEnabled && recipientImage !== undefined && certificateIssuer !== undefined && oidcProviderArn !== undefined
            ? { enabled: true, ...k8sCommon, recipientImage, certificateIssuer, oidcProviderArn }
            : { enabled: false, ...k8sCommon, recipientImage, certificateIssuer, oidcProviderArn };

    const alarms: AlarmThresholds = {
        ingestRecordsPer5Min: int("alarmIngestRecordsPer5Min", 1, Number.MAX_SAFE_INTEGER),
        dlqDepth: int("alarmDlqDepth", 1, Number.MAX_SAFE_INTEGER),
        functionErrors: int("alarmFunctionErrors", 1, Number.MAX_SAFE_INTEGER),
        authFailures: int("alarmAuthFailures", 1, Number.MAX_SAFE_INTEGER),
        unauthorizedApiCalls: int("alarmUnauthorizedApiCalls", 1, Number.MAX_SAFE_INTEGER),
    };

    const emailRaw = get("alarmEmail");
    if (emailRaw !== undefined && !EMAIL.test(emailRaw)) errors.push(`${full("alarmEmail")} must be an email address, got ${quote(emailRaw)}`);

    if (errors.length > 0) return { ok: false, errors };
    return {
        ok: true,
        config: {
            environment,
            region,
            namePrefix: `${NAMESPACE}-${environment}`,
            logRetentionDays,
            keyDeletionWindowDays,
            deletionProtection,
            vpcCidr,
            availabilityZoneCount,
            keyAdminArns,
            producerTrustedPrincipalArns,
            producerExternalId,
            ingestDomainName,
            ingestCertificateArn,
            servingDomainName,
            servingCertificateArn,
            backupRetentionDays,
            backupSchedule,
            ingestShardCount,
            functionMemoryMb,
            functionReservedConcurrency,
            maxEnvelopeBytes,
            ingestApiKeyRotation,
            kubernetes,
            alarms,
            ...(emailRaw !== undefined ? { alarmEmail: emailRaw } : {}),
        },
    };
}

/** Raw configuration of the current stack: our namespace's keys (known and unknown) plus `aws:region`. */
export function readRawConfig(): Record<string, string | undefined> {
    const ours = new pulumi.Config(NAMESPACE);
    const raw: Record<string, string | undefined> = { "aws:region": new pulumi.Config("aws").get("region") };
    for (const key of CONFIG_KEYS) {
        // The kubeconfig is a secret: it is read with getSecret by the entry point, never as plain text.
        raw[full(key)] = key === "kubeconfig" ? undefined : ours.get(key);
    }
    // Unknown keys of our namespace (typos) are reported too.
    for (const k of Object.keys(pulumi.runtime.allConfig())) {
        if (k.startsWith(`${NAMESPACE}:`) && !(k in raw)) raw[k] = pulumi.runtime.getConfig(k);
    }
    return raw;
}

/** Reads and validates the stack configuration; throws one error listing every problem. */
export function loadConfig(): PipelineConfig {
    const result = validateConfig(readRawConfig());
    if (!result.ok) {
        throw new Error(`invalid stack configuration for ${NAMESPACE}:\n  - ${result.errors.join("\n  - ")}`);
    }
    return result.config;
}
