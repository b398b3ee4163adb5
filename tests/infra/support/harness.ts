/**
 * The Pulumi mock harness of every infra spec and of scripts/resource-counts.ts.
 *
 * Mocks are global to the process: each spec calls `startMocks` in its `before` hook, which replaces the mocks and
 * clears the record of registered resources, then builds what it tests and awaits `settle()`.
 *
 * Every registration is recorded with what the engine would see: its URN as the engine builds it (the parent's
 * whole qualified type chain, which the runtime's mock monitor shortens to the parent's own type), its parent, the
 * URNs it depends on, and the old URNs its aliases stand for. By default the mocks return realistic ids and ARNs
 * (built from the physical name, the region and the stack's account) so that outputs such as `key.arn` or
 * `role.arn` resolve to values the assertions can name; a spec may pass its own `state` function instead.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import type { FunctionLayerArgs } from "../../../infra/lib/lambda";

export const REGION = "eu-west-1";
/** Account id returned by `aws:getCallerIdentity` per stack (the stack files' key admin accounts). */
export const ACCOUNTS: Readonly<Record<string, string>> = { dev: "111111111111", prod: "333333333333", test: "123456789012" };
export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
export const PROJECT = "e2ee-pipeline";
/** How long no new registration must arrive before `settle()` returns. */
const SETTLE_MS = 40;

export interface Created {
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    readonly inputs: Record<string, unknown>;
    readonly id: string;
    readonly state: Record<string, unknown>;
    /** The URN the engine gives it. */
    readonly urn?: string;
    /** URN of its parent; "" at the top of the stack. */
    readonly parent?: string;
    /** URNs of the resources it waits for (`dependsOn` and the resources behind its inputs). */
    readonly dependencies?: readonly string[];
    /** The URNs its aliases stand for, resolved as the engine resolves them. */
    readonly aliases?: readonly string[];
    /** Reference of its provider (`<provider URN>::<id>`), when one was given. */
    readonly provider?: string;
    /** Its `ignoreChanges` option. */
    readonly ignoreChanges?: readonly string[];
}

/** The id and outputs the mocks return for one registration (its URN as the engine builds it, when known). */
export type MockState = (type: string, name: string, inputs: Record<string, unknown>, urn?: string) => { id: string; state: Record<string, unknown> };

export interface MockOptions {
    /** Ids and outputs of registrations. Default: `mockState`, realistic ARNs for the stack's account. */
    readonly state?: MockState;
    /** The AWS partition `aws:getPartition` answers and `mockState`'s ARNs are in. Default `aws`. */
    readonly partition?: string;
}

export const created: Created[] = [];
let account = ACCOUNTS.test;
let partition = "aws";
let counter = 0;

function physicalName(type: string, name: string, inputs: Record<string, unknown>): string {
    for (const key of ["name", "bucket", "functionName", "topicName"]) {
        if (typeof inputs[key] === "string" && inputs[key] !== "") return inputs[key] as string;
    }
    // Auto-naming: logical name plus a random-looking suffix, like Pulumi does.
    const suffix = (0x1000000 + counter).toString(16).slice(1);
    const base = type === "aws:s3/bucket:Bucket" ? name.toLowerCase().replace(/[^a-z0-9-]/g, "-") : name;
    return `${base}-${suffix}`.slice(0, 63);
}

