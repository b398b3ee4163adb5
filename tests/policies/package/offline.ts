/**
 * Installing npm projects the way another team does (`npm install` with npm's own installer, from the packages the
 * npm registry serves) without reaching the registry at test time.
 *
 * How: the repository's package-lock.json pins every package we install, with its integrity (the registry
 * tarball's sha512), and `npm ci` at the repository root put each of those tarballs in npm's cache. For a project
 * outside the repository, `lockFor` derives a package-lock.json from ours: the entries of the project's dependency
 * closure, found the way Node resolves them in our lock's layout (a package's own node_modules first, then its
 * parents'), kept at the same install paths (a subset of a valid layout resolves the same way). `npmInstallOffline`
 * then runs `npm install --offline`: npm reads the lock, takes each tarball from its cache by integrity, checks it,
 * and installs exactly what a team would get for those versions. Nothing outside our lock file can be installed:
 * with `--offline` a tarball missing from the cache is an error (ENOTCACHED), never a download.
 */
import { spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** One entry of a package-lock.json v3 `packages` map (the fields used here; the rest are kept as they are). */
export interface LockEntry {
    readonly version?: string;
    readonly resolved?: string;
    readonly integrity?: string;
    readonly link?: boolean;
    readonly dependencies?: Readonly<Record<string, string>>;
    readonly optionalDependencies?: Readonly<Record<string, string>>;
    readonly peerDependencies?: Readonly<Record<string, string>>;
    readonly peerDependenciesMeta?: Readonly<Record<string, { readonly optional?: boolean }>>;
    readonly [field: string]: unknown;
}

export interface Lockfile {
    readonly name: string;
    readonly version: string;
    readonly lockfileVersion: 3;
    readonly requires: true;
    readonly packages: Readonly<Record<string, LockEntry>>;
}

export function readLock(file: string): Lockfile {
    const lock = JSON.parse(fs.readFileSync(file, "utf8")) as Lockfile;
    if (lock.lockfileVersion !== 3) {
        throw new Error(`${file}: lockfileVersion ${String(lock.lockfileVersion)}; expected 3`);
    }
    return lock;
}

/** Where Node finds `name` from the package installed at `from` ("" is the project root) in `packages`' layout. */
export function resolveIn(packages: Readonly<Record<string, LockEntry>>, from: string, name: string): string | undefined {
    let dir = from;
    for (;;) {
        const key = dir === "" ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
        if (packages[key] !== undefined) {
            return key;
        }
        if (dir === "") {
            return undefined;
        }
        const i = dir.lastIndexOf("/node_modules/");
        dir = i < 0 ? "" : dir.slice(0, i);
    }
}

/** The dependencies npm installs for an entry: regular, optional (when the lock has them) and non-optional peers. */
function wanted(e: LockEntry): { name: string; optional: boolean }[] {
    const meta = e.peerDependenciesMeta ?? {};
    return [
        ...Object.keys(e.dependencies ?? {}).map((name) => ({ name, optional: false })),
        ...Object.keys(e.optionalDependencies ?? {}).map((name) => ({ name, optional: true })),
        ...Object.keys(e.peerDependencies ?? {}).filter((p) => meta[p]?.optional !== true).map((name) => ({ name, optional: false })),
    ];
}

export interface LocalTarball {
    /** The tarball, as the project's package.json names it (`file:` relative to the project directory). */
    readonly spec: string;
    readonly file: string;
    /** The package.json inside the tarball. */
    readonly manifest: { readonly name: string; readonly version: string; readonly dependencies?: Record<string, string>; readonly [k: string]: unknown };
}

/** sha512 integrity of a file, as npm writes it. */
export function integrityOf(file: string): string {
    return `sha512-${crypto.createHash("sha512").update(fs.readFileSync(file)).digest("base64")}`;
}

/**
 * A package-lock.json for a project with `manifest`'s dependencies: local tarballs (installed at
 * `node_modules/<name>`) plus the closure of every dependency in `root`'s lock. A dependency that the root lock
 * installs under a workspace's own node_modules, or does not have at all, is an error naming it.
 */
export function lockFor(
    root: Lockfile,
    manifest: { readonly name: string; readonly version: string; readonly dependencies: Readonly<Record<string, string>> },
    tarballs: readonly LocalTarball[] = [],
): Lockfile {
    const packages: Record<string, LockEntry> = {
        "": { name: manifest.name, version: manifest.version, dependencies: { ...manifest.dependencies } },
    };
    const queue: { from: string; name: string; optional: boolean; by: string }[] = [];
    for (const t of tarballs) {
        const { name, version, dependencies, license, engines } = t.manifest;
        packages[`node_modules/${name}`] = {
            version,
            resolved: t.spec,
            integrity: integrityOf(t.file),
            ...(license === undefined ? {} : { license }),
            ...(dependencies === undefined ? {} : { dependencies }),
            ...(engines === undefined ? {} : { engines }),
        };
        // The tarball's dependencies resolve from the project root (nothing of ours is nested under it).
        queue.push(...Object.keys(dependencies ?? {}).map((d) => ({ from: "", name: d, optional: false, by: name })));
    }
    const local = new Set(tarballs.map((t) => t.manifest.name));
    queue.push(...Object.keys(manifest.dependencies).filter((d) => !local.has(d)).map((name) => ({ from: "", name, optional: false, by: manifest.name })));
    while (queue.length > 0) {
        const { from, name, optional, by } = queue.shift() as (typeof queue)[number];
        if (local.has(name) && from === "") {
            continue;
        }
        const key = resolveIn(root.packages, from, name);
        if (key === undefined) {
            if (optional) {
                continue;
            }
            throw new Error(`lockFor: ${name} (needed by ${by}) is not in the repository's package-lock.json: add it to a package.json and run npm install`);
        }
        if (!key.startsWith("node_modules/")) {
            throw new Error(`lockFor: ${name} (needed by ${by}) is installed at ${key} in the repository, under a workspace: not supported`);
        }
        if (packages[key] !== undefined) {
            continue;
        }
        const entry = root.packages[key];
        if (entry.link === true) {
            throw new Error(`lockFor: ${name} (needed by ${by}) is a workspace link in the repository's lock (${key}): install it from a tarball instead`);
        }
        // Whether a package is a dev dependency is the root project's view, not the new project's.
        const { dev: _dev, devOptional: _devOptional, ...kept } = entry;
        packages[key] = kept;
        queue.push(...wanted(entry).map((w) => ({ from: key, name: w.name, optional: w.optional, by: key.slice(key.lastIndexOf("node_modules/") + 13) })));
    }
    const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)));
    return { name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true, packages: sorted };
}

