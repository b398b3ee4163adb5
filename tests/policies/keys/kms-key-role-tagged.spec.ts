import assert from "node:assert/strict";
import { kmsKeyRoleTagged } from "../../../policies/rules/keys/kmsKeyRoleTagged";
import { UNKNOWN, runResourceRule } from "../harness";

const type = "aws:kms/key:Key";
/** Our stacks opt into the house conventions; these cases run with them on. */
const run = (props: Record<string, unknown>, cfg?: Record<string, unknown>) => runResourceRule(kmsKeyRoleTagged, { type, props }, { houseConventions: true, ...cfg });

describe("kms-key-role-tagged", () => {
    it("judges nothing unless the stack opts into the house conventions (a correct key without the tag)", async () => {
        const r = await runResourceRule(kmsKeyRoleTagged, { type, props: { enableKeyRotation: true, tags: { team: "payments" } } });
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, undefined);
    });

    it("accepts each default role, from tags or provider default tags (tagsAll)", async () => {
        for (const role of ["records", "storage", "logs", "secrets", "backup"]) {
            assert.deepEqual((await run({ tags: { "e2ee:key-role": role } })).messages, []);
        }
        assert.deepEqual((await run({ tags: { team: "x" }, tagsAll: { team: "x", "e2ee:key-role": "logs" } })).messages, []);
    });
    it("reports a missing tag", async () => {
        assert.deepEqual((await run({ tags: { team: "x" } })).messages, [
            "KMS key has no \"e2ee:key-role\" tag; add it with one of: records, storage, logs, secrets, backup.",
        ]);
    });
    it("a missing tag with unknown provider default tags (tagsAll) is undecided", async () => {
        const r = await run({ tags: {}, tagsAll: UNKNOWN.object });
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, "Object value at .tagsAll can't be known during preview");
    });
    it("reports a value outside the set, and honours allowedRoles", async () => {
        assert.deepEqual((await run({ tags: { "e2ee:key-role": "misc" } })).messages, [
            "KMS key tag \"e2ee:key-role\" is \"misc\"; use one of: records, storage, logs, secrets, backup.",
        ]);
        assert.deepEqual((await run({ tags: { "e2ee:key-role": "misc" } }, { allowedRoles: ["misc"] })).messages, []);
    });
    it("unknown tags: advisory", async () => {
        const r = await run({ tags: UNKNOWN.object });
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, "Object value at .tags can't be known during preview");
    });
});
