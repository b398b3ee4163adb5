/**
 * The reference run of a program for the differential tests: the program run by @pulumi/pulumi's own language
 * host entry point (`cmd/run/index.js` with the arguments the Node.js language plugin passes: source-map-support,
 * the closure serializer's inspector hooks, ts-node registered with the language host's options, the program
 * loaded as it loads it inside the root stack, its beforeExit shutdown and exit code rules), with the runtime's
 * own mocks (`setMocks`, preview) in place of the engine's resource monitor. Every request the runtime sends to the mock
 * monitor is recorded as sent (wire form), and written to a file when the process exits.
 *
 * Started by tests/gate/support/reference.ts (a node process of its own, like the language host starts one).
 */
import * as fs from "fs";
import * as path from "path";
import { inspect } from "util";
import { invokeMock } from "../../../gate/src/host/invokes";

/* eslint-disable @typescript-eslint/no-require-imports */

type Wire = null | boolean | number | string | Wire[] | { [k: string]: Wire };
type Struct = { toJavaScript(): { [k: string]: Wire } } | undefined;
type Callback = (err: unknown, resp?: unknown) => void;

export interface ReferenceRegistration {
    kind: "register" | "read";
    type: string;
    name: string;
    /** The mock monitor's URN of the parent ("" for none). */
    parent: string;
    custom: boolean;
    props: { [k: string]: Wire };
    provider: string;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    protect?: boolean;
    ignoreChanges: string[];
    deleteBeforeReplace?: boolean;
    additionalSecretOutputs: string[];
    customTimeouts?: { create: string; update: string; delete: string };
    /** The package version the request names ("" for none). */
    version: string;
    /** The plugin download URL the request names ("" for none). */
    pluginDownloadURL: string;
    /** The URN the mock monitor gave it (its own rule). */
    mockUrn: string;
    /** Its place among the requests the monitor received (registrations, reads and invokes). */
    seq: number;
}

/** An invoke as the monitor received it. */
export interface ReferenceInvoke {
    token: string;
    provider: string;
    version: string;
    pluginDownloadURL: string;
    seq: number;
}

export interface ReferenceResult {
    registrations: ReferenceRegistration[];
    invokes: ReferenceInvoke[];
    /** Outputs registered per mock URN (components, the stack). */
    outputs: Record<string, { [k: string]: Wire }>;
    /** The first uncaught error (message), as the language host logs it. */
    error?: string;
    exitCode?: number;
}

interface Request {
    readonly programDir: string;
    readonly main: string;
    readonly project: string;
    readonly stack: string;
    readonly organization: string;
    readonly config: Record<string, string>;
    /**
     * PULUMI_NODEJS_TRANSPILE_ONLY for the language host: "true" (the default here: transpile only), another
     * value, or null to leave it unset (the language host then follows the tsconfig's `noCheck`, else ts-node's
     * default, which type-checks).
     */
    readonly transpileOnly?: string | null;
    readonly out: string;
}

/**
 * A thrown value as the language host shows it (its defaultErrorMessage, without the stack): an Error's message,
 * another value's `message`, else the value as a string, else inspected (a TSError from ts-node's ESM loader
 * thread reaches the program as an object only `util.inspect` shows: its diagnostics).
 */
function shownAs(err: unknown): string {
    if (err instanceof Error) return err.message;
    const message = typeof err === "object" && err !== null ? (err as { message?: unknown }).message : undefined;
    if (typeof message === "string" && message !== "") return message;
    try {
        return String(err);
    } catch {
        return inspect(err);
    }
}

