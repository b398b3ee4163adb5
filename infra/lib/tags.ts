/**
 * Tags of the program's resources. The keys and values the policy pack reads come from policies/conventions.ts;
 * the program adds its own marks: the layer a resource belongs to, and that Pulumi manages it.
 */
import { CLASSIFICATION_TAG, DataClassification, PRINCIPAL_ROLE_TAG, PrincipalRole } from "../../policies/conventions";

export type Tags = Readonly<Record<string, string>>;

/** The layer a resource belongs to (`keys`, `network`, `storage`, ...). */
export const LAYER_TAG = "e2ee:layer";
/** Who manages the resource: always `pulumi`. */
export const MANAGED_BY_TAG = "managed-by";
/** On a Lambda function: which pipeline function it is (`ingest`, `process`, `recipient`). */
export const FUNCTION_TAG = "e2ee:function";
/** On a subnet: its tier (`private`). */
export const SUBNET_TIER_TAG = "e2ee:subnet-tier";

/** The caller's tags plus the layer and managed-by marks. */
export function layerTags(tags: Tags | undefined, layer: string): Record<string, string> {
    return { ...(tags ?? {}), [LAYER_TAG]: layer, [MANAGED_BY_TAG]: "pulumi" };
}

/** Tags of a data store: layer tags plus its `data-classification`. */
export function storeTags(tags: Tags | undefined, layer: string, classification: DataClassification): Record<string, string> {
    return { ...layerTags(tags, layer), [CLASSIFICATION_TAG]: classification };
}

/** Tags of an IAM role: layer tags plus the `e2ee:principal-role` it plays. */
export function principalTags(tags: Tags | undefined, layer: string, principal: PrincipalRole): Record<string, string> {
    return { ...layerTags(tags, layer), [PRINCIPAL_ROLE_TAG]: principal };
}
