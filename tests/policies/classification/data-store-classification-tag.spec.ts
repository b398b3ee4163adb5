import assert from "node:assert/strict";
import { DATA_STORE_TYPES, dataStoreClassificationTag } from "../../../policies/rules/classification/dataStoreClassificationTag";
import { UNKNOWN, runResourceRule } from "../harness";

/** Our stacks opt into the house conventions; these cases run with them on. */
const run = (type: string, props: Record<string, unknown>, cfg?: Record<string, unknown>) =>
    runResourceRule(dataStoreClassificationTag, { type, props }, { houseConventions: true, ...cfg });

describe("data-store-classification-tag", () => {
    it("judges nothing unless the stack opts into the house conventions (a program that never used the tag)", async () => {
        const r = await runResourceRule(dataStoreClassificationTag, { type: "aws:s3/bucket:Bucket", props: {} });
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, undefined);
        assert.deepEqual((await runResourceRule(dataStoreClassificationTag, { type: "aws:s3/bucket:Bucket", props: {} }, { houseConventions: false })).messages, []);
    });

    it("accepts every data store type tagged with a default classification", async () => {
        for (const type of Object.keys(DATA_STORE_TYPES)) {
            assert.deepEqual((await run(type, { tags: { "data-classification": "restricted" } })).messages, [], type);
        }
        assert.deepEqual((await run("aws:sqs/queue:Queue", { tagsAll: { "data-classification": "internal" } })).messages, []);
    });
    it("reports a data store without the tag", async () => {
        assert.deepEqual((await run("aws:dynamodb/table:Table", { tags: { app: "e2ee" } })).messages, [
            "DynamoDB table has no \"data-classification\" tag; add it with one of: public, internal, confidential, restricted.",
        ]);
        assert.deepEqual((await run("aws:s3/bucket:Bucket", {})).messages, [
            "S3 bucket has no \"data-classification\" tag; add it with one of: public, internal, confidential, restricted.",
        ]);
    });
    it("reports a value outside the set", async () => {
        assert.deepEqual((await run("aws:kinesis/stream:Stream", { tags: { "data-classification": "secret" } })).messages, [
            "Kinesis stream tag \"data-classification\" is \"secret\"; use one of: public, internal, confidential, restricted.",
        ]);
    });
    it("honours a configured tag key and value set", async () => {
        const cfg = { tagKey: "classification", allowedValues: ["pii", "non-pii"] };
        assert.deepEqual((await run("aws:sns/topic:Topic", { tags: { classification: "pii" } }, cfg)).messages, []);
        assert.deepEqual((await run("aws:sns/topic:Topic", { tags: { "data-classification": "internal" } }, cfg)).messages, [
            "SNS topic has no \"classification\" tag; add it with one of: pii, non-pii.",
        ]);
        await assert.rejects(run("aws:sns/topic:Topic", {}, { allowedValues: [] }), /invalid policy config/);
    });
    it("ignores resources that are not data stores", async () => {
        assert.deepEqual((await run("aws:lambda/function:Function", {})).messages, []);
        assert.deepEqual((await run("aws:kms/key:Key", {})).messages, []);
    });
    it("a missing tag with unknown provider default tags (tagsAll) is undecided", async () => {
        const r = await run("aws:sqs/queue:Queue", { tags: { app: "e2ee" }, tagsAll: UNKNOWN.object });
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, "Object value at .tagsAll can't be known during preview");
    });
    it("unknown tag value: advisory", async () => {
        const r = await run("aws:sqs/queue:Queue", { tags: { "data-classification": UNKNOWN.string } });
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, "string value at .tags.data-classification can't be known during preview");
    });
});
