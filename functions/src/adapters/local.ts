/**
 * Local implementations of the ports, for `pipeline:local --backend in-process` and tests: the filesystem stands in
 * for S3 and Kinesis, memory for DynamoDB (ingest's idempotency records through a Powertools persistence layer, and
 * the store ledger). Nothing here decrypts.
 */
import { IdempotencyItemAlreadyExistsError, IdempotencyItemNotFoundError, IdempotencyRecordStatus } from "@aws-lambda-powertools/idempotency";
import { BasePersistenceLayer, IdempotencyRecord } from "@aws-lambda-powertools/idempotency/persistence";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { ObjectNotFoundError } from "../errors";
import { ClaimResult, ListResult, ObjectStore, ShardPosition, ShardRead, StoreLedger, StreamRecord, StreamRecordInput, StreamSink, StreamSource } from "./ports";

/**
 * A Powertools idempotency persistence layer in memory, with the same conditional semantics as its DynamoDB layer:
 * a record can be written when none exists, when it has expired, or when it is in progress past its in-progress
 * expiry. `failNext` makes the next operations of a kind fail (tests of a DynamoDB outage).
 */
export class MemoryPersistenceLayer extends BasePersistenceLayer {
    readonly records = new Map<string, IdempotencyRecord>();
    readonly failNext: { put: number; update: number; delete: number } = { put: 0, update: 0, delete: 0 };

    private fail(kind: keyof MemoryPersistenceLayer["failNext"]): void {
        if (this.failNext[kind] > 0) {
            this.failNext[kind]--;
            throw Object.assign(new Error(`injected ${kind} failure`), { name: "InternalServerError" });
        }
    }

    protected async _putRecord(record: IdempotencyRecord): Promise<void> {
        this.fail("put");
        const existing = this.records.get(record.idempotencyKey);
        const now = Date.now();
        const replaceable =
            existing === undefined ||
            (existing.expiryTimestamp !== undefined && existing.expiryTimestamp < now / 1000) ||
            (existing.getStatus() === IdempotencyRecordStatus.INPROGRESS && existing.inProgressExpiryTimestamp !== undefined && existing.inProgressExpiryTimestamp < now);
        if (!replaceable) {
            throw new IdempotencyItemAlreadyExistsError(`Failed to put record for already existing idempotency key: ${record.idempotencyKey}`, existing);
        }
        this.records.set(record.idempotencyKey, record);
    }

    protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
        const r = this.records.get(idempotencyKey);
        if (!r) {
            throw new IdempotencyItemNotFoundError();
        }
        return r;
    }

    protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
        this.fail("update");
        const existing = this.records.get(record.idempotencyKey);
        this.records.set(
            record.idempotencyKey,
            new IdempotencyRecord({
                idempotencyKey: record.idempotencyKey,
                status: record.getStatus(),
                expiryTimestamp: record.expiryTimestamp,
                inProgressExpiryTimestamp: existing?.inProgressExpiryTimestamp,
                responseData: record.responseData,
                payloadHash: record.payloadHash,
            }),
        );
    }

    protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
        this.fail("delete");
        this.records.delete(record.idempotencyKey);
    }
}

/** The store ledger in memory (a map of record id to object and lock). */
export class MemoryStoreLedger implements StoreLedger {
    readonly entries = new Map<string, { object: string; lockedUntilMs: number }>();
    /** Operations to fail next, for tests. */
    failNext = 0;

    private fail(): void {
        if (this.failNext > 0) {
            this.failNext--;
            throw Object.assign(new Error("injected ledger failure"), { name: "InternalServerError" });
        }
    }

    async claim(recordId: string, object: string, lockedUntilMs: number): Promise<ClaimResult> {
        this.fail();
        const e = this.entries.get(recordId);
        if (e) {
            return { kind: "held", object: e.object, lockedUntilMs: e.lockedUntilMs };
        }
        this.entries.set(recordId, { object, lockedUntilMs });
        return { kind: "claimed" };
    }

    async takeOver(recordId: string, from: string, to: string, lockedUntilMs: number): Promise<boolean> {
        this.fail();
        const e = this.entries.get(recordId);
        if (!e || e.object !== from) {
            return false;
        }
        this.entries.set(recordId, { object: to, lockedUntilMs });
        return true;
    }

