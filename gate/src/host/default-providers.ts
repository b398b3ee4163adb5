/**
 * The engine's default providers in the program host (shared/default-providers.ts has the rules): the first
 * registration, read or invoke of a package that names no provider registers the package's default provider,
 * before that request is handled, as a resource of its own, recorded and streamed to the gate like the
 * program's resources (marked `isDefaultProvider`: analyzed like any resource, counted apart).
 */
import { defaultProviderInputs, defaultProviderName, disabledDefaultProviders, isDenied, parseStrictSemver } from "../shared/default-providers";
import type { RecordedResource } from "../shared/types";
import type { MonitorAnswers } from "./answers";
import { declaredPluginVersion } from "./plugins";
import type { Recorder } from "./recorder";

export interface DefaultProviderContext {
    readonly stack: string;
    readonly project: string;
    readonly programDir: string;
    /** Plaintext config, fully-qualified keys, and the keys of `secure:` values. */
    readonly config: Readonly<Record<string, string>>;
    readonly secureKeys: readonly string[];
    /** Decrypted `secure:` keys (their values are in `config`): secrets. */
    readonly secretKeys?: readonly string[];
    readonly answers: MonitorAnswers;
    readonly recorder: Recorder;
}

/** What asks for the default provider: a registration (its URN), a read or an invoke (its type or token). */
export type DefaultProviderUse = { readonly kind: "register"; readonly urn: string } | { readonly kind: "read" | "invoke" | "remote"; readonly token: string };

/** The error the engine gives for a request whose default provider is disabled. */
export class DefaultProviderDenied extends Error {}

export class DefaultProviders {
    private readonly registered = new Map<string, string>();
    private readonly declared = new Map<string, string>();
    private readonly disabled: ReturnType<typeof disabledDefaultProviders>;

    constructor(private readonly ctx: DefaultProviderContext) {
        this.disabled = disabledDefaultProviders(ctx.config);
    }

    /** The version the engine requests: the request's, else the one the language host reports for the plugin. */
    private versionFor(pkg: string, version: string): string {
        if (version !== "") return version;
        let v = this.declared.get(pkg);
        if (v === undefined) {
            v = declaredPluginVersion(this.ctx.programDir, pkg);
            this.declared.set(pkg, v);
        }
        return v;
    }

    /**
     * The default provider of `pkg` for a request naming `version` and `downloadUrl` ("" for none): its URN,
     * registered (recorded) first when it is new. Throws the engine's error when it is disabled or the version
     * does not parse.
     */
    ensure(pkg: string, requestedVersion: string, requestedUrl: string, use: DefaultProviderUse): string {
        if (requestedVersion !== "" && parseStrictSemver(requestedVersion) === undefined) {
            throw new Error(`parse provider request: invalid version ${JSON.stringify(requestedVersion)} for package ${pkg}`);
        }
        if ("error" in this.disabled) throw new DefaultProviderDenied(this.disabled.error);
        if (isDenied(pkg, this.disabled.packages)) {
            const what = use.kind === "register" ? use.urn : use.token;
            if (use.kind === "invoke") throw new DefaultProviderDenied(`Invoke: Default provider for '${pkg}' disabled. '${what}' must use an explicit provider.`);
            if (use.kind === "read") throw new DefaultProviderDenied(`Default provider for '${what}' disabled. '${what}' must use an explicit provider.`);
            throw new DefaultProviderDenied(`Default provider for '${pkg}' disabled. '${what}' must use an explicit provider.`);
        }
        const version = this.versionFor(pkg, requestedVersion);
        const url = requestedUrl.replace(/\/$/, "");
        const key = `${pkg}\u0000${version}\u0000${url}`;
        const known = this.registered.get(key);
        if (known !== undefined) return known;
        const name = defaultProviderName(version, url);
        const type = `pulumi:providers:${pkg}`;
        const urn = `urn:pulumi:${this.ctx.stack}::${this.ctx.project}::${type}::${name}`;
        const rec: RecordedResource = {
            urn,
            type,
            name,
            custom: true,
            parent: "",
            dependencies: [],
            propertyDependencies: {},
            provider: "",
            options: { protect: false, ignoreChanges: [], additionalSecretOutputs: [], aliases: [], replaceOnChanges: [], ...(version !== "" ? { version } : {}) },
            properties: defaultProviderInputs(pkg, this.ctx.config, this.ctx.secureKeys, version, url, this.ctx.secretKeys ?? []),
            read: false,
            isDefaultProvider: true,
        };
        const answer = this.ctx.answers.registered(rec);
        if (answer.outputs !== undefined) rec.outputs = answer.outputs;
        this.ctx.recorder.record(rec);
        this.registered.set(key, urn);
        return urn;
    }
}
