/**
 * The mock resource monitor: the runtime's own mock monitor (`pulumi.runtime.setMocks`), with its registration
 * handlers replaced so that every request is recorded in the engine's terms before it is answered:
 * - URNs as the engine builds them (host/urn.ts);
 * - what the engine's monitor inherits from the parent when the request leaves it unset (protect, retainOnDelete,
 *   deletedWith, and the provider: always for a component, for a custom resource when the parent's provider is
 *   of the resource's package);
 * - asset and archive hashes as the engine's monitor computes them (host/assets.ts), and a provider's `version`
 *   input (the package version of the request);
 * - the source statement that declared the resource (host/locations.ts), captured when its constructor calls the
 *   runtime and paired with the request when it arrives;
 * - outputs registered by components and the root stack (for AnalyzeStack);
 * - in a simulated deployment, the markers of values from outside the program (host/simulation.ts) taken out of
 *   the dependencies and kept per property, and the output paths the answer made up.
 * - default providers (host/default-providers.ts): a custom resource, a read or an invoke that names no provider
 *   (after the parent's provider and the `providers` of the request and of its parent component, as the
 *   engine's monitor resolves it) gets its package's default provider, registered before it.
 * Answers (IDs, outputs, reads, invokes) come from `MonitorAnswers` (host/answers.ts), on a later turn of the event
 * loop, as from a real resource monitor.
 */
import type { Json, OutsideSource, ProgramFailure, ProgramNote, RecordedResource, SourceLocation } from "../shared/types";
import type { MonitorAnswers } from "./answers";
import { DefaultProviderDenied, type DefaultProviders } from "./default-providers";
import { withAssetHashes } from "./assets";
import { parseDuration } from "./duration";
import { callsiteLocation, captureCallsites, constructorChain } from "./locations";
import type { Recorder } from "./recorder";
import type { Callback, PulumiRuntime } from "./runtime";
import { parseOutsideUrn } from "./simulation";
import { newUrn, parseUrn } from "./urn";

type ProtoObject = { toJavaScript(): Record<string, Json> } | undefined;

/** The subset of the generated RegisterResourceRequest we read. */
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getRemote(): boolean;
    getObject(): ProtoObject;
    getProtect(): boolean;
    hasProtect?(): boolean;
    getDependenciesList(): string[];
    getProvider(): string;
    getPropertydependenciesMap(): { forEach(cb: (v: { getUrnsList(): string[] }, k: string) => void): void };
    getDeletebeforereplace(): boolean;
    getDeletebeforereplacedefined(): boolean;
    getIgnorechangesList(): string[];
    getAdditionalsecretoutputsList(): string[];
    getAliasurnsList(): string[];
    getAliasesList(): { getUrn(): string }[];
    getImportid(): string;
    getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string; getRead?(): string } | undefined;
    getReplaceonchangesList(): string[];
    getRetainondelete?(): boolean;
    hasRetainondelete?(): boolean;
    getDeletedwith?(): string;
    getVersion(): string;
    getPlugindownloadurl?(): string;
    getProvidersMap?(): { forEach(cb: (v: string, k: string) => void): void };
}

interface InvokeRequest {
    getTok(): string;
    getProvider(): string;
    getVersion(): string;
    getPlugindownloadurl?(): string;
    getParent?(): string;
}

interface ReadRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getId(): string;
    getProperties(): ProtoObject;
    getDependenciesList(): string[];
    getProvider(): string;
    getAdditionalsecretoutputsList(): string[];
    getVersion(): string;
    getPlugindownloadurl?(): string;
}

interface OutputsRequest {
    getUrn(): string;
    getOutputs(): ProtoObject;
}

/** What the engine's monitor keeps of a registration to fill in its children's unset options. */
interface Inherited {
    readonly protect: boolean | undefined;
    readonly retainOnDelete: boolean | undefined;
    readonly deletedWith: string;
    readonly provider: string;
}

/** Declaring statements captured at construction, waiting for their registration (keyed by type and name). */
export class DeclaredLocations {
    private readonly pending = new Map<string, SourceLocation[]>();

    add(type: string, name: string, loc: SourceLocation): void {
        const key = `${type}\u0000${name}`;
        const q = this.pending.get(key);
        if (q === undefined) this.pending.set(key, [loc]);
        else q.push(loc);
    }

