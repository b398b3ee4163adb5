import { resourceRule } from "../../lib/rule";
import { KEY_ROLE_TAG, KEY_ROLES } from "../../conventions";
import { KMS_KEY_TYPE } from "./common";

interface Config {
    allowedRoles?: string[];
}

const DEFAULT_KEY_ROLES: readonly string[] = KEY_ROLES;

export const kmsKeyRoleTagged = resourceRule({
    name: "kms-key-role-tagged",
    description: "House convention: KMS keys carry the tag e2ee:key-role (records, storage, logs, secrets, backup).",
    details:
        "Every KMS key must carry the tag e2ee:key-role with one of records, storage, logs, secrets, backup (configurable), so that key separation (records vs storage vs backup keys) can be checked and audited.",
    severity: "medium",
    optIn: "houseConventions",
    framework: { paper: "4.2 Data protection (dedicated key management); Table 2: backups (separate keys)" },
    remediationSteps: "Add tags: { \"e2ee:key-role\": \"<records|storage|logs|secrets|backup>\" } to the key, one role per key.",
    configSchema: {
        properties: {
            allowedRoles: {
                type: "array",
                items: { type: "string", minLength: 1 },
                minItems: 1,
                default: [...DEFAULT_KEY_ROLES],
                description: "Accepted values of the e2ee:key-role tag.",
            },
        },
    },
    resourceTypes: [KMS_KEY_TYPE],
    validateResource: (args, report) => {
        const allowed = args.getConfig<Config>().allowedRoles ?? DEFAULT_KEY_ROLES;
        const tags = args.props["tags"] as Record<string, unknown> | undefined | null;
        let role: unknown = tags?.[KEY_ROLE_TAG];
        if (role === undefined) {
            // Provider default tags land in tagsAll (reading it when unknown throws: undecidable during preview).
            const all = args.props["tagsAll"] as Record<string, unknown> | undefined | null;
            role = all?.[KEY_ROLE_TAG];
        }
        if (role === undefined || role === null || role === "") {
            report(`KMS key has no "${KEY_ROLE_TAG}" tag; add it with one of: ${allowed.join(", ")}.`);
        } else if (typeof role === "string" && !allowed.includes(role)) {
            report(`KMS key tag "${KEY_ROLE_TAG}" is "${role}"; use one of: ${allowed.join(", ")}.`);
        }
    },
});