/** Realistic id and outputs per resource type. */
export function mockState(type: string, name: string, inputs: Record<string, unknown>): { id: string; state: Record<string, unknown> } {
    counter += 1;
    const n = physicalName(type, name, inputs);
    const acct = account;
    const hex = (counter * 2654435761 >>> 0).toString(16).padStart(8, "0");
    const uuid = `${hex}-${hex.slice(0, 4)}-4${hex.slice(1, 4)}-8${hex.slice(5, 8)}-${hex}${hex.slice(0, 4)}`;
    const arn = (service: string, resource: string, region = REGION): string => `arn:${partition}:${service}:${region}:${acct}:${resource}`;
    const s = (id: string, state: Record<string, unknown>): { id: string; state: Record<string, unknown> } => ({
        id,
        state: { ...inputs, ...state },
    });
    switch (type) {
        case "aws:kms/key:Key":
            return s(uuid, { arn: arn("kms", `key/${uuid}`), keyId: uuid });
        case "aws:kms/alias:Alias":
            return s(n, { arn: arn("kms", n), targetKeyArn: arn("kms", `key/${String(inputs.targetKeyId)}`) });
        case "aws:iam/role:Role":
            return s(n, { name: n, arn: `arn:${partition}:iam::${acct}:role/${n}`, uniqueId: `AROA${hex.toUpperCase()}` });
        case "aws:iam/policy:Policy":
            return s(`arn:${partition}:iam::${acct}:policy/${n}`, { name: n, arn: `arn:${partition}:iam::${acct}:policy/${n}` });
        case "aws:s3/bucket:Bucket":
            return s(n, { bucket: n, arn: `arn:${partition}:s3:::${n}`, bucketRegionalDomainName: `${n}.s3.${REGION}.amazonaws.com` });
        case "aws:dynamodb/table:Table":
            return s(n, { name: n, arn: arn("dynamodb", `table/${n}`) });
        case "aws:cloudwatch/logGroup:LogGroup":
            return s(n, { name: n, arn: arn("logs", `log-group:${n}`) });
        case "aws:sqs/queue:Queue":
            return s(`https://sqs.${REGION}.amazonaws.com/${acct}/${n}`, {
                name: n,
                arn: arn("sqs", n),
                url: `https://sqs.${REGION}.amazonaws.com/${acct}/${n}`,
            });
        case "aws:sns/topic:Topic":
            return s(arn("sns", n), { name: n, arn: arn("sns", n) });
        case "aws:lambda/function:Function":
            return s(n, {
                name: n,
                arn: arn("lambda", `function:${n}`),
                invokeArn: `arn:${partition}:apigateway:${REGION}:lambda:path/2015-03-31/functions/${arn("lambda", `function:${n}`)}/invocations`,
                qualifiedArn: arn("lambda", `function:${n}:1`),
                version: "1",
            });
        case "aws:kinesis/stream:Stream":
            return s(arn("kinesis", `stream/${n}`), { name: n, arn: arn("kinesis", `stream/${n}`) });
        case "aws:cloudtrail/trail:Trail":
            return s(arn("cloudtrail", `trail/${n}`), { name: n, arn: arn("cloudtrail", `trail/${n}`) });
        case "aws:backup/vault:Vault":
            return s(n, { name: n, arn: arn("backup", `backup-vault:${n}`) });
        case "aws:backup/plan:Plan":
            return s(uuid, { arn: arn("backup", `backup-plan:${uuid}`), version: "1" });
        case "aws:sfn/stateMachine:StateMachine":
            return s(arn("states", `stateMachine:${n}`), { name: n, arn: arn("states", `stateMachine:${n}`) });
        case "aws:ec2/vpc:Vpc":
            return s(`vpc-${hex}`, { arn: arn("ec2", `vpc/vpc-${hex}`), defaultSecurityGroupId: `sg-default${hex}` });
        case "aws:ec2/subnet:Subnet":
            return s(`subnet-${hex}`, { arn: arn("ec2", `subnet/subnet-${hex}`) });
        case "aws:ec2/securityGroup:SecurityGroup":
            return s(`sg-${hex}`, { arn: arn("ec2", `security-group/sg-${hex}`), name: n });
        case "aws:ec2/routeTable:RouteTable":
            return s(`rtb-${hex}`, {});
        case "aws:ec2/vpcEndpoint:VpcEndpoint":
            return s(`vpce-${hex}`, {
                arn: arn("ec2", `vpc-endpoint/vpce-${hex}`),
                prefixListId: inputs.vpcEndpointType === "Gateway" ? `pl-${String(inputs.serviceName).split(".").pop()}` : undefined,
            });
        case "aws:guardduty/detector:Detector":
            return s(hex + hex + hex + hex, { arn: arn("guardduty", `detector/${hex}`) });
        case "aws:apigateway/restApi:RestApi":
            return s(`api${hex}`, {
                rootResourceId: `root${hex}`,
                executionArn: arn("execute-api", `api${hex}`),
                arn: `arn:${partition}:apigateway:${REGION}::/restapis/api${hex}`,
            });
        case "aws:apigateway/stage:Stage":
            return s(`stage-${n}`, {
                arn: `arn:${partition}:apigateway:${REGION}::/restapis/x/stages/${String(inputs.stageName)}`,
                executionArn: arn("execute-api", `x/${String(inputs.stageName)}`),
                invokeUrl: `https://x.execute-api.${REGION}.amazonaws.com/${String(inputs.stageName)}`,
            });
        case "aws:apigateway/domainName:DomainName":
            return s(String(inputs.domainName), {
                arn: `arn:${partition}:apigateway:${REGION}::/domainnames/${String(inputs.domainName)}`,
                regionalDomainName: `d-${hex}.execute-api.${REGION}.amazonaws.com`,
                regionalZoneId: "ZLY8HYME6SFDD",
            });
        case "aws:wafv2/webAcl:WebAcl":
            return s(uuid, { arn: arn("wafv2", `regional/webacl/${n}/${uuid}`) });
        case "aws:pipes/pipe:Pipe":
            return s(n, { arn: arn("pipes", `pipe/${n}`) });
        case "random:index/randomId:RandomId": {
            // byteLength bytes: the first 4 from the counter's hash, the rest zero (deterministic).
            const bytes = Buffer.alloc(Number(inputs.byteLength ?? 8));
            bytes.write(hex.slice(0, Math.min(8, bytes.length * 2)), "hex");
            const b64 = bytes.toString("base64");
            return s(b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""), {
                hex: bytes.toString("hex"),
                b64Std: b64,
                b64Url: b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""),
                dec: BigInt(`0x${bytes.toString("hex") || "0"}`).toString(10),
            });
        }
        case "aws:secretsmanager/secret:Secret": {
            // Secrets Manager appends `-` and 6 characters to the name (or the generated name to the prefix).
            const secretName = typeof inputs.name === "string" ? `${inputs.name}-${hex.slice(0, 6)}` : `${String(inputs.namePrefix ?? `${name}-`)}${hex}${hex.slice(0, 2)}-${hex.slice(2, 8)}`;
            const secretArn = arn("secretsmanager", `secret:${secretName}`);
            return s(secretArn, { arn: secretArn, name: secretName });
        }
        case "random:index/randomPassword:RandomPassword": {
            // `length` characters of the classes asked for (deterministic).
            const alphabet = `${inputs.upper === false ? "" : "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}${inputs.lower === false ? "" : "abcdefghijklmnopqrstuvwxyz"}${inputs.numeric === false ? "" : "0123456789"}${inputs.special === false ? "" : "!@#$%&*()-_=+[]{}<>:?"}`;
            const result = Array.from({ length: Number(inputs.length ?? 16) }, (_, i) => alphabet[(counter * 31 + i * 7) % alphabet.length]).join("");
            return s("none", { result });
        }
        default: {
            const [pkg, mod] = type.split(":");
            const service = pkg === "aws" ? (mod ?? "x").split("/")[0] : pkg;
            return s(`${n}-id`, { arn: arn(service, n) });
        }
    }
}

