import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KinesisStreamSink, KinesisStreamSource } from "../../functions/src/adapters/aws-kinesis";
import { DynamoDbStoreLedger } from "../../functions/src/adapters/aws-dynamodb";
import { S3ObjectStore } from "../../functions/src/adapters/aws-s3";
import { FileStreamSink, FileStreamSource, MemoryStoreLedger } from "../../functions/src/adapters/local";
import { ObjectStore } from "../../functions/src/adapters/ports";
import { decodeBatch } from "../../functions/src/batch";
import { parseEnvelope } from "../../functions/src/envelope";
import { createProcessHandler } from "../../functions/src/handlers/process";
import { createReplayHandler, ReplayDeps } from "../../functions/src/handlers/replay";
import { drainStream } from "../../functions/src/local/event-source";
import { lambdaContext } from "../../functions/src/local/events";
import { S3_SLOW_DOWN } from "../../functions/src/local/fault-proxy";
import { LOCAL_DEAD_LETTER_QUEUE_URL, LOCAL_REPLAY_FUNCTION_ARN, runReplayStateMachine } from "../../functions/src/local/state-machine";
import { replayStateMachineDefinition, replayStateMachineJson, STATES } from "../../functions/src/orchestration/definition";
import { EsmFailureRecord, MAX_SEGMENTS, Segment } from "../../functions/src/orchestration/tasks";
import { envelopeOf, LogRecorder, MemoryStore, sleep, useEmulators } from "./helpers";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require("asl-validator") as (definition: unknown, options?: Record<string, unknown>) => { isValid: boolean; errorsText: (sep?: string) => string };

const OPTIONS = { replayFunctionArn: LOCAL_REPLAY_FUNCTION_ARN, deadLetterQueueUrl: LOCAL_DEAD_LETTER_QUEUE_URL };

async function storedIds(store: ObjectStore): Promise<string[]> {
    const ids: string[] = [];
    for (let after: string | undefined; ; ) {
        const page = await store.list("", after, 1000);
        for (const key of page.keys) {
            ids.push(...decodeBatch(await store.get(key)).map((e) => parseEnvelope(e).header.recordId));
            after = key;
        }
        if (!page.truncated) {
            return ids.sort();
        }
    }
}

const rid = (i: number): string => `replay-record-${String(i).padStart(6, "0")}`;