    async release(recordId: string, object: string): Promise<void> {
        this.fail();
        if (this.entries.get(recordId)?.object === object) {
            this.entries.delete(recordId);
        }
    }
}

/** Kinesis's shard choice: MD5 of the partition key as a 128-bit integer, shards splitting the range evenly. */
export function shardFor(partitionKey: string, shards: number): number {
    const hi = crypto.createHash("md5").update(partitionKey, "utf8").digest().readUInt32BE(0);
    return Math.floor((hi / 2 ** 32) * shards);
}

export function shardId(index: number): string {
    return `shardId-${String(index).padStart(12, "0")}`;
}

/** Sequence numbers of the file stream: the 1-based frame index in its shard, zero-padded so they sort as strings. */
function sequenceNumber(index: number): string {
    return String(index + 1).padStart(20, "0");
}

/**
 * A stream as files: <dir>/shard-<n>.log, each a sequence of frames
 * [u64 arrival ms][u32 partition-key length][partition key][u32 data length][data].
 * FileStreamSink appends; FileStreamSource reads back with Kinesis's iterator positions.
 */
export class FileStreamSink implements StreamSink {
    private readonly fds: number[] = [];
    constructor(
        readonly dir: string,
        readonly shards = 4,
        private readonly now: () => number = Date.now,
    ) {
        fs.mkdirSync(dir, { recursive: true });
        for (let i = 0; i < shards; i++) {
            this.fds.push(fs.openSync(path.join(dir, `shard-${String(i).padStart(3, "0")}.log`), "a"));
        }
    }
    async put(records: readonly StreamRecordInput[]): Promise<void> {
        for (const r of records) {
            const pk = Buffer.from(r.partitionKey, "utf8");
            const frame = Buffer.allocUnsafe(16 + pk.length + r.data.length);
            frame.writeBigUInt64BE(BigInt(this.now()), 0);
            frame.writeUInt32BE(pk.length, 8);
            pk.copy(frame, 12);
            frame.writeUInt32BE(r.data.length, 12 + pk.length);
            r.data.copy(frame, 16 + pk.length);
            fs.writeSync(this.fds[shardFor(r.partitionKey, this.shards)], frame);
        }
    }
    close(): void {
        for (const fd of this.fds) {
            fs.closeSync(fd);
        }
    }
}

export class FileStreamSource implements StreamSource {
    /** Frame offsets per shard file, extended as the file grows. */
    private readonly index = new Map<string, { offsets: number[]; scanned: number }>();

    constructor(readonly dir: string) {}

    async listShards(): Promise<readonly string[]> {
        return fs
            .readdirSync(this.dir)
            .filter((f) => /^shard-\d+\.log$/.test(f))
            .sort()
            .map((f) => shardId(Number(f.slice(6, -4))));
    }

    private file(id: string): string {
        const m = /^shardId-(\d{12})$/.exec(id);
        if (!m) {
            throw Object.assign(new Error(`Shard ${id} does not exist`), { name: "ResourceNotFoundException" });
        }
        return path.join(this.dir, `shard-${String(Number(m[1])).padStart(3, "0")}.log`);
    }

    private frames(id: string, fd: number, size: number): number[] {
        let idx = this.index.get(id);
        if (!idx) {
            idx = { offsets: [], scanned: 0 };
            this.index.set(id, idx);
        }
        const head = Buffer.alloc(12);
        while (idx.scanned + 12 <= size) {
            fs.readSync(fd, head, 0, 12, idx.scanned);
            const pkLen = head.readUInt32BE(8);
            const lenBuf = Buffer.alloc(4);
            fs.readSync(fd, lenBuf, 0, 4, idx.scanned + 12 + pkLen);
            const next = idx.scanned + 16 + pkLen + lenBuf.readUInt32BE(0);
            if (next > size) {
                break;
            }
            idx.offsets.push(idx.scanned);
            idx.scanned = next;
        }
        return idx.offsets;
    }