/**
 * A `MockState` whose ids and outputs are the gate's synthetic outputs (gate/src/host/synthetic.ts): the formats AWS
 * uses (ARNs from the Service Authorization Reference's templates, UUID key ids, `<region>_<id>` user pools, queue
 * URLs, random ids), unique and deterministic per URN, in the account `aws:getCallerIdentity` answers for the stack.
 */
export async function syntheticState(): Promise<MockState> {
    const { loadArnTemplates, synthesize } = await import("../../../gate/src/host/synthetic");
    const templates = await loadArnTemplates();
    return (type, name, inputs, urn) => {
        const r = synthesize({ type, name, urn: urn ?? `urn:pulumi:${account}::${PROJECT}::${type}::${name}`, inputs, accountId: account, region: REGION, partition }, templates);
        return { id: r.id, state: r.outputs };
    };
}

export interface NamedStateOptions {
    /** Account of the ARNs. */
    readonly account: string;
    /** Ids by resource type; every other resource's id is `<logical name>-id`. The REST API's id is also in its ARNs. */
    readonly ids?: Readonly<Record<string, string>>;
    /** More outputs by resource type, given the physical name and the inputs. */
    readonly outputs?: Readonly<Record<string, (physical: string, inputs: Record<string, unknown>) => Record<string, unknown>>>;
}

