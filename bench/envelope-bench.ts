/**
 * Envelope encryption benchmark (a script, not a test). One process, one thread; for a strict single core run it
 * under `taskset -c 0`. `npm run bench:envelope` starts Node with `--single-threaded-gc`, so V8's collector works on
 * the measuring thread too and its cost lands in the cell that caused it: with concurrent collection on one core the
 * collector's helper threads are scheduled against the measuring thread, the freeing of 64 KiB buffers comes late,
 * and a cell's throughput then depends on that schedule (at 64 KiB even raw AES-GCM varied severalfold from round
 * to round). For 1 KiB and 64 KiB records, encrypt + decrypt of each record:
 *
 *   raw       node:crypto AES-256-GCM with one fixed key, a random 96-bit IV from the envelopes' own nonce source
 *             (the same pooled CSPRNG draws, so neither side pays more for randomness), no framing: the limit
 *   envelope  our format (functions/src/envelope) with data-key reuse (default limits) and the decrypt-side key cache
 *   aws-esdk  AWS Encryption SDK for JavaScript, committing suite without signing
 *             (ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY, REQUIRE_ENCRYPT_REQUIRE_DECRYPT), RawAesKeyringNode,
 *             NodeCachingMaterialsManager over getLocalCryptographicMaterialsCache: the peer
 *
 * plus key-provider (KMS) calls per 10,000 records, counted by CountingKeyProvider.
 *
 * Options: `npm run bench:envelope -- --help`.
 */
import {
    AlgorithmSuiteIdentifier,
    buildClient,
    CommitmentPolicy,
    getLocalCryptographicMaterialsCache,
    NodeCachingMaterialsManager,
    RawAesKeyringNode,
    RawAesWrappingSuiteIdentifier,
} from "@aws-crypto/client-node";
import * as crypto from "node:crypto";
import * as os from "node:os";
import { CountingKeyProvider, EnvelopeDecryptor, EnvelopeEncryptor, LocalKeyProvider, RecordHeader, takeNonce } from "../functions/src/envelope";
import { helpText, numberOption, parseOrExit, type OptionTable } from "../scripts/lib/options";
import { median } from "./stats";

const OPTIONS = {
    seconds: { type: "string", value: "S", description: "measuring time per table cell, seconds, spread over the rounds (default 3)" },
    rounds: { type: "string", value: "R", description: "interleaved rounds; the median is reported (default 7)" },
    check: { type: "boolean", description: "exit 1 when a target is missed" },
    help: { type: "boolean", short: "h", description: "this text" },
} as const satisfies OptionTable;
const HELP = helpText(
    "npm run bench:envelope -- [options]",
    "Envelope encryption benchmark: raw AES-256-GCM, our envelope format and the AWS Encryption SDK, 1 KiB and 64 KiB\nrecords, encrypt + decrypt, one thread; key-provider calls per 10,000 records.",
    OPTIONS,
);
const ARGS = parseOrExit(OPTIONS, process.argv.slice(2), HELP);
const SECONDS = numberOption(ARGS.seconds, "--seconds", 3, { min: 0.001 }, HELP);
const CHECK = ARGS.check;
const ROUNDS = numberOption(ARGS.rounds, "--rounds", 7, { min: 1, integer: true }, HELP);
const SIZES = [1024, 64 * 1024];
const SINGLE_THREADED_GC = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].includes("--single-threaded-gc");
const GC_MODE = SINGLE_THREADED_GC ? "single-threaded GC" : "concurrent GC (start it with `npm run bench:envelope` for single-threaded GC)";

const HEADER: RecordHeader = {
    tenant: "acme",
    schema: "orders.v1",
    classification: "confidential",
    recordId: "0000000000000000",
    producer: "bench",
    time: "2026-11-23T09:30:00.000Z",
};

interface Row {
    readonly size: number;
    readonly impl: string;
    readonly perSecond: number;
    readonly min: number;
    readonly max: number;
}

