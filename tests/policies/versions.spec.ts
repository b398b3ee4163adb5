/**
 * Versioning as a shared pack needs it: one version in package.json and PulumiPolicy.yaml (the CLI reports
 * PulumiPolicy.yaml's over package.json's, and `pulumi policy publish` publishes under it); policies/versions.json
 * records every release's policies (group, default level, severity), so a change to the list of policies or to a
 * default level fails here until the version is bumped (by as much as the change needs) and the release recorded;
 * CHANGELOG.md has a section per release naming every policy the release added, removed or changed.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import {
    PACKAGE_PATH,
    bumpOf,
    changelogSections,
    changes,
    covers,
    currentSnapshot,
    formatVersions,
    packageVersion,
    parseSemver,
    readVersions,
    record,
    requiredBump,
    type Snapshot,
} from "../../policies/scripts/versions";

const POLICIES = path.dirname(PACKAGE_PATH);
const FIX = "bump the version in policies/package.json and policies/PulumiPolicy.yaml (README.md, \"Versioning\"), add a CHANGELOG.md section, then run `npm run policies:snapshot`";

describe("pack versioning", () => {
    const version = packageVersion();
    const versions = readVersions();
    const releases = Object.keys(versions);
    const changelog = changelogSections(fs.readFileSync(path.join(POLICIES, "CHANGELOG.md"), "utf8"));

    it("package.json and PulumiPolicy.yaml carry the same MAJOR.MINOR.PATCH version", () => {
        const yaml = parse(fs.readFileSync(path.join(POLICIES, "PulumiPolicy.yaml"), "utf8")) as { version?: unknown };
        assert.equal(yaml.version, version, "PulumiPolicy.yaml version");
        parseSemver(version);
    });

    it("the current policies are recorded as the current version (a changed list or default level needs a new version)", () => {
        const recorded = versions[version];
        if (recorded === undefined) {
            assert.fail(`policies/versions.json has no ${version}: run \`npm run policies:snapshot\` (after adding its CHANGELOG.md section)`);
        }
        const cs = changes(recorded, currentSnapshot());
        assert.deepEqual(cs.map((c) => `${c.policy}: ${c.what}`), [], `the policies changed since ${version} was recorded: ${FIX}`);
        assert.equal(releases[releases.length - 1], version, "the current version is the last release recorded");
    });

    it("each release is greater than the one before by as much as its changes need", () => {
        for (let i = 1; i < releases.length; i++) {
            const [prev, next] = [releases[i - 1], releases[i]];
            const given = bumpOf(prev, next);
            assert.notEqual(given, undefined, `${next} is not greater than ${prev}`);
            const cs = changes(versions[prev], versions[next]);
            const need = requiredBump(cs);
            assert.ok(covers(given ?? "patch", need), `${prev} -> ${next} is ${String(given)}, but needs ${need}: ${cs.map((c) => `${c.policy} ${c.what}`).join("; ")}`);
        }
    });

    it("versions.json is in its own format (npm run policies:snapshot writes it)", () => {
        assert.equal(fs.readFileSync(path.join(POLICIES, "versions.json"), "utf8"), formatVersions(versions));
    });

    it("CHANGELOG.md: newest release first, a section per release naming every policy it added, removed or changed", () => {
        assert.deepEqual(changelog.map((s) => s.version), [...releases].reverse(), "CHANGELOG.md sections, newest first");
        releases.forEach((v, i) => {
            const body = changelog.find((s) => s.version === v)?.body ?? "";
            const named = i === 0 ? Object.keys(versions[v]) : changes(versions[releases[i - 1]], versions[v]).map((c) => c.policy);
            const missing = [...new Set(named)].filter((n) => !body.includes(`\`${n}\``));
            assert.deepEqual(missing, [], `CHANGELOG.md ## ${v} does not name these policies`);
        });
    });
});

describe("pack versioning rules", () => {
    const base: Snapshot = {
        a: { group: "s3", level: "mandatory", severity: "high" },
        b: { group: "tls", level: "advisory", severity: "low" },
    };
    const cases: [string, Snapshot, "major" | "minor" | "patch"][] = [
        ["nothing changed", base, "patch"],
        ["a mandatory policy added", { ...base, c: { group: "s3", level: "mandatory", severity: "low" } }, "major"],
        ["an advisory policy added", { ...base, c: { group: "s3", level: "advisory", severity: "low" } }, "minor"],
        ["a policy removed", { a: base.a }, "major"],
        ["a policy renamed", { a2: base.a, b: base.b }, "major"],
        ["a default level raised", { ...base, b: { ...base.b, level: "mandatory" } }, "major"],
        ["a default level lowered", { ...base, a: { ...base.a, level: "advisory" } }, "minor"],
        ["a mandatory policy moved to another group", { ...base, a: { ...base.a, group: "encryption" } }, "major"],
        ["an advisory policy's severity changed", { ...base, b: { ...base.b, severity: "medium" } }, "minor"],
    ];
    for (const [what, next, bump] of cases) {
        it(`${what}: ${bump}`, () => {
            assert.equal(requiredBump(changes(base, next)), bump);
        });
    }

    it("bumpOf and parseSemver", () => {
        assert.equal(bumpOf("1.2.3", "2.0.0"), "major");
        assert.equal(bumpOf("1.2.3", "1.3.0"), "minor");
        assert.equal(bumpOf("1.2.3", "1.2.4"), "patch");
        assert.equal(bumpOf("1.2.3", "1.2.3"), undefined);
        assert.equal(bumpOf("1.2.3", "1.1.9"), undefined);
        assert.throws(() => parseSemver("1.2"), /not MAJOR.MINOR.PATCH/);
        assert.throws(() => parseSemver("1.2.3-rc.1"), /not MAJOR.MINOR.PATCH/);
    });

    it("record adds a release, keeps an unchanged one, and refuses to rewrite one or to under-bump", () => {
        const v1 = { "1.0.0": base };
        assert.equal(record(v1, "1.0.0", base), v1);
        assert.throws(() => record(v1, "1.0.0", { a: base.a }), /1\.0\.0 is already recorded with other policies \(b: removed\): bump the version/);
        assert.throws(() => record(v1, "1.1.0", { a: base.a }), /1\.0\.0 -> 1\.1\.0 is a minor release, but the changes need a major one: b removed/);
        assert.throws(() => record(v1, "0.9.0", base), /not greater than the last recorded release 1\.0\.0/);
        assert.deepEqual(Object.keys(record(v1, "2.0.0", { a: base.a })), ["1.0.0", "2.0.0"]);
    });
});
