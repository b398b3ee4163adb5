/** The Analyze calls of one pack (packs/queue.ts): limits in flight, workers, backlog, failures. */
import { strict as assert } from "assert";
import type { AnalyzeCall } from "../../gate/src/packs/messages";
import { AnalyzeQueue } from "../../gate/src/packs/queue";
import type { Diagnostic } from "../../gate/src/shared/types";

const req = (n: number): AnalyzeCall => ({ urn: `urn:${n}`, bytes: Uint8Array.of(n) });
const diag = (n: number): Diagnostic => ({ policyPack: "p", policyPackVersion: "1", policy: `r${n}`, description: "", message: "", enforcementLevel: "advisory", severity: "", urn: "" });

/** A worker whose calls the test resolves by hand. */
function manualWorker() {
    const pending: { n: number; resolve: (d: Diagnostic[]) => void; reject: (e: Error) => void }[] = [];
    let maxActive = 0;
    let active = 0;
    const fn = (r: AnalyzeCall) =>
        new Promise<Diagnostic[]>((resolve, reject) => {
            active++;
            maxActive = Math.max(maxActive, active);
            pending.push({
                n: r.bytes[0] as number,
                resolve: (d) => {
                    active--;
                    resolve(d);
                },
                reject: (e) => {
                    active--;
                    reject(e);
                },
            });
        });
    return { fn, pending, max: () => maxActive };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("gate AnalyzeQueue", () => {
    it("waits for a worker, then keeps at most `limit` calls in flight, in order", async () => {
        const q = new AnalyzeQueue(2);
        for (let i = 0; i < 5; i++) q.push(req(i));
        const w = manualWorker();
        q.start(w.fn);
        assert.deepEqual(w.pending.map((p) => p.n), [0, 1]);
        const drained = q.drain();
        while (w.pending.length > 0) {
            (w.pending.shift() as { resolve: (d: Diagnostic[]) => void; n: number }).resolve([diag(0)]);
            await tick();
        }
        assert.equal((await drained).length, 5);
        assert.equal(w.max(), 2);
    });
    it("spreads calls over the workers, each with its own limit", async () => {
        const q = new AnalyzeQueue(1);
        const a = manualWorker();
        const b = manualWorker();
        q.start(a.fn);
        q.start(b.fn);
        for (let i = 0; i < 3; i++) q.push(req(i));
        assert.deepEqual([a.pending.map((p) => p.n), b.pending.map((p) => p.n)], [[0], [1]]);
        a.pending.shift()?.resolve([]);
        await tick();
        assert.deepEqual(a.pending.map((p) => p.n), [2]);
    });
    it("signals a backlog once, from pushes or from constructed resources not yet registered", () => {
        let signals = 0;
        const q = new AnalyzeQueue(1, 3, () => signals++);
        q.expect(3);
        assert.equal(signals, 0);
        q.expect(4);
        assert.equal(signals, 1);
        for (let i = 0; i < 10; i++) q.push(req(i));
        assert.equal(signals, 1);
    });
    it("the first failure stops the queue and is rethrown by drain", async () => {
        const q = new AnalyzeQueue(4);
        const w = manualWorker();
        q.start(w.fn);
        for (let i = 0; i < 3; i++) q.push(req(i));
        w.pending[1]?.reject(new Error("pack crashed"));
        w.pending[2]?.reject(new Error("second failure"));
        await assert.rejects(q.drain(), /pack crashed/);
    });
    it("drained before any worker started is an error", async () => {
        await assert.rejects(new AnalyzeQueue(1).drain(), /drained before its pack was ready/);
    });
    it("an empty queue drains at once", async () => {
        const q = new AnalyzeQueue(1);
        q.start(manualWorker().fn);
        assert.deepEqual(await q.drain(), []);
    });
});