/**
 * A `MockState` whose ids are predictable from the logical names (`<name>-id`) and whose ARNs are built from the
 * physical names in `REGION` and `account`: what the single-layer specs name in their assertions.
 */
export function namedState(options: NamedStateOptions): MockState {
    const { account: acct, ids = {}, outputs = {} } = options;
    const apiId = ids["aws:apigateway/restApi:RestApi"] ?? "api0000";
    const arns: Record<string, (physical: string, inputs: Record<string, unknown>) => Record<string, unknown>> = {
        "aws:iam/role:Role": (n) => ({ arn: `arn:aws:iam::${acct}:role/${n}` }),
        "aws:lambda/function:Function": (n) => ({
            arn: `arn:aws:lambda:${REGION}:${acct}:function:${n}`,
            invokeArn: `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/arn:aws:lambda:${REGION}:${acct}:function:${n}/invocations`,
        }),
        "aws:sqs/queue:Queue": (n) => ({ arn: `arn:aws:sqs:${REGION}:${acct}:${n}`, url: `https://sqs.${REGION}.amazonaws.com/${acct}/${n}` }),
        "aws:cloudwatch/logGroup:LogGroup": (n) => ({ arn: `arn:aws:logs:${REGION}:${acct}:log-group:${n}` }),
        "aws:kinesis/stream:Stream": (n) => ({ arn: `arn:aws:kinesis:${REGION}:${acct}:stream/${n}` }),
        "aws:sfn/stateMachine:StateMachine": (n) => ({ arn: `arn:aws:states:${REGION}:${acct}:stateMachine:${n}` }),
        "aws:apigateway/restApi:RestApi": () => ({ rootResourceId: "root0000", executionArn: `arn:aws:execute-api:${REGION}:${acct}:${apiId}` }),
        "aws:apigateway/stage:Stage": (_n, i) => ({ arn: `arn:aws:apigateway:${REGION}::/restapis/${apiId}/stages/${String(i.stageName)}` }),
        "aws:wafv2/webAcl:WebAcl": (n) => ({ arn: `arn:aws:wafv2:${REGION}:${acct}:regional/webacl/${n}/0000` }),
    };
    return (type, name, inputs) => {
        const physical = typeof inputs.name === "string" ? inputs.name : name;
        return { id: ids[type] ?? `${name}-id`, state: { ...inputs, ...arns[type]?.(physical, inputs), ...outputs[type]?.(physical, inputs) } };
    };
}

/** The KMS key ARNs the single-layer specs pass, by role: `arn:aws:kms:<REGION>:<account>:key/<role>-000<n>`. */
export function specKeys(account: string): { readonly records: string; readonly storage: string; readonly logs: string; readonly secrets: string } {
    const key = (id: string): string => `arn:aws:kms:${REGION}:${account}:key/${id}`;
    return { records: key("records-0001"), storage: key("storage-0002"), logs: key("logs-0003"), secrets: key("secrets-0004") };
}

