/**
 * Local implementations of the ports, for `pipeline:local` and tests: the filesystem stands in for S3 and Kinesis,
 * a set (optionally persisted to a file) for DynamoDB. Nothing here decrypts.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { KinesisStreamEvent, KinesisStreamRecord } from "../lambda-types";
import { DedupStore, ListResult, ObjectStore, StreamRecordInput, StreamSink } from "./ports";

export class MemoryDedupStore implements DedupStore {
    readonly ids = new Set<string>();
    async claim(recordId: string): Promise<boolean> {
        if (this.ids.has(recordId)) {
            return false;
        }
        this.ids.add(recordId);
        return true;
    }
    async release(recordId: string): Promise<void> {
        this.ids.delete(recordId);
    }
}

/** A set of ids persisted as an append-only log (`+id` / `-id` lines), so replays are caught across runs. */
export class FileDedupStore implements DedupStore {
    private readonly ids = new Set<string>();
    private readonly fd: number;

    constructor(readonly file: string) {
        if (fs.existsSync(file)) {
            for (const line of fs.readFileSync(file, "latin1").split("\n")) {
                if (line.startsWith("+")) {
                    this.ids.add(line.slice(1));
                } else if (line.startsWith("-")) {
                    this.ids.delete(line.slice(1));
                }
            }
        }
        this.fd = fs.openSync(file, "a");
    }
    get size(): number {
        return this.ids.size;
    }
    async claim(recordId: string): Promise<boolean> {
        if (this.ids.has(recordId)) {
            return false;
        }
        this.ids.add(recordId);
        fs.writeSync(this.fd, `+${recordId}\n`);
        return true;
    }
    async release(recordId: string): Promise<void> {
        this.ids.delete(recordId);
        fs.writeSync(this.fd, `-${recordId}\n`);
    }
    close(): void {
        fs.closeSync(this.fd);
    }
}

/** Kinesis's shard choice: MD5 of the partition key as a 128-bit integer, shards splitting the range evenly. */
export function shardFor(partitionKey: string, shards: number): number {
    const hi = crypto.createHash("md5").update(partitionKey, "utf8").digest().readUInt32BE(0);
    return Math.floor((hi / 2 ** 32) * shards);
}

/**
 * A stream as files: <dir>/shard-<n>.log, each a sequence of frames
 * [u32 partition-key length][partition key][u32 data length][data].
 */
export class FileStreamSink implements StreamSink {
    private readonly fds: number[] = [];
    constructor(
        readonly dir: string,
        readonly shards = 4,
    ) {
        fs.mkdirSync(dir, { recursive: true });
        for (let i = 0; i < shards; i++) {
            this.fds.push(fs.openSync(path.join(dir, `shard-${String(i).padStart(3, "0")}.log`), "a"));
        }
    }
    async put(records: readonly StreamRecordInput[]): Promise<void> {
        for (const r of records) {
            const pk = Buffer.from(r.partitionKey, "utf8");
            const frame = Buffer.allocUnsafe(8 + pk.length + r.data.length);
            frame.writeUInt32BE(pk.length, 0);
            pk.copy(frame, 4);
            frame.writeUInt32BE(r.data.length, 4 + pk.length);
            r.data.copy(frame, 8 + pk.length);
            fs.writeSync(this.fds[shardFor(r.partitionKey, this.shards)], frame);
        }
    }
    close(): void {
        for (const fd of this.fds) {
            fs.closeSync(fd);
        }
    }
}

/** Reads a FileStreamSink directory back as Kinesis events of at most `batchSize` records, shard by shard. */
export function* readStreamEvents(dir: string, batchSize: number): Generator<KinesisStreamEvent> {
    const files = fs.readdirSync(dir).filter((f) => /^shard-\d+\.log$/.test(f)).sort();
    for (const file of files) {
        const shardId = `shardId-${file.slice(6, -4).padStart(12, "0")}`;
        const buf = fs.readFileSync(path.join(dir, file));
        let off = 0;
        let seq = 0;
        let batch: KinesisStreamRecord[] = [];
        while (off < buf.length) {
            const pkLen = buf.readUInt32BE(off);
            const partitionKey = buf.toString("utf8", off + 4, off + 4 + pkLen);
            const dataLen = buf.readUInt32BE(off + 4 + pkLen);
            const data = buf.subarray(off + 8 + pkLen, off + 8 + pkLen + dataLen);
            off += 8 + pkLen + dataLen;
            const sequenceNumber = String(++seq).padStart(20, "0");
            batch.push({ eventID: `${shardId}:${sequenceNumber}`, kinesis: { data: data.toString("base64"), partitionKey, sequenceNumber } });
            if (batch.length === batchSize) {
                yield { Records: batch };
                batch = [];
            }
        }
        if (batch.length > 0) {
            yield { Records: batch };
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
        fs.writeFileSync(file, body);
    }

    async get(key: string): Promise<Buffer> {
        return fs.readFileSync(this.file(key));
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
                } else if (k.startsWith(prefix) && (startAfter === undefined || k > startAfter)) {
                    keys.push(k);
                }
            }
        };
        walk(start, dirPart);
        keys.sort();
        return { keys: keys.slice(0, maxKeys), truncated: keys.length > maxKeys };
    }
}
