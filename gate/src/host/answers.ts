/**
 * What the mock resource monitor answers: an ID and outputs per registration, the state of a read, an invoke's
 * result. A preview (the gate) knows no ID and no computed output; another mode (e.g. a simulated deployment
 * with synthetic outputs) passes its own answers to `installMonitor` (host/monitor.ts).
 */
import type { Json, ProgramNote, RecordedResource } from "../shared/types";
import { invokeMock } from "./invokes";

export interface RegistrationAnswer {
    /** The resource's ID; "" is unknown (during a preview the runtime then resolves `id` as unknown). */
    readonly id: string;
    /** The resource's outputs in wire form; undefined: its inputs. */
    readonly outputs?: Record<string, Json>;
}

export interface MonitorAnswers {
    /** A registered resource (custom or component). */
    registered(r: RecordedResource): RegistrationAnswer;
    /** A resource read with `get` (its ID is `r.options.importId`). */
    read(r: RecordedResource): { readonly outputs?: Record<string, Json> };
    /** An invoke (a data source such as aws.getCallerIdentity): its result, as the program receives it. */
    invoke(token: string, args: Record<string, unknown>): Record<string, unknown>;
}

/**
 * A preview's answers: no ID, the inputs as outputs (every computed output unknown), the documented offline
 * invoke answers (host/invokes.ts); an invoke without one returns its own arguments and adds a note.
 */
export function previewAnswers(region: string, notes: ProgramNote[]): MonitorAnswers {
    const noted = new Set<string>();
    return {
        registered: () => ({ id: "" }),
        read: () => ({}),
        invoke: (token, args) =>
            invokeMock(token, args, region, (t) => {
                if (noted.has(t)) return;
                noted.add(t);
                notes.push({ level: "warning", message: `invoke ${t} has no offline answer; it returned its own arguments` });
            }),
    };
}
