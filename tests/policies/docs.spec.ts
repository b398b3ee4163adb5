/**
 * The pack's documentation is self-contained: it says what it needs in its own words, links nowhere outside the
 * repository, and every file it names exists (relative to policies/ or to the repository root).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { groups } from "../../policies/all";
import { RATIONALE } from "../../policies/scripts/gen-readme";

const ROOT = path.resolve(__dirname, "..", "..");
const POLICIES = path.join(ROOT, "policies");
const DOCS = ["README.md", "CHANGELOG.md"];

describe("the pack's documentation", () => {
    for (const doc of DOCS) {
        const text = fs.readFileSync(path.join(POLICIES, doc), "utf8");

        it(`${doc}: no links or absolute paths outside the repository`, () => {
            assert.deepEqual(text.match(/\bhttps?:\/\/\S+/g) ?? [], [], "links");
            assert.deepEqual(text.match(/(^|[\s`("'])(\/(work|tmp|home|root|Users|var|opt)\/\S*|[A-Za-z]:\\\S*)/gm) ?? [], [], "absolute paths");
        });

        it(`${doc}: every file it names exists`, () => {
            const named = [...text.matchAll(/`([\w.\-/]+\.(?:ts|md|json|yaml|yml|mjs))`/g)].map((m) => m[1]);
            const missing = named.filter((f) => ![path.join(POLICIES, f), path.join(ROOT, f)].some((p) => fs.existsSync(p)));
            assert.deepEqual(missing, []);
        });
    }

    it("README.md says why each group exists, in a rationale of its own", () => {
        assert.deepEqual(Object.keys(RATIONALE).sort(), Object.keys(groups).sort());
        const readme = fs.readFileSync(path.join(POLICIES, "README.md"), "utf8");
        for (const [group, why] of Object.entries(RATIONALE)) {
            assert.ok(why.length >= 120, group);
            assert.ok(readme.includes(`Why: ${why}`), group);
        }
    });
});
