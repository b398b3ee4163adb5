import assert from "node:assert/strict";
import { e2eeRecordsKeyLeastPrivilege } from "../../../policies/rules/iam/e2eeRecordsKeyLeastPrivilege";
import { UNKNOWN, runStackRule, urnOf, type StackResourceInput } from "../harness";

const ACCT = "111122223333";
const KEY_ARN = `arn:aws:kms:eu-west-1:${ACCT}:key/1111-records`;
const STORAGE_ARN = `arn:aws:kms:eu-west-1:${ACCT}:key/2222-storage`;
const roleArn = (name: string, path = "/") => `arn:aws:iam::${ACCT}:role${path}${name}`;

const adminStmt = {
    Sid: "Admin",
    Effect: "Allow",
    Principal: { AWS: roleArn("e2ee-admin") },
    Action: ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:ScheduleKeyDeletion"],
    Resource: "*",
};
const producerStmt = { Sid: "Producer", Effect: "Allow", Principal: { AWS: roleArn("e2ee-producer") }, Action: ["kms:GenerateDataKey", "kms:Encrypt"], Resource: "*" };
const recipientStmt = { Sid: "Recipient", Effect: "Allow", Principal: { AWS: [roleArn("e2ee-recipient", "/pipeline/")] }, Action: "kms:Decrypt", Resource: "*" };
/** Lets identity policies decide `Action` on the key (KMS counts IAM policies only with this delegation). */
const delegate = (Action: string) => ({ Sid: "DelegateToIam", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action, Resource: "*" });
const keyPolicy = (...extra: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: [adminStmt, producerStmt, recipientStmt, ...extra] });

const role = (name: string, tag: string | undefined, extra: Record<string, unknown> = {}): StackResourceInput => ({
    type: "aws:iam/role:Role",
    name,
    props: { name, arn: roleArn(name), tags: tag === undefined ? {} : { "e2ee:principal-role": tag }, assumeRolePolicy: "{}", ...extra },
});
const recordsKey = (policy: unknown, extra: Record<string, unknown> = {}): StackResourceInput => ({
    type: "aws:kms/key:Key",
    name: "records-key",
    props: { arn: KEY_ARN, tags: { "e2ee:key-role": "records" }, policy, ...extra },
});
const doc = (Action: unknown, Resource: unknown) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action, Resource }] });

function stack(over: { key?: StackResourceInput; process?: StackResourceInput; extra?: StackResourceInput[] } = {}): StackResourceInput[] {
    return [
        over.key ?? recordsKey(keyPolicy()),
        { type: "aws:kms/key:Key", name: "storage-key", props: { arn: STORAGE_ARN, tags: { "e2ee:key-role": "storage" } } },
        role("e2ee-producer", "producer"),
        role("e2ee-recipient", "recipient"),
        role("e2ee-admin", "orchestrator"),
        over.process ?? role("e2ee-process", "process"),
        { type: "aws:iam/rolePolicy:RolePolicy", name: "process-storage", props: { role: "e2ee-process", policy: doc(["kms:Decrypt", "kms:GenerateDataKey"], STORAGE_ARN) } },
        ...(over.extra ?? []),
    ];
}
const run = (inputs: StackResourceInput[]) => runStackRule(e2eeRecordsKeyLeastPrivilege, inputs);
const ONLY_RECIPIENT = "only principals tagged e2ee:principal-role=recipient may use kms:Decrypt on a records key.";
const ONLY_PRODUCER = "only principals tagged e2ee:principal-role=producer may use kms:GenerateDataKey* on a records key.";
const KEY_URN = urnOf("aws:kms/key:Key", "records-key");