/** What every function layer is given in the single-layer specs (stage `dev`, two subnets, one security group, a stub archive). */
export function functionLayerSpecArgs(account: string): FunctionLayerArgs {
    const keys = specKeys(account);
    return {
        namePrefix: "e2ee-pipeline-dev",
        accountId: account,
        region: REGION,
        logsKeyArn: keys.logs,
        privateSubnetIds: ["subnet-aaa", "subnet-bbb"],
        securityGroupIds: ["sg-123"],
        envKeyArn: keys.secrets,
        queueKeyArn: keys.storage,
        functionCode: stubCode,
    };
}

/** Answers of the invokes the program makes, for the current stack's account. */
function invoke(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
    switch (token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: account, arn: `arn:${partition}:iam::${account}:role/deployer`, userId: "AROAEXAMPLE:deployer", id: account };
        case "aws:index/getAvailabilityZones:getAvailabilityZones":
            return {
                names: ["a", "b", "c", "d"].map((z) => `${REGION}${z}`),
                zoneIds: [1, 2, 3, 4].map((z) => `euw1-az${z}`),
                id: REGION,
            };
        case "aws:index/getRegion:getRegion":
            return { name: REGION, region: REGION, id: REGION };
        case "aws:index/getPartition:getPartition":
            return { partition, dnsSuffix: "amazonaws.com", id: partition };
        default:
            return inputs;
    }
}

/** The URN the engine gives a resource: its parent's qualified type chain, `$`, its type (the root stack left out). */
export function engineUrn(stack: string, parent: string, type: string, name: string, project = PROJECT): string {
    const parentType = parent === "" ? "" : parent.split("::")[2];
    const qualified = parentType === "" || parentType === "pulumi:pulumi:Stack" ? type : `${parentType}$${type}`;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** What the registration request says about an alias (the runtime's `pulumirpc.Alias`). */
interface AliasMessage {
    getUrn(): string;
    getSpec():
        | {
              getName(): string;
              getType(): string;
              getStack(): string;
              getProject(): string;
              getParentCase(): number;
              getParenturn(): string;
              getNoparent(): boolean;
          }
        | undefined;
}

const PARENT_URN = 5;
const NO_PARENT = 6;

/**
 * The old URN an alias stands for, as the engine resolves it for a Node.js program (pkg/resource/deploy: the
 * Node.js compatibility rewrite of alias specs, then `collapseAliasToUrn`): an empty name or type is the
 * resource's own; a parent URN is that parent; `noParent` from Node.js means the resource's own parent; no parent
 * at all means the top of the stack.
 */
export function aliasUrn(alias: AliasMessage, stack: string, self: { parent: string; type: string; name: string }): string {
    const spec = alias.getSpec();
    if (spec === undefined) return alias.getUrn();
    let parent: string;
    switch (spec.getParentCase()) {
        case PARENT_URN:
            parent = spec.getParenturn();
            break;
        case NO_PARENT:
            parent = self.parent;
            break;
        default:
            parent = "";
    }
    return engineUrn(spec.getStack() || stack, parent, spec.getType() || self.type, spec.getName() || self.name, spec.getProject() || PROJECT);
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getDependenciesList(): string[];
    getAliasesList(): AliasMessage[];
    getIgnorechangesList(): string[];
}

interface MockMonitor {
    registerResource(req: RegisterRequest, callback: (err: Error | null, resp: unknown) => void): Promise<void>;
    newUrn(parent: string, type: string, name: string): string;
}

/** Replaces the global mocks for `stack` and clears the record. */
export async function startMocks(stack: string, options: MockOptions = {}): Promise<void> {
    created.length = 0;
    counter = 0;
    account = ACCOUNTS[stack] ?? ACCOUNTS.test;
    partition = options.partition ?? "aws";
    const state = options.state ?? mockState;
    // What each registration request says, waiting for the mock's newResource call of the same type and name.
    const requests = new Map<string, Omit<Created, "type" | "name" | "custom" | "inputs" | "id" | "state">[]>();
    await pulumi.runtime.setMocks(
        {
            newResource: (a) => {
                const inputs = a.inputs as Record<string, unknown>;
                const request = requests.get(`${a.type}::${a.name}`)?.shift();
                const { id, state: outputs } = state(a.type, a.name, inputs, request?.urn);
                created.push({
                    type: a.type,
                    name: a.name,
                    custom: a.custom !== false,
                    inputs,
                    id,
                    state: outputs,
                    ...request,
                    ...(a.provider !== undefined && a.provider !== "" ? { provider: a.provider } : {}),
                });
                return { id, state: outputs };
            },
            call: (a) => invoke(a.token, a.inputs as Record<string, unknown>),
        },
        PROJECT,
        stack,
        false,
    );
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const monitor = (require("@pulumi/pulumi/runtime/settings") as { getMonitor(): MockMonitor }).getMonitor();
    monitor.newUrn = (parent, type, name) => engineUrn(stack, parent, type, name);
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
        const self = { parent: req.getParent(), type: req.getType(), name: req.getName() };
        const key = `${self.type}::${self.name}`;
        if (!requests.has(key)) requests.set(key, []);
        requests.get(key)?.push({
            urn: engineUrn(stack, self.parent, self.type, self.name),
            parent: self.parent,
            dependencies: req.getDependenciesList(),
            aliases: req.getAliasesList().map((a) => aliasUrn(a, stack, self)),
            ignoreChanges: req.getIgnorechangesList(),
        });
        return register(req, callback);
    };
}

/** Waits until no resource has been registered for a while. */
export async function settle(): Promise<void> {
    let last = -1;
    while (last !== created.length) {
        last = created.length;
        await new Promise((r) => setTimeout(r, SETTLE_MS));
    }
}

/** Resolves an Output (mocks, not preview: always known). */
export function valueOf<T>(o: pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) => pulumi.output(o).apply((v) => resolve(v as T)));
}