/** The environment for a child npm or node: ours without the npm_* variables `npm test` sets (except the cache). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
        if (!/^npm_/i.test(k) || k.toLowerCase() === "npm_config_cache") {
            env[k] = v;
        }
    }
    return { ...env, ...extra };
}

export interface Run {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly ms: number;
}

/** Runs a command; resolves with its output whatever the exit code. */
export function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()): Promise<Run> {
    const t0 = Date.now();
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr, ms: Date.now() - t0 }));
    });
}

/** npm as the test was started with (`npm test` sets npm_execpath), else the npm on PATH. */
export function npm(args: readonly string[], cwd: string): Promise<Run> {
    const cli = process.env["npm_execpath"];
    if (cli !== undefined && /npm-cli\.js$/.test(cli)) {
        return run(process.execPath, [cli, ...args], cwd);
    }
    return run(process.platform === "win32" ? "npm.cmd" : "npm", args, cwd);
}

/** Throws with the command's output unless it exited 0. */
export function ok(what: string, r: Run): Run {
    if (r.code !== 0) {
        const hint = /ENOTCACHED/.test(r.stderr)
            ? "\nnpm's cache lacks a tarball of our lock file: run `npm ci` at the repository root (it fills the cache), then run the test again."
            : "";
        throw new Error(`${what} exited with ${String(r.code)}:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}${hint}`);
    }
    return r;
}

/** Writes `lock` as the project's package-lock.json and runs `npm install --offline` in it. */
export async function npmInstallOffline(dir: string, lock: Lockfile): Promise<Run> {
    fs.writeFileSync(path.join(dir, "package-lock.json"), JSON.stringify(lock, null, 2) + "\n");
    return ok(`npm install --offline in ${dir}`, await npm(["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error"], dir));
}