export function referenceMain(): void {
    const req = JSON.parse(process.argv[2] as string) as Request;
    const result: ReferenceResult = { registrations: [], invokes: [], outputs: {} };
    let seq = 0;
    process.on("exit", (code) => {
        result.exitCode ??= code;
        fs.writeFileSync(req.out, JSON.stringify(result));
    });
    process.env["PULUMI_CONFIG"] = JSON.stringify(req.config);
    process.env["PULUMI_NODEJS_TYPESCRIPT"] = "true";
    // A valid language host setting: ts-node transpiles without type-checking, unless the request says otherwise.
    if (req.transpileOnly === null) delete process.env["PULUMI_NODEJS_TRANSPILE_ONLY"];
    else process.env["PULUMI_NODEJS_TRANSPILE_ONLY"] = req.transpileOnly ?? "true";
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [req.programDir] }));
    const load = (m: string): unknown => require(path.join(pulumiDir, m));

    // Errors tracked from the start, as the language host's entry point tracks them.
    const firstError = (err: unknown): void => {
        if (result.error !== undefined) return;
        result.error = shownAs(err);
        // The cause is all a failing run is compared on, so the run ends here, before the language host prints
        // the error: its colorized util.inspect of a source-mapped stack frame under node_modules/@pulumi looped
        // until a RangeError on Node 22 (tens of seconds, gigabytes of garbage).
        process.exit(1);
    };
    process.on("uncaughtException", firstError);
    process.on("unhandledRejection", firstError);

    const region = req.config["aws:region"] ?? "us-east-1";
    const pulumi = load("index.js") as typeof import("@pulumi/pulumi");
    const settings = load("runtime/settings.js") as { getMonitor(): Record<string, (req: never, cb: Callback) => unknown> };
    void pulumi.runtime
        .setMocks(
            {
                newResource: (a: { inputs: Record<string, unknown>; id?: string }) => ({ id: a.id !== undefined && a.id !== "" ? a.id : undefined, state: a.inputs }),
                // The gate's documented offline invoke answers: both runs get the same answers from "the cloud".
                call: (a: { token: string; inputs: Record<string, unknown> }) => invokeMock(a.token, a.inputs, region, () => undefined),
            },
            req.project,
            req.stack,
            true,
            req.organization,
        )
        .then(async () => {
            const monitor = settings.getMonitor();
            const newUrn = (parent: string, type: string, name: string): string => {
                // The mock monitor's own rule (only the parent's last type), to name what it registered.
                const t = parent !== "" ? `${(parent.split("::")[2] as string).split("$").pop() as string}$${type}` : type;
                return `urn:pulumi:${req.stack}::${req.project}::${t}::${name}`;
            };
            const register = monitor["registerResource"] as (r: unknown, cb: Callback) => unknown;
            monitor["registerResource"] = ((r: {
                getType(): string;
                getName(): string;
                getParent(): string;
                getCustom(): boolean;
                getObject(): Struct;
                getProvider(): string;
                getDependenciesList(): string[];
                getPropertydependenciesMap(): { forEach(cb: (v: { getUrnsList(): string[] }, k: string) => void): void };
                hasProtect(): boolean;
                getProtect(): boolean;
                getIgnorechangesList(): string[];
                getDeletebeforereplace(): boolean;
                getDeletebeforereplacedefined(): boolean;
                getAdditionalsecretoutputsList(): string[];
                getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
                getVersion(): string;
                getPlugindownloadurl(): string;
            }, cb: Callback) => {
                const propertyDependencies: Record<string, string[]> = {};
                r.getPropertydependenciesMap().forEach((v, k) => (propertyDependencies[k] = v.getUrnsList()));
                const ct = r.getCustomtimeouts();
                result.registrations.push({
                    kind: "register",
                    type: r.getType(),
                    name: r.getName(),
                    parent: r.getParent(),
                    custom: r.getCustom(),
                    props: r.getObject()?.toJavaScript() ?? {},
                    provider: r.getProvider(),
                    dependencies: r.getDependenciesList(),
                    propertyDependencies,
                    ...(r.hasProtect() ? { protect: r.getProtect() } : {}),
                    ignoreChanges: r.getIgnorechangesList(),
                    ...(r.getDeletebeforereplacedefined() || r.getDeletebeforereplace() ? { deleteBeforeReplace: r.getDeletebeforereplace() } : {}),
                    additionalSecretOutputs: r.getAdditionalsecretoutputsList(),
                    ...(ct !== undefined ? { customTimeouts: { create: ct.getCreate(), update: ct.getUpdate(), delete: ct.getDelete() } } : {}),
                    version: r.getVersion(),
                    pluginDownloadURL: r.getPlugindownloadurl(),
                    mockUrn: newUrn(r.getParent(), r.getType(), r.getName()),
                    seq: seq++,
                });
                return register.call(monitor, r, cb);
            }) as never;
            const read = monitor["readResource"] as (r: unknown, cb: Callback) => unknown;
            monitor["readResource"] = ((
                r: { getType(): string; getName(): string; getParent(): string; getProperties(): Struct; getProvider(): string; getDependenciesList(): string[]; getVersion(): string; getPlugindownloadurl(): string },
                cb: Callback,
            ) => {
                result.registrations.push({
                    kind: "read",
                    type: r.getType(),
                    name: r.getName(),
                    parent: r.getParent(),
                    custom: true,
                    props: r.getProperties()?.toJavaScript() ?? {},
                    provider: r.getProvider(),
                    dependencies: r.getDependenciesList(),
                    propertyDependencies: {},
                    ignoreChanges: [],
                    additionalSecretOutputs: [],
                    version: r.getVersion(),
                    pluginDownloadURL: r.getPlugindownloadurl(),
                    mockUrn: newUrn(r.getParent(), r.getType(), r.getName()),
                    seq: seq++,
                });
                return read.call(monitor, r, cb);
            }) as never;
            const invoke = monitor["invoke"] as (r: unknown, cb: Callback) => unknown;
            monitor["invoke"] = ((r: { getTok(): string; getProvider(): string; getVersion(): string; getPlugindownloadurl(): string }, cb: Callback) => {
                result.invokes.push({ token: r.getTok(), provider: r.getProvider(), version: r.getVersion(), pluginDownloadURL: r.getPlugindownloadurl(), seq: seq++ });
                return invoke.call(monitor, r, cb);
            }) as never;
            const outputs = monitor["registerResourceOutputs"] as (r: unknown, cb: Callback) => unknown;
            monitor["registerResourceOutputs"] = ((r: { getUrn(): string; getOutputs(): Struct }, cb: Callback) => {
                result.outputs[r.getUrn()] = r.getOutputs()?.toJavaScript() ?? {};
                return outputs.call(monitor, r, cb);
            }) as never;

            // A monitor that supports the shutdown call the language host makes last.
            monitor["signalAndWaitForShutdown"] = ((_r: unknown, cb: Callback) => cb(null, {})) as never;

            // This file came in through the launcher's `.ts` hook (reference.ts); the program's `.ts` files are the
            // language host's to compile.
            const M = require("module") as { _extensions: Record<string, { referenceLauncher?: boolean }> };
            if (M._extensions[".ts"]?.referenceLauncher === true) delete M._extensions[".ts"];
            // The language host's own entry point, with the arguments the Node.js language plugin passes (the
            // monitor is the mock set above, which the runtime keeps: its address is "mock").
            const entry = path.join(pulumiDir, "cmd", "run", "index.js");
            process.argv = [
                process.argv[0] as string,
                entry,
                `--monitor=mock`,
                `--project=${req.project}`,
                `--stack=${req.stack}`,
                `--organization=${req.organization}`,
                "--dry-run",
                `--pwd=${req.programDir}`,
                req.main,
            ];
            require(entry);
            // After the entry point's own exit handler, which sets the exit code from the errors it saw.
            process.on("exit", (code) => {
                result.exitCode = process.exitCode !== undefined ? Number(process.exitCode) : code;
                fs.writeFileSync(req.out, JSON.stringify(result));
            });
        })
        .catch(firstError);
}
