/**
 * The program's type check, differentially: each fixture of tests/fixtures/typecheck/ runs under @pulumi/pulumi's
 * own language host code (support/reference.ts: its `cmd/run`, registering ts-node as it does, with the
 * environment's PULUMI_NODEJS_TRANSPILE_ONLY) and under the gate, with the same environment. Both must pass, or
 * both fail with ts-node's own diagnostics (the gate's message carries the language host's error text). Each
 * gate run is made twice, from an empty cache (the checker process runs) and again (the stored verdict is
 * replayed, not recomputed), with the same outcome.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readProject, readStack } from "../../gate/src/cli/project";
import { languageHostTranspileOnly, tsNodeTypeChecks } from "../../gate/src/host/compile";
import { changedInput, emptyInputs, recordCompilerInputs, type Verdict } from "../../gate/src/shared/typecheck-verdict";
import { runReference } from "./support/reference";
import { BASIC_PACK, FIXTURES, gate, ROOT } from "./helpers";

interface Case {
    readonly name: string;
    /** The fixture directory (or a function making the program's directory). */
    readonly dir: () => string;
    /** PULUMI_NODEJS_TRANSPILE_ONLY; undefined: not set. */
    readonly env?: string;
    /** The fragment of ts-node's diagnostics the language host fails with; undefined: it passes. */
    readonly fails?: string;
}

const fixture = (name: string) => () => path.join(FIXTURES, "typecheck", name);
const NAMING = "naming.ts(2,11): error TS2322: Type 'string' is not assignable to type 'number'.";
const LABEL = "label.ts(2,11): error TS2322: Type 'string' is not assignable to type 'number'.";

/** Directories the cases make (removed at the end). */
const made: string[] = [];
const tempDir = (prefix: string): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(d);
    return d;
};

/**
 * The `loaded` fixture in a project of its own whose node_modules has no ts-node: the language host then uses the
 * ts-node 7.0.1 @pulumi/pulumi vendors (with the project's TypeScript). @pulumi/pulumi is copied (a symbolic link
 * would resolve ts-node from this repository); every other package is linked.
 */
function withVendoredTsNode(): string {
    const dir = tempDir("gate-tsnode7-");
    for (const f of fs.readdirSync(path.join(FIXTURES, "typecheck", "loaded"))) fs.copyFileSync(path.join(FIXTURES, "typecheck", "loaded", f), path.join(dir, f));
    const nm = path.join(dir, "node_modules");
    fs.mkdirSync(path.join(nm, "@pulumi"), { recursive: true });
    fs.cpSync(path.join(ROOT, "node_modules", "@pulumi", "pulumi"), path.join(nm, "@pulumi", "pulumi"), { recursive: true });
    for (const e of fs.readdirSync(path.join(ROOT, "node_modules"))) {
        if (e.startsWith(".") || e === "ts-node" || e === "@pulumi") continue;
        fs.symlinkSync(path.join(ROOT, "node_modules", e), path.join(nm, e), "dir");
    }
    return dir;
}

const CASES: readonly Case[] = [
    { name: "a type error in a loaded file; the one in a file nothing loads is not reported", dir: fixture("loaded"), fails: NAMING },
    { name: "PULUMI_NODEJS_TRANSPILE_ONLY=true: transpiled only", dir: fixture("loaded"), env: "true" },
    { name: "PULUMI_NODEJS_TRANSPILE_ONLY=1 (only \"true\" transpiles): type-checked", dir: fixture("loaded"), env: "1", fails: NAMING },
    { name: "PULUMI_NODEJS_TRANSPILE_ONLY empty: as if unset", dir: fixture("loaded"), env: "", fails: NAMING },
    { name: "a re-exported interface: type-checked, the re-export is elided and its file never loaded", dir: fixture("reexport") },
    { name: "the tsconfig's noCheck", dir: fixture("nocheck") },
    { name: "noCheck with PULUMI_NODEJS_TRANSPILE_ONLY=false (ts-node type-checks, the compiler's noCheck skips the check)", dir: fixture("nocheck"), env: "false" },
    { name: "the tsconfig's \"ts-node\" section (transpileOnly)", dir: fixture("tsnode-section") },
    { name: "ts-node's error caught by the program (a require in try/catch)", dir: fixture("caught") },
    { name: "ESM: type-checked", dir: fixture("esm"), fails: LABEL },
    { name: "ESM: type-checked even with PULUMI_NODEJS_TRANSPILE_ONLY=true (the hooks module registers ts-node without options)", dir: fixture("esm"), env: "true", fails: LABEL },
    { name: "ts-node 7.0.1 as @pulumi/pulumi vendors it", dir: withVendoredTsNode, fails: NAMING },
];

