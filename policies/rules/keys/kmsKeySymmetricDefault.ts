import { resourceRule } from "../../lib/rule";
import { KMS_KEY_TYPE, usageAndSpec } from "./common";

export const kmsKeySymmetricDefault = resourceRule({
    name: "kms-key-symmetric-default",
    description: "Encryption KMS keys must be SYMMETRIC_DEFAULT (AES-256-GCM), the spec envelope encryption and rotation need.",
    details:
        "KMS keys used for encryption (keyUsage ENCRYPT_DECRYPT, the default) must be SYMMETRIC_DEFAULT keys (AES-256-GCM, automatic rotation possible); customerMasterKeySpec unset means SYMMETRIC_DEFAULT. Signing (SIGN_VERIFY) and MAC (GENERATE_VERIFY_MAC) keys are out of scope.",
    severity: "medium",
    framework: { paper: "Table 2: at rest (envelope encryption, 256-bit AES-GCM)" },
    remediationSteps: "Remove customerMasterKeySpec from the key (or set it to \"SYMMETRIC_DEFAULT\"); asymmetric RSA keys cannot be used for envelope encryption with data keys and cannot rotate automatically. Changing the spec replaces the key.",
    resourceTypes: [KMS_KEY_TYPE],
    validateResource: (args, report) => {
        const { usage, spec } = usageAndSpec(args);
        if (usage === "ENCRYPT_DECRYPT" && spec !== "SYMMETRIC_DEFAULT") {
            report(`KMS encryption key has customerMasterKeySpec "${spec}"; data encryption keys must be SYMMETRIC_DEFAULT (AES-256-GCM): remove customerMasterKeySpec or set it to "SYMMETRIC_DEFAULT".`);
        }
    },
});
