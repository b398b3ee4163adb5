import assert from "node:assert/strict";
import { redshiftClusterNotPubliclyAccessible } from "../../../policies/rules/network/redshiftClusterNotPubliclyAccessible";
import { runResourceRule } from "../harness";

const run = (props: Record<string, unknown>, type = "aws:redshift/cluster:Cluster") => runResourceRule(redshiftClusterNotPubliclyAccessible, { type, props });

describe("redshift-cluster-not-publicly-accessible", () => {
    it("accepts the default (private)", async () => {
        assert.deepEqual((await run({ clusterIdentifier: "wh" })).messages, []);
    });
    it("reports publiclyAccessible: true on clusters and serverless workgroups", async () => {
        const msg = "publiclyAccessible is true, so the warehouse endpoint gets a public address reachable from the internet; set publiclyAccessible to false.";
        assert.deepEqual((await run({ clusterIdentifier: "wh", publiclyAccessible: true })).messages, [msg]);
        assert.deepEqual((await run({ workgroupName: "wg", publiclyAccessible: true }, "aws:redshiftserverless/workgroup:Workgroup")).messages, [msg]);
    });
});