interface Outcome {
    readonly ref: { error?: string; output: string };
    readonly cold: { code: number | null; stderr: string };
    readonly warm: { code: number | null; stderr: string };
    readonly verdict: Verdict;
    readonly rewritten: boolean;
    readonly dir: string;
}

describe("gate type check: ts-node's check as under the language host (differential)", function () {
    this.timeout(900_000);
    const outcomes = new Map<string, Outcome | Error>();

    before(async () => {
        const queue = [...CASES];
        const worker = async (): Promise<void> => {
            for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
                try {
                    const dir = c.dir();
                    const project = readProject(dir);
                    const stack = readStack(project, "dev");
                    const ref = await runReference({ programDir: dir, main: project.main, project: project.name, stack: "dev", organization: "organization", config: stack.config, transpileOnly: c.env ?? null });
                    const cache = tempDir("gate-typecheck-");
                    const env = { PULUMI_NODEJS_TRANSPILE_ONLY: c.env, PULUMI_GATE_CACHE_DIR: cache };
                    const args = ["--cwd", dir, "--policy-pack", BASIC_PACK];
                    const cold = await gate(args, env);
                    const dirOf = path.join(cache, "typecheck");
                    const stamp = (): Record<string, number> => Object.fromEntries((fs.existsSync(dirOf) ? fs.readdirSync(dirOf) : []).filter((f) => f.endsWith(".json")).map((f) => [f, fs.statSync(path.join(dirOf, f)).mtimeMs]));
                    const before = stamp();
                    const warm = await gate(args, env);
                    const after = stamp();
                    const verdictFile = Object.keys(after).find((f) => !f.endsWith(".inputs.json"));
                    const verdict = (verdictFile !== undefined ? JSON.parse(fs.readFileSync(path.join(dirOf, verdictFile), "utf8")) : { loads: [] }) as Verdict;
                    outcomes.set(c.name, { ref, cold, warm, verdict, rewritten: JSON.stringify(before) !== JSON.stringify(after), dir });
                } catch (e) {
                    outcomes.set(c.name, e as Error);
                }
            }
        };
        await Promise.all([worker(), worker()]);
    });
    after(() => {
        for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
    });

    const get = (name: string): Outcome => {
        const o = outcomes.get(name);
        assert.ok(o !== undefined && !(o instanceof Error), `${name}: ${o instanceof Error ? o.message : "not run"}`);
        return o;
    };

    for (const c of CASES) {
        describe(c.name, () => {
            it(c.fails !== undefined ? "the language host fails with ts-node's diagnostics" : "the language host runs it", () => {
                const o = get(c.name);
                if (c.fails === undefined) assert.equal(o.ref.error, undefined, o.ref.output);
                else assert.ok(o.ref.error?.includes(c.fails), `reference: ${o.ref.error}\n${o.ref.output}`);
            });
            for (const run of ["cold", "warm"] as const) {
                it(`the gate does the same (${run === "cold" ? "empty cache: the checker runs" : "again: the stored verdict is replayed"})`, () => {
                    const o = get(c.name);
                    const r = o[run];
                    if (o.ref.error === undefined) {
                        assert.equal(r.code, 0, r.stderr);
                        return;
                    }
                    assert.equal(r.code, 2, r.stderr);
                    const first = r.stderr.split("\n").find((l) => l.startsWith("error: ")) ?? "";
                    assert.ok(first.startsWith("error: [program] the program failed: "), r.stderr);
                    // The language host's own error text, diagnostics and all (file(line,col) relative to the program).
                    assert.ok(r.stderr.includes(o.ref.error.trim()), `the gate's message lacks '${o.ref.error}':\n${r.stderr}`);
                });
            }
            it("the second run reused the stored verdict", () => {
                assert.equal(get(c.name).rewritten, false);
            });
        });
    }

    it("only loaded files are checked: unused.ts is neither in the verdict nor in the message", () => {
        const o = get(CASES[0]?.name as string);
        assert.deepEqual(
            o.verdict.loads.map((l) => path.basename(l.file)),
            ["index.ts", "naming.ts"],
        );
        assert.ok(!o.cold.stderr.includes("unused.ts"), o.cold.stderr);
    });

    it("a re-exported interface: the program runs the type-checked output of index.ts, which does not load shape.ts", () => {
        const o = get("a re-exported interface: type-checked, the re-export is elided and its file never loaded");
        const index = o.verdict.loads.find((l) => path.basename(l.file) === "index.ts");
        assert.ok(index !== undefined && "output" in index.result && index.result.differs, JSON.stringify(o.verdict.loads));
    });

    it("a caught TSError: the verdict has ts-node's error for optional.ts, which the program caught", () => {
        const o = get("ts-node's error caught by the program (a require in try/catch)");
        const optional = o.verdict.loads.find((l) => path.basename(l.file) === "optional.ts");
        assert.ok(optional !== undefined && "error" in optional.result && optional.result.error.name === "TSError", JSON.stringify(o.verdict.loads));
    });
});

