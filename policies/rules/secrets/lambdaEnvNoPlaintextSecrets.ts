import { resourceRule } from "../../lib/rule";
import { objAt } from "../../lib/k8s";
import { Undecided } from "../../lib/unknown";
import { compilePatterns, SECRET_PATTERN_SCHEMA, secretReason, type SecretPatternConfig } from "./detect";

export const lambdaEnvNoPlaintextSecrets = resourceRule({
    name: "lambda-env-no-plaintext-secrets",
    description: "Lambda environment variables must not hold secrets in plain text; pass a Secrets Manager or Parameter Store reference.",
    details:
        "Lambda environment variables must not hold secrets in plain text: no variable whose name looks secret (PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, ...) with a literal value, and no value that looks like a credential (AKIA..., PEM private keys). Pass the secret's ARN or parameter name and read it from Secrets Manager or Parameter Store at run time. Values computed from other resources that are unknown during preview are not judged. @pulumi/policy hands policies secret values unwrapped, so a literal wrapped in pulumi.secret() is judged like any other value: it is still readable in the function configuration.",
    severity: "critical",
    framework: { paper: "5.1 Identity and access: secrets in a secrets manager; articles: secrets not in plain variables", checkov: ["CKV_AWS_45"] },
    remediationSteps:
        "Store the secret in aws.secretsmanager.Secret (or an SSM SecureString), put its ARN/name in the variable (e.g. DB_PASSWORD_SECRET_ARN) and fetch it in the handler, with secretsmanager:GetSecretValue on that ARN only.",
    configSchema: { properties: { ...SECRET_PATTERN_SCHEMA } },
    resourceTypes: ["aws:lambda/function:Function"],
    validateResource: (args, report) => {
                const patterns = compilePatterns(args.getConfig<SecretPatternConfig>());
        const vars = objAt(args.props, "environment", "variables") ?? {};
        const undecided = new Undecided();
        for (const name of Object.keys(vars)) {
            const value = undecided.attempt(`environment.variables.${name}`, () => vars[name]);
            if (typeof value !== "string") {
                continue;
            }
            const why = secretReason(name, value, patterns);
            if (why !== undefined) {
                report(`environment.variables.${name} looks like a plain-text secret (${why}); store it in Secrets Manager or Parameter Store and pass its ARN or name instead.`);
            }
        }
        undecided.finish();
    },
});
