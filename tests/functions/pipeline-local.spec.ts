import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { runLocalPipeline } from "../../functions/src/local/pipeline";

describe("functions pipeline:local (real handlers, local adapters)", () => {
    it("300 records: every check passes, every bad submission kind is reported, the work dir is removed", async () => {
        const r = await runLocalPipeline({ records: 300, batchSize: 50 });
        for (const c of r.checks) {
            assert.ok(c.ok, `${c.name}: ${c.detail}`);
        }
        assert.equal(r.checks.length, 8);
        assert.equal(r.accepted, 300);
        assert.equal(r.delivered, 300);
        const kinds = [...r.rejections.keys()].map((k) => k.split(" -> ")[0]).sort();
        assert.deepEqual(kinds, [
            "bad-classification",
            "empty",
            "non-canonical-header",
            "oversized",
            "plaintext-binary",
            "plaintext-json",
            "replay-new-ciphertext",
            "replay-same-bytes",
            "tampered-ciphertext",
            "tampered-header",
            "trailing-bytes",
            "truncated-body",
            "truncated-prefix",
            "unknown-version",
        ]);
        assert.ok(r.rejections.get("replay-same-bytes -> 409 duplicate"));
        assert.ok(r.rejections.get("tampered-ciphertext -> 202 accepted (refused later by the recipient: authentication-failed)"));
        assert.deepEqual(r.keyProviderCalls, { generate: 6, unwrap: 9 });
        assert.equal(fs.existsSync(r.dir), false);
    });

    it("refuses a non-positive record count", async () => {
        await assert.rejects(runLocalPipeline({ records: 0 }), { message: "records must be a positive integer; got 0" });
    });
});