    async read(id: string, position: ShardPosition, limit: number): Promise<ShardRead> {
        const file = this.file(id);
        const fd = fs.openSync(file, "r");
        try {
            const size = fs.fstatSync(fd).size;
            const offsets = this.frames(id, fd, size);
            const readFrame = (i: number): StreamRecord => {
                const start = offsets[i];
                const end = i + 1 < offsets.length ? offsets[i + 1] : this.index.get(id)?.scanned ?? size;
                const buf = Buffer.alloc(end - start);
                fs.readSync(fd, buf, 0, buf.length, start);
                const pkLen = buf.readUInt32BE(8);
                return {
                    arrivalMs: Number(buf.readBigUInt64BE(0)),
                    partitionKey: buf.toString("utf8", 12, 12 + pkLen),
                    data: buf.subarray(16 + pkLen, 16 + pkLen + buf.readUInt32BE(12 + pkLen)),
                    sequenceNumber: sequenceNumber(i),
                };
            };
            let first: number;
            switch (position.type) {
                case "TRIM_HORIZON":
                    first = 0;
                    break;
                case "AT_SEQUENCE_NUMBER":
                    first = Number(position.sequenceNumber) - 1;
                    break;
                case "AFTER_SEQUENCE_NUMBER":
                    first = Number(position.sequenceNumber);
                    break;
                case "AT_TIMESTAMP": {
                    first = offsets.length;
                    for (let i = 0; i < offsets.length; i++) {
                        if (readFrame(i).arrivalMs >= position.timestampMs) {
                            first = i;
                            break;
                        }
                    }
                    break;
                }
            }
            const records: StreamRecord[] = [];
            for (let i = Math.max(0, first); i < offsets.length && records.length < limit; i++) {
                records.push(readFrame(i));
            }
            const last = Math.max(0, first) + records.length;
            return { records, open: true, caughtUp: last >= offsets.length };
        } finally {
            fs.closeSync(fd);
        }
    }
}

/** A bucket as a directory: key `a/b/c` is file `<root>/a/b/c`. */
export class FsObjectStore implements ObjectStore {
    constructor(readonly root: string) {
        fs.mkdirSync(root, { recursive: true });
    }

    private file(key: string): string {
        if (key === "" || key.startsWith("/") || key.split("/").some((s) => s === ".." || s === "." || s === "")) {
            throw new Error(`FsObjectStore: unsafe object key ${JSON.stringify(key)}`);
        }
        return path.join(this.root, ...key.split("/"));
    }

    async put(key: string, body: Buffer): Promise<void> {
        const file = this.file(key);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        // Write and rename, so a reader never sees half an object (S3 uploads are atomic too).
        const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
        fs.writeFileSync(tmp, body);
        fs.renameSync(tmp, file);
    }

    async get(key: string): Promise<Buffer> {
        try {
            return fs.readFileSync(this.file(key));
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code === "ENOENT") {
                throw new ObjectNotFoundError(key);
            }
            throw err;
        }
    }

    async exists(key: string): Promise<boolean> {
        return fs.existsSync(this.file(key));
    }

    async list(prefix: string, startAfter?: string, maxKeys = 1000): Promise<ListResult> {
        const dirPart = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "";
        const start = dirPart ? path.join(this.root, ...dirPart.split("/")) : this.root;
        const keys: string[] = [];
        const walk = (dir: string, rel: string): void => {
            if (!fs.existsSync(dir)) {
                return;
            }
            for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
                const k = rel ? `${rel}/${e.name}` : e.name;
                if (e.isDirectory()) {
                    walk(path.join(dir, e.name), k);
                } else if (!e.name.endsWith(".tmp") && k.startsWith(prefix) && (startAfter === undefined || k > startAfter)) {
                    keys.push(k);
                }
            }
        };
        walk(start, dirPart);
        keys.sort();
        return { keys: keys.slice(0, maxKeys), truncated: keys.length > maxKeys };
    }
}

/** An in-memory bucket (lexicographic listing, like S3), for tests and small local runs. */
export class MemoryObjectStore implements ObjectStore {
    readonly objects = new Map<string, Buffer>();
    puts = 0;
    async put(key: string, body: Buffer): Promise<void> {
        this.puts++;
        this.objects.set(key, Buffer.from(body));
    }
    async get(key: string): Promise<Buffer> {
        const b = this.objects.get(key);
        if (!b) {
            throw new ObjectNotFoundError(key);
        }
        return b;
    }
    async exists(key: string): Promise<boolean> {
        return this.objects.has(key);
    }
    async list(prefix: string, startAfter?: string, maxKeys = 1000): Promise<ListResult> {
        const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix) && (startAfter === undefined || k > startAfter)).sort();
        return { keys: keys.slice(0, maxKeys), truncated: keys.length > maxKeys };
    }
}