/** Runs `op` repeatedly for `seconds` (after a short warm-up); returns operations per second. */
async function measure(op: () => Promise<void> | void, seconds: number): Promise<number> {
    const warmUntil = Date.now() + 100;
    while (Date.now() < warmUntil) {
        await op();
    }
    const start = process.hrtime.bigint();
    const budget = BigInt(Math.round(seconds * 1e9));
    let count = 0;
    for (;;) {
        for (let k = 0; k < 16; k++) {
            await op();
        }
        count += 16;
        const elapsed = process.hrtime.bigint() - start;
        if (elapsed >= budget) {
            return count / (Number(elapsed) / 1e9);
        }
    }
}

function rawRoundTrip(key: Buffer, plaintext: Buffer): void {
    const iv = Buffer.allocUnsafe(12);
    takeNonce(iv, 0);
    // No framing and no extra copies (GCM's final() returns nothing): the least work a round trip can do.
    const c = crypto.createCipheriv("aes-256-gcm", key, iv);
    const ct = c.update(plaintext);
    c.final();
    const tag = c.getAuthTag();
    const d = crypto.createDecipheriv("aes-256-gcm", key, iv);
    d.setAuthTag(tag);
    const pt = d.update(ct);
    d.final();
    if (pt.length !== plaintext.length) {
        throw new Error("raw round trip failed");
    }
}

