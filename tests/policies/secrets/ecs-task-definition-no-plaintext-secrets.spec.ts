import assert from "node:assert/strict";
import { ecsTaskDefinitionNoPlaintextSecrets } from "../../../policies/rules/secrets/ecsTaskDefinitionNoPlaintextSecrets";
import { runResourceRule } from "../harness";

const container = (environment: unknown[]) => ({ name: "api", image: "nginx@sha256:" + "a".repeat(64), environment, secrets: [{ name: "DB_PASSWORD", valueFrom: "arn:aws:secretsmanager:us-west-2:111122223333:secret:db" }] });
const run = (environment: unknown[], parent?: string) =>
    runResourceRule(ecsTaskDefinitionNoPlaintextSecrets, {
        type: "aws:ecs/taskDefinition:TaskDefinition",
        props: { family: "api", containerDefinitions: JSON.stringify([container(environment)]) },
        ...(parent === undefined ? {} : { opts: { parent } }),
    });

describe("ecs-task-definition-no-plaintext-secrets", () => {
    it("accepts plain settings and secrets passed with valueFrom", async () => {
        assert.deepEqual((await run([{ name: "STAGE", value: "prod" }, { name: "DB_PASSWORD_SECRET_ARN", value: "arn:aws:secretsmanager:us-west-2:111122223333:secret:db" }])).messages, []);
    });
    it("reports a secret-looking variable with a literal value", async () => {
        assert.deepEqual((await run([{ name: "STAGE", value: "prod" }, { name: "DB_PASSWORD", value: "hunter2" }])).messages, [
            'containerDefinitions[0] ("api") environment[1] DB_PASSWORD looks like a plain-text secret (its name matches /PASSWORD/ and it holds a plain value); move it to the container\'s secrets with valueFrom set to a Secrets Manager or SSM parameter ARN.',
        ]);
    });
    it("reports a credential-shaped value and names the library component that wrote it", async () => {
        assert.deepEqual((await run([{ name: "UPSTREAM", value: "AKIAABCDEFGHIJKLMNOP" }], "urn:pulumi:dev::p::awsx:ecs:FargateService::api")).messages, [
            'containerDefinitions[0] ("api") environment[0] UPSTREAM looks like a plain-text secret (its value matches the secret pattern /^(AKIA|ASIA)[0-9A-Z]{16}$/) (a default of the awsx:ecs:FargateService component of @pulumi/awsx, not a value the program wrote: set it through that component\'s arguments); move it to the container\'s secrets with valueFrom set to a Secrets Manager or SSM parameter ARN.',
        ]);
    });
});
