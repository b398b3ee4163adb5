import assert from "node:assert/strict";
import { secretsmanagerSecretVersionNoLiteral } from "../../../policies/rules/secrets/secretsmanagerSecretVersionNoLiteral";
import { UNKNOWN, runResourceRule } from "../harness";

const run = (props: Record<string, unknown>) => runResourceRule(secretsmanagerSecretVersionNoLiteral, { type: "aws:secretsmanager/secretVersion:SecretVersion", props: { secretId: UNKNOWN.string, ...props } });

describe("secretsmanager-secret-version-no-literal", () => {
    it("is advisory by default (config secrets are known to policies during pulumi preview)", () => {
        assert.equal(secretsmanagerSecretVersionNoLiteral.enforcementLevel, "advisory");
    });
    it("accepts a generated value (unknown during preview)", async () => {
        const r = await run({ secretString: UNKNOWN.string });
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, undefined);
    });
    it("reports a value written in the program", async () => {
        assert.deepEqual((await run({ secretString: JSON.stringify({ username: "app", password: "hunter2" }) })).messages, [
            "secretString is a value known before deployment (written in the program or read from plain config); generate it with random.RandomPassword or read it from an encrypted config secret.",
        ]);
    });
});
