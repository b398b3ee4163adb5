import assert from "node:assert/strict";
import { parsePolicyDocument } from "../../../policies/lib/iam";
import type { IdentityPolicy, KmsKey, KmsPrincipal } from "../../../policies/lib/kmsAccess";
import {
    accessContext,
    evaluateRequest,
    lambdaPermissionStatement,
    type AccessDecision,
    type AccessRequest,
    type Requester,
    type RequestTarget,
} from "../../../policies/lib/requestAccess";

const ACCT = "111122223333";
const OTHER = "444455556666";
const roleArn = (name: string, account = ACCT) => `arn:aws:iam::${account}:role/${name}`;
const BUCKET = "arn:aws:s3:::data-lake";
const OBJECT = `${BUCKET}/batches/x.e2eb`;
const FN = `arn:aws:lambda:eu-west-1:${ACCT}:function:recipient`;
const KEY_ARN = `arn:aws:kms:eu-west-1:${ACCT}:key/1111-storage`;

const src = (label: string) => ({ label, urn: `urn:${label.replace(/\s+/g, "-")}` });
const doc = (label: string, statements: unknown[]): IdentityPolicy => ({ source: src(label), document: parsePolicyDocument({ Statement: statements }) });
function role(name: string, policies: IdentityPolicy[] = [], extra: Partial<KmsPrincipal> = {}): Requester {
    return { kind: "principal", principal: { kind: "role", name, urn: `urn:${name}`, arn: roleArn(name, extra.account ?? ACCT), account: ACCT, tags: {}, sessionTags: false, policies, ...extra } };
}
const resource = (statements: unknown[] | undefined, account: string | undefined = ACCT, label = "bucket policy"): RequestTarget => ({
    kind: "resource",
    account,
    ...(statements !== undefined ? { policy: { source: src(label), document: parsePolicyDocument({ Statement: statements }) } } : {}),
});
const put = (context: Record<string, string> = {}, extra: Partial<AccessRequest> = {}): AccessRequest => ({
    action: "s3:PutObject",
    resource: OBJECT,
    context: { "aws:SecureTransport": "true", ...context },
    complete: ["s3:x-amz-"],
    ...extra,
});
const WRITE = doc("process policy", [{ Sid: "Write", Effect: "Allow", Action: "s3:PutObject", Resource: `${BUCKET}/batches/*` }]);

function outcome(d: AccessDecision): string {
    if (d.decision === "allowed") return `allowed by ${d.allowedBy.join(" + ")}`;
    if (d.decision === "denied") return d.deniedBy.length > 0 ? `denied by ${d.deniedBy.join(" + ")}` : `denied: ${d.reasons.join(" | ")}`;
    return `undecided: ${d.reasons.join(" | ")}`;
}