describe("functions/orchestration: the replay state machine", () => {
    describe("definition", () => {
        it("is valid Amazon States Language (asl-validator, with path and ARN checks)", () => {
            const r = aslValidator(replayStateMachineDefinition(OPTIONS));
            assert.ok(r.isValid, r.errorsText("\n"));
            assert.deepEqual(JSON.parse(replayStateMachineJson(OPTIONS)), replayStateMachineDefinition(OPTIONS));
        });

        it("passes task payloads, never stream events or records, to the replay function", () => {
            const def = replayStateMachineDefinition(OPTIONS) as { States: Record<string, Record<string, unknown>> };
            const map = def.States[STATES.replaySegments] as { ItemProcessor: { States: Record<string, Record<string, unknown>> } };
            const tasks = [def.States[STATES.plan], def.States[STATES.summarize], map.ItemProcessor.States[STATES.replaySegment]];
            assert.deepEqual(
                tasks.map((t) => (t.Parameters as { Payload: { task: string } }).Payload.task),
                ["plan", "summarize", "segment"],
            );
            for (const t of tasks) {
                assert.equal(t.Resource, "arn:aws:states:::lambda:invoke");
                assert.equal(JSON.stringify(t).includes("Records"), false);
            }
        });

        const bad: [Record<string, unknown>, string][] = [
            [{ replayFunctionArn: "replay" }, 'replayStateMachineDefinition: replayFunctionArn must be a Lambda function ARN; got "replay"'],
            [{ deadLetterQueueUrl: "queue" }, 'replayStateMachineDefinition: deadLetterQueueUrl must be an SQS queue URL; got "queue"'],
            [{ maxConcurrency: 0 }, "replayStateMachineDefinition: maxConcurrency must be an integer in 1..40; got 0"],
            [{ maxAttempts: 21 }, "replayStateMachineDefinition: maxAttempts must be an integer in 1..20; got 21"],
        ];
        for (const [change, message] of bad) {
            it(`refuses ${JSON.stringify(change)}`, () => {
                assert.throws(() => replayStateMachineDefinition({ ...OPTIONS, ...change } as typeof OPTIONS), { message });
            });
        }

        it("uses the partition of the ARNs", () => {
            const def = replayStateMachineDefinition({ ...OPTIONS, partition: "aws-cn" }) as { States: Record<string, { Resource?: string }> };
            assert.equal(def.States[STATES.plan].Resource, "arn:aws-cn:states:::lambda:invoke");
            assert.equal(def.States[STATES.deadLetterRequest].Resource, "arn:aws-cn:states:::sqs:sendMessage");
        });
    });

    describe("executed locally (aws-local-stepfunctions) against the real replay handler", () => {
        let dir: string;
        let source: FileStreamSource;
        let store: MemoryStore;
        let ledger: MemoryStoreLedger;
        let started: number;
        beforeEach(async () => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2ee-replay-"));
            started = Date.now() - 1000;
            const sink = new FileStreamSink(dir, 3);
            for (let i = 0; i < 40; i++) {
                await sink.put([{ data: await envelopeOf(`r${i}`, { recordId: rid(i), tenant: i % 2 ? "globex" : "acme" }), partitionKey: rid(i) }]);
            }
            sink.close();
            await sleep(5); // so that "now" is after the last arrival time
            source = new FileStreamSource(dir);
            store = new MemoryStore();
            ledger = new MemoryStoreLedger();
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
        const replay = (extra: Partial<ReplayDeps> = {}) => createReplayHandler({ store, ledger, prefix: "records/", source, streamName: "local", logger: new LogRecorder(), ...extra });
        const range = (): { mode: "range"; from: string; to: string } => ({ mode: "range", from: new Date(started).toISOString(), to: new Date().toISOString() });

        it("a time range: every record stored once; repeating it stores nothing new; payloads stay small", async () => {
            const first = await runReplayStateMachine(replay({ maxRecordsPerCall: 7 }), range());
            assert.ok(first.ok, first.error);
            assert.deepEqual(first.output, { segments: 3, replayed: 3, deadLettered: 0, read: 40, stored: 40, duplicates: 0, invalid: 0 });
            assert.deepEqual(await storedIds(store), Array.from({ length: 40 }, (_, i) => rid(i)));
            assert.ok(first.payloads.filter((p) => p.task === "segment").length > 6, "segments were replayed in bounded calls");
            for (const p of first.payloads) {
                assert.ok(Buffer.byteLength(JSON.stringify(p)) < 4096, JSON.stringify(p));
            }
            const again = await runReplayStateMachine(replay(), range());
            assert.deepEqual(again.output, { segments: 3, replayed: 3, deadLettered: 0, read: 40, stored: 0, duplicates: 40, invalid: 0 });
            assert.equal((await storedIds(store)).length, 40);
        });

        it("a lost object is stored again (the ledger checks that the object exists)", async () => {
            await runReplayStateMachine(replay(), range());
            const lost = [...store.objects.keys()][0];
            const lostIds = decodeBatch(store.objects.get(lost) as Buffer).map((e) => parseEnvelope(e).header.recordId);
            store.objects.delete(lost);
            // Later (the claims' locks have expired): the records whose object is gone are stored again.
            const repair = await runReplayStateMachine(replay({ now: () => Date.now() + 20 * 60_000 }), range());
            assert.equal((repair.output as { stored: number }).stored, lostIds.length);
            assert.deepEqual(await storedIds(store), Array.from({ length: 40 }, (_, i) => rid(i)));
        });

        it("transient storage errors are retried; a segment that keeps failing is dead-lettered at its position and the execution ends ReplayIncomplete", async () => {
            const put = store.put.bind(store);
            let failures = 2;
            store.put = async (key, body) => {
                if (failures-- > 0) {
                    throw Object.assign(new Error("Please reduce your request rate."), { name: "SlowDown" });
                }
                return put(key, body);
            };
            const retried = await runReplayStateMachine(replay(), range());
            assert.ok(retried.ok, retried.error);
            assert.equal((await storedIds(store)).length, 40);

            const broken = new MemoryStore();
            const brokenPut = broken.put.bind(broken);
            let globexDown = true;
            broken.put = async (key, body) => {
                if (globexDown && key.includes("tenant=globex/")) {
                    throw Object.assign(new Error("Please reduce your request rate."), { name: "SlowDown" });
                }
                return brokenPut(key, body);
            };
            const brokenLedger = new MemoryStoreLedger();
            const failed = await runReplayStateMachine(replay({ store: broken, ledger: brokenLedger }), range());
            assert.equal(failed.ok, false);
            assert.equal(failed.error, "ReplayIncomplete");
            const letters = failed.deadLetters as unknown as { kind: string; segment: Segment; error: { Error: string } }[];
            assert.ok(letters.length >= 1);
            assert.ok(letters.every((l) => l.kind === "replay-segment-failed" && l.error.Error === "TransientError"));
            assert.ok((await storedIds(broken)).length < 40);
            // Resuming the dead-lettered segments from where they stopped stores the rest, each record once.
            globexDown = false;
            const resumed = await runReplayStateMachine(replay({ store: broken, ledger: brokenLedger }), { mode: "resume", segments: letters.map((l) => l.segment) });
            assert.ok(resumed.ok, resumed.error);
            assert.deepEqual(await storedIds(broken), Array.from({ length: 40 }, (_, i) => rid(i)));
        });

        const refused: [string, Record<string, unknown>, string][] = [
            ["a start older than the ledger's memory", { mode: "range", from: "2020-01-01T00:00:00Z", to: new Date().toISOString() }, "cannot replay from 2020-01-01T00:00:00.000Z"],
            ["an end in the future", { mode: "range", from: new Date().toISOString(), to: "2999-01-01T00:00:00Z" }, "must not be in the future"],
            ["an unknown mode", { mode: "everything" }, 'unknown replay mode "everything"'],
            ["a dead-letter message of another stream", { mode: "deadLetter", message: { KinesisBatchInfo: { shardId: "shardId-000000000000", startSequenceNumber: "1", endSequenceNumber: "2", streamArn: "arn:aws:kinesis:eu-west-1:1:stream/other" } } }, "another stream"],
        ];
        for (const [name, request, reason] of refused) {
            it(`refuses ${name}: the request goes to the dead-letter queue, ReplayRequestFailed`, async () => {
                const r = await runReplayStateMachine(replay(), request as never);
                assert.equal(r.error, "ReplayRequestFailed");
                const letter = r.deadLetters[0] as { kind: string; request: unknown; error: { Error: string; Cause: string } };
                assert.equal(letter.kind, "replay-request-failed");
                assert.deepEqual(letter.request, request);
                assert.equal(letter.error.Error, "InvalidReplayRequest");
                assert.ok(letter.error.Cause.includes(reason), letter.error.Cause);
            });
        }

        it(`a plan never exceeds ${MAX_SEGMENTS} segments`, async () => {
            const many = { listShards: async () => Array.from({ length: MAX_SEGMENTS + 1 }, (_, i) => `shardId-${String(i).padStart(12, "0")}`), read: source.read.bind(source) };
            const r = await runReplayStateMachine(replay({ source: many }), range());
            assert.equal(r.error, "ReplayRequestFailed");
        });

        it("the dead-letter path: a batch the event source gave up on is stored by replaying its message", async () => {
            const failing = new MemoryStore();
            let down = true;
            const put = failing.put.bind(failing);
            failing.put = async (key, body) => {
                if (down && key.includes("tenant=globex/")) {
                    throw Object.assign(new Error("We encountered an internal error."), { name: "InternalError" });
                }
                return put(key, body);
            };
            const letters: EsmFailureRecord[] = [];
            const stats = await drainStream({
                source,
                handler: createProcessHandler({ store: failing, ledger, prefix: "records/", metrics: () => undefined, logger: new LogRecorder() }),
                contextFor: () => lambdaContext("process"),
                streamArn: "arn:aws:kinesis:eu-west-1:111122223333:stream/local",
                region: "eu-west-1",
                batchSize: 10,
                maximumRetryAttempts: 2,
                bisectOnError: true,
                onFailure: (r) => letters.push(r),
            });
            assert.ok(stats.batchesSentToFailureDestination > 0);
            const before = new Set(await storedIds(failing));
            assert.ok(before.size < 40);
            down = false;
            for (const message of letters) {
                const r = await runReplayStateMachine(replay({ store: failing }), { mode: "deadLetter", message: JSON.stringify(message) });
                assert.ok(r.ok, r.error);
            }
            assert.deepEqual(await storedIds(failing), Array.from({ length: 40 }, (_, i) => rid(i)));
        });
    });

    describe("end to end on the protocol servers (kinesalite, s3rver, dynalite)", () => {
        const emu = useEmulators({ shards: 2 });

        it("process gives up on a batch (S3 SlowDown beyond its retries); the dead-letter replay stores it; every record once", async function () {
            this.timeout(120000);
            const e = emu.current;
            const sink = new KinesisStreamSink(e.stream, e.kinesis("ingest"));
            for (let i = 0; i < 30; i++) {
                await sink.put([{ data: await envelopeOf(`k${i}`, { recordId: rid(1000 + i), tenant: i % 3 ? "acme" : "initech" }), partitionKey: rid(1000 + i) }]);
            }
            const storeFor = (caller: string) => new S3ObjectStore(e.bucket, e.s3(caller), { sseKmsKeyId: e.storageKeyArn });
            const source = new KinesisStreamSource(e.stream, e.kinesis("process"));
            e.proxies.s3.inject({ match: (r) => r.method === "PUT" && decodeURIComponent(r.url).includes("/tenant=initech/"), times: 1000, response: S3_SLOW_DOWN });
            const letters: EsmFailureRecord[] = [];
            await drainStream({
                source,
                handler: createProcessHandler({ store: storeFor("process"), ledger: new DynamoDbStoreLedger(e.table, e.dynamodb("process")), prefix: "batches/", metrics: () => undefined, logger: new LogRecorder() }),
                contextFor: () => lambdaContext("process"),
                streamArn: `arn:aws:kinesis:${e.region}:${e.accountId}:stream/${e.stream}`,
                region: e.region,
                batchSize: 8,
                maximumRetryAttempts: 1,
                onFailure: (r) => letters.push(r),
            });
            e.proxies.s3.clearFaults();
            assert.ok(letters.length > 0);
            const replay = createReplayHandler({
                store: storeFor("replay"),
                ledger: new DynamoDbStoreLedger(e.table, e.dynamodb("replay")),
                prefix: "batches/",
                source: new KinesisStreamSource(e.stream, e.kinesis("replay")),
                streamName: e.stream,
                logger: new LogRecorder(),
            });
            for (const message of letters) {
                const r = await runReplayStateMachine(replay, { mode: "deadLetter", message });
                assert.ok(r.ok, r.error);
            }
            const ids = await storedIds(storeFor("check"));
            assert.deepEqual(ids, Array.from({ length: 30 }, (_, i) => rid(1000 + i)));
        });
    });
});