describe("e2ee-records-key-least-privilege", () => {
    it("accepts the convention: producer GenerateDataKey, recipient Decrypt, others only on other keys", async () => {
        const r = await run(stack());
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, undefined);
    });

    it("reports a key-policy Decrypt grant to a non-recipient role (ARN with a path; role ARN known or unknown)", async () => {
        const key = recordsKey(keyPolicy({ Sid: "Proc", Effect: "Allow", Principal: { AWS: roleArn("e2ee-process", "/svc/") }, Action: "kms:Decrypt*", Resource: "*" }));
        const expected = [
            { message: `records key "records-key" policy statement "Proc" grants kms:Decrypt to role "e2ee-process", which is tagged e2ee:principal-role=process; ${ONLY_RECIPIENT}`, urn: KEY_URN },
        ];
        assert.deepEqual((await run(stack({ key, process: role("e2ee-process", "process", { path: "/svc/", arn: roleArn("e2ee-process", "/svc/") }) }))).violations, expected);
        assert.deepEqual((await run(stack({ key, process: role("e2ee-process", "process", { path: "/svc/", arn: UNKNOWN.string }) }))).violations, expected);
    });

    it("reports kms:* to the recipient (GenerateDataKey) and to an untagged role (both)", async () => {
        const r = await run(
            stack({
                key: recordsKey(keyPolicy({ Sid: "All", Effect: "Allow", Principal: { AWS: [roleArn("e2ee-recipient"), roleArn("untagged")] }, Action: "kms:*", Resource: "*" })),
                extra: [role("untagged", undefined)],
            }),
        );
        assert.deepEqual(r.messages, [
            `records key "records-key" policy statement "All" grants kms:Decrypt to role "untagged", which has no e2ee:principal-role tag; ${ONLY_RECIPIENT}`,
            `records key "records-key" policy statement "All" grants kms:ReEncryptFrom to role "untagged", which has no e2ee:principal-role tag; only principals tagged e2ee:principal-role=recipient may use kms:ReEncryptFrom on a records key.`,
            `records key "records-key" policy statement "All" grants kms:GenerateDataKey* to role "e2ee-recipient", which is tagged e2ee:principal-role=recipient; ${ONLY_PRODUCER}`,
            `records key "records-key" policy statement "All" grants kms:GenerateDataKey* to role "untagged", which has no e2ee:principal-role tag; ${ONLY_PRODUCER}`,
        ]);
    });

    it("reports kms:ReEncrypt* (a way around Decrypt) granted by an identity policy", async () => {
        const r = await run(
            stack({
                key: recordsKey(keyPolicy(delegate("kms:ReEncrypt*"))),
                extra: [{ type: "aws:iam/rolePolicy:RolePolicy", name: "process-reencrypt", props: { role: "e2ee-process", policy: doc("kms:ReEncrypt*", KEY_ARN) } }],
            }),
        );
        assert.deepEqual(r.messages, [
            `process-reencrypt policy statement 1 grants kms:ReEncryptFrom on records key "records-key" to role "e2ee-process", which is tagged e2ee:principal-role=process; only principals tagged e2ee:principal-role=recipient may use kms:ReEncryptFrom on a records key.`,
        ]);
    });

    it('reports an unconditioned "*" principal and a service principal', async () => {
        const r = await run(
            stack({
                key: recordsKey(
                    keyPolicy(
                        { Sid: "Any", Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" },
                        { Sid: "Logs", Effect: "Allow", Principal: { Service: "logs.eu-west-1.amazonaws.com" }, Action: "kms:Decrypt", Resource: "*" },
                    ),
                ),
            }),
        );
        assert.deepEqual(r.messages, [
            `records key "records-key" policy statement "Any" grants kms:Decrypt to every principal (Principal "*" without a condition); ${ONLY_RECIPIENT}`,
            `records key "records-key" policy statement "Logs" grants kms:Decrypt to service principal "logs.eu-west-1.amazonaws.com"; ${ONLY_RECIPIENT}`,
        ]);
    });

    it("does not count a Resource \"*\" grant while the key policy does not delegate to IAM", async () => {
        const r = await run(stack({ extra: [{ type: "aws:iam/rolePolicy:RolePolicy", name: "process-any", props: { role: "e2ee-process", policy: doc("kms:Decrypt", "*") } }] }));
        assert.deepEqual(r.messages, []);
    });

    it("with account-root delegation, reports Resource \"*\" grants to non-recipients (RolePolicy by role name)", async () => {
        const root = { Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: "kms:Decrypt", Resource: "*" };
        const r = await run(
            stack({
                key: recordsKey(keyPolicy(root)),
                extra: [
                    { type: "aws:iam/rolePolicy:RolePolicy", name: "process-any", props: { role: "e2ee-process", policy: doc("kms:Decrypt", "*") } },
                    { type: "aws:iam/rolePolicy:RolePolicy", name: "recipient-any", props: { role: "e2ee-recipient", policy: doc("kms:Decrypt", "*") } },
                ],
            }),
        );
        assert.deepEqual(r.violations, [
            {
                message: `process-any policy statement 1 grants kms:Decrypt on Resource "*", which covers records key "records-key" because its key policy delegates kms:Decrypt to IAM, to role "e2ee-process", which is tagged e2ee:principal-role=process; ${ONLY_RECIPIENT}`,
                urn: urnOf("aws:iam/rolePolicy:RolePolicy", "process-any"),
            },
        ]);
    });

    it("with delegation, a Resource \"*\" grant whose aws:ResourceTag condition excludes the records key does not count", async () => {
        const root = { Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: "kms:Decrypt", Resource: "*" };
        const tagged = (value: string) =>
            JSON.stringify({ Statement: [{ Effect: "Allow", Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/e2ee:key-role": value } } }] });
        const storageOnly = await run(stack({ key: recordsKey(keyPolicy(root)), extra: [{ type: "aws:iam/rolePolicy:RolePolicy", name: "abac", props: { role: "e2ee-process", policy: tagged("storage") } }] }));
        assert.deepEqual(storageOnly.messages, []);
        const records = await run(stack({ key: recordsKey(keyPolicy(root)), extra: [{ type: "aws:iam/rolePolicy:RolePolicy", name: "abac", props: { role: "e2ee-process", policy: tagged("records") } }] }));
        assert.deepEqual(records.messages, [
            `abac policy statement 1 grants kms:Decrypt on Resource "*", which covers records key "records-key" because its key policy delegates kms:Decrypt to IAM, to role "e2ee-process", which is tagged e2ee:principal-role=process; ${ONLY_RECIPIENT}`,
        ]);
    });

    it('a condition-scoped "*" principal is a direct grant to every principal it matches, not a delegation to IAM', async () => {
        // KMS: a key policy statement whose principal is "*" allows every caller that meets its conditions, with no
        // identity policy needed; only the account principal (root) lets identity policies decide.
        const scoped = { Sid: "Scoped", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "kms:CallerAccount": ACCT } } };
        const r = await run(stack({ key: recordsKey(keyPolicy(scoped)), process: role("e2ee-process", "process", { inlinePolicies: [{ name: "p", policy: doc(["kms:Decrypt"], ["*"]) }] }) }));
        assert.deepEqual(r.messages, [
            `records key "records-key" policy statement "Scoped" grants kms:Decrypt to role "e2ee-producer", which is tagged e2ee:principal-role=producer; ${ONLY_RECIPIENT}`,
            `records key "records-key" policy statement "Scoped" grants kms:Decrypt to role "e2ee-admin", which is tagged e2ee:principal-role=orchestrator; ${ONLY_RECIPIENT}`,
            `records key "records-key" policy statement "Scoped" grants kms:Decrypt to role "e2ee-process", which is tagged e2ee:principal-role=process; ${ONLY_RECIPIENT}`,
        ]);
        assert.equal(r.unknown, undefined);
    });

    it("an identity policy naming the records key grants nothing while the key policy does not delegate to IAM", async () => {
        // KMS: "To use an IAM policy to allow access to a KMS key, the key policy must explicitly allow it."
        const r = await run(stack({ extra: [{ type: "aws:iam/rolePolicy:RolePolicy", name: "process-records", props: { role: "e2ee-process", policy: doc(["kms:Decrypt", "kms:ReEncrypt*"], KEY_ARN) } }] }));
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, undefined);
    });

    it("reports a Policy naming the key ARN attached by RolePolicyAttachment (property dependencies)", async () => {
        const r = await run(
            stack({
                key: recordsKey(keyPolicy(delegate("kms:Decrypt"))),
                extra: [
                    { type: "aws:iam/policy:Policy", name: "decrypt-records", props: { arn: `arn:aws:iam::${ACCT}:policy/decrypt-records`, policy: doc("kms:Decrypt", KEY_ARN) } },
                    { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name: "attach", props: { role: UNKNOWN.string, policyArn: UNKNOWN.string }, propertyDependencies: { role: ["e2ee-process"], policyArn: ["decrypt-records"] } },
                ],
            }),
        );
        assert.deepEqual(r.violations, [
            {
                message: `decrypt-records policy statement 1 grants kms:Decrypt on records key "records-key" to role "e2ee-process", which is tagged e2ee:principal-role=process; ${ONLY_RECIPIENT}`,
                urn: urnOf("aws:iam/policy:Policy", "decrypt-records"),
            },
        ]);
    });

    it("reports GenerateDataKey* by a non-producer via Role.managedPolicyArns (by ARN)", async () => {
        const arn = `arn:aws:iam::${ACCT}:policy/gdk`;
        const r = await run(
            stack({
                key: recordsKey(keyPolicy(delegate("kms:GenerateDataKey*"))),
                process: role("e2ee-process", "process", { managedPolicyArns: [arn] }),
                extra: [{ type: "aws:iam/policy:Policy", name: "gdk", props: { arn, policy: doc("kms:GenerateDataKeyWithoutPlaintext", KEY_ARN) } }],
            }),
        );
        assert.deepEqual(r.messages, [
            `gdk policy statement 1 grants kms:GenerateDataKey* on records key "records-key" to role "e2ee-process", which is tagged e2ee:principal-role=process; ${ONLY_PRODUCER}`,
        ]);
    });

    it("takes a document that depends on the records key to name it when the key ARN is unknown", async () => {
        const r = await run(
            stack({
                key: recordsKey(keyPolicy(delegate("kms:Decrypt")), { arn: UNKNOWN.string }),
                extra: [{ type: "aws:iam/rolePolicy:RolePolicy", name: "process-records", props: { role: "e2ee-process", policy: doc("kms:Decrypt", `arn:aws:kms:eu-west-1:${ACCT}:key/pending`) }, propertyDependencies: { policy: ["records-key"] } }],
            }),
        );
        assert.deepEqual(r.messages, [
            `process-records policy statement 1 grants kms:Decrypt on records key "records-key" to role "e2ee-process", which is tagged e2ee:principal-role=process; ${ONLY_RECIPIENT}`,
        ]);
    });

    it("reads a separate aws.kms.KeyPolicy attached by keyId", async () => {
        const r = await run(
            stack({
                extra: [{
                    type: "aws:kms/keyPolicy:KeyPolicy",
                    name: "records-key-policy",
                    props: { keyId: UNKNOWN.string, policy: keyPolicy({ Sid: "Proc", Effect: "Allow", Principal: { AWS: roleArn("e2ee-process") }, Action: "kms:Decrypt", Resource: "*" }) },
                    propertyDependencies: { keyId: ["records-key"] },
                }],
            }),
        );
        assert.deepEqual(r.violations, [
            {
                message: `records key "records-key" key policy "records-key-policy" statement "Proc" grants kms:Decrypt to role "e2ee-process", which is tagged e2ee:principal-role=process; ${ONLY_RECIPIENT}`,
                urn: urnOf("aws:kms/keyPolicy:KeyPolicy", "records-key-policy"),
            },
        ]);
    });

    it("never reports what it cannot prove: unknown key policy, unknown role tags, roles outside the stack", async () => {
        const external = recordsKey(keyPolicy({ Sid: "Ext", Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:role/elsewhere" }, Action: "kms:Decrypt", Resource: "*" }));
        assert.deepEqual((await run(stack({ key: external }))).messages, []);
        // Same name as a stack role, but another account: a different role, whose tags we cannot see.
        const sameName = recordsKey(keyPolicy({ Sid: "Ext", Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:role/e2ee-process" }, Action: "kms:Decrypt", Resource: "*" }));
        assert.deepEqual((await run(stack({ key: sameName }))).messages, []);

        const unknownPolicy = await run(stack({ key: recordsKey(UNKNOWN.string) }));
        assert.deepEqual(unknownPolicy.messages, []);
        assert.equal(unknownPolicy.unknown, 'the policy of records key "records-key" is unknown');

        const unknownTags = await run(
            stack({
                key: recordsKey(keyPolicy({ Sid: "Proc", Effect: "Allow", Principal: { AWS: roleArn("e2ee-process") }, Action: "kms:Decrypt", Resource: "*" })),
                process: { type: "aws:iam/role:Role", name: "e2ee-process", props: { name: "e2ee-process", tags: UNKNOWN.object, assumeRolePolicy: "{}" } },
            }),
        );
        assert.deepEqual(unknownTags.messages, []);
        assert.equal(unknownTags.unknown, 'the tags of role "e2ee-process" are unknown');
    });

    it("an object document with an unknown Resource is undecided, other findings are still reported", async () => {
        const partial = { Statement: [{ Effect: "Allow", Action: "kms:Decrypt", Resource: UNKNOWN.string }] };
        const r = await run(
            stack({
                key: recordsKey(keyPolicy(delegate("kms:Decrypt"))),
                extra: [
                    { type: "aws:iam/rolePolicy:RolePolicy", name: "partial", props: { role: "e2ee-process", policy: partial } },
                    { type: "aws:iam/rolePolicy:RolePolicy", name: "explicit", props: { role: "e2ee-process", policy: doc("kms:Decrypt", KEY_ARN) } },
                ],
            }),
        );
        assert.deepEqual(r.messages, [
            `explicit policy statement 1 grants kms:Decrypt on records key "records-key" to role "e2ee-process", which is tagged e2ee:principal-role=process; ${ONLY_RECIPIENT}`,
        ]);
        assert.equal(r.unknown, "partial policy: string value at .policy.Statement.0.Resource can't be known during preview");
    });

    it("does nothing without a records key", async () => {
        const r = await run(stack().filter((x) => x.name !== "records-key"));
        assert.deepEqual(r.messages, []);
    });
});
