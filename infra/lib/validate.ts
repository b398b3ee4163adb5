/**
 * Argument validation of every component. Each check throws `<component>: argument "<name>" ...`, naming the
 * argument and the value it got, and returns the value it checked. The patterns are shared with the stack
 * configuration (infra/config.ts), which reports the same rules under its own keys.
 */
import * as pulumi from "@pulumi/pulumi";
import { DATA_CLASSIFICATIONS, DataClassification } from "../../policies/conventions";

/** Prefix of physical names: 1-40 lower-case letters, digits or `-`, starting with a letter. */
export const NAME_PREFIX = /^[a-z][a-z0-9-]{0,39}$/;
/** A lower-case fully-qualified DNS name. */
export const DOMAIN_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
/** A container image pinned by digest: `<repository>@sha256:<64 hex digits>`. */
export const IMAGE_BY_DIGEST = /^[a-z0-9]([a-z0-9._/:-]*[a-z0-9])?@sha256:[0-9a-f]{64}$/;
/** A Kubernetes name that must be an RFC 1123 label (namespaces, issuers). */
export const KUBERNETES_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** An IPv4 CIDR block; the octets and the prefix are captured (ranges are checked by the caller). */
export const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
/** An S3 key prefix of safe characters, ending with `/`, e.g. `batches/`. */
export const S3_KEY_PREFIX = /^[A-Za-z0-9!_.'()-]+(\/[A-Za-z0-9!_.'()-]+)*\/$/;
/** An IAM role ARN, in any partition. */
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** An IAM OIDC provider ARN (e.g. an EKS cluster's); the issuer (host and path) is captured. */
export const OIDC_PROVIDER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/([a-z0-9.-]+(\/[A-Za-z0-9._-]+)*)$/;

/** The retention values CloudWatch Logs accepts (days) that keep logs for at least 90 days, the paper's floor. */
export const LOG_RETENTION_DAYS: readonly number[] = [90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
/** Retention of every log group unless a layer is told otherwise. */
export const DEFAULT_LOG_RETENTION_DAYS = 365;

const fail = (component: string, argName: string, problem: string): never => {
    throw new Error(`${component}: argument "${argName}" ${problem}`);
};

/** `value`, unless it is missing (undefined, null or a blank string). */
export function required<T>(component: string, argName: string, value: T | undefined | null): T {
    if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) {
        return fail(component, argName, "is required");
    }
    return value;
}

/** A required list that is not known to be empty (a list that is an unknown Output cannot be checked before deployment). */
export function requireNonEmptyList<T>(component: string, argName: string, value: pulumi.Input<T[]> | readonly T[] | undefined): void {
    required(component, argName, value);
    if (Array.isArray(value) && value.length === 0) fail(component, argName, "must not be empty");
}

/** An integer from `min` to `max`. */
export function checkInt(component: string, argName: string, value: number, min: number, max: number): number {
    if (!Number.isInteger(value) || value < min || value > max) {
        fail(component, argName, `must be an integer from ${min} to ${max}, got ${value}`);
    }
    return value;
}

/** A string matching `pattern`; `what` says what it must be ("a lower-case fully-qualified domain name"). */
export function checkPattern(component: string, argName: string, value: string, pattern: RegExp, what: string): string {
    if (!pattern.test(value)) fail(component, argName, `must be ${what}, got ${JSON.stringify(value)}`);
    return value;
}

/** One of `allowed`. */
export function checkOneOf<T extends string>(component: string, argName: string, value: string, allowed: readonly T[]): T {
    if (!(allowed as readonly string[]).includes(value)) {
        fail(component, argName, `must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
    }
    return value as T;
}

export function checkNamePrefix(component: string, value: string | undefined): string {
    return checkPattern(component, "namePrefix", required(component, "namePrefix", value), NAME_PREFIX, '1-40 lower-case letters, digits or "-", starting with a letter');
}

export function checkDomainName(component: string, argName: string, value: string | undefined): string {
    return checkPattern(component, argName, required(component, argName, value), DOMAIN_NAME, "a lower-case fully-qualified domain name");
}

export function checkKubernetesName(component: string, argName: string, value: string, what = "a Kubernetes namespace name"): string {
    return checkPattern(component, argName, value, KUBERNETES_NAME, `${what} (RFC 1123 label)`);
}

/** A retention CloudWatch Logs accepts, of at least 90 days; default `DEFAULT_LOG_RETENTION_DAYS`. */
export function checkLogRetentionDays(component: string, value: number | undefined): number {
    const days = value ?? DEFAULT_LOG_RETENTION_DAYS;
    if (!LOG_RETENTION_DAYS.includes(days)) {
        fail(component, "logRetentionDays", `must be a CloudWatch Logs retention value of at least 90 days (${LOG_RETENTION_DAYS.join(", ")}), got ${days}`);
    }
    return days;
}

export function checkClassification(component: string, argName: string, value: string): DataClassification {
    return checkOneOf(component, argName, value, DATA_CLASSIFICATIONS);
}

/**
 * Refuses the records key where a key of data at rest is expected: only producers and the recipient use it, and
 * never through a service. Keys that are unknown Outputs cannot be compared and pass.
 */
export function checkNotRecordsKey(
    component: string,
    recordsKeyArn: pulumi.Input<string> | undefined,
    keys: readonly (readonly [string, pulumi.Input<string> | undefined])[],
): void {
    if (typeof recordsKeyArn !== "string") return;
    for (const [argName, value] of keys) {
        if (value === recordsKeyArn) fail(component, argName, "must not be the records key (recordsKeyArn)");
    }
}
