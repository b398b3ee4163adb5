/**
 * The Analyze calls for one policy pack: fed while the program runs, sent once the pack is ready, with a bounded
 * number in flight per pack process.
 */
import type { Diagnostic } from "../shared/types";
import type { AnalyzeCall } from "./messages";

/**
 * Analyze requests for one pack, fed while the program runs and sent once the pack is ready, with at most
 * `limit` in flight. The first failure stops it and is rethrown by `drain`.
 */
export class AnalyzeQueue {
    private readonly items: AnalyzeCall[] = [];
    private next = 0;
    private readonly workers: { fn: (req: AnalyzeCall) => Promise<Diagnostic[]>; active: number }[] = [];
    private readonly results: Diagnostic[][] = [];
    private error: unknown;
    private failed = false;
    private waiters: (() => void)[] = [];
    private backlogSignalled = false;

    /**
     * @param limit calls in flight per worker (pack process)
     * @param onBacklog called once when more than `backlog` requests wait (the gate may add a worker)
     */
    constructor(
        private readonly limit: number,
        private readonly backlog = Number.POSITIVE_INFINITY,
        private readonly onBacklog?: () => void,
    ) {}

    push(req: AnalyzeCall): void {
        this.items.push(req);
        this.pump();
    }

    /** Resources the program has constructed but not yet registered count as waiting work too. */
    expect(total: number): void {
        if (!this.backlogSignalled && total - this.next > this.backlog) {
            this.backlogSignalled = true;
            this.onBacklog?.();
        }
    }

    /** Adds a worker (one pack process); requests are spread over the workers. */
    start(fn: (req: AnalyzeCall) => Promise<Diagnostic[]>): void {
        this.workers.push({ fn, active: 0 });
        this.pump();
    }

    private get active(): number {
        return this.workers.reduce((n, w) => n + w.active, 0);
    }

    private pump(): void {
        if (this.failed || this.workers.length === 0) return;
        for (const w of this.workers) {
            while (w.active < this.limit && this.next < this.items.length) {
                const req = this.items[this.next] as AnalyzeCall;
                this.items[this.next++] = undefined as unknown as AnalyzeCall;
                w.active++;
                w.fn(req)
                    .then(
                        (d) => {
                            this.results.push(d);
                        },
                        (e: unknown) => {
                            if (!this.failed) {
                                this.failed = true;
                                this.error = e;
                            }
                        },
                    )
                    .finally(() => {
                        w.active--;
                        this.pump();
                        if ((this.active === 0 && this.next >= this.items.length) || this.failed) {
                            for (const x of this.waiters.splice(0)) x();
                        }
                    });
            }
        }
        if (!this.backlogSignalled && this.items.length - this.next > this.backlog) {
            this.backlogSignalled = true;
            this.onBacklog?.();
        }
    }

    /** Resolves with every diagnostic once all pushed requests are answered (call after the last push). */
    async drain(): Promise<Diagnostic[]> {
        if (this.workers.length === 0) throw new Error("analysis queue drained before its pack was ready");
        while (!this.failed && (this.active > 0 || this.next < this.items.length)) {
            await new Promise<void>((r) => this.waiters.push(r));
        }
        if (this.failed) throw this.error;
        return this.results.flat();
    }
}
