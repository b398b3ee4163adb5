/** Which aws.kms.Key resources are symmetric encryption keys (the keys the pack's key rules are about). */
import type { ResourceValidationArgs } from "@pulumi/policy";

export const KMS_KEY_TYPE = "aws:kms/key:Key";

/** `keyUsage` (default ENCRYPT_DECRYPT) and `customerMasterKeySpec` (default SYMMETRIC_DEFAULT), read through the proxy. */
export function usageAndSpec(args: ResourceValidationArgs): { usage: string; spec: string } {
    const usage: unknown = args.props["keyUsage"];
    const spec: unknown = args.props["customerMasterKeySpec"];
    return {
        usage: typeof usage === "string" && usage !== "" ? usage : "ENCRYPT_DECRYPT",
        spec: typeof spec === "string" && spec !== "" ? spec : "SYMMETRIC_DEFAULT",
    };
}
