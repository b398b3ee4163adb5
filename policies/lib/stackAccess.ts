/**
 * The access model of a stack: for a concrete request, the caller's identity policies (./iamStack.ts, every
 * attachment form) and the target's own policy, as the stack declares them, decided by ./requestAccess.ts.
 *
 * Targets, by the service of the resource ARN:
 * - `kms`: the key (`aws.kms.Key`, its `aws.kms.KeyPolicy` when there is one, its `aws.kms.Grant`s);
 * - `s3`: the bucket's `aws.s3.BucketPolicy` (or the bucket's own `policy`), for the bucket and its objects;
 * - `lambda`: the function's policy, one statement per `aws.lambda.Permission` as Lambda writes it;
 * - `sqs`: the queue's `aws.sqs.QueuePolicy`;
 * - `dynamodb`, `kinesis`: their `ResourcePolicy` resources;
 * - anything else: no resource policy (identity policies decide).
 *
 * Resources are given as the policy runtime sees them (type, name, URN, properties). Values unknown during preview
 * make the decisions that depend on them undecided.
 */
import type { PolicyResource } from "@pulumi/policy";
import { policyDocumentOrUndefined, type PolicyDocument, type Statement } from "./iam";
import { collectPrincipals, toKmsPrincipal, type StackPrincipal } from "./iamStack";
import type { KmsGrant, KmsKey } from "./kmsAccess";
import { known, stringProp, UNKNOWN } from "./known";
import { evaluateRequest, lambdaPermissionStatement, type AccessDecision, type AccessRequest, type RequestTarget, type ResourcePolicy } from "./requestAccess";
import { Undecided } from "./unknown";

/** Who makes a request: a role or user of the stack by its ARN, or an AWS service principal. */
export type StackRequester = { readonly principalArn: string } | { readonly service: string };

export interface StackAccessOptions {
    /** The stack's account: the owner of its buckets (S3 ARNs name no account). */
    readonly account: string;
    /**
     * The document of an AWS-managed policy by name (e.g. `managedPolicyDocument` of ./managedPolicies.ts), for the
     * policies a role attaches that are not in the program. Default: none (such a policy leaves decisions undecided).
     */
    readonly managedPolicy?: (name: string) => PolicyDocument | undefined;
}

const AWS_MANAGED_LABEL = /^AWS-managed policy arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/;

const ARN = /^arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:(.*)$/;

function str(r: PolicyResource, prop: string): string | undefined {
    const v = stringProp(r.props, prop);
    return typeof v === "string" ? v : undefined;
}

export class StackAccess {
    private readonly principals: readonly StackPrincipal[];

    constructor(
        private readonly resources: readonly PolicyResource[],
        private readonly options: StackAccessOptions,
    ) {
        this.principals = collectPrincipals(resources, new Undecided());
    }

    private ofType(type: string): PolicyResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The role or user of the stack with this ARN. */
    principal(arn: string): StackPrincipal | undefined {
        return this.principals.find((p) => p.arn === arn);
    }

    /** A policy document held in `prop` of `holder`, or why it cannot be read. */
    private document(holder: PolicyResource, prop: string, label: string): ResourcePolicy | string {
        const raw = known(() => holder.props[prop]);
        if (raw === UNKNOWN) return `${label} is unknown during preview`;
        const doc = policyDocumentOrUndefined(raw);
        if (doc === undefined) return `${label} is not a policy document`;
        return { source: { label, urn: holder.urn }, document: doc };
    }

