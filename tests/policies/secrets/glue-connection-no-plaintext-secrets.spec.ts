import assert from "node:assert/strict";
import { glueConnectionNoPlaintextSecrets } from "../../../policies/rules/secrets/glueConnectionNoPlaintextSecrets";
import { UNKNOWN, runResourceRule } from "../harness";

const run = (connectionProperties: Record<string, unknown>) =>
    runResourceRule(glueConnectionNoPlaintextSecrets, { type: "aws:glue/connection:Connection", props: { name: "db", connectionProperties } });
const URL = { JDBC_CONNECTION_URL: "jdbc:postgresql://db.internal:5432/app" };

describe("glue-connection-no-plaintext-secrets", () => {
    it("accepts a connection that names a Secrets Manager secret", async () => {
        assert.deepEqual((await run({ ...URL, SECRET_ID: "app/db" })).messages, []);
    });
    it("reports a literal password", async () => {
        assert.deepEqual((await run({ ...URL, USERNAME: "app", PASSWORD: "hunter2" })).messages, [
            "connectionProperties.PASSWORD looks like a plain-text secret (its name matches /PASSWORD/ and it holds a plain value); store the credentials in Secrets Manager and set connectionProperties.SECRET_ID instead.",
        ]);
    });
    it("cannot judge a value unknown during preview", async () => {
        const r = await run({ ...URL, PASSWORD: UNKNOWN.string });
        assert.deepEqual(r.messages, []);
        assert.match(r.unknown ?? "", /^connectionProperties.PASSWORD: /);
    });
});
