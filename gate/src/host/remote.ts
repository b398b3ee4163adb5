/**
 * Remote components (`remote: true`, as @pulumi/awsx v2+, @pulumi/eks v3+ and @pulumi/aws-apigateway register
 * theirs): the engine does not register such a component itself; it asks the component's package's provider
 * plugin to `Construct` it (pulumi/pulumi `pkg/resource/deploy/source_eval.go`, `RegisterResource` with
 * `remote`), and the plugin registers the component and its children through the engine's resource monitor.
 *
 * The program host does the same where the plugin is installed (see plugins.ts for where it looks): it starts
 * the plugin (provider-plugin.ts), serves it the ResourceMonitor and Engine services (monitor-server.ts), and
 * sends it ConstructRequest as the engine does. The server and the plugin processes run in the engine-side
 * worker thread (engine-thread.ts), which does not keep the program from draining; a Construct in flight does
 * (the program waits for its registration's answer), so a component registered late (inside an `apply`, from
 * a `beforeExit` hook) is constructed too. The children then arrive at the program host's own resource
 * monitor and are recorded and analyzed like the program's resources; the component's outputs go back to the
 * program as the engine returns them. Where the plugin is not installed, the component is recorded as the
 * program registered it, and a note names it and what was not analyzed (the report then says the analysis is
 * partial).
 */
import * as os from "os";
import * as path from "path";
import type * as aliaspbT from "@pulumi/pulumi/proto/alias_pb";
import type * as provpbT from "@pulumi/pulumi/proto/provider_pb";
import type * as resourcepbT from "@pulumi/pulumi/proto/resource_pb";
import type { HostRequest, Json, ProgramNote, RemoteComponentInfo } from "../shared/types";
import { EngineThread } from "./engine-thread";
import { MonitorServer, type RunInfo } from "./monitor-server";
import { defaultProviderName } from "../shared/default-providers";
import type { DefaultProviders } from "./default-providers";
import { declaredPluginVersion, findResourcePlugin, parseVersion, type FoundPlugin } from "./plugins";
import { loadProviderProtos, ProviderPlugin, UNKNOWN, type ProviderProtos } from "./provider-plugin";

/* eslint-disable @typescript-eslint/no-require-imports */

type Callback = (err: Error | null, resp?: unknown) => void;
type RegisterHandler = (r: resourcepbT.RegisterResourceRequest, cb: Callback) => void;

export interface RemoteContext {
    /** The runtime's mock monitor, after the program host installed its handlers. */
    readonly monitor: Record<string, unknown> & { resources: Map<string, unknown> };
    /** The @pulumi/pulumi package directory the program resolves. */
    readonly pulumiDir: string;
    readonly request: HostRequest;
    /** The run's notes: one per remote component, and the plugins' log messages. */
    readonly notes: ProgramNote[];
    /** The engine's default providers: the one a component without a provider uses is registered first. */
    readonly defaultProviders?: DefaultProviders;
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const OUTPUT_VALUE = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
const RESOURCE_REF = "5cf8f73096256a8f31e491e813e4eb8e";

/** What not analyzing a remote component leaves out (for the note and the report). */
export function notAnalyzedText(pkg: string): string {
    return `the resources the ${pkg} provider plugin creates inside the component (its children) were not registered, so no policy saw them`;
}

/** The default provider's name for a package at a version (shared/default-providers.ts). */
export { defaultProviderName } from "../shared/default-providers";

/**
 * Construct's outputs as the engine returns them to a program (MarshalProperties without output values): an
 * output value becomes its value (unknown when it has none), wrapped as a secret when it is one; the URNs it
 * depends on are added to its top-level property's dependencies.
 */
export function downgradeOutputs(state: Record<string, Json>, deps: Record<string, string[]>): { object: Record<string, Json>; dependencies: Record<string, string[]> } {
    const dependencies: Record<string, string[]> = {};
    const walk = (v: Json, into: Set<string>): Json => {
        if (Array.isArray(v)) return v.map((x) => walk(x, into));
        if (typeof v !== "object" || v === null) return v;
        if (v[SECRET_SIG] === OUTPUT_VALUE) {
            for (const d of Array.isArray(v["dependencies"]) ? v["dependencies"] : []) if (typeof d === "string") into.add(d);
            const inner = "value" in v ? walk(v["value"] as Json, into) : UNKNOWN;
            return v["secret"] === true ? { [SECRET_SIG]: SECRET, value: inner } : inner;
        }
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, into)]));
    };
    const object: Record<string, Json> = {};
    for (const [k, v] of Object.entries(state)) {
        const into = new Set<string>(deps[k] ?? []);
        object[k] = walk(v, into);
        if (into.size > 0) dependencies[k] = [...into];
    }
    for (const [k, urns] of Object.entries(deps)) if (!(k in dependencies) && urns.length > 0) dependencies[k] = [...urns];
    return { object, dependencies };
}

