import assert from "node:assert/strict";
import * as fs from "node:fs";
import { BEGIN, END, README_PATH, generated, renderReadme } from "../../policies/scripts/gen-readme";
import { allRules } from "../../policies/all";

describe("policies/README.md", () => {
    const readme = fs.readFileSync(README_PATH, "utf8");

    it("is current: regenerate with `npx ts-node --transpile-only policies/scripts/gen-readme.ts`", () => {
        const current = renderReadme(readme);
        if (current !== readme) {
            const have = new Set(readme.split("\n"));
            const stale = current.split("\n").filter((l) => !have.has(l)).map((l) => l.slice(0, 100));
            assert.fail(`policies/README.md is stale (run: npx ts-node --transpile-only policies/scripts/gen-readme.ts); changed lines:\n${stale.slice(0, 10).join("\n")}`);
        }
    });

    it("lists every policy exactly once in the tables, once in the details and once in the remediation list", () => {
        const block = generated();
        for (const r of allRules) {
            assert.equal(block.split(`| \`${r.name}\` |`).length - 1, 1, r.name);
            assert.equal(block.split(`- \`${r.name}\`: `).length - 1, 2, r.name);
        }
    });

    it("keeps the hand-written text outside the markers", () => {
        const changed = renderReadme(`intro\n${BEGIN}\nold table\n${END}\noutro\n`);
        assert.ok(changed.startsWith(`intro\n${BEGIN}\n`));
        assert.ok(changed.endsWith(`${END}\noutro\n`));
        assert.ok(!changed.includes("old table"));
        assert.throws(() => renderReadme("no markers"), /no generated block/);
    });

    it("documents how unknown values are handled", () => {
        assert.match(readme, /## Unknown values during preview/);
    });
});
