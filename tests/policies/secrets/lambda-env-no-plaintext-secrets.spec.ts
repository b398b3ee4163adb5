import assert from "node:assert/strict";
import { lambdaEnvNoPlaintextSecrets } from "../../../policies/rules/secrets/lambdaEnvNoPlaintextSecrets";
import { secretReason, compilePatterns } from "../../../policies/rules/secrets/detect";
import { UNKNOWN, runResourceRule } from "../harness";

const vars = {
    STAGE: "prod",
    DB_PASSWORD_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf",
    API_TOKEN_PARAMETER: "/pipeline/api-token",
    RECORDS_KEY_ARN: "arn:aws:kms:eu-west-1:111122223333:key/k",
};
const run = (variables: Record<string, unknown>, config?: Record<string, unknown>) =>
    runResourceRule(lambdaEnvNoPlaintextSecrets, { type: "aws:lambda/function:Function", props: { runtime: "nodejs22.x", environment: { variables } } }, config);

describe("lambda-env-no-plaintext-secrets", () => {
    it("accepts references to secrets (ARNs, parameter names) and ordinary values", async () => {
        assert.deepEqual((await run(vars)).messages, []);
    });

    it("reports a secret-named variable with a literal value", async () => {
        assert.deepEqual((await run({ ...vars, DB_PASSWORD: "hunter2" })).messages, [
            "environment.variables.DB_PASSWORD looks like a plain-text secret (its name matches /PASSWORD/ and it holds a plain value); store it in Secrets Manager or Parameter Store and pass its ARN or name instead.",
        ]);
    });

    it("reports credential-looking values whatever the name, without echoing them", async () => {
        const r = await run({ ...vars, SETTING: "AKIAABCDEFGHIJKLMNOP", CERT: "-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----" });
        assert.deepEqual(r.messages, [
            "environment.variables.SETTING looks like a plain-text secret (its value matches the secret pattern /^(AKIA|ASIA)[0-9A-Z]{16}$/); store it in Secrets Manager or Parameter Store and pass its ARN or name instead.",
            "environment.variables.CERT looks like a plain-text secret (its value matches the secret pattern /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/); store it in Secrets Manager or Parameter Store and pass its ARN or name instead.",
        ]);
        assert.ok(!r.messages.join("").includes("AKIAABCDEFGHIJKLMNOP"));
    });

    it("uses configured patterns", async () => {
        assert.deepEqual((await run({ ...vars, PIN: "1234" }, { secretNamePatterns: ["^PIN$"] })).messages, [
            "environment.variables.PIN looks like a plain-text secret (its name matches /^PIN$/ and it holds a plain value); store it in Secrets Manager or Parameter Store and pass its ARN or name instead.",
        ]);
    });

    it("does not judge an unknown (computed) value but still reports the others", async () => {
        const r = await run({ GENERATED_TOKEN: UNKNOWN.string, API_KEY: "k-123" });
        assert.deepEqual(r.messages, [
            "environment.variables.API_KEY looks like a plain-text secret (its name matches /API_?KEY/ and it holds a plain value); store it in Secrets Manager or Parameter Store and pass its ARN or name instead.",
        ]);
        assert.equal(r.unknown, "environment.variables.GENERATED_TOKEN: string value at .environment.variables.GENERATED_TOKEN can't be known during preview");
    });

    it("secretReason table", () => {
        const p = compilePatterns({});
        const table: [string, string, boolean][] = [
            ["CLIENT_SECRET", "abc", true],
            ["CLIENT_SECRET_NAME", "pipeline/client", false],
            ["SESSION_TOKEN_TTL", "3600", false],
            ["PASSWORD", "", false],
            ["PASSWORD", "{{resolve:secretsmanager:db}}", false],
            ["GITHUB", "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB", true],
            ["REGION", "eu-west-1", false],
        ];
        for (const [name, value, want] of table) {
            assert.equal(secretReason(name, value, p) !== undefined, want, `${name}=${value}`);
        }
    });
});
