import assert from "node:assert/strict";
import { rdsInstanceNotPubliclyAccessible } from "../../../policies/rules/network/rdsInstanceNotPubliclyAccessible";
import { runResourceRule } from "../harness";

const run = (props: Record<string, unknown>, type = "aws:rds/instance:Instance") => runResourceRule(rdsInstanceNotPubliclyAccessible, { type, props });

describe("rds-instance-not-publicly-accessible", () => {
    it("accepts the default (private)", async () => {
        assert.deepEqual((await run({ engine: "postgres" })).messages, []);
        assert.deepEqual((await run({ engine: "postgres", publiclyAccessible: false })).messages, []);
    });
    it("reports publiclyAccessible: true on instances and cluster instances", async () => {
        const msg = "publiclyAccessible is true, so the database endpoint resolves to a public IP address reachable from the internet; set publiclyAccessible to false and use private subnets.";
        assert.deepEqual((await run({ engine: "mysql", publiclyAccessible: true })).messages, [msg]);
        assert.deepEqual((await run({ clusterIdentifier: "c", publiclyAccessible: true }, "aws:rds/clusterInstance:ClusterInstance")).messages, [msg]);
    });
});
