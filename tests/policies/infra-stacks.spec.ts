/**
 * The pipeline program (infra/, built under Pulumi mocks by tests/infra/support) against this helper's policy
 * groups: every stack must pass them. Resources are given as after an update (inputs plus mocked outputs, all
 * known), so settings are linked to buckets by their known names.
 */
import assert from "node:assert/strict";
import { builtStack } from "../infra/support/stack";
import { stackNames } from "../infra/support/harness";
import { resetAppliedWaivers } from "../../policies/lib/rule";
import { selectPolicies } from "../../policies/select";
import { StackResourceInput, runPack } from "./harness";
import { HOUSE_CONFIG } from "./house-config";

const rules = selectPolicies({ groups: ["encryption", "keys", "s3", "backup", "classification"] });

function plain(v: unknown): Record<string, unknown> {
    return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (x instanceof Promise ? undefined : x))) as Record<string, unknown>;
}

async function resources(stack: string): Promise<StackResourceInput[]> {
    const built = await builtStack(stack);
    return built.resources.filter((r) => r.custom).map((r) => ({ type: r.type, name: r.name, props: plain({ ...r.inputs, ...r.state, id: r.id }) }));
}

describe("the pipeline stacks pass the encryption, key, S3, backup and classification policies, with the house conventions on", function () {
    this.timeout(120000);
    beforeEach(() => resetAppliedWaivers());

    for (const stack of stackNames()) {
        it(`${stack}: no diagnostics`, async () => {
            const rs = await resources(stack);
            assert.ok(rs.some((r) => r.type === "aws:s3/bucket:Bucket"), "the stack has buckets");
            assert.deepEqual(await runPack(rules, rs, HOUSE_CONFIG), []);
        });
    }

    it("the check can fail: without its encryption configurations every bucket is reported", async () => {
        const rs = await resources(stackNames()[0]);
        const buckets = rs.filter((r) => r.type === "aws:s3/bucket:Bucket").map((r) => r.name);
        const d = await runPack(rules, rs.filter((r) => !r.type.startsWith("aws:s3/bucketServerSideEncryptionConfiguration")), HOUSE_CONFIG);
        assert.deepEqual(d.map((x) => x.policy), buckets.map(() => "s3-bucket-encrypted-with-cmk"));
    });
});
