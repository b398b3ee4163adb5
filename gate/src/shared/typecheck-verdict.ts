/**
 * The type check's verdict on disk: what ts-node, type-checking as Pulumi's Node.js language host registers it,
 * does with each file the program loads (its output, or the error it throws), and every input that verdict
 * depends on, so that a later run whose inputs did not change reuses it without loading TypeScript.
 *
 * - Written by the gate (cli/typecheck.ts) after the checker process (host/typecheck.ts) ran; read by the gate
 *   (is it still valid?) and by the program host (host/compile.ts), which replays it: a file ts-node would fail on
 *   throws the same error at the same load, a file whose type-checked output differs from the transpiled one
 *   gets the type-checked output.
 * - Inputs are what the compiler asked the file system while checking (recorded by `recordCompilerInputs`):
 *   files read (their content's SHA-256, with a stat signature that spares re-reading an untouched file),
 *   existence probes, directory listings and real paths. The verdict holds while every one of them gives the
 *   same answer (`inputsUnchanged`).
 *
 * Layout under the compile cache directory: `typecheck/<key>.json` (the loads of one compiler configuration's
 * latest verdict, read by the program host), `typecheck/<key>.inputs.json` (its inputs, read by the gate only) and
 * `typecheck/outputs/<SHA-256 of the output>.js` (type-checked outputs that differ from the transpiled ones).
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

export const VERDICT_SCHEMA = 1;

/** An exception ts-node threw for a file (a TSError with its diagnostics, or another error it raises). */
export interface CompileError {
    readonly name: string;
    readonly message: string;
    /** TSError: the formatted diagnostics (`file(line,col): error TSxxxx: ...`) and their codes. */
    readonly diagnosticText?: string;
    readonly diagnosticCodes?: number[];
}

/** What ts-node, type-checking, did with one loaded file. */
export type CheckedResult = { readonly output: string; readonly differs: boolean } | { readonly error: CompileError };

export interface CheckedLoad {
    /** Absolute path, as ts-node was given it. */
    readonly file: string;
    /** SHA-256 of the code ts-node compiled. */
    readonly code: string;
    /** `output`: SHA-256 of the type-checked output; `differs`: whether it differs from the transpiled output. */
    readonly result: CheckedResult;
}

/** What the compiler asked the file system while checking. Paths are absolute. */
export interface CompilerInputs {
    /** readFile: [stat signature, SHA-256 of the content], or null when it returned nothing. */
    read: Record<string, [string, string] | null>;
    /** fileExists results. */
    file: Record<string, boolean>;
    /** directoryExists results. */
    dir: Record<string, boolean>;
    /** getDirectories results (sorted). */
    list: Record<string, string[]>;
    /** realpath results. */
    real: Record<string, string>;
    /** readDirectory roots: the stat signature of every directory below (adding a file changes its directory's). */
    tree: Record<string, Record<string, string>>;
}

export interface Verdict {
    readonly schema: number;
    /** The compiler configuration this verdict is for (host/compile.ts). */
    readonly key: string;
    /** The loads, in order, as ts-node handled them. */
    readonly loads: CheckedLoad[];
    /** SHA-256 of the inputs file written with it (a verdict and an inputs file of another run never pair up). */
    readonly inputsHash: string;
}

export function sha256(s: string | Buffer): string {
    return createHash("sha256").update(s).digest("hex");
}

export function verdictPath(cacheDir: string, key: string): string {
    return path.join(cacheDir, "typecheck", `${key}.json`);
}

function inputsPath(cacheDir: string, key: string): string {
    return path.join(cacheDir, "typecheck", `${key}.inputs.json`);
}

export function checkedOutputPath(cacheDir: string, hash: string): string {
    return path.join(cacheDir, "typecheck", "outputs", `${hash}.js`);
}

function writeAtomically(file: string, data: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
}

/** The stored verdict for `key`, or undefined (none, unreadable, another schema). */
export function readVerdict(cacheDir: string, key: string): Verdict | undefined {
    try {
        const v = JSON.parse(fs.readFileSync(verdictPath(cacheDir, key), "utf8")) as Verdict;
        return v.schema === VERDICT_SCHEMA && v.key === key && Array.isArray(v.loads) ? v : undefined;
    } catch {
        return undefined;
    }
}

