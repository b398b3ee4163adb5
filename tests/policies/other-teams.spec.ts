/**
 * Correct programs written the way other teams write them (tests/fixtures/other-teams: no house tags, no GuardDuty,
 * the 2023 S3 defaults, describe-style actions on "*", a "*" key principal scoped by conditions, resource objects as
 * inputs), run through the offline gate with the pack as published and no pack config: none may fail.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { FIXTURES, ROOT, gate } from "../gate/helpers";
import { HOUSE_CONFIG_PATH } from "./house-config";

interface Finding {
    readonly policy: string;
    readonly enforcementLevel: string;
    readonly message: string;
    readonly urn: string;
}
interface Report {
    readonly violations: readonly Finding[];
    readonly simulation: { readonly status: string; readonly reason?: string; readonly violations?: readonly Finding[]; readonly undecided?: readonly Finding[] };
    readonly summary: { readonly mandatory: number; readonly passed: boolean };
}

/** Correct programs in other teams' styles (`role-objects` passes resource objects as inputs: `role: role`). */
export const OTHER_TEAMS_PROGRAMS = ["encrypted-bucket", "messaging", "vpc-worker", "role-objects"];

const PACK = path.join(ROOT, "policies");

async function run(program: string, extra: readonly string[] = []): Promise<Report> {
    const r = await gate(["--cwd", path.join(FIXTURES, "other-teams", program), "--stack", "dev", "--policy-pack", PACK, "--format", "json", ...extra]);
    assert.notEqual(r.code, 2, `${program}: gate error: ${r.stderr}`);
    return JSON.parse(r.stdout) as Report;
}

/** One gate run per program, shared by its cases. */
const runs = new Map<string, Promise<Report>>();
function runOnce(program: string): Promise<Report> {
    let r = runs.get(program);
    if (r === undefined) {
        r = run(program);
        runs.set(program, r);
    }
    return r;
}

describe("correct programs of other teams pass the pack with no pack config", function () {
    this.timeout(180000);
    for (const program of OTHER_TEAMS_PROGRAMS) {
        it(`${program}: 0 mandatory violations`, async () => {
            const report = await runOnce(program);
            const mandatory = report.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => `${v.policy}: ${v.message} (${v.urn})`);
            assert.deepEqual(mandatory, []);
            assert.equal(report.summary.passed, true);
        });
        it(`${program}: 0 mandatory violations and 0 undecided in the simulated deployment (it takes no value from outside)`, async () => {
            const s = (await runOnce(program)).simulation;
            assert.equal(s.status, "completed", s.reason);
            const mandatory = (s.violations ?? []).filter((v) => v.enforcementLevel === "mandatory").map((v) => `${v.policy}: ${v.message} (${v.urn})`);
            assert.deepEqual(mandatory, []);
            assert.deepEqual((s.undecided ?? []).map((v) => `${v.policy}: ${v.message} (${v.urn})`), []);
        });
    }

    it("the same program is judged by the house conventions once its stack opts in (the gating, not a blind spot)", async () => {
        const report = await run("messaging", ["--policy-pack-config", HOUSE_CONFIG_PATH]);
        const tagged = report.violations.filter((v) => v.policy === "data-store-classification-tag").map((v) => v.urn.slice(v.urn.lastIndexOf("::") + 2));
        assert.deepEqual(tagged.sort(), ["order-events", "order-queue", "orders"]);
        assert.deepEqual(
            report.violations.filter((v) => v.policy === "kms-key-role-tagged").map((v) => v.urn.slice(v.urn.lastIndexOf("::") + 2)),
            ["orders"],
        );
    });
});
