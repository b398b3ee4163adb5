import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parsePipelineArgs, pipelineUsage } from "../../functions/src/local/cli";
import { LocalPipelineResult, runLocalPipeline } from "../../functions/src/local/pipeline";

const CHECKS = [
    "good records accepted by ingest",
    "bad submissions refused with the expected status and reason",
    "every streamed record stored exactly once (dead-lettered batches replayed; replays and stream duplicates skipped)",
    "every accepted record delivered exactly once, decrypting to its original",
    "envelopes tampered after encryption refused by the recipient",
    "every recipient response under Lambda's 6 MB limit",
    "recipient refuses callers not authorised for the tenant, and trusts no authorizer field",
    "no plaintext at rest (stream, bucket, table, metric and log files)",
    "metrics agree",
];

function assertRun(r: LocalPipelineResult, records: number): void {
    for (const c of r.checks) {
        assert.ok(c.ok, `${c.name}: ${c.detail}`);
    }
    assert.equal(r.accepted, records);
    assert.equal(r.delivered, records);
    assert.ok(r.recovery.deadLetteredBatches > 0, "the S3 outage dead-lettered batches, which the replay stored");
    assert.equal(r.recovery.rangeReplay.stored, 0);
    assert.ok(r.recovery.rangeReplay.duplicates > 0);
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
    assert.equal(fs.existsSync(r.dir), false);
}

describe("functions pipeline:local (real handlers end to end, with faults)", () => {
    it("in-process backend, 300 records: every check passes; the work dir is removed", async function () {
        this.timeout(120000);
        const r = await runLocalPipeline({ records: 300, batchSize: 50 });
        assert.deepEqual(r.checks.map((c) => c.name), CHECKS);
        assertRun(r, 300);
        assert.equal(r.backend, "in-process");
        assert.equal(r.endpoints, undefined);
        assert.equal(r.keyProviderCalls.generate, 6);
    });

    it("emulators backend (AWS adapters on s3rver, kinesalite, dynalite, local KMS), 150 records: every check passes, requests recorded", async function () {
        this.timeout(240000);
        const r = await runLocalPipeline({ records: 150, batchSize: 40, backend: "emulators" });
        assert.deepEqual(r.checks.map((c) => c.name), [...CHECKS, "every upload carried SSE-KMS with the storage key; requests logged for the access check"]);
        assertRun(r, 150);
        assert.deepEqual(Object.keys(r.endpoints ?? {}), ["s3", "kinesis", "dynamodb", "kms"]);
        for (const url of Object.values(r.endpoints ?? {})) {
            assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
        }
        const actions = new Set(r.requests.map((q) => `${q.caller} ${q.action}${q.via ? " via s3" : ""}`));
        for (const a of ["process s3:PutObject", "process kms:GenerateDataKey via s3", "recipient kms:Decrypt", "recipient s3:GetObject", "producer kms:GenerateDataKey", "ingest kinesis:PutRecords", "replay s3:PutObject"]) {
            assert.ok(actions.has(a), `${a} in ${[...actions].sort().join(", ")}`);
        }
        for (const a of actions) {
            if (a.endsWith(" kms:Decrypt") && !a.endsWith("via s3")) {
                assert.equal(a, "recipient kms:Decrypt", "only the recipient decrypts with the records key");
            }
        }
        const decrypt = r.requests.find((q) => q.caller === "recipient" && q.action === "kms:Decrypt" && !q.via);
        assert.deepEqual(Object.keys(decrypt?.encryptionContext ?? {}).sort(), ["classification", "producer", "schema", "tenant"]);
    });

    it("refuses a non-positive record count", async () => {
        await assert.rejects(runLocalPipeline({ records: 0 }), { message: "records must be a positive integer; got 0" });
    });

    describe("command line", () => {
        it("defaults", () => {
            assert.deepEqual(parsePipelineArgs([]), { help: false, records: 1000, backend: "in-process", batchSize: 100, concurrency: 16, keep: false, faults: true });
            assert.deepEqual(parsePipelineArgs(["--records", "5", "--backend", "emulators", "--keep", "--no-faults", "--dir", "/x"]), {
                help: false,
                records: 5,
                backend: "emulators",
                batchSize: 100,
                concurrency: 16,
                dir: "/x",
                keep: true,
                faults: false,
            });
        });

        const bad: [string[], RegExp][] = [
            [["--backend", "x"], /^--backend must be one of in-process, emulators; got "x"$/],
            [["--recrods", "5"], /Unknown option '--recrods'/],
            [["--records", "ten"], /^--records must be a positive integer; got "ten"$/],
            [["--records", "0"], /^--records must be a positive integer; got "0"$/],
            [["stray"], /positional/i],
        ];
        for (const [args, message] of bad) {
            it(`refuses ${args.join(" ")}`, () => {
                assert.throws(() => parsePipelineArgs(args), { message });
            });
        }

        it("--help is generated from the option table", () => {
            const text = pipelineUsage();
            for (const flag of ["--records N", "--backend in-process|emulators", "--batch-size B", "--concurrency C", "--dir PATH", "--keep", "--no-faults", "-h, --help"]) {
                assert.ok(text.includes(flag), flag);
            }
        });

        it("the script exits 2 on an unknown backend, naming it", () => {
            const script = path.resolve(__dirname, "../../functions/scripts/pipeline-local.ts");
            const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", script, "--backend", "x"], { encoding: "utf8", cwd: path.resolve(__dirname, "../..") });
            assert.equal(r.status, 2, r.stderr);
            assert.match(r.stderr, /--backend must be one of in-process, emulators; got "x"/);
        });
    });
});