/** The inputs of a stored verdict, if they are the ones it was written with. */
export function readVerdictInputs(cacheDir: string, v: Verdict): CompilerInputs | undefined {
    try {
        const text = fs.readFileSync(inputsPath(cacheDir, v.key), "utf8");
        return sha256(text) === v.inputsHash ? (JSON.parse(text) as CompilerInputs) : undefined;
    } catch {
        return undefined;
    }
}

/** Stores a verdict and its inputs (a read-only or full cache directory only costs the next run the check). */
export function writeVerdict(cacheDir: string, key: string, loads: CheckedLoad[], inputs: CompilerInputs): void {
    try {
        const text = JSON.stringify(inputs);
        writeAtomically(inputsPath(cacheDir, key), text);
        const v: Verdict = { schema: VERDICT_SCHEMA, key, loads, inputsHash: sha256(text) };
        writeAtomically(verdictPath(cacheDir, key), JSON.stringify(v));
    } catch {
        // the next run checks again
    }
}

export function storeCheckedOutput(cacheDir: string, output: string): void {
    try {
        const file = checkedOutputPath(cacheDir, sha256(output));
        if (!fs.existsSync(file)) writeAtomically(file, output);
    } catch {
        // without it, the program host cannot replay this output and the run is checked again
    }
}

/** A stored type-checked output, if present and intact. */
export function readCheckedOutput(cacheDir: string, hash: string): string | undefined {
    try {
        const out = fs.readFileSync(checkedOutputPath(cacheDir, hash), "utf8");
        return sha256(out) === hash ? out : undefined;
    } catch {
        return undefined;
    }
}

/** A file's stat signature: inode, size, modification and change times (a change to the file changes it). */
export function statSignature(p: string): string | undefined {
    try {
        const s = fs.statSync(p, { bigint: true });
        return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
    } catch {
        return undefined;
    }
}

function directories(root: string): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (dir: string): void => {
        const sig = statSignature(dir);
        if (sig === undefined) return;
        out[dir] = sig;
        let entries: fs.Dirent[];
        try {
            entries = fs.readdirSync(dir, { withFileTypes: true });
        } catch {
            return;
        }
        for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name));
    };
    walk(root);
    return out;
}

export function emptyInputs(): CompilerInputs {
    return { read: {}, file: {}, dir: {}, list: {}, real: {}, tree: {} };
}

/** The subset of TypeScript's `sys` the compiler hosts of ts-node 7 and 10 read the file system through. */
export interface CompilerSys {
    readFile(p: string, encoding?: string): string | undefined;
    fileExists(p: string): boolean;
    directoryExists(p: string): boolean;
    getDirectories(p: string): string[];
    readDirectory(p: string, ...rest: unknown[]): string[];
    realpath?(p: string): string;
}

/**
 * Wraps `sys` in place so that every answer it gives is recorded in `inputs` (call before ts-node takes its
 * functions, i.e. when TypeScript is loaded).
 */
export function recordCompilerInputs(sys: CompilerSys, inputs: CompilerInputs): void {
    const readFile = sys.readFile.bind(sys);
    sys.readFile = (p, encoding) => {
        const content = readFile(p, encoding);
        if (!(p in inputs.read)) {
            const sig = statSignature(p);
            inputs.read[p] = content === undefined || sig === undefined ? null : [sig, sha256(fs.readFileSync(p))];
        }
        return content;
    };
    const fileExists = sys.fileExists.bind(sys);
    sys.fileExists = (p) => {
        const r = fileExists(p);
        if (!(p in inputs.file)) inputs.file[p] = r;
        return r;
    };
    const directoryExists = sys.directoryExists.bind(sys);
    sys.directoryExists = (p) => {
        const r = directoryExists(p);
        if (!(p in inputs.dir)) inputs.dir[p] = r;
        return r;
    };
    const getDirectories = sys.getDirectories.bind(sys);
    sys.getDirectories = (p) => {
        const r = getDirectories(p);
        if (!(p in inputs.list)) inputs.list[p] = [...r].sort();
        return r;
    };
    const readDirectory = sys.readDirectory.bind(sys);
    sys.readDirectory = (p, ...rest) => {
        const r = readDirectory(p, ...rest);
        if (!(p in inputs.tree)) inputs.tree[p] = directories(p);
        return r;
    };
    if (sys.realpath !== undefined) {
        const realpath = sys.realpath.bind(sys);
        sys.realpath = (p) => {
            const r = realpath(p);
            if (!(p in inputs.real)) inputs.real[p] = r;
            return r;
        };
    }
}

