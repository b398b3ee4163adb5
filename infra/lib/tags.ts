/**
 * Tag conventions shared with the policy pack (HELPERS.md "Shared conventions").
 */
export type KeyRole = "records" | "storage" | "logs" | "secrets" | "backup";
export type DataClassification = "public" | "internal" | "confidential" | "restricted";
export const DATA_CLASSIFICATIONS: readonly DataClassification[] = ["public", "internal", "confidential", "restricted"];

export const KEY_ROLE_TAG = "e2ee:key-role";
export const PRINCIPAL_ROLE_TAG = "e2ee:principal-role";
export const CLASSIFICATION_TAG = "data-classification";

export type Tags = Readonly<Record<string, string>>;

/** Common tags plus the layer mark. */
export function layerTags(tags: Tags | undefined, layer: string): Record<string, string> {
    return { ...(tags ?? {}), "e2ee:layer": layer, "managed-by": "pulumi" };
}

/** Tags of a data store: layer tags plus `data-classification`. */
export function storeTags(tags: Tags | undefined, layer: string, classification: DataClassification): Record<string, string> {
    return { ...layerTags(tags, layer), [CLASSIFICATION_TAG]: classification };
}

/** Throws `<component>: argument "<name>" ...` unless `value` is one of the classification values. */
export function checkClassification(component: string, argName: string, value: string): DataClassification {
    if (!(DATA_CLASSIFICATIONS as readonly string[]).includes(value)) {
        throw new Error(`${component}: argument "${argName}" must be one of ${DATA_CLASSIFICATIONS.join(", ")}, got "${value}"`);
    }
    return value as DataClassification;
}

/** Throws `<component>: argument "<name>" is required` for a missing value. */
export function required<T>(component: string, argName: string, value: T | undefined | null): T {
    if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) {
        throw new Error(`${component}: argument "${argName}" is required`);
    }
    return value;
}

/** Throws unless `value` is an integer in [min, max]. */
export function checkInt(component: string, argName: string, value: number, min: number, max: number): number {
    if (!Number.isInteger(value) || value < min || value > max) {
        throw new Error(`${component}: argument "${argName}" must be an integer from ${min} to ${max}, got ${value}`);
    }
    return value;
}
