/**
 * What the mock resource monitor answers: an ID and outputs per registration, the state of a read, an invoke's
 * result. A preview (the gate) knows no ID and no computed output; a simulated deployment answers with synthetic
 * outputs (host/simulation.ts).
 */
import type { Json, ProgramNote, RecordedResource } from "../shared/types";
import { invokeMock } from "./invokes";

export interface RegistrationAnswer {
    /** The resource's ID; "" is unknown (during a preview the runtime then resolves `id` as unknown). */
    readonly id: string;
    /** The resource's outputs in wire form; undefined: its inputs. */
    readonly outputs?: Record<string, Json>;
    /** The output paths the answer made up (a simulated deployment's synthetic outputs). */
    readonly synthesized?: readonly string[];
    /**
     * The answer holds unknowns (outputs derived from values from outside the program): the response says so, as
     * the engine's does for a resource it could not create, and the runtime keeps those outputs unknown in an update.
     */
    readonly unknown?: boolean;
}

export interface ReadAnswer {
    /** The read resource's state in wire form; undefined: the arguments passed (and its ID). */
    readonly outputs?: Record<string, Json>;
    /** The rest of its state is unknown (the engine's answer for a read it skipped): an update keeps it unknown. */
    readonly unknown?: boolean;
}

export interface MonitorAnswers {
    /** A registered resource (custom or component). */
    registered(r: RecordedResource): RegistrationAnswer;
    /** A resource read with `get` (its ID is `r.options.importId`). */
    read(r: RecordedResource): ReadAnswer;
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
