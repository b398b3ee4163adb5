import { resourceRule } from "../../lib/rule";
import { KMS_KEY_TYPE } from "./common";

interface Config {
    minimumDeletionWindowInDays?: number;
}

export const DEFAULT_MIN_DELETION_WINDOW = 30;
/** KMS's waiting period when deletionWindowInDays is not set. */
export const KMS_DEFAULT_DELETION_WINDOW = 30;

export const kmsKeyDeletionWindow = resourceRule({
    name: "kms-key-deletion-window",
    description: "KMS keys must have a deletion window of at least the configured number of days (default 30).",
    details:
        "KMS keys must keep a deletion waiting period of at least 30 days (configurable, 7-30): deleting a key destroys every ciphertext made with it, including end-to-end encrypted records. An unset deletionWindowInDays means KMS's default of 30 days and complies.",
    severity: "medium",
    framework: { paper: "4.2 Data protection (dedicated key management); Table 2: at rest" },
    remediationSteps: "Set deletionWindowInDays to 30 on the key (or remove it: KMS then uses 30).",
    configSchema: {
        properties: {
            minimumDeletionWindowInDays: {
                type: "integer",
                minimum: 7,
                maximum: 30,
                default: DEFAULT_MIN_DELETION_WINDOW,
                description: "The shortest accepted deletionWindowInDays.",
            },
        },
    },
    resourceTypes: [KMS_KEY_TYPE],
    validateResource: (args, report) => {
        const min = args.getConfig<Config>().minimumDeletionWindowInDays ?? DEFAULT_MIN_DELETION_WINDOW;
        const days: unknown = args.props["deletionWindowInDays"];
        if (typeof days === "number" && days < min) {
            report(`KMS key deletionWindowInDays is ${days}; set it to at least ${min} so a scheduled deletion can be cancelled before the key and its ciphertexts are lost.`);
        }
    },
});
