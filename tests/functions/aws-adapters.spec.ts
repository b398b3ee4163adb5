import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { strict as assert } from "node:assert";
import { DynamoDbStoreLedger } from "../../functions/src/adapters/aws-dynamodb";
import { KinesisStreamSink, KinesisStreamSource } from "../../functions/src/adapters/aws-kinesis";
import { S3ObjectStore } from "../../functions/src/adapters/aws-s3";
import { ObjectNotFoundError } from "../../functions/src/errors";
import { Emulators } from "../../functions/src/local/emulators";
import { awsJsonError } from "../../functions/src/local/fault-proxy";
import { RequestLog } from "../../functions/src/local/request-log";

describe("functions AWS adapters through the SDK v3 against protocol servers (s3rver, kinesalite, dynalite)", () => {
    let emu: Emulators;
    let log: RequestLog;
    before(async function () {
        this.timeout(60000);
        log = new RequestLog({ region: "eu-west-1", accountId: "111122223333" });
        emu = await Emulators.start({ log, proxyAll: true, shards: 2 });
    });
    after(async () => {
        await emu.stop();
    });

    describe("S3ObjectStore", () => {
        it("uploads with SSE-KMS headers naming the storage key, so the bucket policy's StringNotEqualsIfExists deny does not apply", async () => {
            const store = new S3ObjectStore(emu.bucket, emu.s3("process"), { sseKmsKeyId: emu.storageKeyArn });
            emu.proxies.s3.record = true;
            await store.put("batches/a/one.e2eb", Buffer.from("ciphertext"), { records: "1" });
            emu.proxies.s3.record = false;
            const put = emu.proxies.s3.seen.find((r) => r.method === "PUT");
            assert.ok(put);
            assert.equal(put.headers["x-amz-server-side-encryption"], "aws:kms");
            assert.equal(put.headers["x-amz-server-side-encryption-aws-kms-key-id"], emu.storageKeyArn);
            assert.equal(put.headers["x-amz-server-side-encryption-bucket-key-enabled"], "true");
            const recorded = log.entries().find((e) => e.action === "s3:PutObject" && e.resource.endsWith("/batches/a/one.e2eb"));
            assert.deepEqual(recorded?.conditions, {
                "aws:SecureTransport": "true",
                "s3:x-amz-server-side-encryption": "aws:kms",
                "s3:x-amz-server-side-encryption-aws-kms-key-id": emu.storageKeyArn,
            });
            const implied = log.entries().find((e) => e.via === "s3" && e.impliedBy === "s3:PutObject");
            assert.deepEqual(implied && [implied.caller, implied.action, implied.resource, implied.conditions["kms:ViaService"], implied.conditions["kms:EncryptionContext:aws:s3:arn"]], [
                "process",
                "kms:GenerateDataKey",
                emu.storageKeyArn,
                "s3.eu-west-1.amazonaws.com",
                `arn:aws:s3:::${emu.bucket}`,
            ]);
            assert.deepEqual(await store.get("batches/a/one.e2eb"), Buffer.from("ciphertext"));
        });

        it("refuses to upload without the bucket's key id (it would land under aws/s3)", async () => {
            await assert.rejects(new S3ObjectStore(emu.bucket, emu.s3("process")).put("batches/x", Buffer.from("x")), {
                message: `S3ObjectStore: uploading to ${emu.bucket} needs the bucket's SSE-KMS key id (sseKmsKeyId)`,
            });
        });

        it("exists (HEAD), a missing object (ObjectNotFoundError), and listing with prefix, startAfter and maxKeys", async () => {
            const store = new S3ObjectStore(emu.bucket, emu.s3("recipient"), { sseKmsKeyId: emu.storageKeyArn });
            for (const k of ["list/b", "list/a", "list/c", "other/x"]) {
                await store.put(k, Buffer.from(k));
            }
            assert.equal(await store.exists("list/a"), true);
            assert.equal(await store.exists("list/zz"), false);
            await assert.rejects(store.get("list/zz"), (e: unknown) => e instanceof ObjectNotFoundError);
            assert.deepEqual(await store.list("list/", undefined, 2), { keys: ["list/a", "list/b"], truncated: true });
            assert.deepEqual(await store.list("list/", "list/b"), { keys: ["list/c"], truncated: false });
            const listed = log.entries().find((e) => e.caller === "recipient" && e.action === "s3:ListBucket");
            assert.equal(listed?.conditions["s3:prefix"], "list/");
            // The SDK talked to s3rver itself.
            const raw = await emu.s3("check").send(new ListObjectsV2Command({ Bucket: emu.bucket, Prefix: "list/" }));
            assert.equal(raw.KeyCount, 3);
        });
    });

    describe("Kinesis", () => {
        it("KinesisStreamSink puts; KinesisStreamSource lists shards and reads back from every position type", async () => {
            const sink = new KinesisStreamSink(emu.stream, emu.kinesis("ingest"));
            const source = new KinesisStreamSource(emu.stream, emu.kinesis("replay"));
            const t0 = Date.now() - 1;
            for (let i = 0; i < 12; i++) {
                await sink.put([{ data: Buffer.from(`k-${i}`), partitionKey: `pk-${i}` }]);
            }
            const shards = await source.listShards();
            assert.equal(shards.length, 2);
            const all: string[] = [];
            for (const shard of shards) {
                const r = await source.read(shard, { type: "TRIM_HORIZON" }, 100);
                assert.equal(r.caughtUp, true);
                all.push(...r.records.map((x) => x.data.toString()));
                if (r.records.length >= 2) {
                    const after = await source.read(shard, { type: "AFTER_SEQUENCE_NUMBER", sequenceNumber: r.records[0].sequenceNumber }, 1);
                    assert.equal(after.records[0].sequenceNumber, r.records[1].sequenceNumber);
                    const at = await source.read(shard, { type: "AT_SEQUENCE_NUMBER", sequenceNumber: r.records[1].sequenceNumber }, 1);
                    assert.equal(at.records[0].sequenceNumber, r.records[1].sequenceNumber);
                }
                const ts = await source.read(shard, { type: "AT_TIMESTAMP", timestampMs: t0 }, 100);
                assert.equal(ts.records.length, r.records.length);
            }
            assert.deepEqual(all.sort(), Array.from({ length: 12 }, (_, i) => `k-${i}`).sort());
        });

        it("a PutRecords error is thrown (ingest answers 503) after the SDK's retries", async () => {
            emu.proxies.kinesis?.inject({ match: (r) => r.headers["x-amz-target"] === "Kinesis_20131202.PutRecords", times: 20, response: awsJsonError(400, "ProvisionedThroughputExceededException") });
            await assert.rejects(new KinesisStreamSink(emu.stream, emu.kinesis("ingest")).put([{ data: Buffer.from("x"), partitionKey: "p" }]), { name: "ProvisionedThroughputExceededException" });
            emu.proxies.kinesis?.clearFaults();
        });
    });

    describe("DynamoDbStoreLedger", () => {
        it("claim, held (with the object and lock), compare-and-set take-over, conditional release", async () => {
            const ledger = new DynamoDbStoreLedger(emu.table, emu.dynamodb("process"));
            assert.deepEqual(await ledger.claim("ledger-record-0001", "obj-1", 1000), { kind: "claimed" });
            assert.deepEqual(await ledger.claim("ledger-record-0001", "obj-2", 2000), { kind: "held", object: "obj-1", lockedUntilMs: 1000 });
            assert.equal(await ledger.takeOver("ledger-record-0001", "obj-9", "obj-2", 2000), false);
            assert.equal(await ledger.takeOver("ledger-record-0001", "obj-1", "obj-2", 2000), true);
            await ledger.release("ledger-record-0001", "obj-1");
            assert.deepEqual(await ledger.claim("ledger-record-0001", "obj-3", 3000), { kind: "held", object: "obj-2", lockedUntilMs: 2000 });
            await ledger.release("ledger-record-0001", "obj-2");
            assert.deepEqual(await ledger.claim("ledger-record-0001", "obj-3", 3000), { kind: "claimed" });
            const actions = new Set(log.entries().filter((e) => e.caller === "process" && e.service === "dynamodb").map((e) => e.action));
            assert.deepEqual([...actions].sort(), ["dynamodb:DeleteItem", "dynamodb:PutItem"].concat(actions.has("dynamodb:GetItem") ? ["dynamodb:GetItem"] : []).sort());
        });
    });
});
