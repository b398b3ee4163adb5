import { resourceRule } from "../../lib/rule";
import { objAt } from "../../lib/k8s";
import { Undecided } from "../../lib/unknown";
import { compilePatterns, SECRET_PATTERN_SCHEMA, secretReason, type SecretPatternConfig } from "./detect";

export const glueConnectionNoPlaintextSecrets = resourceRule({
    name: "glue-connection-no-plaintext-secrets",
    description: "Glue connections must not carry passwords in connectionProperties; reference a Secrets Manager secret (SECRET_ID).",
    details: "connectionProperties entries whose name looks secret (PASSWORD, ...) with a literal value, or values shaped like credentials, are stored with the connection and returned by GetConnection; SECRET_ID (or authenticationConfiguration.secretArn) keeps them in Secrets Manager.",
    severity: "critical",
    framework: { paper: "5.1 Identity and access: secrets in a secrets manager", checkov: ["CKV_AWS_195"] },
    remediationSteps: "Store the credentials in aws.secretsmanager.Secret and set connectionProperties.SECRET_ID to its name (or authenticationConfiguration.secretArn), removing USERNAME/PASSWORD from connectionProperties.",
    configSchema: { properties: { ...SECRET_PATTERN_SCHEMA } },
    resourceTypes: ["aws:glue/connection:Connection"],
    validateResource: (args, report) => {
        const props = objAt(args.props, "connectionProperties") ?? {};
        const patterns = compilePatterns(args.getConfig<SecretPatternConfig>());
        const undecided = new Undecided();
        for (const name of Object.keys(props)) {
            const value = undecided.attempt(`connectionProperties.${name}`, () => props[name]);
            if (typeof value !== "string") {
                continue;
            }
            const why = secretReason(name, value, patterns);
            if (why !== undefined) {
                report(`connectionProperties.${name} looks like a plain-text secret (${why}); store the credentials in Secrets Manager and set connectionProperties.SECRET_ID instead.`);
            }
        }
        undecided.finish();
    },
});
