/**
 * The pack's release record, policies/versions.json: for every released version (oldest first), its policies in
 * pack order with their group, default enforcement level and severity: what decides whether a team's preview can
 * change when it upgrades. tests/policies/versions.spec.ts checks it against the policies, the version in
 * package.json and PulumiPolicy.yaml, and CHANGELOG.md.
 *
 * After changing the policies, bump the version (package.json and PulumiPolicy.yaml) as `requiredBump` says, add a
 * CHANGELOG.md section, then record the release: npm run policies:snapshot (this file run as a script).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { groups } from "../all";

export interface PolicyRecord {
    readonly group: string;
    readonly level: string;
    readonly severity: string;
}

/** Policy name -> record, in pack order. */
export type Snapshot = Readonly<Record<string, PolicyRecord>>;
/** Version -> snapshot, oldest first. */
export type Versions = Readonly<Record<string, Snapshot>>;

export type Bump = "major" | "minor" | "patch";

export const VERSIONS_PATH = path.join(__dirname, "..", "versions.json");
export const PACKAGE_PATH = path.join(__dirname, "..", "package.json");

/** The policies as they are now. */
export function currentSnapshot(): Snapshot {
    const out: Record<string, PolicyRecord> = {};
    for (const [group, rules] of Object.entries(groups)) {
        for (const r of rules) {
            out[r.name] = { group, level: r.enforcementLevel ?? "advisory", severity: r.severity ?? "" };
        }
    }
    return out;
}

export function readVersions(file = VERSIONS_PATH): Versions {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Versions;
}

export function packageVersion(file = PACKAGE_PATH): string {
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
}

export interface Semver {
    readonly major: number;
    readonly minor: number;
    readonly patch: number;
}

/** MAJOR.MINOR.PATCH (no pre-release or build part: the pack publishes releases only). */
export function parseSemver(v: string): Semver {
    const m = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/.exec(v);
    if (m === null) {
        throw new Error(`version '${v}' is not MAJOR.MINOR.PATCH`);
    }
    return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

/** The kind of step from `prev` to `next`; undefined when `next` is not greater. */
export function bumpOf(prev: string, next: string): Bump | undefined {
    const a = parseSemver(prev);
    const b = parseSemver(next);
    if (b.major !== a.major) {
        return b.major > a.major ? "major" : undefined;
    }
    if (b.minor !== a.minor) {
        return b.minor > a.minor ? "minor" : undefined;
    }
    return b.patch > a.patch ? "patch" : undefined;
}

const RANK: Record<Bump, number> = { patch: 0, minor: 1, major: 2 };

/** Whether `given` is at least `required`. */
export function covers(given: Bump, required: Bump): boolean {
    return RANK[given] >= RANK[required];
}

export interface Change {
    readonly policy: string;
    readonly what: string;
    readonly bump: Bump;
}

const blocks = (level: string): boolean => level === "mandatory" || level === "remediate";

/**
 * What changed for teams from `prev` to `next`, and the release each change needs. Major: anything that can make a
 * passing preview fail or a team's configuration invalid: a policy removed (a rename is a removal and an addition),
 * a new blocking (mandatory) policy, a default level raised to blocking, a blocking policy moved to another group or
 * severity (it enters selections by group or severity that did not have it). Minor: a new advisory policy, a level
 * lowered, an advisory policy's group or severity changed.
 */
export function changes(prev: Snapshot, next: Snapshot): Change[] {
    const out: Change[] = [];
    for (const name of Object.keys(prev)) {
        if (next[name] === undefined) {
            out.push({ policy: name, what: "removed", bump: "major" });
        }
    }
    for (const [name, n] of Object.entries(next)) {
        const p = prev[name];
        if (p === undefined) {
            out.push({ policy: name, what: `added (${n.level})`, bump: blocks(n.level) ? "major" : "minor" });
            continue;
        }
        if (p.level !== n.level) {
            out.push({ policy: name, what: `level ${p.level} -> ${n.level}`, bump: blocks(n.level) && !blocks(p.level) ? "major" : "minor" });
        }
        if (p.group !== n.group) {
            out.push({ policy: name, what: `group ${p.group} -> ${n.group}`, bump: blocks(n.level) ? "major" : "minor" });
        }
        if (p.severity !== n.severity) {
            out.push({ policy: name, what: `severity ${p.severity} -> ${n.severity}`, bump: blocks(n.level) ? "major" : "minor" });
        }
    }
    return out;
}

/** The smallest release that covers `cs` (patch when nothing changed). */
export function requiredBump(cs: readonly Change[]): Bump {
    return cs.reduce<Bump>((acc, c) => (RANK[c.bump] > RANK[acc] ? c.bump : acc), "patch");
}

/** The CHANGELOG.md sections by version (`## <version>` headings, in file order), each with its text. */
export function changelogSections(text: string): { version: string; body: string }[] {
    const out: { version: string; body: string }[] = [];
    const parts = text.split(/^## /m).slice(1);
    for (const p of parts) {
        const nl = p.indexOf("\n");
        const heading = (nl < 0 ? p : p.slice(0, nl)).trim();
        out.push({ version: heading.split(/\s/)[0], body: nl < 0 ? "" : p.slice(nl + 1) });
    }
    return out;
}

/** Versions with the current version's snapshot recorded; throws (naming the fix) when that would rewrite a release. */
export function record(versions: Versions, version: string, snapshot: Snapshot): Versions {
    parseSemver(version);
    const existing = versions[version];
    if (existing !== undefined) {
        const cs = changes(existing, snapshot).map((c) => `${c.policy}: ${c.what}`);
        if (cs.length === 0) {
            return versions;
        }
        throw new Error(`${version} is already recorded with other policies (${cs.join("; ")}): bump the version in package.json and PulumiPolicy.yaml first`);
    }
    const last = Object.keys(versions).pop();
    if (last !== undefined) {
        const given = bumpOf(last, version);
        if (given === undefined) {
            throw new Error(`${version} is not greater than the last recorded release ${last}`);
        }
        const cs = changes(versions[last], snapshot);
        const need = requiredBump(cs);
        if (!covers(given, need)) {
            throw new Error(`${last} -> ${version} is a ${given} release, but the changes need a ${need} one: ${cs.filter((c) => c.bump === need).map((c) => `${c.policy} ${c.what}`).join("; ")}`);
        }
    }
    return { ...versions, [version]: snapshot };
}

/** versions.json's text: one line per policy, so that a release's changes read as a diff of lines. */
export function formatVersions(versions: Versions): string {
    const releases = Object.entries(versions).map(([v, snap]) => {
        const lines = Object.entries(snap).map(([name, r]) => `    ${JSON.stringify(name)}: {"group": ${JSON.stringify(r.group)}, "level": ${JSON.stringify(r.level)}, "severity": ${JSON.stringify(r.severity)}}`);
        return `  ${JSON.stringify(v)}: {\n${lines.join(",\n")}\n  }`;
    });
    return `{\n${releases.join(",\n")}\n}\n`;
}

if (require.main === module) {
    const version = packageVersion();
    const versions = fs.existsSync(VERSIONS_PATH) ? readVersions() : {};
    const next = record(versions, version, currentSnapshot());
    if (next === versions) {
        console.log(`${path.relative(process.cwd(), VERSIONS_PATH)}: ${version} is current`);
    } else {
        fs.writeFileSync(VERSIONS_PATH, formatVersions(next));
        console.log(`${path.relative(process.cwd(), VERSIONS_PATH)}: recorded ${version}`);
    }
}
