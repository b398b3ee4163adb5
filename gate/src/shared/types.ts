/**
 * Types shared by the gate's parent process and the program host it forks.
 * Everything here is plain JSON so it can cross the IPC channel unchanged.
 */

/** A JSON value as sent over IPC and in the report. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The source statement that declared a resource (first stack frame outside node_modules). */
export interface SourceLocation {
    /** Absolute path of the file. */
    readonly file: string;
    readonly line: number;
    readonly column: number;
}

/** Resource options as the engine forwards them to analyzers. */
export interface RecordedOptions {
    readonly protect: boolean;
    readonly ignoreChanges: string[];
    /** undefined when the program did not set it. */
    readonly deleteBeforeReplace?: boolean;
    readonly additionalSecretOutputs: string[];
    readonly aliases: string[];
    /** Seconds, as the engine parses the program's duration strings; undefined when not given. */
    readonly customTimeouts?: { create?: number; update?: number; delete?: number; read?: number };
    readonly retainOnDelete?: boolean;
    readonly replaceOnChanges: string[];
    readonly importId?: string;
    readonly version?: string;
}

/** One registered resource, recorded at the mock resource monitor. */
export interface RecordedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** true for custom resources, false for components (and the root stack). */
    readonly custom: boolean;
    /** "" when none (only the root stack has none). */
    readonly parent: string;
    readonly dependencies: string[];
    readonly propertyDependencies: Record<string, string[]>;
    /** Provider reference `<urn>::<id>` as the runtime sent it, "" for the default provider. */
    readonly provider: string;
    readonly options: RecordedOptions;
    /**
     * Inputs as the program sent them to the resource monitor (the runtime's wire form, protobuf Struct as JSON):
     * unknowns are the string "04da6b54-80e4-46f7-96ec-b56ff0331ba9", secrets
     * `{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": ...}`, resources
     * `{"4dabf18193072939515e22adb298388d": "5cf8f73096256a8f31e491e813e4eb8e", "urn": ..., "id": ...}` (a component
     * without `id`), assets and archives with the hashes the engine's monitor adds (and a provider's `version`, which
     * it adds too). What analyzers receive is
     * derived from this by `analyzerProperties` (shared/analyzer-properties.ts), as the engine derives it.
     */
    readonly properties: Record<string, Json>;
    /**
     * The resource's outputs as the engine keeps them for AnalyzeStack, in the same wire form: for a component and
     * the root stack, what it registered with `registerOutputs` (set when that arrives, before the run ends); for a
     * custom resource, the state the monitor answered when it differs from the inputs. Absent: a custom resource's
     * outputs are its inputs (a preview), a component's are empty.
     */
    outputs?: Record<string, Json>;
    /** true when this is a read (`get`) of an existing resource rather than a registration. */
    readonly read: boolean;
    readonly source?: SourceLocation;
    /**
     * A simulated deployment only: the output paths its answer made up (synthetic outputs, host/synthetic.ts),
     * e.g. `arn`, `metadata.uid`; their values are in `outputs`.
     */
    synthesized?: string[];
    /**
     * A simulated deployment only: for each input property, the values from outside the program that reached it
     * (secret config, an invoke with no offline answer), as the runtime tracked them in the property's
     * dependencies. Reads (`get`) are not listed here: they are resources, named in the dependencies themselves.
     */
    outside?: Record<string, OutsideSource[]>;
    /**
     * For a resource that names no provider: the URN of the default provider the engine gives it (recorded before
     * it, as the engine registers it first; `provider` stays "").
     */
    readonly defaultProvider?: string;
    /**
     * true for a default provider (`pulumi:providers:<pkg>::default...`), which the engine registers itself: it is
     * analyzed like any resource but is not one of the program's registrations (counted apart).
     */
    readonly isDefaultProvider?: boolean;
}

/**
 * A value the program gets from outside itself, which a simulated deployment cannot invent: a `secure:` config
 * value (never decrypted), the result of an invoke with no offline answer, the state of a resource read with `get`.
 */
export interface OutsideSource {
    readonly kind: "secret-config" | "invoke" | "read";
    /** The config key (`project:key`), the invoke's token, or the read resource's URN. */
    readonly name: string;
}

/** A non-fatal note from running the program (e.g. an invoke answered generically). */
export interface ProgramNote {
    readonly level: "info" | "warning" | "error";
    readonly message: string;
    /** Set on the note about a remote component (`remote: true`): what the gate could and could not analyze. */
    readonly remoteComponent?: RemoteComponentInfo;
}

/**
 * A remote component (registered with `remote: true`, e.g. by @pulumi/awsx v2+, @pulumi/eks v3+): its children
 * are created by the `Construct` of its package's provider plugin, not by the program.
 */
export interface RemoteComponentInfo {
    readonly urn: string;
    readonly type: string;
    /** The package whose provider plugin constructs it (the type's first part, e.g. "awsx"). */
    readonly package: string;
    /** The plugin version the program asked for; "" when it named none. */
    readonly version: string;
    /** true when the plugin's Construct ran under the gate: its children were registered and analyzed. */
    readonly constructed: boolean;
    /** The plugin that constructed it (when constructed). */
    readonly plugin?: { readonly path: string; readonly version: string };
    /** When not constructed: what was not analyzed. */
    readonly notAnalyzed?: string;
    /** When not constructed: why (the plugin is not installed, its configuration is unknown during preview, ...). */
    readonly reason?: string;
}

