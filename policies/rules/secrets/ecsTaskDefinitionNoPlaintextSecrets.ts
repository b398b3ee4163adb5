import { resourceRule } from "../../lib/rule";
import { isObj, listOf } from "../../lib/k8s";
import { libraryDefaultNote } from "../../lib/origin";
import { compilePatterns, SECRET_PATTERN_SCHEMA, secretReason, type SecretPatternConfig } from "./detect";

export const ecsTaskDefinitionNoPlaintextSecrets = resourceRule({
    name: "ecs-task-definition-no-plaintext-secrets",
    description: "ECS container definitions must not hold secrets in plain environment variables; use the container's secrets with valueFrom.",
    details:
        "Parses containerDefinitions and judges each container's environment entries like lambda-env-no-plaintext-secrets: a name that looks secret (PASSWORD, TOKEN, API_KEY, ...) with a literal value, or a value shaped like a credential. " +
        "Anyone who can describe the task definition reads those values; secrets: [{ name, valueFrom: <Secrets Manager or SSM ARN> }] are injected at start instead.",
    severity: "critical",
    framework: { paper: "5.1 Identity and access: secrets in a secrets manager", securityHub: ["ECS.8"], checkov: ["CKV_AWS_97"] },
    remediationSteps:
        "Move the value to aws.secretsmanager.Secret (or an SSM SecureString) and reference it in the container definition's secrets: [{ name: \"DB_PASSWORD\", valueFrom: secret.arn }]; give the task execution role secretsmanager:GetSecretValue on that ARN.",
    configSchema: { properties: { ...SECRET_PATTERN_SCHEMA } },
    resourceTypes: ["aws:ecs/taskDefinition:TaskDefinition"],
    validateResource: (args, report) => {
        const raw: unknown = args.props["containerDefinitions"];
        let defs: unknown;
        try {
            defs = typeof raw === "string" ? JSON.parse(raw) : raw;
        } catch {
            return; // not JSON: the provider rejects it
        }
        const patterns = compilePatterns(args.getConfig<SecretPatternConfig>());
        const origin = libraryDefaultNote(args.opts.parent);
        listOf(defs).forEach((c, i) => {
            if (!isObj(c)) {
                return;
            }
            const label = typeof c["name"] === "string" ? `containerDefinitions[${i}] ("${c["name"]}")` : `containerDefinitions[${i}]`;
            listOf(c["environment"]).forEach((e, j) => {
                if (!isObj(e) || typeof e["name"] !== "string" || typeof e["value"] !== "string") {
                    return;
                }
                const why = secretReason(e["name"], e["value"], patterns);
                if (why !== undefined) {
                    report(`${label} environment[${j}] ${e["name"]} looks like a plain-text secret (${why})${origin}; move it to the container's secrets with valueFrom set to a Secrets Manager or SSM parameter ARN.`);
                }
            });
        });
    },
});
