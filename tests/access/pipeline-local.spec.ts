/**
 * `npm run pipeline:local -- --backend emulators` with its access check, end to end: the real handlers on the
 * protocol servers, every request they make decided by the program's own policies (dev and prod).
 */
import assert from "node:assert/strict";
import { runLocalPipeline } from "../../functions/src/local/pipeline";
import { DATA_PREFIX } from "../../infra/lib/layout";
import { programAccessCheck } from "./support/program";

describe("pipeline:local on the emulators: every request allowed by the program's own policies", function () {
    it("150 records under the program's prefix: the access check passes for dev and prod, with every other check", async function () {
        this.timeout(300000);
        const r = await runLocalPipeline({ records: 150, batchSize: 40, backend: "emulators", prefix: DATA_PREFIX, accessCheck: programAccessCheck(["dev", "prod"]) });
        for (const c of r.checks) assert.ok(c.ok, `${c.name}: ${c.detail}`);
        const access = r.checks[r.checks.length - 1];
        assert.equal(access.name, "every request allowed by the program's own identity, key and bucket policies (dev and prod stacks)");
        assert.match(access.detail, /^dev: (\d+)\/\1 distinct requests allowed \(\d+ in all\); .*prod: (\d+)\/\2 distinct requests allowed/);
        for (const a of ["process s3:PutObject", "process kms:GenerateDataKey via s3", "recipient kms:Decrypt", "producer kms:GenerateDataKey", "ingest dynamodb:UpdateItem", "replay kinesis:GetRecords"]) {
            assert.match(access.detail, new RegExp(`${a} \\d+`), a);
        }
        assert.ok(r.requests.some((q) => q.action === "s3:PutObject" && q.resource.includes(`/${DATA_PREFIX}tenant=`)), "batches under the program's prefix");
    });
});