/** Messages from the program host to the gate. */
export type HostMessage =
    /** Resources as they register, in batches (the gate analyzes them while the program still runs). */
    | { readonly kind: "resources"; readonly resources: RecordedResource[] }
    /** Resources constructed so far (registrations follow once their inputs resolve). */
    | { readonly kind: "progress"; readonly constructed: number }
    /** Outputs a component or the root stack registered (`registerOutputs`), for AnalyzeStack. */
    | { readonly kind: "outputs"; readonly urn: string; readonly outputs: Record<string, Json> }
    /** The program's first failure, sent as soon as it happens (the run goes on until it drains, as under Pulumi). */
    | { readonly kind: "failure"; readonly failure: ProgramFailure }
    | { readonly kind: "done"; readonly notes: ProgramNote[] }
    /** A provider plugin process the program host started (for a remote component): the gate stops it if the host dies. */
    | { readonly kind: "plugin"; readonly pid: number }
    /**
     * The language host would have ts-node type-check the program: the compiler configuration (`key`) and what the
     * gate's checker (host/typecheck.ts) needs to run ts-node's check as the language host registers it.
     */
    | { readonly kind: "typecheck"; readonly key: string; readonly request: TypecheckRequest }
    /**
     * A file ts-node compiled for the program (only when the language host would type-check), in load order: its
     * code, the SHA-256 of the output the program ran (null when compiling threw), and whether that output or
     * error was replayed from the stored verdict.
     */
    | { readonly kind: "loaded"; readonly file: string; readonly code: string; readonly output: string | null; readonly replayed: boolean }
    | { readonly kind: "failed"; readonly failure: ProgramFailure; readonly notes: ProgramNote[] };

/** What the gate's type checker is started with (host/typecheck.ts `CheckerRequest`). */
export interface TypecheckRequest {
    readonly programDir: string;
    readonly cacheDir: string;
    /** ts-node's entry module, resolved as the language host resolves it. */
    readonly tsnode: string;
    /** The options the language host registers ts-node with (JSON)... */
    readonly options: Record<string, Json>;
    /** ...and the option keys it passes with the value `undefined` (for ts-node 7 they hide the environment's). */
    readonly undefinedOptions: string[];
}

/** Why a program run failed: the program's own exception (or the runtime's report), and where. */
export interface ProgramFailure {
    /** `<name>: <message>` of the exception (the name omitted for a plain Error), or the runtime's report. */
    readonly message: string;
    /** The first stack frame in the program's own code, in its TypeScript source. */
    readonly location?: SourceLocation;
    /** The resource whose inputs were being serialized when it happened, when known. */
    readonly resource?: { readonly type: string; readonly name: string; readonly location?: SourceLocation };
    /**
     * A simulated deployment only: the output the failing `apply` was called on, when the simulation gave it no
     * value (an output it does not synthesize), e.g. `hostedZoneId of aws:s3/bucket:Bucket 'site'`.
     */
    readonly missingOutput?: string;
}

/** What the gate passes to the program host (as JSON in argv). */
export interface HostRequest {
    readonly programDir: string;
    /** Absolute path or module id of the program's entry (Pulumi.yaml `main`, default "."). */
    readonly main: string;
    readonly project: string;
    readonly stack: string;
    readonly organization: string;
    /** Plaintext config, fully-qualified keys (`project:key`, `aws:region`), values as the CLI passes them. */
    readonly config: Record<string, string>;
    /** Fully-qualified keys of `secure:` values the gate could not decrypt (no value in `config`). */
    readonly secureKeys: string[];
    /** Fully-qualified keys of `secure:` values decrypted with the stack's passphrase (their values are in `config`). */
    readonly secretKeys?: string[];
    /** Why `secureKeys` could not be decrypted. */
    readonly secretsNote?: string;
    readonly typescript: boolean;
    /**
     * Preview (the default, `pulumi preview`) or an update (`pulumi up`): the runtime's dry-run flag. false: a
     * simulated deployment, the monitor answering with synthetic outputs (host/simulation.ts).
     */
    readonly dryRun?: boolean;
    /** Cache directory for compiled program TypeScript (default `<programDir>/.pulumi-gate/compile-cache`). */
    readonly cacheDir?: string;
    /** Limit for starting a provider plugin (remote components), ms; default 120 s. */
    readonly timeoutMs?: number;
    /** Pulumi.yaml `plugins.providers`: provider plugins the project names by path (they take precedence). */
    readonly projectPlugins?: ProjectPlugin[];
    /** Pulumi.yaml `runtime.options`, given to provider plugins as `PULUMI_RUNTIME_<NAME>` (as the engine does). */
    readonly runtimeOptions?: Record<string, string>;
}

/** A provider plugin named in Pulumi.yaml `plugins.providers` (path absolute). */
export interface ProjectPlugin {
    readonly name: string;
    readonly path: string;
    readonly version?: string;
}

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";
export type Severity = "" | "low" | "medium" | "high" | "critical";

/** A policy as the pack describes it in GetAnalyzerInfo. */
export interface PolicyInfo {
    readonly name: string;
    readonly displayName: string;
    readonly description: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly severity: Severity;
    readonly remediationSteps: string;
    readonly tags: string[];
    readonly url: string;
    readonly framework?: { name: string; version: string; reference: string; specification: string };
    readonly configSchema?: { properties: Record<string, Json>; required: string[] };
    readonly kind: "resource" | "stack" | "unknown";
}

export interface PackInfo {
    readonly name: string;
    readonly version: string;
    readonly displayName: string;
    readonly policies: PolicyInfo[];
    /** The directory the pack was started from. */
    readonly dir: string;
}

/** A diagnostic as returned by Analyze/AnalyzeStack. */
export interface Diagnostic {
    readonly policyPack: string;
    readonly policyPackVersion: string;
    readonly policy: string;
    readonly description: string;
    readonly message: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly severity: Severity;
    /** "" for stack-level diagnostics without a resource. */
    readonly urn: string;
}