describe("lib/requestAccess", () => {
    describe("S3 and other resources: identity policies, the resource policy and explicit denies (same account unless said)", () => {
        const denyHttp = { Sid: "DenyHttp", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [BUCKET, `${BUCKET}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } };
        const denyNonKms = { Sid: "DenyNonKms", Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: `${BUCKET}/*`, Condition: { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption": "aws:kms" } } };
        const table: [string, Requester, RequestTarget, AccessRequest, string][] = [
            ["the identity policy alone allows (no resource policy)", role("process", [WRITE]), resource(undefined), put(), 'allowed by process policy statement "Write"'],
            ["the identity policy, with a bucket policy of denies that do not apply", role("process", [WRITE]), resource([denyHttp]), put(), 'allowed by process policy statement "Write"'],
            ["an explicit deny of the bucket policy wins", role("process", [WRITE]), resource([denyHttp]), put({ "aws:SecureTransport": "false" }), 'denied by bucket policy statement "DenyHttp"'],
            [
                "IfExists: a missing header makes a negated condition hold, so the deny applies",
                role("process", [WRITE]),
                resource([denyNonKms]),
                put(),
                'denied by bucket policy statement "DenyNonKms"',
            ],
            ["IfExists: the header that matches keeps the deny off", role("process", [WRITE]), resource([denyNonKms]), put({ "s3:x-amz-server-side-encryption": "aws:kms" }), 'allowed by process policy statement "Write"'],
            [
                "an explicit deny of the caller's own identity policy wins",
                role("process", [WRITE, doc("guard", [{ Sid: "NoPut", Effect: "Deny", Action: "s3:Put*", Resource: "*" }])]),
                resource(undefined),
                put(),
                'denied by guard statement "NoPut"',
            ],
            [
                "the bucket policy alone allows a role it names (same account)",
                role("reader"),
                resource([{ Sid: "Reader", Effect: "Allow", Principal: { AWS: roleArn("reader") }, Action: "s3:PutObject", Resource: `${BUCKET}/*` }]),
                put(),
                'allowed by bucket policy statement "Reader"',
            ],
            [
                "a bucket policy naming the account delegates: the identity policy must allow",
                role("reader"),
                resource([{ Sid: "Account", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: "s3:PutObject", Resource: `${BUCKET}/*` }]),
                put(),
                `denied: no statement allows role "reader" s3:PutObject on ${OBJECT} (read: bucket policy)`,
            ],
            [
                "across accounts the bucket policy's allow needs the identity policy's too",
                role("process", [], { account: OTHER }),
                resource([{ Sid: "Other", Effect: "Allow", Principal: { AWS: roleArn("process", OTHER) }, Action: "s3:PutObject", Resource: `${BUCKET}/*` }]),
                put(),
                `denied: no statement allows role "process" s3:PutObject on ${OBJECT} (read: bucket policy)`,
            ],
            [
                "across accounts with both",
                role("process", [WRITE], { account: OTHER }),
                resource([{ Sid: "Other", Effect: "Allow", Principal: { AWS: roleArn("process", OTHER) }, Action: "s3:PutObject", Resource: `${BUCKET}/*` }]),
                put(),
                'allowed by bucket policy statement "Other"',
            ],
            [
                "the identity policy alone does not reach a resource of another account",
                role("process", [WRITE], { account: OTHER }),
                resource(undefined),
                put(),
                `denied: no statement allows role "process" s3:PutObject on ${OBJECT} (read: process policy)`,
            ],
            [
                "outside the allowed prefix: the missing allow names the statement that comes close",
                role("process", [WRITE]),
                resource(undefined),
                put({}, { resource: `${BUCKET}/records/x` }),
                `denied: no statement allows role "process" s3:PutObject on ${BUCKET}/records/x (read: process policy) | process policy statement "Write" covers s3:PutObject but its Resource (${BUCKET}/batches/*) does not cover ${BUCKET}/records/x`,
            ],
            [
                "a condition on a key the request does not fix is undecided, not guessed",
                role("process", [WRITE]),
                resource([{ Sid: "DenyIp", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: `${BUCKET}/*`, Condition: { NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } } }]),
                put(),
                'undecided: unless bucket policy statement "DenyIp" denies it: the request does not say aws:SourceIp',
            ],
            [
                "a resource policy that cannot be read leaves it undecided",
                role("process", [WRITE]),
                { kind: "resource", account: ACCT, policyUnavailable: "the queue policy is unknown during preview" },
                put(),
                "undecided: unless the resource policy denies it: the queue policy is unknown during preview",
            ],
        ];
        for (const [title, requester, target, request, expected] of table) {
            it(title, () => assert.equal(outcome(evaluateRequest(requester, target, request)), expected));
        }
    });

    describe("service principals: only the resource policy allows them", () => {
        const invoke = (context: Record<string, string>): AccessRequest => ({ action: "lambda:InvokeFunction", resource: FN, context, complete: ["aws:source"] });
        const fnPolicy = (): RequestTarget => ({
            kind: "resource",
            account: ACCT,
            policy: {
                source: src("function policy"),
                document: { statements: [lambdaPermissionStatement({ statementId: "api", action: "lambda:InvokeFunction", principal: "apigateway.amazonaws.com", sourceArn: `arn:aws:execute-api:eu-west-1:${ACCT}:api1/live/GET/records`, sourceAccount: ACCT }, FN)] },
            },
        });
        const gateway: Requester = { kind: "service", service: "apigateway.amazonaws.com" };
        const table: [string, Requester, AccessRequest, string][] = [
            ["API Gateway for the route the permission names", gateway, invoke({ "aws:SourceArn": `arn:aws:execute-api:eu-west-1:${ACCT}:api1/live/GET/records`, "aws:SourceAccount": ACCT }), 'allowed by function policy statement "api"'],
            [
                "API Gateway for another API",
                gateway,
                invoke({ "aws:SourceArn": `arn:aws:execute-api:eu-west-1:${ACCT}:api2/live/GET/records`, "aws:SourceAccount": ACCT }),
                `denied: no statement allows service apigateway.amazonaws.com lambda:InvokeFunction on ${FN} (read: function policy) | function policy statement "api" covers lambda:InvokeFunction but its condition ArnLike AWS:SourceArn "arn:aws:execute-api:eu-west-1:${ACCT}:api1/live/GET/records" does not hold (the request has "arn:aws:execute-api:eu-west-1:${ACCT}:api2/live/GET/records")`,
            ],
            [
                "API Gateway without a source (aws:Source* listed completely: absent)",
                gateway,
                invoke({}),
                `denied: no statement allows service apigateway.amazonaws.com lambda:InvokeFunction on ${FN} (read: function policy) | function policy statement "api" covers lambda:InvokeFunction but its condition StringEquals AWS:SourceAccount "${ACCT}" does not hold (the request has none); its condition ArnLike AWS:SourceArn "arn:aws:execute-api:eu-west-1:${ACCT}:api1/live/GET/records" does not hold (the request has none)`,
            ],
            [
                "another service",
                { kind: "service", service: "events.amazonaws.com" },
                invoke({ "aws:SourceAccount": ACCT }),
                `denied: no statement allows service events.amazonaws.com lambda:InvokeFunction on ${FN} (read: function policy) | function policy statement "api" covers lambda:InvokeFunction but its Principal names apigateway.amazonaws.com, not the caller; its condition ArnLike AWS:SourceArn "arn:aws:execute-api:eu-west-1:${ACCT}:api1/live/GET/records" does not hold (the request has none)`,
            ],
            ["a role without an identity policy for it", role("process"), invoke({}), `denied: no statement allows role "process" lambda:InvokeFunction on ${FN} (read: function policy) | function policy statement "api" covers lambda:InvokeFunction but its Principal names apigateway.amazonaws.com, not the caller; its condition StringEquals AWS:SourceAccount "${ACCT}" does not hold (the request has none); its condition ArnLike AWS:SourceArn "arn:aws:execute-api:eu-west-1:${ACCT}:api1/live/GET/records" does not hold (the request has none)`],
            ["a role whose identity policy allows it (same account)", role("caller", [doc("caller policy", [{ Sid: "Invoke", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: FN }])]), invoke({}), 'allowed by caller policy statement "Invoke"'],
        ];
        for (const [title, requester, request, expected] of table) {
            it(title, () => assert.equal(outcome(evaluateRequest(requester, fnPolicy(), request)), expected));
        }
    });

    describe("KMS keys: the key policy decides (through kmsAccess), with the request's own values", () => {
        const storageKey = (statements: unknown[]): RequestTarget => ({
            kind: "kms-key",
            key: { name: "storage", urn: "urn:key", arn: KEY_ARN, account: ACCT, region: "eu-west-1", tags: {}, attributes: {}, policy: { source: src("key policy"), document: parsePolicyDocument({ Statement: statements }) } } satisfies KmsKey,
        });
        const viaS3 = {
            Sid: "ViaServices",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${ACCT}:root` },
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: "*",
            Condition: { StringEquals: { "kms:CallerAccount": ACCT, "kms:ViaService": "s3.eu-west-1.amazonaws.com" } },
        };
        const encrypt = doc("process policy", [{ Sid: "Encrypt", Effect: "Allow", Action: "kms:GenerateDataKey", Resource: KEY_ARN, Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } } }]);
        const gdk = (context: Record<string, string>): AccessRequest => ({ action: "kms:GenerateDataKey", resource: KEY_ARN, context: { "kms:CallerAccount": ACCT, ...context }, complete: ["kms:"] });
        const table: [string, Requester, RequestTarget, AccessRequest, string][] = [
            ["delegated to the account, through S3: the identity policy decides", role("process", [encrypt]), storageKey([viaS3]), gdk({ "kms:ViaService": "s3.eu-west-1.amazonaws.com" }), 'allowed by process policy statement "Encrypt" (delegated by key policy statement "ViaServices")'],
            [
                "the same request made directly (no kms:ViaService): neither the key policy nor the identity policy applies",
                role("process", [encrypt]),
                storageKey([viaS3]),
                gdk({}),
                `denied: no statement allows role "process" kms:GenerateDataKey on ${KEY_ARN} (read: key policy, process policy) | key policy statement "ViaServices" covers kms:GenerateDataKey but its condition StringEquals kms:ViaService "s3.eu-west-1.amazonaws.com" does not hold (the request has none) | process policy statement "Encrypt" covers kms:GenerateDataKey but its condition StringEquals kms:ViaService "s3.eu-west-1.amazonaws.com" does not hold (the request has none)`,
            ],
            [
                "the key policy names the role: its allow is enough; an identity policy cannot pass a key policy that does not delegate",
                role("process", [doc("process policy", [{ Sid: "All", Effect: "Allow", Action: "kms:*", Resource: "*" }])]),
                storageKey([{ Sid: "Other", Effect: "Allow", Principal: { AWS: roleArn("other") }, Action: "kms:GenerateDataKey", Resource: "*" }]),
                gdk({}),
                `denied: no statement allows role "process" kms:GenerateDataKey on ${KEY_ARN} (read: key policy, process policy) | key policy statement "Other" covers kms:GenerateDataKey but its Principal names ${roleArn("other")}, not the caller | an identity policy allows it, but the key policy of "storage" neither allows the caller itself nor delegates to its account, so identity policies do not count`,
            ],
            [
                "an explicit deny of the key policy names itself",
                role("process", [encrypt]),
                storageKey([viaS3, { Sid: "DenyAll", Effect: "Deny", Principal: "*", Action: "kms:*", Resource: "*", Condition: { ArnNotEquals: { "aws:PrincipalArn": roleArn("recipient") } } }]),
                gdk({ "kms:ViaService": "s3.eu-west-1.amazonaws.com" }),
                'denied by key policy statement "DenyAll"',
            ],
        ];
        for (const [title, requester, target, request, expected] of table) {
            it(title, () => assert.equal(outcome(evaluateRequest(requester, target, request)), expected));
        }
    });

    describe("the request context", () => {
        it("fixes the principal's keys, takes the request's values, lists keys completely by prefix and leaves the rest unknown", () => {
            const ctx = accessContext(role("process"), ACCT, { action: "s3:PutObject", resource: OBJECT, context: { "s3:x-amz-acl": "private", "aws:SourceVpce": ["vpce-1", "vpce-2"] }, complete: ["s3:x-amz-"] });
            assert.deepEqual(ctx.get("aws:PrincipalArn"), { kind: "present", values: [roleArn("process")] });
            assert.deepEqual(ctx.get("AWS:PRINCIPALACCOUNT"), { kind: "present", values: [ACCT] });
            assert.deepEqual(ctx.get("aws:ResourceAccount"), { kind: "present", values: [ACCT] });
            assert.deepEqual(ctx.get("s3:x-amz-acl"), { kind: "present", values: ["private"] });
            assert.deepEqual(ctx.get("aws:sourcevpce"), { kind: "present", values: ["vpce-1", "vpce-2"] });
            assert.deepEqual(ctx.get("s3:x-amz-server-side-encryption"), { kind: "absent" });
            assert.deepEqual(ctx.get("s3:TlsVersion"), { kind: "unknown", why: "the request does not say s3:TlsVersion" });
            assert.deepEqual(ctx.get("aws:PrincipalTag/team"), { kind: "absent" });
        });
    });

    describe("lambdaPermissionStatement: the statement Lambda writes for a permission", () => {
        const table: [string, Parameters<typeof lambdaPermissionStatement>[0], unknown][] = [
            [
                "a service with a source ARN and account",
                { statementId: "api", action: "lambda:InvokeFunction", principal: "apigateway.amazonaws.com", sourceArn: "arn:aws:execute-api:eu-west-1:1:a/*", sourceAccount: "111122223333" },
                { sid: "api", effect: "Allow", principal: { wildcard: false, aws: [], service: ["apigateway.amazonaws.com"], federated: [], canonicalUser: [] }, action: ["lambda:InvokeFunction"], resource: [FN], condition: { StringEquals: { "AWS:SourceAccount": "111122223333" }, ArnLike: { "AWS:SourceArn": "arn:aws:execute-api:eu-west-1:1:a/*" } } },
            ],
            [
                "an account, on an alias",
                { action: "lambda:InvokeFunction", principal: OTHER, qualifier: "live" },
                { effect: "Allow", principal: { wildcard: false, aws: [OTHER], service: [], federated: [], canonicalUser: [] }, action: ["lambda:InvokeFunction"], resource: [`${FN}:live`] },
            ],
            [
                "everyone, for a function URL without auth",
                { statementId: "url", action: "lambda:InvokeFunctionUrl", principal: "*", functionUrlAuthType: "NONE" },
                { sid: "url", effect: "Allow", principal: { wildcard: true, aws: ["*"], service: [], federated: [], canonicalUser: [] }, action: ["lambda:InvokeFunctionUrl"], resource: [FN], condition: { StringEquals: { "lambda:FunctionUrlAuthType": "NONE" } } },
            ],
        ];
        for (const [title, permission, expected] of table) {
            it(title, () => {
                const s = lambdaPermissionStatement(permission, FN, 0);
                const plain = JSON.parse(JSON.stringify({ ...s, index: undefined })) as unknown;
                assert.deepEqual(plain, expected);
            });
        }
    });
});