export function ofType(type: string): Created[] {
    return created.filter((c) => c.type === type);
}

/** The only resource of `type` whose logical name is `name`. */
export function one(type: string, name: string): Created {
    const matches = created.filter((c) => c.type === type && c.name === name);
    if (matches.length !== 1) {
        const names = ofType(type).map((c) => c.name);
        throw new Error(`expected one ${type} named ${name}, found ${matches.length} (have: ${names.join(", ") || "none"})`);
    }
    return matches[0];
}

export interface PolicyDoc {
    readonly Version: string;
    readonly Statement: readonly Record<string, unknown>[];
}
export function policyOf(c: Created, prop = "policy"): PolicyDoc {
    const raw = c.inputs[prop];
    if (typeof raw !== "string") throw new Error(`${c.type} ${c.name} has no ${prop} string`);
    return JSON.parse(raw) as PolicyDoc;
}
export function statement(doc: PolicyDoc, sid: string): Record<string, unknown> {
    const s = doc.Statement.find((x) => x.Sid === sid);
    if (!s) throw new Error(`no statement ${sid} in ${JSON.stringify(doc)}`);
    return s;
}

/** The real `Pulumi.<stack>.yaml` as the flat string map Pulumi keeps (`ns:key` -> string). */
export function readStackConfig(stack: string): Record<string, string> {
    const file = path.join(REPO_ROOT, `Pulumi.${stack}.yaml`);
    const doc = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(doc.config ?? {})) {
        out[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return out;
}

/** Stack names from the Pulumi.<stack>.yaml files at the repository root. */
export function stackNames(): string[] {
    return fs
        .readdirSync(REPO_ROOT)
        .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** A tiny Lambda archive so that tests do not bundle the functions. */
export const stubCode = (): pulumi.asset.Archive =>
    new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset("exports.handler = async () => ({});") });
