/**
 * Pulumi mocks for the single-layer specs (ingestion, processing, orchestration, serving): each spec supplies its own
 * `mockState` (the ids and ARNs its assertions name) and installs the mocks in its `before` hook, since the mocha
 * process, and so the Pulumi runtime's mocks, is shared by every spec.
 */
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";

export interface Created {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
}

export type MockState = (type: string, name: string, inputs: Record<string, unknown>) => { id: string; state: Record<string, unknown> };

export class LayerMocks {
    /** Every resource registered since the last `reset()`, in order. */
    public readonly created: Created[] = [];

    constructor(private readonly mockState: MockState) {}

    /** Installs the mocks (stack `dev`, not a preview); invokes echo their inputs. */
    public install(): Promise<void> {
        return pulumi.runtime.setMocks(
            {
                newResource: (a) => {
                    const inputs = a.inputs as Record<string, unknown>;
                    this.created.push({ type: a.type, name: a.name, inputs });
                    return this.mockState(a.type, a.name, inputs);
                },
                call: (a) => a.inputs as Record<string, unknown>,
            },
            "e2ee-pipeline",
            "dev",
            false,
        );
    }

    public reset(): void {
        this.created.length = 0;
    }

    /** Resolves once no resource has been registered for 40 ms. */
    public async settle(): Promise<void> {
        let last = -1;
        while (last !== this.created.length) {
            last = this.created.length;
            await new Promise((r) => setTimeout(r, 40));
        }
    }

    public ofType(type: string): Created[] {
        return this.created.filter((c) => c.type === type);
    }

    /** The only registered resource of `type` whose logical name ends with `nameSuffix`. */
    public one(type: string, nameSuffix: string): Created {
        const matches = this.created.filter((c) => c.type === type && c.name.endsWith(nameSuffix));
        assert.equal(matches.length, 1, `expected one ${type} named *${nameSuffix}, found ${matches.map((m) => m.name).join(", ") || "none"}`);
        return matches[0];
    }
}

/** The parsed JSON policy document in `c.inputs[prop]`. */
export function policyOf(c: Created, prop = "policy"): { Statement: Record<string, unknown>[] } {
    return JSON.parse(String(c.inputs[prop])) as { Statement: Record<string, unknown>[] };
}