    /** What a request on `resourceArn` meets: the key with its policy and grants, or the resource and its policy. */
    target(resourceArn: string): RequestTarget | { readonly kind: "unknown"; readonly reason: string } {
        const m = ARN.exec(resourceArn);
        if (m === null) return { kind: "unknown", reason: `${JSON.stringify(resourceArn)} is not an ARN` };
        const [, , service, region, account, rest] = m;
        const resourceOf = (policy: ResourcePolicy | string | undefined, acct: string | undefined): RequestTarget =>
            typeof policy === "string" ? { kind: "resource", account: acct, policyUnavailable: policy } : { kind: "resource", account: acct, ...(policy !== undefined ? { policy } : {}) };
        switch (service) {
            case "kms": {
                const res = this.ofType("aws:kms/key:Key").find((k) => str(k, "arn") === resourceArn);
                if (res === undefined) return { kind: "unknown", reason: `no KMS key of the stack has the ARN ${resourceArn}` };
                const ids = ["arn", "keyId", "id"].map((p) => str(res, p)).filter((v): v is string => v !== undefined);
                const forKey = (r: PolicyResource): boolean => {
                    const keyId = str(r, "keyId");
                    return keyId !== undefined && ids.includes(keyId);
                };
                const holder = this.ofType("aws:kms/keyPolicy:KeyPolicy").find(forKey) ?? res;
                const doc = this.document(holder, "policy", holder === res ? `key policy of "${res.name}"` : `key policy "${holder.name}"`);
                if (typeof doc === "string") return { kind: "unknown", reason: doc };
                const tags = known(() => (typeof res.props["tags"] === "object" && res.props["tags"] !== null ? (JSON.parse(JSON.stringify(res.props["tags"])) as Record<string, string>) : {}));
                const key: KmsKey = {
                    name: res.name,
                    urn: res.urn,
                    arn: resourceArn,
                    account,
                    region,
                    tags: tags === UNKNOWN ? undefined : tags,
                    attributes: {
                        "kms:KeySpec": str(res, "customerMasterKeySpec") ?? str(res, "keySpec") ?? "SYMMETRIC_DEFAULT",
                        "kms:KeyUsage": str(res, "keyUsage") ?? "ENCRYPT_DECRYPT",
                        "kms:MultiRegion": String(res.props["multiRegion"] === true),
                    },
                    policy: doc,
                };
                const grants: KmsGrant[] = this.ofType("aws:kms/grant:Grant")
                    .filter(forKey)
                    .map((g) => {
                        const c = Array.isArray(g.props["constraints"]) ? (g.props["constraints"] as unknown[]) : [];
                        return {
                            source: { label: `grant "${g.name}"`, urn: g.urn },
                            grantee: str(g, "granteePrincipal"),
                            operations: (Array.isArray(g.props["operations"]) ? (g.props["operations"] as unknown[]) : []).filter((o): o is string => typeof o === "string"),
                            ...(c.length > 0 ? { constraints: JSON.stringify(c) } : {}),
                        };
                    });
                return { kind: "kms-key", key, grants };
            }
            case "s3": {
                const bucket = rest.split("/")[0];
                const holder = this.ofType("aws:s3/bucketPolicy:BucketPolicy").find((p) => str(p, "bucket") === bucket);
                if (holder !== undefined) return resourceOf(this.document(holder, "policy", `bucket policy "${holder.name}"`), this.options.account);
                const own = this.ofType("aws:s3/bucket:Bucket").find((b) => str(b, "bucket") === bucket && b.props["policy"] !== undefined);
                return resourceOf(own === undefined ? undefined : this.document(own, "policy", `bucket "${own.name}" policy`), this.options.account);
            }
            case "lambda": {
                const fnArn = resourceArn.split(":").slice(0, 7).join(":");
                const fn = this.ofType("aws:lambda/function:Function").find((f) => str(f, "arn") === fnArn);
                const names = [fnArn, ...(fn !== undefined ? [str(fn, "name")] : [])].filter((x): x is string => x !== undefined);
                const permissions = this.ofType("aws:lambda/permission:Permission").filter((p) => names.includes(str(p, "function") ?? ""));
                if (permissions.length === 0) return resourceOf(undefined, account);
                const statements: Statement[] = [];
                for (const [i, p] of permissions.entries()) {
                    const action = str(p, "action");
                    const principal = str(p, "principal");
                    if (action === undefined || principal === undefined) return resourceOf(`the permission "${p.name}" is unknown during preview`, account);
                    const opt = (k: string): Record<string, string> => {
                        const v = str(p, k);
                        return v === undefined ? {} : { [k]: v };
                    };
                    statements.push(
                        lambdaPermissionStatement(
                            { statementId: str(p, "statementId") ?? p.name, action, principal, ...opt("sourceArn"), ...opt("sourceAccount"), ...opt("principalOrgId"), ...opt("functionUrlAuthType"), ...opt("eventSourceToken"), ...opt("qualifier") },
                            fnArn,
                            i,
                        ),
                    );
                }
                const label = `function policy of "${fn?.name ?? fnArn}" (${permissions.map((p) => `permission "${p.name}"`).join(", ")})`;
                return resourceOf({ source: { label, urn: permissions[0].urn }, document: { version: "2012-10-17", statements } }, account);
            }
            case "sqs": {
                const queue = this.ofType("aws:sqs/queue:Queue").find((q) => str(q, "arn") === resourceArn);
                const url = queue !== undefined ? str(queue, "url") : undefined;
                const holder = this.ofType("aws:sqs/queuePolicy:QueuePolicy").find((p) => url !== undefined && str(p, "queueUrl") === url);
                return resourceOf(holder === undefined ? undefined : this.document(holder, "policy", `queue policy "${holder.name}"`), account);
            }
            case "dynamodb":
            case "kinesis": {
                const type = service === "dynamodb" ? "aws:dynamodb/resourcePolicy:ResourcePolicy" : "aws:kinesis/resourcePolicy:ResourcePolicy";
                const base = resourceArn.split("/").slice(0, 2).join("/");
                const holder = this.ofType(type).find((p) => str(p, "resourceArn") === base);
                return resourceOf(holder === undefined ? undefined : this.document(holder, "policy", `resource policy "${holder.name}"`), account);
            }
            default:
                return resourceOf(undefined, account === undefined || account === "" ? undefined : account);
        }
    }

    /** Decides `request` by `requester` as the stack's policies say. */
    evaluate(requester: StackRequester, request: AccessRequest): AccessDecision & { readonly requester: string } {
        const undecided = (reason: string, label: string) => ({ decision: "undecided" as const, allowedBy: [], deniedBy: [], reasons: [reason], requester: label });
        const target = this.target(request.resource);
        if ("service" in requester) {
            const label = `service ${requester.service}`;
            if (target.kind === "unknown") return undecided(target.reason, label);
            return { ...evaluateRequest({ kind: "service", service: requester.service }, target, request), requester: label };
        }
        const p = this.principal(requester.principalArn);
        if (p === undefined) return undecided(`no role or user of the stack has the ARN ${requester.principalArn}`, requester.principalArn);
        const label = `${p.kind} "${p.label}"`;
        if (target.kind === "unknown") return undecided(target.reason, label);
        // Documents unknown during preview reach the decision as unavailable (./iamStack.ts), which leaves it undecided;
        // AWS-managed policies are read from their published documents when the options can.
        const principal = toKmsPrincipal(p, (a) => {
            const name = a.policy.document === undefined ? AWS_MANAGED_LABEL.exec(a.policy.source.label)?.[1] : undefined;
            const doc = name !== undefined ? this.options.managedPolicy?.(name) : undefined;
            return doc !== undefined ? { ...a.policy, document: doc, unavailable: undefined } : a.policy;
        });
        return { ...evaluateRequest({ kind: "principal", principal }, target, request), requester: label };
    }
}