describe("gate type check: the language host's decision", () => {
    it("PULUMI_NODEJS_TRANSPILE_ONLY when set and not empty (only \"true\" is true), else the tsconfig's noCheck as written", () => {
        const table: [string | undefined, unknown, unknown][] = [
            [undefined, undefined, undefined],
            ["true", undefined, true],
            ["false", true, false],
            ["1", true, false],
            ["TRUE", undefined, false],
            ["", true, true],
            [undefined, false, false],
            [undefined, "true", "true"],
        ];
        for (const [env, noCheck, want] of table) assert.equal(languageHostTranspileOnly(env, noCheck), want, `${env} / ${String(noCheck)}`);
    });

    it("ts-node's rule: transpile only when transpileOnly (or swc) is true and typeCheck is not", () => {
        const table: [Record<string, unknown>, boolean][] = [
            [{}, true],
            [{ transpileOnly: true }, false],
            [{ transpileOnly: "true" }, true],
            [{ transpileOnly: true, typeCheck: true }, true],
            [{ swc: true }, false],
            [{ swc: true, typeCheck: true }, true],
            [{ transpileOnly: false }, true],
        ];
        for (const [o, want] of table) assert.equal(tsNodeTypeChecks(o), want, JSON.stringify(o));
    });
});

describe("gate type check: the verdict's inputs", () => {
    let dir: string;
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-inputs-"));
        fs.writeFileSync(path.join(dir, "a.ts"), "export const a = 1;\n");
        fs.mkdirSync(path.join(dir, "sub"));
    });

    const record = () => {
        const inputs = emptyInputs();
        const sys = {
            readFile: (p: string) => (fs.existsSync(p) ? fs.readFileSync(p, "utf8") : undefined),
            fileExists: (p: string) => fs.existsSync(p) && fs.statSync(p).isFile(),
            directoryExists: (p: string) => fs.existsSync(p) && fs.statSync(p).isDirectory(),
            getDirectories: (p: string) => fs.readdirSync(p, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name),
            readDirectory: () => [] as string[],
        };
        recordCompilerInputs(sys, inputs);
        sys.readFile(path.join(dir, "a.ts"));
        sys.fileExists(path.join(dir, "b.ts"));
        sys.directoryExists(path.join(dir, "sub"));
        sys.getDirectories(dir);
        return inputs;
    };

    it("unchanged when nothing changed, or a file was rewritten with the same content", () => {
        const inputs = record();
        assert.equal(changedInput(inputs), undefined);
        fs.writeFileSync(path.join(dir, "a.ts"), "export const a = 1;\n");
        assert.equal(changedInput(inputs), undefined);
    });

    it("a file replaced by one with the same content (a fresh install) is unchanged, and its new stat signature kept", () => {
        const inputs = record();
        const file = path.join(dir, "a.ts");
        const before = inputs.read[file]?.[0];
        fs.rmSync(file);
        fs.writeFileSync(file, "export const a = 1;\n");
        const refreshed = { count: 0 };
        assert.equal(changedInput(inputs, refreshed), undefined);
        assert.equal(refreshed.count, 1);
        assert.notEqual(inputs.read[file]?.[0], before);
        const again = { count: 0 };
        assert.equal(changedInput(inputs, again), undefined);
        assert.equal(again.count, 0);
    });

    it("changed: a file read, a file probed that now exists, a directory listed", () => {
        let inputs = record();
        fs.writeFileSync(path.join(dir, "a.ts"), "export const a = 2;\n");
        assert.equal(changedInput(inputs), path.join(dir, "a.ts"));
        inputs = record();
        fs.writeFileSync(path.join(dir, "b.ts"), "export const b = 1;\n");
        assert.equal(changedInput(inputs), path.join(dir, "b.ts"));
        inputs = record();
        fs.mkdirSync(path.join(dir, "more"));
        assert.equal(changedInput(inputs), dir);
    });
});