/** Resource references replaced by the resource's ID (when it has one) or URN, as the engine marshals them for a plugin that does not accept references. */
export function withoutResourceRefs(v: Json): Json {
    if (Array.isArray(v)) return v.map(withoutResourceRefs);
    if (typeof v !== "object" || v === null) return v;
    if (v[SECRET_SIG] === RESOURCE_REF) return "id" in v ? (v["id"] === "" ? UNKNOWN : (v["id"] as Json)) : ((v["urn"] ?? "") as Json);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutResourceRefs(x)]));
}

/** true when the value is or contains an unknown. */
function hasUnknowns(v: Json): boolean {
    if (v === UNKNOWN) return true;
    if (Array.isArray(v)) return v.some(hasUnknowns);
    if (typeof v === "object" && v !== null) return Object.values(v).some(hasUnknowns);
    return false;
}

/** A provider instance: one plugin process per provider resource, as the engine's provider registry keeps them. */
interface ProviderInstance {
    readonly plugin: ProviderPlugin;
    /** false when its configuration is unknown during preview (the engine then does not run Construct). */
    readonly configured: boolean;
    /** Secure config values of the package that the gate could not decrypt. */
    readonly secureKeys: readonly string[];
}

/** Wraps the program host's `registerResource` so that remote components are constructed by their plugins. */
export function installRemoteComponents(ctx: RemoteContext): void {
    const { monitor, request: req, notes } = ctx;
    const inner = monitor["registerResource"] as RegisterHandler;
    const respb = require(path.join(ctx.pulumiDir, "proto", "resource_pb.js")) as typeof resourcepbT;
    const aliaspb = require(path.join(ctx.pulumiDir, "proto", "alias_pb.js")) as typeof aliaspbT;
    let protos: ProviderProtos | undefined;
    let engine: EngineThread | undefined;
    let server: Promise<MonitorServer> | undefined;
    const instances = new Map<string, Promise<ProviderInstance>>();
    const stackUrn = `urn:pulumi:${req.stack}::${req.project}::pulumi:pulumi:Stack::${req.project}-${req.stack}`;
    const timeoutMs = req.timeoutMs ?? 120_000;
    let handles = 0;

    /** The engine side, started with the first component whose plugin is installed. */
    const engineThread = (): EngineThread => (engine ??= new EngineThread((pid) => process.send?.({ kind: "plugin", pid })));

    const startServer = (): Promise<MonitorServer> => {
        server ??= (async () => {
            const s = new MonitorServer({
                engine: engineThread(),
                pulumiDir: ctx.pulumiDir,
                monitor,
                ...runInfo(req),
                stackUrn,
                onLog: (level, message, urn) => notes.push({ level, message: `[provider plugin${urn !== "" ? ` for ${urn}` : ""}] ${message.trimEnd()}` }),
            });
            await s.start();
            return s;
        })();
        return server;
    };

    const note = (info: RemoteComponentInfo): void => {
        const what = `remote component ${info.urn} (${info.type}, package ${info.package}${info.version !== "" ? ` ${info.version}` : ""})`;
        notes.push(
            info.constructed
                ? { level: "info", message: `${what} was constructed by ${info.plugin?.path} (version ${info.plugin?.version || "unknown"}); its children were analyzed`, remoteComponent: info }
                : { level: "warning", message: `${what} was not analyzed inside: ${info.reason}; ${info.notAnalyzed}`, remoteComponent: info },
        );
    };

    /** Records the component as the program registered it, with a note saying why its inside was not analyzed. */
    const opaque = (r: resourcepbT.RegisterResourceRequest, cb: Callback, pkg: string, version: string, reason: string, substitute?: resourcepbT.RegisterResourceRequest): void => {
        inner(substitute ?? r, (err, resp) => {
            if (err === null && resp !== undefined) {
                note({ urn: (resp as resourcepbT.RegisterResourceResponse).getUrn(), type: r.getType(), package: pkg, version, constructed: false, notAnalyzed: notAnalyzedText(pkg), reason });
            }
            cb(err, resp);
        });
    };

    const providerFor = (key: string, found: FoundPlugin, urn: string, type: string, name: string, inputs: Record<string, Json>, secureKeys: string[], pkg: string): Promise<ProviderInstance> => {
        let p = instances.get(key);
        if (p === undefined) {
            p = (async () => {
                const srv = await startServer();
                protos ??= loadProviderProtos(ctx.pulumiDir);
                const plugin = new ProviderPlugin(found, protos, engineThread());
                const cfg: Record<string, string> = {};
                for (const [k, v] of Object.entries(req.config)) if (k.startsWith(`${pkg}:`)) cfg[k.slice(pkg.length + 1)] = v;
                const env: Record<string, string> = { PULUMI_PROJECT: req.project, PULUMI_CONFIG: JSON.stringify(cfg) };
                for (const [k, v] of Object.entries(req.runtimeOptions ?? {})) env[`PULUMI_RUNTIME_${k.toUpperCase()}`] = v;
                // The run's --timeout counts from the program host's start; stop waiting early enough that the cause
                // reaches the gate before its own timer ends the run (a quarter of the limit, at most 5 s, on a loaded
                // machine the failure report and the host's exit take seconds).
                const margin = Math.min(5000, timeoutMs / 4);
                const wait = Math.max(1000, performance.timeOrigin + timeoutMs - margin - Date.now());
                await plugin.start({ engineAddress: srv.address, cwd: req.programDir, env, timeoutMs: wait, timeoutSeconds: timeoutMs / 1000 });
                const wanted = parseVersion(found.version);
                const got = parseVersion(plugin.version);
                if (wanted !== undefined && (got === undefined || got.major < wanted.major || (got.major === wanted.major && (got.minor < wanted.minor || (got.minor === wanted.minor && got.patch < wanted.patch))))) {
                    notes.push({ level: "warning", message: `resource plugin ${pkg} is expected to have version >=${found.version}, but has ${plugin.version}; the wrong version may be on your path, or this may be a bug in the plugin` });
                }
                const configured = await plugin.configure(urn, type, name, UNKNOWN, inputs, pkg);
                return { plugin, configured, secureKeys };
            })();
            instances.set(key, p);
        }
        return p;
    };

    const construct = async (r: resourcepbT.RegisterResourceRequest, cb: Callback): Promise<void> => {
        const type = r.getType();
        const pkg = type.split(":")[0] as string;
        // The SDK names the version; else the engine takes the one the program's dependencies declare.
        let version = r.getVersion() !== "" ? r.getVersion() : declaredPluginVersion(req.programDir, pkg);
        // The provider: an explicit one of this package, else the package's default provider.
        const explicit = r.getProvider();
        const explicitUrn = explicit === "" ? "" : explicit.slice(0, explicit.lastIndexOf("::"));
        let key: string;
        let providerUrn: string;
        let inputs: Record<string, Json>;
        let secure: string[] = [];
        if (explicitUrn !== "" && explicitUrn.split("::")[2]?.split("$").pop() === `pulumi:providers:${pkg}`) {
            const state = (monitor.resources.get(explicitUrn) as { state?: unknown } | undefined)?.state;
            inputs = (state !== undefined && state !== null && typeof state === "object" ? state : {}) as Record<string, Json>;
            if (typeof inputs["version"] === "string") version = inputs["version"];
            key = explicit;
            providerUrn = explicitUrn;
        } else {
            ctx.defaultProviders?.ensure(pkg, r.getVersion(), r.getPlugindownloadurl(), { kind: "remote", token: type });
            inputs = {};
            for (const [k, v] of Object.entries(req.config)) if (k.startsWith(`${pkg}:`)) inputs[k.slice(pkg.length + 1)] = v;
            secure = req.secureKeys.filter((k) => k.startsWith(`${pkg}:`));
            // A secure value is known to the engine (it decrypts it) but never to the gate: unknown, here.
            for (const k of secure) inputs[k.slice(pkg.length + 1)] = { [SECRET_SIG]: SECRET, value: UNKNOWN };
            if (version !== "") inputs["version"] = version;
            if (r.getPlugindownloadurl() !== "") inputs["pluginDownloadURL"] = r.getPlugindownloadurl();
            const name = defaultProviderName(version, r.getPlugindownloadurl());
            providerUrn = `urn:pulumi:${req.stack}::${req.project}::pulumi:providers:${pkg}::${name}`;
            key = providerUrn;
        }
        if (r.getPackageref() !== "") {
            opaque(r, cb, pkg, version, `it belongs to a parameterized package (packageRef ${r.getPackageref()}), which the gate does not construct`);
            return;
        }
        const lookup = findResourcePlugin(pkg, version, req.projectPlugins ?? []);
        if (lookup.found === undefined) {
            opaque(r, cb, pkg, version, lookup.reason);
            return;
        }
        const found = lookup.found;
        // From here until its answer, the program waits for this registration: the run does not end meanwhile.
        const release = engineThread().hold();
        let answered = false;
        const answer: Callback = (err, resp) => {
            if (answered) return;
            answered = true;
            release();
            cb(err, resp);
        };
        try {
            await constructWith(r, answer, found, { key, providerUrn, inputs, secure, pkg, version });
        } catch (e) {
            answer(e instanceof Error ? e : new Error(String(e)));
        }
    };

    const constructWith = async (
        r: resourcepbT.RegisterResourceRequest,
        cb: Callback,
        found: FoundPlugin,
        p: { key: string; providerUrn: string; inputs: Record<string, Json>; secure: string[]; pkg: string; version: string },
    ): Promise<void> => {
        const { key, providerUrn, inputs, secure, pkg, version } = p;
        const type = r.getType();
        let instance: ProviderInstance;
        try {
            instance = await providerFor(key, found, providerUrn, `pulumi:providers:${pkg}`, providerUrn.slice(providerUrn.lastIndexOf("::") + 2), inputs, secure, pkg);
        } catch (e) {
            cb(new Error(`remote component ${type} '${r.getName()}': ${(e as Error).message}`));
            return;
        }
        if (!instance.configured) {
            // As the engine: an unconfigured provider does not construct; the component is registered with only
            // its type, name and parent, and nothing inside it exists during the preview.
            const placeholder = new respb.RegisterResourceRequest();
            placeholder.setType(type);
            placeholder.setName(r.getName());
            placeholder.setParent(r.getParent());
            const why =
                instance.secureKeys.length > 0
                    ? `the ${pkg} provider's configuration includes secure values (${instance.secureKeys.join(", ")}), which the gate could not decrypt, so the provider is not configured and does not construct it`
                    : `the ${pkg} provider's configuration is unknown during preview, so (as under pulumi preview) it does not construct the component`;
            opaque(r, cb, pkg, version, why, placeholder);
            return;
        }
        const plugin = instance.plugin;
        const pp = protos as ProviderProtos;
        if (plugin.protocol?.acceptSecrets !== true) {
            cb(new Error(`remote component ${type} '${r.getName()}': ${plugin.label} does not accept secrets; plugins that can construct components must support secrets`));
            return;
        }
        const creq = constructRequest(pp.provpb, aliaspb, r, {
            ...runInfo(req),
            monitorEndpoint: (await startServer()).address,
            stackTraceHandle: `gate-construct-${++handles}`,
        }, plugin.protocol.acceptResources);
        let resp: provpbT.ConstructResponse;
        try {
            resp = await plugin.call("construct", creq);
        } catch (e) {
            cb(new Error(`Construct of remote component ${type} '${r.getName()}' by ${plugin.label} failed: ${(e as Error).message}${plugin.printed}`));
            return;
        }
        const stateDeps: Record<string, string[]> = {};
        resp.getStatedependenciesMap().forEach((v, k) => (stateDeps[k] = v.getUrnsList()));
        const { object, dependencies } = downgradeOutputs((resp.getState()?.toJavaScript() ?? {}) as Record<string, Json>, stateDeps);
        const partial = r.getSupportspartialvalues() ? object : Object.fromEntries(Object.entries(object).filter(([, v]) => !hasUnknowns(v)));
        const out = new respb.RegisterResourceResponse();
        out.setUrn(resp.getUrn());
        out.setId("");
        out.setObject(pp.Struct.fromJavaScript(partial) as unknown as Parameters<typeof out.setObject>[0]);
        const pd = out.getPropertydependenciesMap();
        for (const [k, urns] of Object.entries(dependencies)) {
            const d = new respb.RegisterResourceResponse.PropertyDependencies();
            d.setUrnsList(urns);
            pd.set(k, d);
        }
        note({ urn: resp.getUrn(), type, package: pkg, version, constructed: true, plugin: { path: found.run.kind === "executable" ? found.run.path : found.dir, version: plugin.version } });
        cb(null, out);
    };

    monitor["registerResource"] = (r: resourcepbT.RegisterResourceRequest, cb: Callback) => {
        if (!r.getRemote()) {
            inner(r, cb);
            return;
        }
        construct(r, cb).catch((e: unknown) => cb(e instanceof Error ? e : new Error(String(e))));
    };
}

