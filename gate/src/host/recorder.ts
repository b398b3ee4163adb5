/**
 * What the program host tells the gate (over the IPC channel the gate opened, or stdout lines when run by
 * hand): registered resources streamed in batches while the program runs, so the gate analyzes them as they
 * register (as the engine does); progress counts; outputs; the failure and the end of the run.
 */
import type { HostMessage, Json, RecordedResource } from "../shared/types";

const BATCH = 250;

export function send(msg: HostMessage): Promise<void> {
    return new Promise((resolve) => {
        if (process.send === undefined) {
            process.stdout.write(JSON.stringify(msg) + "\n");
            resolve();
            return;
        }
        process.send(msg, undefined, {}, () => resolve());
    });
}

/** Registered resources, in registration order, streamed to the gate in batches. */
export class Recorder {
    readonly resources: RecordedResource[] = [];
    private readonly byUrn = new Map<string, RecordedResource>();
    private batch: RecordedResource[] = [];
    private scheduled = false;
    private constructed = 0;
    private constructedSent = 0;

    /** A resource whose constructor ran (its registration follows once its inputs resolve). */
    constructedOne(): void {
        this.constructed++;
        this.schedule();
    }

    record(r: RecordedResource): void {
        this.resources.push(r);
        this.byUrn.set(r.urn, r);
        this.batch.push(r);
        if (this.batch.length >= BATCH) this.flush();
        else this.schedule();
    }

    /** Outputs a component or the stack registered (sent after the batch holding the resource). */
    outputs(urn: string, outputs: Record<string, Json>): void {
        this.flush();
        void send({ kind: "outputs", urn, outputs });
    }

    get(urn: string): RecordedResource | undefined {
        return this.byUrn.get(urn);
    }

    private schedule(): void {
        if (this.scheduled) return;
        this.scheduled = true;
        setImmediate(() => this.flush());
    }

    flush(): void {
        this.scheduled = false;
        if (this.constructed - this.constructedSent >= 100) {
            this.constructedSent = this.constructed;
            void send({ kind: "progress", constructed: this.constructed });
        }
        if (this.batch.length > 0) {
            const out = this.batch;
            this.batch = [];
            void send({ kind: "resources", resources: out });
        }
    }
}
