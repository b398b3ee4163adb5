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
    readonly customTimeouts?: { create?: number; update?: number; delete?: number };
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
     * Inputs in the engine's wire form (protobuf Struct as JSON): unknowns are the string
     * "04da6b54-80e4-46f7-96ec-b56ff0331ba9", secrets `{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": ...}`.
     */
    readonly properties: Record<string, Json>;
    /** true when this is a read (`get`) of an existing resource rather than a registration. */
    readonly read: boolean;
    readonly source?: SourceLocation;
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
    | { readonly kind: "done"; readonly notes: ProgramNote[] }
    /** A provider plugin process the program host started (for a remote component): the gate stops it if the host dies. */
    | { readonly kind: "plugin"; readonly pid: number }
    | { readonly kind: "failed"; readonly message: string; readonly location?: SourceLocation; readonly notes: ProgramNote[] };

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
    /** Fully-qualified keys of `secure:` values (never decrypted). */
    readonly secureKeys: string[];
    readonly typescript: boolean;
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