/** The engine's default `--parallel`: PULUMI_PARALLEL when positive, else 4 per CPU. */
export function parallelism(env: NodeJS.ProcessEnv = process.env): number {
    const p = Number.parseInt(env["PULUMI_PARALLEL"] ?? "", 10);
    if (Number.isFinite(p) && p > 0) return Math.min(p, 2 ** 31 - 1);
    return os.availableParallelism() * 4;
}

/**
 * Whether the program's @pulumi/pulumi messages have `method`: the gate builds them with the program's own
 * generated classes, and fields the engine added recently are missing from older versions (left out then).
 */
function supports(msg: object, method: string): boolean {
    return typeof (msg as Record<string, unknown>)[method] === "function";
}

/** The run as the engine describes it to a plugin: every secret key listed, decrypted or not. */
export function runInfo(req: HostRequest): RunInfo {
    return {
        project: req.project,
        stack: req.stack,
        organization: req.organization,
        config: req.config,
        secureKeys: [...req.secureKeys, ...(req.secretKeys ?? [])],
        dryRun: req.dryRun ?? true,
        parallel: parallelism(),
    };
}

export interface ConstructInfo extends RunInfo {
    readonly monitorEndpoint: string;
    readonly stackTraceHandle: string;
}

/** ConstructRequest for the program's registration `r`, with the fields the engine sets (provider_plugin.go Construct). */
export function constructRequest(
    provpb: typeof provpbT,
    aliaspb: typeof aliaspbT,
    r: resourcepbT.RegisterResourceRequest,
    info: ConstructInfo,
    acceptResources: boolean,
): provpbT.ConstructRequest {
    const c = new provpb.ConstructRequest();
    c.setProject(info.project);
    c.setStack(info.stack);
    c.setOrganization(info.organization);
    const cfg = c.getConfigMap();
    for (const [k, v] of Object.entries(info.config)) cfg.set(k, v);
    c.setConfigsecretkeysList([...info.secureKeys]);
    c.setDryrun(info.dryRun);
    c.setParallel(info.parallel);
    c.setMonitorendpoint(info.monitorEndpoint);
    c.setType(r.getType());
    c.setName(r.getName());
    c.setParent(r.getParent());
    const obj = r.getObject();
    if (obj !== undefined) c.setInputs(acceptResources ? obj : (obj.constructor as unknown as { fromJavaScript(o: Json): typeof obj }).fromJavaScript(withoutResourceRefs(obj.toJavaScript() as Json)));
    const deps = c.getInputdependenciesMap();
    r.getPropertydependenciesMap().forEach((v, k) => {
        const d = new provpb.ConstructRequest.PropertyDependencies();
        d.setUrnsList(v.getUrnsList());
        deps.set(k, d);
    });
    if (r.hasProtect()) c.setProtect(r.getProtect() === true);
    const providers = c.getProvidersMap();
    r.getProvidersMap().forEach((v, k) => providers.set(k, v));
    c.setDependenciesList(r.getDependenciesList());
    c.setAliasesList([
        ...r.getAliasesList(),
        ...r.getAliasurnsList().map((u) => {
            const a = new aliaspb.Alias();
            a.setUrn(u);
            return a;
        }),
    ]);
    c.setAdditionalsecretoutputsList(r.getAdditionalsecretoutputsList());
    c.setDeletedwith(r.getDeletedwith());
    if (supports(r, "getReplaceWithList") && supports(c, "setReplaceWithList")) c.setReplaceWithList(r.getReplaceWithList());
    if (r.getDeletebeforereplacedefined()) c.setDeletebeforereplace(r.getDeletebeforereplace());
    c.setIgnorechangesList(r.getIgnorechangesList());
    c.setReplaceonchangesList(r.getReplaceonchangesList());
    if (r.hasRetainondelete()) c.setRetainondelete(r.getRetainondelete() === true);
    const ct = r.getCustomtimeouts();
    if (ct !== undefined) {
        const t = new provpb.ConstructRequest.CustomTimeouts();
        t.setCreate(ct.getCreate());
        t.setUpdate(ct.getUpdate());
        t.setDelete(ct.getDelete());
        c.setCustomtimeouts(t);
    }
    if (supports(r, "hasReplacementTrigger") && supports(c, "setReplacementTrigger") && r.hasReplacementTrigger()) c.setReplacementTrigger(r.getReplacementTrigger());
    c.setAcceptsOutputValues(true);
    if (supports(c, "setStackTraceHandle")) c.setStackTraceHandle(info.stackTraceHandle);
    return c;
}