async function main(): Promise<void> {
    const rows: Row[] = [];
    const wrapping = crypto.randomBytes(32);
    for (const size of SIZES) {
        const plaintext = crypto.randomBytes(size);

        const rawKey = crypto.randomBytes(32);
        const ops: [string, () => Promise<void> | void][] = [["raw", () => rawRoundTrip(rawKey, plaintext)]];

        const provider = new CountingKeyProvider(new LocalKeyProvider(wrapping));
        const enc = new EnvelopeEncryptor(provider);
        const dec = new EnvelopeDecryptor(provider);
        ops.push([
            "envelope",
            async () => {
                const out = await dec.decrypt(await enc.encrypt(HEADER, plaintext));
                if (out.plaintext.length !== size) {
                    throw new Error("envelope round trip failed");
                }
            },
        ]);

        const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
        const keyring = new RawAesKeyringNode({
            keyName: "bench",
            keyNamespace: "e2ee-pipeline",
            unencryptedMasterKey: new Uint8Array(wrapping),
            wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
        });
        const cmm = new NodeCachingMaterialsManager({
            backingMaterials: keyring,
            cache: getLocalCryptographicMaterialsCache(100),
            maxAge: 5 * 60 * 1000,
            maxMessagesEncrypted: 2 ** 20,
            maxBytesEncrypted: 2 ** 34,
        });
        const context = { tenant: HEADER.tenant, schema: HEADER.schema, classification: HEADER.classification, producer: HEADER.producer };
        ops.push([
            "aws-esdk",
            async () => {
                const { result } = await encrypt(cmm, plaintext, {
                    encryptionContext: context,
                    suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
                    plaintextLength: size,
                });
                const out = await decrypt(cmm, result);
                if (out.plaintext.length !== size) {
                    throw new Error("ESDK round trip failed");
                }
            },
        ]);
        // Interleaved rounds, median per implementation: shared machines drift, and drift hits every column alike.
        const samples = new Map<string, number[]>(ops.map(([name]) => [name, []]));
        for (let round = 0; round < ROUNDS; round++) {
            for (const [name, op] of ops) {
                samples.get(name)?.push(await measure(op, SECONDS / ROUNDS));
            }
        }
        for (const [name] of ops) {
            const xs = samples.get(name) ?? [];
            rows.push({ size, impl: name, perSecond: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
        }
    }

    // Key-provider calls per 10,000 records: 6 encryption contexts (3 tenants x 2 schemas), 1 KiB records,
    // default limits. Cold: from an empty cache; steady: after the first 10,000 records.
    const counting = new CountingKeyProvider(LocalKeyProvider.generate());
    const enc = new EnvelopeEncryptor(counting);
    const dec = new EnvelopeDecryptor(counting);
    const pt = crypto.randomBytes(1024);
    const headers = ["acme", "globex", "initech"].flatMap((tenant) => ["orders.v1", "clicks.v2"].map((schema) => ({ ...HEADER, tenant, schema })));
    const run = async (records: number): Promise<void> => {
        for (let i = 0; i < records; i++) {
            await dec.decrypt(await enc.encrypt(headers[i % headers.length], pt));
        }
    };
    await run(10_000);
    const cold = counting.calls;
    counting.reset();
    const steadyRecords = 100_000;
    await run(steadyRecords);
    const steadyPer10k = (counting.calls * 10_000) / steadyRecords;
    const records = enc.limits.maxRecords;

    // ---- report
    const get = (size: number, impl: string): number => rows.find((r) => r.size === size && r.impl === impl)?.perSecond ?? NaN;
    const fmt = (n: number, d = 0): string => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
    console.log(`envelope benchmark: encrypt + decrypt per record, one thread, ${SECONDS}s per cell in ${ROUNDS} interleaved rounds (median; range in brackets)`);
    console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? "unknown cpu"}, ${os.cpus().length} logical CPUs visible, ${GC_MODE}\n`);
    console.log("| record | implementation | records/s | [min - max] | MiB/s | % of raw | x aws-esdk |");
    console.log("|---|---|---:|---:|---:|---:|---:|");
    for (const r of rows) {
        const raw = get(r.size, "raw");
        const peer = get(r.size, "aws-esdk");
        console.log(
            `| ${r.size / 1024} KiB | ${r.impl} | ${fmt(r.perSecond)} | [${fmt(r.min)} - ${fmt(r.max)}] | ${fmt((r.perSecond * r.size) / 2 ** 20, 1)} | ${fmt((100 * r.perSecond) / raw, 1)}% | ${fmt(r.perSecond / peer, 1)} |`,
        );
    }
    console.log(`\nkey-provider (KMS) calls, 6 encryption contexts, default limits (${records} records / 16 GiB / 5 min per data key):`);
    console.log(`  cold start, first 10,000 records: ${cold} calls (GenerateDataKey + Decrypt, one each per context)`);
    console.log(`  steady state: ${counting.calls} calls for the next ${fmt(steadyRecords)} records = ${fmt(steadyPer10k, 2)} per 10,000 records`);
    console.log(`  bound from the record limit alone: 2 calls per ${fmt(records)} records = ${fmt((2 * 10_000) / records, 3)} per 10,000`);

    const targets: [string, boolean][] = [
        [`envelope >= 30% of raw at 1 KiB (${fmt((100 * get(1024, "envelope")) / get(1024, "raw"), 1)}%)`, get(1024, "envelope") >= 0.3 * get(1024, "raw")],
        [`envelope >= 70% of raw at 64 KiB (${fmt((100 * get(65536, "envelope")) / get(65536, "raw"), 1)}%)`, get(65536, "envelope") >= 0.7 * get(65536, "raw")],
        [`envelope >= 20x aws-esdk at 1 KiB (${fmt(get(1024, "envelope") / get(1024, "aws-esdk"), 1)}x)`, get(1024, "envelope") >= 20 * get(1024, "aws-esdk")],
        [`<= 1 KMS call per 10,000 records in steady state (${fmt(steadyPer10k, 2)})`, steadyPer10k <= 1],
    ];
    console.log("\ntargets");
    for (const [name, ok] of targets) {
        console.log(`  ${ok ? "PASS" : "MISS"}  ${name}`);
    }
    if (CHECK && targets.some(([, ok]) => !ok)) {
        process.exitCode = 1;
    }
}

main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