/** Directory listings, read once per directory (most probes are of files that do not exist). */
class Listings {
    private readonly dirs = new Map<string, Map<string, fs.Dirent> | null>();

    private entry(p: string): fs.Dirent | undefined {
        const dir = path.dirname(p);
        let m = this.dirs.get(dir);
        if (m === undefined) {
            try {
                m = new Map(fs.readdirSync(dir, { withFileTypes: true }).map((e) => [e.name, e]));
            } catch {
                m = null;
            }
            this.dirs.set(dir, m);
        }
        return m?.get(path.basename(p));
    }

    private kind(p: string, want: "file" | "dir"): boolean {
        const e = this.entry(p);
        if (e === undefined) return false;
        if (e.isSymbolicLink()) {
            try {
                const s = fs.statSync(p);
                return want === "file" ? s.isFile() : s.isDirectory();
            } catch {
                return false;
            }
        }
        return want === "file" ? e.isFile() : e.isDirectory();
    }

    isFile(p: string): boolean {
        return this.kind(p, "file");
    }

    isDirectory(p: string): boolean {
        // The root and paths TypeScript did not normalize are not in a parent's listing.
        if (path.dirname(p) === p || path.basename(p) === "" || path.basename(p) === "." || path.basename(p) === "..") {
            try {
                return fs.statSync(p).isDirectory();
            } catch {
                return false;
            }
        }
        return this.kind(p, "dir");
    }

    /** TypeScript's getDirectories: the names of the subdirectories (symbolic links to directories included). */
    subdirectories(p: string): string[] {
        try {
            return fs
                .readdirSync(p, { withFileTypes: true })
                .filter((e) => e.isDirectory() || (e.isSymbolicLink() && this.isDirectory(path.join(p, e.name))))
                .map((e) => e.name)
                .sort();
        } catch {
            return [];
        }
    }
}

/**
 * The first input that no longer gives the answer recorded, or undefined when every one does. A file whose stat
 * signature changed but not its content (a fresh install of the same packages, a checkout) gets its new
 * signature in `inputs` and counts in `refreshed`, so the caller can store it and spare the next run the hashing.
 */
export function changedInput(inputs: CompilerInputs, refreshed: { count: number } = { count: 0 }): string | undefined {
    const fsx = new Listings();
    for (const [p, rec] of Object.entries(inputs.read)) {
        if (rec === null) {
            if (fsx.isFile(p)) return p;
            continue;
        }
        const sig = statSignature(p);
        if (sig === rec[0]) continue;
        try {
            if (sig === undefined || sha256(fs.readFileSync(p)) !== rec[1]) return p;
        } catch {
            return p;
        }
        rec[0] = sig;
        refreshed.count++;
    }
    for (const [p, r] of Object.entries(inputs.file)) if (fsx.isFile(p) !== r) return p;
    for (const [p, r] of Object.entries(inputs.dir)) if (fsx.isDirectory(p) !== r) return p;
    for (const [p, r] of Object.entries(inputs.list)) if (fsx.subdirectories(p).join("/") !== r.join("/")) return p;
    for (const [p, r] of Object.entries(inputs.real)) {
        let now: string;
        try {
            now = fs.realpathSync.native(p);
        } catch {
            now = p; // TypeScript's realpath returns the path itself when it cannot resolve it
        }
        if (now !== r) return p;
    }
    for (const [root, dirs] of Object.entries(inputs.tree)) {
        const now = directories(root);
        if (Object.keys(now).length !== Object.keys(dirs).length) return root;
        for (const [d, sig] of Object.entries(dirs)) if (now[d] !== sig) return d;
    }
    return undefined;
}
