import { resourceRule } from "../../lib/rule";
import { containerLabel, containersOf, isObj, kindOf, listOf, podSpecOf, WORKLOAD_TYPES } from "../../lib/k8s";
import { Undecided } from "../../lib/unknown";
import { compilePatterns, SECRET_PATTERN_SCHEMA, secretReason, type SecretPatternConfig } from "./detect";

export const k8sEnvNoPlaintextSecrets = resourceRule({
    name: "k8s-env-no-plaintext-secrets",
    description: "Container env entries must not hold secrets as literal values; use valueFrom.secretKeyRef.",
    details:
        "Kubernetes container env[] entries must not hold secrets as literal value: (names like PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY with a value, or values that look like credentials). Entries using valueFrom (secretKeyRef, configMapKeyRef, ...) are fine. @pulumi/policy hands policies secret values unwrapped, so a literal wrapped in pulumi.secret() is judged like any other value: it is still readable in the pod spec.",
    severity: "critical",
    framework: { paper: "5.1 Identity and access: secrets in a secrets manager (case study: Vault for secrets)" },
    remediationSteps:
        "Replace value with valueFrom.secretKeyRef pointing at a Kubernetes Secret (synced from Secrets Manager/Vault, e.g. by External Secrets), or mount the secret as a file.",
    configSchema: { properties: { ...SECRET_PATTERN_SCHEMA } },
    resourceTypes: WORKLOAD_TYPES,
    validateResource: (args, report) => {
        const pod = podSpecOf(args.type, args.props);
        if (pod === undefined) {
            return;
        }
        const patterns = compilePatterns(args.getConfig<SecretPatternConfig>());
        const undecided = new Undecided();
        for (const c of containersOf(pod)) {
            listOf(c.container["env"]).forEach((e, i) => {
                if (!isObj(e)) {
                    return;
                }
                const name = e["name"];
                const value = undecided.attempt(`${c.path}.env[${i}].value`, () => e["value"]);
                if (typeof name !== "string" || typeof value !== "string") {
                    return;
                }
                const why = secretReason(name, value, patterns);
                if (why !== undefined) {
                    report(`${kindOf(args.type)} ${containerLabel(c)} env[${i}] ${name} looks like a plain-text secret (${why}); use valueFrom.secretKeyRef instead of value.`);
                }
            });
        }
        undecided.finish();
    },
});