    take(type: string, name: string): SourceLocation | undefined {
        const key = `${type}\u0000${name}`;
        const q = this.pending.get(key);
        const loc = q?.shift();
        if (q !== undefined && q.length === 0) this.pending.delete(key);
        return loc;
    }

    /** The location of a resource that never registered (its inputs failed), without taking it. */
    peek(type: string, name: string): SourceLocation | undefined {
        return this.pending.get(`${type}\u0000${name}`)?.[0];
    }
}

export interface MonitorContext {
    readonly stack: string;
    readonly project: string;
    readonly programDir: string;
    readonly answers: MonitorAnswers;
    readonly recorder: Recorder;
    readonly notes: ProgramNote[];
    readonly locations: DeclaredLocations;
    /** The engine's default providers (registered on first use). */
    readonly defaultProviders?: DefaultProviders;
    /** Fails the run (an error the engine reports itself, not the program's exception). */
    readonly fail?: (f: ProgramFailure) => void;
}

/** Captures each resource's declaring statement when its constructor calls the runtime. */
export function captureDeclarations(rt: PulumiRuntime, ctx: MonitorContext): void {
    for (const fn of ["registerResource", "readResource"]) {
        const orig = rt.resource[fn];
        if (typeof orig !== "function") continue;
        const wrapper = function (this: unknown, ...args: unknown[]): unknown {
            ctx.recorder.constructedOne();
            // A deeper stack only for this capture: the runtime captures one per promise with the default limit.
            const loc = callsiteLocation(captureCallsites(40, wrapper), constructorChain(args[0]));
            if (loc !== undefined) ctx.locations.add(String(args[2]), String(args[3]), loc);
            return orig.apply(this, args);
        };
        rt.resource[fn] = wrapper;
    }
}

/** The engine's rule for a child's provider left unset (its inheritFromParent). */
function inheritedProvider(parent: Inherited | undefined, custom: boolean, remote: boolean, type: string): string {
    if (parent === undefined || parent.provider === "") return "";
    if (!custom && !remote) return parent.provider;
    const providerType = parseUrn(parent.provider.slice(0, parent.provider.lastIndexOf("::"))).qualifiedType.split("$").pop() as string;
    return providerType === `pulumi:providers:${type.split(":")[0] as string}` ? parent.provider : "";
}

