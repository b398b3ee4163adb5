/** Secret-looking plain values in environment variables (shared by the Lambda and Kubernetes rules). */

export const DEFAULT_SECRET_NAME_PATTERNS: readonly string[] = [
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_?KEY",
    "PRIVATE_?KEY",
    "ACCESS_?KEY",
    "CREDENTIAL",
    "CLIENT_?SECRET",
];

/** Names that hold a reference to a secret, not the secret itself (e.g. DB_PASSWORD_SECRET_ARN). */
export const DEFAULT_REFERENCE_NAME_PATTERNS: readonly string[] = ["(_ARN|_NAME|_ID|_URL|_URI|_PATH|_PARAM|_PARAMETER|_FILE|_REF|_TTL)$"];

export const DEFAULT_SECRET_VALUE_PATTERNS: readonly string[] = [
    "^(AKIA|ASIA)[0-9A-Z]{16}$",
    "-----BEGIN ([A-Z]+ )?PRIVATE KEY-----",
    "^gh[pousr]_[A-Za-z0-9]{36,}$",
    "^xox[abposr]-[A-Za-z0-9-]+$",
    "^sk_live_[A-Za-z0-9]+$",
];

/** Values that are references to a secret store, never a secret. */
const REFERENCE_VALUE = /^(arn:aws[a-z-]*:(secretsmanager|ssm|kms):|\{\{resolve:|\$\{)/;

export interface SecretPatterns {
    readonly names: readonly RegExp[];
    readonly references: readonly RegExp[];
    readonly values: readonly RegExp[];
}

export interface SecretPatternConfig {
    secretNamePatterns?: string[];
    referenceNamePatterns?: string[];
    secretValuePatterns?: string[];
}

export function compilePatterns(c: SecretPatternConfig): SecretPatterns {
    return {
        names: (c.secretNamePatterns ?? DEFAULT_SECRET_NAME_PATTERNS).map((p) => new RegExp(p, "i")),
        references: (c.referenceNamePatterns ?? DEFAULT_REFERENCE_NAME_PATTERNS).map((p) => new RegExp(p, "i")),
        values: (c.secretValuePatterns ?? DEFAULT_SECRET_VALUE_PATTERNS).map((p) => new RegExp(p)),
    };
}

/** Why `name=value` looks like a plain secret, or undefined. The value itself is never echoed. */
export function secretReason(name: string, value: string, p: SecretPatterns): string | undefined {
    const byValue = p.values.find((re) => re.test(value));
    if (byValue !== undefined) {
        return `its value matches the secret pattern /${byValue.source}/`;
    }
    if (value === "" || REFERENCE_VALUE.test(value)) {
        return undefined;
    }
    const byName = p.names.find((re) => re.test(name));
    if (byName !== undefined && !p.references.some((re) => re.test(name))) {
        return `its name matches /${byName.source}/ and it holds a plain value`;
    }
    return undefined;
}

export const SECRET_PATTERN_SCHEMA = {
    secretNamePatterns: {
        type: "array" as const,
        items: { type: "string" as const },
        default: [...DEFAULT_SECRET_NAME_PATTERNS],
        description: "Regular expressions (case-insensitive) for variable names that hold secrets.",
    },
    referenceNamePatterns: {
        type: "array" as const,
        items: { type: "string" as const },
        default: [...DEFAULT_REFERENCE_NAME_PATTERNS],
        description: "Regular expressions (case-insensitive) for names that hold a reference to a secret (ARN, name, path), not the secret.",
    },
    secretValuePatterns: {
        type: "array" as const,
        items: { type: "string" as const },
        default: [...DEFAULT_SECRET_VALUE_PATTERNS],
        description: "Regular expressions for values that are secrets whatever the variable's name (AWS access key ids, PEM private keys, tokens).",
    },
};
