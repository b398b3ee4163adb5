/**
 * Writes the policy tables of policies/README.md from the policies' metadata. Everything outside the generated
 * block is hand-written and kept. Run: npm run policies:readme (`-- --help` for the options);
 * tests/policies/readme.spec.ts fails when the committed README is not current.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { PackRule, allRules, groups } from "../all";

export const BEGIN = "<!-- BEGIN GENERATED POLICY TABLES (policies/scripts/gen-readme.ts) -->";
export const END = "<!-- END GENERATED POLICY TABLES -->";
export const README_PATH = path.join(__dirname, "..", "README.md");

function cell(s: string): string {
    return s.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
}

function kind(r: PackRule): string {
    return "validateStack" in r ? "stack" : "resource";
}

function mappings(r: PackRule): string {
    const f = r.frameworkRef;
    const parts = [`Paper: ${f.paper}`];
    if ((f.securityHub ?? []).length > 0) {
        parts.push(`Security Hub: ${(f.securityHub ?? []).join(", ")}`);
    }
    if ((f.checkov ?? []).length > 0) {
        parts.push(`Checkov: ${(f.checkov ?? []).join(", ")}`);
    }
    return parts.join("<br>");
}

function config(r: PackRule): string {
    const props = Object.entries(r.configSchema?.properties ?? {}).filter(([k]) => k !== "waivers" && k !== r.optIn);
    if (props.length === 0) {
        return "";
    }
    return props
        .map(([k, s]: [string, PolicyConfigJSONSchema]) => (s.default === undefined ? `\`${k}\`` : `\`${k}\` (default \`${JSON.stringify(s.default)}\`)`))
        .join("<br>");
}

/** The generated block (markers included). */
export function generated(): string {
    const lines: string[] = [BEGIN, "", `${allRules.length} policies in ${Object.keys(groups).length} groups, in evaluation order.`, ""];
    for (const [group, rules] of Object.entries(groups)) {
        lines.push(`### ${group} (${rules.length})`, "");
        lines.push("| Policy | Level | Severity | Checks | Applies to | Description | Mappings | Config |", "|---|---|---|---|---|---|---|---|");
        for (const r of rules) {
            const scope = r.optIn === undefined ? "every stack" : `stacks that set \`${r.optIn}: true\``;
            lines.push(
                `| \`${r.name}\` | ${r.enforcementLevel ?? "advisory"} | ${r.severity ?? ""} | ${kind(r)} | ${scope} | ${cell(r.description)} | ${cell(mappings(r))} | ${cell(config(r))} |`,
            );
        }
        lines.push("");
    }
    lines.push("### What each policy judges", "");
    for (const r of allRules) {
        lines.push(`- \`${r.name}\`: ${cell(r.details ?? r.description)}`);
    }
    lines.push("", "### Remediation", "");
    for (const r of allRules) {
        lines.push(`- \`${r.name}\`: ${cell(r.remediationSteps ?? "")}`);
    }
    lines.push("", END);
    return lines.join("\n");
}

/** `current` with its generated block replaced by the current one. */
export function renderReadme(current: string): string {
    const a = current.indexOf(BEGIN);
    const b = current.indexOf(END);
    if (a < 0 || b < a) {
        throw new Error(`README has no generated block (${BEGIN} ... ${END})`);
    }
    return current.slice(0, a) + generated() + current.slice(b + END.length);
}

const USAGE = `usage: npm run policies:readme [-- --check]

Writes the policy tables of policies/README.md from the policies' metadata.

  --check      write nothing; exit 1 when the README is not current
  -h, --help   this text
`;

if (require.main === module) {
    // util.parseArgs directly: the pack is a package of its own and imports nothing from the repository.
    let args: { check: boolean; help: boolean };
    try {
        const { values } = parseArgs({ args: process.argv.slice(2), options: { check: { type: "boolean" }, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: false });
        args = { check: values.check === true, help: values.help === true };
    } catch (e) {
        process.stderr.write(`error: ${(e as Error).message}\n\n${USAGE}`);
        process.exit(2);
    }
    if (args.help) {
        process.stdout.write(USAGE);
        process.exit(0);
    }
    const current = fs.readFileSync(README_PATH, "utf8");
    const next = renderReadme(current);
    if (next !== current && args.check) {
        console.error(`${path.relative(process.cwd(), README_PATH)} is not current: run npm run policies:readme`);
        process.exitCode = 1;
    } else if (next !== current) {
        fs.writeFileSync(README_PATH, next);
        console.log(`updated ${path.relative(process.cwd(), README_PATH)}`);
    } else {
        console.log(`${path.relative(process.cwd(), README_PATH)} is current`);
    }
}
