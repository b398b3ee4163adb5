/**
 * The stack outputs of the program's entry point (infra/index.ts), run under mocks with the dev stack's
 * configuration as `pulumi up` would run it: where producers read the ingestion API's key, and never the key.
 */
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { created, one, readStackConfig, settle, startMocks, valueOf } from "./support/harness";

describe("infra/index: the stack outputs", function () {
    this.timeout(120000);
    let outputs: Record<string, unknown>;

    before(async function () {
        await startMocks("dev");
        pulumi.runtime.setAllConfig(readStackConfig("dev"));
        outputs = (await import("../../infra/index")) as Record<string, unknown>;
        await settle();
    });

    it("exports the ARN of the ingestion API key's secret (not a secret itself)", async function () {
        const secret = one("aws:secretsmanager/secret:Secret", "ingestion-ingest-api-key-secret");
        const exported = outputs.ingestApiKeySecretArn as pulumi.Output<string>;
        assert.ok(pulumi.Output.isInstance(exported));
        assert.equal(await valueOf(exported), secret.state.arn);
        assert.match(String(secret.state.arn), /^arn:aws:secretsmanager:eu-west-1:111111111111:secret:e2ee-pipeline-dev-ingest-api-key-/);
        assert.equal(await (exported as unknown as { isSecret: Promise<boolean> }).isSecret, false);
    });

    it("exports no output that holds the key's value", async function () {
        const password = created.find((c) => c.type === "random:index/randomPassword:RandomPassword" && c.name === "ingestion-ingest-api-key-value");
        const value = password?.state.result;
        assert.equal(typeof value, "string");
        for (const [name, o] of Object.entries(outputs)) {
            const v: unknown = pulumi.Output.isInstance(o) ? await valueOf(o as pulumi.Output<unknown>) : o;
            assert.ok(!JSON.stringify(v ?? null).includes(String(value)), `output ${name} holds the API key`);
        }
    });
});