/** Replaces the runtime mock monitor's handlers (call after setMocks). */
export function installMonitor(rt: PulumiRuntime, ctx: MonitorContext): void {
    const monitor = rt.settings.getMonitor();
    const inherited = new Map<string, Inherited>();
    // The `providers` of each component (its own, and its parent component's for those it does not name).
    const componentProviders = new Map<string, Record<string, string>>();
    const pkgOf = (token: string): string => token.split(":")[0] as string;
    // An invalid duration fails the registration, as the engine's monitor rejects it.
    const toSeconds = (s: string): number | undefined => (s === "" ? undefined : parseDuration(s));

    /**
     * The default provider of `token`'s package (registered first when new); a denied one fails the run with the
     * engine's message for a registration, and the request with it otherwise (thrown to the handler).
     */
    const useDefaultProvider = (token: string, version: string, url: string, use: Parameters<DefaultProviders["ensure"]>[3], source?: SourceLocation): string | undefined => {
        if (ctx.defaultProviders === undefined) return undefined;
        try {
            return ctx.defaultProviders.ensure(pkgOf(token), version, url, use);
        } catch (e) {
            if (e instanceof DefaultProviderDenied && use.kind === "register") ctx.fail?.({ message: e.message, ...(source !== undefined ? { location: source } : {}) });
            throw e;
        }
    };

    // An invoke that names no provider (nor does its parent component) uses its package's default provider.
    const invoke = monitor["invoke"] as ((r: InvokeRequest, cb: Callback) => unknown) | undefined;
    if (typeof invoke === "function") {
        monitor["invoke"] = (r: InvokeRequest, callback: Callback) => {
            try {
                const token = r.getTok();
                const provider = r.getProvider() || (componentProviders.get(r.getParent?.() ?? "")?.[pkgOf(token)] ?? "");
                if (provider === "") useDefaultProvider(token, r.getVersion(), r.getPlugindownloadurl?.() ?? "", { kind: "invoke", token });
            } catch (e) {
                callback(e as Error);
                return undefined;
            }
            return invoke.call(monitor, r, callback);
        };
    }

    monitor["registerResource"] = (r: RegisterRequest, callback: Callback) => {
        try {
            const type = r.getType();
            const name = r.getName();
            const custom = r.getCustom();
            const parent = r.getParent();
            const urn = newUrn(ctx.stack, ctx.project, parent, type, name);
            const fromParent = parent === "" ? undefined : inherited.get(parent);
            const protect = r.hasProtect?.() === false ? fromParent?.protect : r.getProtect();
            const retainOnDelete = r.hasRetainondelete?.() === true ? r.getRetainondelete?.() === true : fromParent?.retainOnDelete;
            const deletedWith = (r.getDeletedwith?.() ?? "") || (fromParent?.deletedWith ?? "");
            const providers: Record<string, string> = {};
            r.getProvidersMap?.().forEach((v, k) => (providers[k] = v));
            const isProvider = type.startsWith("pulumi:providers:");
            let provider = r.getProvider() || inheritedProvider(fromParent, custom, r.getRemote(), type);
            // The engine's monitor (its resolveProvider): the request's `providers`, then its parent component's.
            if (custom && provider === "") provider = providers[pkgOf(type)] ?? componentProviders.get(parent)?.[pkgOf(type)] ?? "";
            if (!custom) componentProviders.set(urn, { ...(componentProviders.get(parent) ?? {}), ...providers });
            inherited.set(urn, { protect, retainOnDelete, deletedWith, provider });
            const obj = r.getObject();
            let properties = withAssetHashes(obj === undefined ? {} : obj.toJavaScript(), ctx.programDir);
            // A provider's inputs carry the package version it was registered with (the engine's monitor adds it).
            if (type.startsWith("pulumi:providers:") && r.getVersion() !== "") properties = { ...properties, version: r.getVersion() };
            // Markers of values from outside the program (a simulated deployment) are no resources: kept apart.
            const outside: Record<string, OutsideSource[]> = {};
            const real = (urns: string[], property?: string): string[] => {
                if (!urns.some((u) => parseOutsideUrn(u) !== undefined)) return urns;
                return urns.filter((u) => {
                    const o = parseOutsideUrn(u);
                    if (o !== undefined && property !== undefined) (outside[property] ??= []).push(o);
                    return o === undefined;
                });
            };
            const dependencies = real(r.getDependenciesList());
            const propertyDependencies: Record<string, string[]> = {};
            r.getPropertydependenciesMap().forEach((v, k) => {
                propertyDependencies[k] = real(v.getUrnsList(), k);
            });
            if (Object.keys(propertyDependencies).length === 0 && !r.getRemote()) {
                // The engine's monitor: a request without property dependencies has each property depend on
                // every resource in its dependency list.
                for (const k of Object.keys(properties)) propertyDependencies[k] = dependencies;
            }
            const ct = r.getCustomtimeouts();
            const aliases = [...r.getAliasurnsList(), ...r.getAliasesList().map((a) => (typeof a.getUrn === "function" ? a.getUrn() : "")).filter((u) => u !== "")];
            const source = ctx.locations.take(type, name);
            const defaultProvider =
                custom && !isProvider && provider === "" ? useDefaultProvider(type, r.getVersion(), r.getPlugindownloadurl?.() ?? "", { kind: "register", urn }, source) : undefined;
            const rec: RecordedResource = {
                urn,
                type,
                name,
                custom,
                parent,
                dependencies,
                propertyDependencies,
                provider,
                options: {
                    protect: protect === true,
                    ignoreChanges: r.getIgnorechangesList(),
                    ...(r.getDeletebeforereplacedefined() || r.getDeletebeforereplace() ? { deleteBeforeReplace: r.getDeletebeforereplace() } : {}),
                    additionalSecretOutputs: r.getAdditionalsecretoutputsList(),
                    aliases,
                    ...(ct !== undefined
                        ? { customTimeouts: { create: toSeconds(ct.getCreate()), update: toSeconds(ct.getUpdate()), delete: toSeconds(ct.getDelete()), read: toSeconds(ct.getRead?.() ?? "") } }
                        : {}),
                    ...(retainOnDelete !== undefined ? { retainOnDelete } : {}),
                    replaceOnChanges: r.getReplaceonchangesList(),
                    ...(r.getImportid() !== "" ? { importId: r.getImportid() } : {}),
                    ...(r.getVersion() !== "" ? { version: r.getVersion() } : {}),
                },
                properties,
                read: false,
                ...(source !== undefined ? { source } : {}),
                ...(defaultProvider !== undefined ? { defaultProvider } : {}),
            };
            if (Object.keys(outside).length > 0) rec.outside = outside;
            const answer = ctx.answers.registered(rec);
            if (answer.outputs !== undefined) rec.outputs = answer.outputs;
            if (answer.synthesized !== undefined) rec.synthesized = [...answer.synthesized];
            ctx.recorder.record(rec);
            monitor.resources.set(urn, { urn, id: answer.id === "" ? null : answer.id, state: answer.outputs ?? properties });
            const resp = new rt.resproto.RegisterResourceResponse();
            resp.setUrn(urn);
            resp.setId(answer.id);
            resp.setObject(answer.outputs !== undefined ? rt.struct.fromJavaScript(answer.outputs) : (obj ?? rt.struct.fromJavaScript({})));
            if (answer.unknown === true) resp.setUnknown?.(true);
            // Answer on a later turn of the event loop, as a real resource monitor does: with mocks the whole
            // program would otherwise run in one chain of microtasks, and the streamed batches (IPC writes) would
            // only leave at the very end.
            setImmediate(() => callback(null, resp));
        } catch (e) {
            callback(e as Error);
        }
    };

    monitor["readResource"] = (r: ReadRequest, callback: Callback) => {
        try {
            const type = r.getType();
            const name = r.getName();
            const urn = newUrn(ctx.stack, ctx.project, r.getParent(), type, name);
            const obj = r.getProperties();
            const properties = withAssetHashes(obj === undefined ? {} : obj.toJavaScript(), ctx.programDir);
            const source = ctx.locations.take(type, name);
            const defaultProvider =
                !type.startsWith("pulumi:providers:") && r.getProvider() === "" ? useDefaultProvider(type, r.getVersion(), r.getPlugindownloadurl?.() ?? "", { kind: "read", token: type }) : undefined;
            const rec: RecordedResource = {
                urn,
                type,
                name,
                custom: true,
                parent: r.getParent(),
                dependencies: r.getDependenciesList(),
                propertyDependencies: {},
                provider: r.getProvider(),
                options: {
                    protect: false,
                    ignoreChanges: [],
                    additionalSecretOutputs: r.getAdditionalsecretoutputsList(),
                    aliases: [],
                    replaceOnChanges: [],
                    importId: r.getId(),
                    ...(r.getVersion() !== "" ? { version: r.getVersion() } : {}),
                },
                properties,
                read: true,
                ...(source !== undefined ? { source } : {}),
                ...(defaultProvider !== undefined ? { defaultProvider } : {}),
            };
            const answer = ctx.answers.read(rec);
            if (answer.outputs !== undefined) rec.outputs = answer.outputs;
            ctx.recorder.record(rec);
            ctx.notes.push({ level: "info", message: `${urn} is read from the cloud (get/lookup); offline its state is only its ID and the arguments passed` });
            monitor.resources.set(urn, { urn, id: r.getId(), state: answer.outputs ?? properties });
            const resp = new rt.resproto.ReadResourceResponse();
            resp.setUrn(urn);
            resp.setProperties(answer.outputs !== undefined ? rt.struct.fromJavaScript(answer.outputs) : (obj ?? rt.struct.fromJavaScript({})));
            if (answer.unknown === true) resp.setUnknown?.(true);
            callback(null, resp);
        } catch (e) {
            callback(e as Error);
        }
    };

    monitor["registerResourceOutputs"] = (r: OutputsRequest, callback: Callback) => {
        try {
            const urn = r.getUrn();
            const rec = ctx.recorder.get(urn);
            if (rec === undefined) throw new Error(`unknown resource ${urn}`);
            const obj = r.getOutputs();
            const outputs = withAssetHashes(obj === undefined ? {} : obj.toJavaScript(), ctx.programDir);
            rec.outputs = outputs;
            const kept = monitor.resources.get(urn) as { state?: unknown } | undefined;
            if (kept !== undefined) kept.state = outputs;
            ctx.recorder.outputs(urn, outputs);
            callback(null, new rt.emptyproto.Empty());
        } catch (e) {
            callback(e as Error);
        }
    };
}
