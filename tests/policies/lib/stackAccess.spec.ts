import assert from "node:assert/strict";
import type { PolicyResource } from "@pulumi/policy";
import { parsePolicyDocument } from "../../../policies/lib/iam";
import type { AccessDecision, AccessRequest } from "../../../policies/lib/requestAccess";
import { StackAccess } from "../../../policies/lib/stackAccess";

const ACCT = "111122223333";
const KEY = `arn:aws:kms:eu-west-1:${ACCT}:key/k1`;
const FN = `arn:aws:lambda:eu-west-1:${ACCT}:function:recipient`;
const QUEUE = `arn:aws:sqs:eu-west-1:${ACCT}:dlq`;
const TABLE = `arn:aws:dynamodb:eu-west-1:${ACCT}:table/dedup`;
const roleArn = (n: string) => `arn:aws:iam::${ACCT}:role/${n}`;

function res(type: string, name: string, props: Record<string, unknown>): PolicyResource {
    return { type, name, urn: `urn:pulumi:s::p::${type}::${name}`, props, propertyDependencies: {} } as unknown as PolicyResource;
}
const json = (statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const role = (name: string, extra: Record<string, unknown> = {}) => res("aws:iam/role:Role", name, { name, arn: roleArn(name), assumeRolePolicy: json([]), tags: {}, ...extra });

const stack: PolicyResource[] = [
    role("process"),
    role("backup", { managedPolicyArns: ["arn:aws:iam::aws:policy/service-role/ExampleManaged"] }),
    res("aws:iam/rolePolicy:RolePolicy", "process-policy", {
        role: "process",
        policy: json([
            { Sid: "Put", Effect: "Allow", Action: ["s3:PutObject", "sqs:SendMessage", "dynamodb:PutItem"], Resource: ["arn:aws:s3:::lake/*", QUEUE, TABLE] },
            { Sid: "Use", Effect: "Allow", Action: "kms:Decrypt", Resource: KEY },
        ]),
    }),
    // The key's own policy is replaced by the separate KeyPolicy.
    res("aws:kms/key:Key", "key", { arn: KEY, keyId: "k1", policy: json([{ Sid: "Own", Effect: "Allow", Principal: { AWS: roleArn("process") }, Action: "kms:*", Resource: "*" }]) }),
    res("aws:kms/keyPolicy:KeyPolicy", "key-policy", { keyId: "k1", policy: json([{ Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: "kms:*", Resource: "*" }]) }),
    res("aws:s3/bucket:Bucket", "lake", { bucket: "lake", arn: "arn:aws:s3:::lake" }),
    res("aws:s3/bucketPolicy:BucketPolicy", "lake-policy", { bucket: "lake", policy: json([{ Sid: "DenyPut", Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: "arn:aws:s3:::lake/secret/*" }]) }),
    res("aws:lambda/function:Function", "fn", { name: "recipient", arn: FN }),
    res("aws:lambda/permission:Permission", "fn-invoke", { function: "recipient", statementId: "api", action: "lambda:InvokeFunction", principal: "apigateway.amazonaws.com", sourceArn: "arn:aws:execute-api:eu-west-1:111122223333:a/live/GET/records" }),
    res("aws:sqs/queue:Queue", "dlq", { arn: QUEUE, url: `https://sqs.eu-west-1.amazonaws.com/${ACCT}/dlq` }),
    res("aws:sqs/queuePolicy:QueuePolicy", "dlq-policy", { queueUrl: `https://sqs.eu-west-1.amazonaws.com/${ACCT}/dlq`, policy: json([{ Sid: "NoSend", Effect: "Deny", Principal: "*", Action: "sqs:SendMessage", Resource: QUEUE }]) }),
    res("aws:dynamodb/resourcePolicy:ResourcePolicy", "table-policy", { resourceArn: TABLE, policy: json([{ Sid: "NoPut", Effect: "Deny", Principal: "*", Action: "dynamodb:PutItem", Resource: TABLE }]) }),
];
const access = new StackAccess(stack, {
    account: ACCT,
    managedPolicy: (name) => (name === "ExampleManaged" ? parsePolicyDocument({ Statement: [{ Sid: "Managed", Effect: "Allow", Action: "s3:PutObject", Resource: "*" }] }) : undefined),
});
const req = (action: string, resource: string, context: Record<string, string> = {}): AccessRequest => ({ action, resource, context, complete: ["aws:source"] });
const outcome = (d: AccessDecision): string =>
    d.decision === "allowed" ? `allowed by ${d.allowedBy.join(" + ")}` : d.decision === "denied" ? (d.deniedBy.length > 0 ? `denied by ${d.deniedBy.join(" + ")}` : "denied: no allow") : `undecided: ${d.reasons.join(" | ")}`;

describe("lib/stackAccess: a stack's policies for one request", () => {
    const table: [string, { principalArn: string } | { service: string }, AccessRequest, string][] = [
        ["an identity policy (RolePolicy) on a bucket, the bucket policy's deny not applying", { principalArn: roleArn("process") }, req("s3:PutObject", "arn:aws:s3:::lake/batches/x"), 'allowed by process-policy policy statement "Put"'],
        ["the bucket policy (BucketPolicy) found by the bucket's name", { principalArn: roleArn("process") }, req("s3:PutObject", "arn:aws:s3:::lake/secret/x"), 'denied by bucket policy "lake-policy" statement "DenyPut"'],
        ["a KeyPolicy replaces the key's own policy (delegation to the account)", { principalArn: roleArn("process") }, req("kms:Decrypt", KEY), 'allowed by process-policy policy statement "Use" (delegated by key policy statement "Root")'],
        ["a Lambda permission, as the function's policy statement", { service: "apigateway.amazonaws.com" }, req("lambda:InvokeFunction", FN, { "aws:SourceArn": "arn:aws:execute-api:eu-west-1:111122223333:a/live/GET/records" }), 'allowed by function policy of "fn" (permission "fn-invoke") statement "api"'],
        ["the same permission, invoked on a version of the function", { service: "apigateway.amazonaws.com" }, req("lambda:InvokeFunction", `${FN}:3`, { "aws:SourceArn": "arn:aws:execute-api:eu-west-1:111122223333:a/live/GET/records" }), "denied: no allow"],
        ["a queue policy found through the queue's URL", { principalArn: roleArn("process") }, req("sqs:SendMessage", QUEUE), 'denied by queue policy "dlq-policy" statement "NoSend"'],
        ["a DynamoDB resource policy", { principalArn: roleArn("process") }, req("dynamodb:PutItem", TABLE), 'denied by resource policy "table-policy" statement "NoPut"'],
        ["an AWS-managed policy read from its published document", { principalArn: roleArn("backup") }, req("s3:PutObject", "arn:aws:s3:::lake/batches/x"), 'allowed by AWS-managed policy arn:aws:iam::aws:policy/service-role/ExampleManaged statement "Managed"'],
        ["a principal that is not in the stack", { principalArn: roleArn("ghost") }, req("s3:PutObject", "arn:aws:s3:::lake/x"), `undecided: no role or user of the stack has the ARN ${roleArn("ghost")}`],
        ["a key that is not in the stack", { principalArn: roleArn("process") }, req("kms:Decrypt", `arn:aws:kms:eu-west-1:${ACCT}:key/other`), `undecided: no KMS key of the stack has the ARN arn:aws:kms:eu-west-1:${ACCT}:key/other`],
    ];
    for (const [title, requester, request, expected] of table) {
        it(title, () => assert.equal(outcome(access.evaluate(requester, request)), expected));
    }

    it("without the managed policies' documents, a role that attaches one is undecided where that policy could allow", () => {
        const d = new StackAccess(stack, { account: ACCT }).evaluate({ principalArn: roleArn("backup") }, req("s3:PutObject", "arn:aws:s3:::lake/batches/x"));
        assert.equal(outcome(d), "undecided: AWS-managed policy arn:aws:iam::aws:policy/service-role/ExampleManaged is an AWS-managed policy whose document is not in the program");
    });
});
