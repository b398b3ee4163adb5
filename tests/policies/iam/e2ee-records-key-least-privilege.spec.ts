import assert from "node:assert/strict";
import { e2eeRecordsKeyLeastPrivilege } from "../../../policies/rules/iam/e2eeRecordsKeyLeastPrivilege";
import { builtStack } from "../../infra/support/stack";
import { stackNames } from "../../infra/support/harness";
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

    describe("KMS authorization semantics", () => {
        const ONLY_RECIPIENT_REENCRYPT = "only principals tagged e2ee:principal-role=recipient may use kms:ReEncryptFrom on a records key.";
        const rolePolicy = (name: string, roleName: string, policy: unknown, extra: Partial<StackResourceInput> = {}): StackResourceInput => ({
            type: "aws:iam/rolePolicy:RolePolicy",
            name,
            props: { role: roleName, policy },
            ...extra,
        });
        const denyExcept = (sid: string, actions: string[], arn: string) => ({ Sid: sid, Effect: "Deny", Principal: "*", Action: actions, Resource: "*", Condition: { ArnNotEquals: { "aws:PrincipalArn": arn } } });

        it("an explicit Deny in the key policy wins: a grant to every role, denied to all but the recipient, is compliant", async () => {
            const r = await run(
                stack({
                    key: recordsKey(
                        keyPolicy(
                            { Sid: "All", Effect: "Allow", Principal: { AWS: [roleArn("e2ee-process"), roleArn("e2ee-admin")] }, Action: "kms:Decrypt", Resource: "*" },
                            denyExcept("DenyDecryptExceptRecipient", ["kms:Decrypt", "kms:ReEncryptFrom"], roleArn("e2ee-recipient", "/pipeline/")),
                        ),
                    ),
                }),
            );
            assert.deepEqual(r.messages, []);
            assert.equal(r.unknown, undefined);
        });

        it("an explicit Deny in an identity policy wins over the key policy", async () => {
            const key = recordsKey(keyPolicy({ Sid: "Proc", Effect: "Allow", Principal: { AWS: roleArn("e2ee-process") }, Action: "kms:Decrypt", Resource: "*" }));
            const deny = JSON.stringify({ Statement: [{ Effect: "Deny", Action: "kms:*", Resource: KEY_ARN }] });
            assert.deepEqual((await run(stack({ key, extra: [rolePolicy("process-deny", "e2ee-process", deny)] }))).messages, []);
            // A Deny on another key does not.
            const other = JSON.stringify({ Statement: [{ Effect: "Deny", Action: "kms:*", Resource: STORAGE_ARN }] });
            assert.deepEqual((await run(stack({ key, extra: [rolePolicy("process-deny", "e2ee-process", other)] }))).messages, [
                `records key "records-key" policy statement "Proc" grants kms:Decrypt to role "e2ee-process", which is tagged e2ee:principal-role=process; ${ONLY_RECIPIENT}`,
            ]);
        });

        it("NotAction: an Allow of everything but kms:Encrypt grants Decrypt and ReEncryptFrom", async () => {
            const r = await run(stack({ key: recordsKey(keyPolicy({ Sid: "Most", Effect: "Allow", Principal: { AWS: roleArn("e2ee-admin") }, NotAction: ["kms:Encrypt", "kms:GenerateDataKey*"], Resource: "*" })) }));
            assert.deepEqual(r.messages, [
                `records key "records-key" policy statement "Most" grants kms:Decrypt to role "e2ee-admin", which is tagged e2ee:principal-role=orchestrator; ${ONLY_RECIPIENT}`,
                `records key "records-key" policy statement "Most" grants kms:ReEncryptFrom to role "e2ee-admin", which is tagged e2ee:principal-role=orchestrator; ${ONLY_RECIPIENT_REENCRYPT}`,
            ]);
        });

        it("NotResource in an identity policy covers the records key (with delegation)", async () => {
            const policy = JSON.stringify({ Statement: [{ Effect: "Allow", Action: "kms:Decrypt", NotResource: STORAGE_ARN }] });
            const r = await run(stack({ key: recordsKey(keyPolicy(delegate("kms:Decrypt"))), extra: [rolePolicy("process-not", "e2ee-process", policy)] }));
            assert.deepEqual(r.messages, [
                `process-not policy statement 1 grants kms:Decrypt on records key "records-key" to role "e2ee-process", which is tagged e2ee:principal-role=process; ${ONLY_RECIPIENT}`,
            ]);
        });

        it("a condition on a value of each request (kms:ViaService) is undecided, named", async () => {
            const via = { Sid: "ViaS3", Effect: "Allow", Principal: { AWS: roleArn("e2ee-process") }, Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } } };
            const r = await run(stack({ key: recordsKey(keyPolicy(via)) }));
            assert.deepEqual(r.messages, []);
            assert.equal(r.unknown, 'whether records key "records-key" policy statement "ViaS3" gives role "e2ee-process" kms:Decrypt: kms:ViaService is a value of each request, which the program does not fix');
        });

        it("conditions the program fixes are decided: aws:PrincipalTag, kms:CallerAccount", async () => {
            const byTag = { Sid: "ByTag", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "aws:PrincipalTag/e2ee:principal-role": "recipient", "kms:CallerAccount": ACCT } } };
            const tagged = await run(stack({ key: recordsKey(keyPolicy(byTag)) }));
            assert.deepEqual(tagged.messages, []);
            // Whoever it grants, inside the program or not, is tagged recipient.
            assert.equal(tagged.unknown, undefined);
            const byTeam = { Sid: "ByTeam", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "aws:PrincipalTag/team": "data" } } };
            const r = await run(stack({ key: recordsKey(keyPolicy(byTeam)), process: role("e2ee-process", "process", { tags: { "e2ee:principal-role": "process", team: "data" } }) }));
            assert.deepEqual(r.messages, [`records key "records-key" policy statement "ByTeam" grants kms:Decrypt to role "e2ee-process", which is tagged e2ee:principal-role=process; ${ONLY_RECIPIENT}`]);
            assert.equal(r.unknown, undefined);
        });

        it("aws:PrincipalTag is undecided for a role whose trust policy allows session tags", async () => {
            const byTeam = { Sid: "ByTeam", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "aws:PrincipalTag/team": "data", "kms:CallerAccount": ACCT } } };
            const trust = JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: ["sts:AssumeRole", "sts:TagSession"] }] });
            const r = await run(stack({ key: recordsKey(keyPolicy(byTeam)), process: role("e2ee-process", "process", { assumeRolePolicy: trust }) }));
            assert.deepEqual(r.messages, []);
            assert.equal(
                r.unknown,
                'whether records key "records-key" policy statement "ByTeam" gives role "e2ee-process" kms:Decrypt: sessions of role "e2ee-process" may carry session tags (its trust policy allows sts:TagSession); ' +
                    'whether records key "records-key" policy statement "ByTeam" gives kms:Decrypt to principals outside the program: aws:PrincipalTag/team depends on the caller, kms:CallerAccount depends on the caller',
            );
        });

        it("a KMS grant hands out Decrypt: reported on the grant", async () => {
            const grant: StackResourceInput = {
                type: "aws:kms/grant:Grant",
                name: "process-decrypt",
                props: { keyId: KEY_ARN, granteePrincipal: roleArn("e2ee-process"), operations: ["Decrypt", "DescribeKey"] },
            };
            const r = await run(stack({ extra: [grant] }));
            assert.deepEqual(r.violations, [
                {
                    message: `grant "process-decrypt" gives kms:Decrypt on records key "records-key" to role "e2ee-process", which is tagged e2ee:principal-role=process; ${ONLY_RECIPIENT}`,
                    urn: urnOf("aws:kms/grant:Grant", "process-decrypt"),
                },
            ]);
            // Found by property dependency as well (keyId: key.keyId, granteePrincipal: role.arn).
            const byDeps = await run(stack({ extra: [{ ...grant, props: { ...grant.props, keyId: "1111-records" }, propertyDependencies: { keyId: ["records-key"] } }] }));
            assert.deepEqual(byDeps.messages, r.messages);
        });

        it("grants: to the producer for GenerateDataKey (compliant), to a service, with constraints (undecided), denied by the key policy", async () => {
            const grant = (name: string, props: Record<string, unknown>): StackResourceInput => ({ type: "aws:kms/grant:Grant", name, props: { keyId: KEY_ARN, ...props } });
            assert.deepEqual((await run(stack({ extra: [grant("producer", { granteePrincipal: roleArn("e2ee-producer"), operations: ["GenerateDataKey"] })] }))).messages, []);
            const svc = await run(stack({ extra: [grant("svc", { granteePrincipal: "lambda.amazonaws.com", operations: ["Decrypt"] })] }));
            assert.deepEqual(svc.messages, [`grant "svc" gives kms:Decrypt on records key "records-key" to service principal "lambda.amazonaws.com"; ${ONLY_RECIPIENT}`]);
            const constrained = await run(stack({ extra: [grant("ctx", { granteePrincipal: roleArn("e2ee-process"), operations: ["Decrypt"], constraints: [{ encryptionContextSubset: { stream: "records" } }] })] }));
            assert.deepEqual(constrained.messages, []);
            assert.equal(
                constrained.unknown,
                'whether grant "ctx" gives role "e2ee-process" kms:Decrypt: grant "ctx" applies only to requests whose encryption context matches its constraints ([{"encryptionContextSubset":{"stream":"records"}}])',
            );
            const denied = await run(
                stack({
                    key: recordsKey(keyPolicy(denyExcept("DenyDecryptExceptRecipient", ["kms:Decrypt", "kms:ReEncryptFrom"], roleArn("e2ee-recipient", "/pipeline/")))),
                    extra: [grant("process", { granteePrincipal: roleArn("e2ee-process"), operations: ["Decrypt"] })],
                }),
            );
            assert.deepEqual(denied.messages, []);
        });

        it("attachment forms: PolicyAttachment, RolePolicyAttachmentsExclusive, an AWS-managed administrator policy", async () => {
            const decrypt = { type: "aws:iam/policy:Policy", name: "decrypt", props: { arn: `arn:aws:iam::${ACCT}:policy/decrypt`, policy: doc("kms:Decrypt", "*") } };
            const key = recordsKey(keyPolicy(delegate("kms:Decrypt")));
            const viaPolicyAttachment = await run(stack({ key, extra: [decrypt, { type: "aws:iam/policyAttachment:PolicyAttachment", name: "pa", props: { policyArn: `arn:aws:iam::${ACCT}:policy/decrypt`, roles: ["e2ee-process"] } }] }));
            const expected = `decrypt policy statement 1 grants kms:Decrypt on Resource "*", which covers records key "records-key" because its key policy delegates kms:Decrypt to IAM, to role "e2ee-process", which is tagged e2ee:principal-role=process; ${ONLY_RECIPIENT}`;
            assert.deepEqual(viaPolicyAttachment.messages, [expected]);
            const exclusive = await run(
                stack({ key, extra: [decrypt, { type: "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", name: "ex", props: { roleName: "e2ee-process", policyArns: [`arn:aws:iam::${ACCT}:policy/decrypt`] } }] }),
            );
            assert.deepEqual(exclusive.messages, [expected]);
            const admin = await run(
                stack({ key, extra: [{ type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name: "admin", props: { role: "e2ee-process", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" } }] }),
            );
            assert.deepEqual(admin.messages, [
                `AWS-managed policy arn:aws:iam::aws:policy/AdministratorAccess statement 1 grants kms:Decrypt on Resource "*", which covers records key "records-key" because its key policy delegates kms:Decrypt to IAM, to role "e2ee-process", which is tagged e2ee:principal-role=process; ${ONLY_RECIPIENT}`,
            ]);
            const lambdaBasic = await run(
                stack({ key, extra: [{ type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name: "basic", props: { role: "e2ee-process", policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" } }] }),
            );
            assert.deepEqual(lambdaBasic.messages, []);
            assert.equal(lambdaBasic.unknown, undefined);
            const external = await run(
                stack({ key, extra: [{ type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name: "ext", props: { role: "e2ee-process", policyArn: `arn:aws:iam::${ACCT}:policy/elsewhere` } }] }),
            );
            assert.deepEqual(external.messages, []);
            assert.equal(external.unknown, `whether policy arn:aws:iam::${ACCT}:policy/elsewhere gives role "e2ee-process" kms:Decrypt: policy arn:aws:iam::${ACCT}:policy/elsewhere is not in the program`);
        });

        it("users and their groups' policies", async () => {
            const user = (name: string, tag: string, extra: Record<string, unknown> = {}): StackResourceInput => ({
                type: "aws:iam/user:User",
                name,
                props: { name, arn: `arn:aws:iam::${ACCT}:user/${name}`, tags: { "e2ee:principal-role": tag }, ...extra },
            });
            const key = recordsKey(keyPolicy(delegate("kms:Decrypt")));
            const r = await run(
                stack({
                    key,
                    extra: [
                        user("analyst", "analytics"),
                        user("reader", "recipient"),
                        { type: "aws:iam/group:Group", name: "readers", props: { name: "readers", arn: `arn:aws:iam::${ACCT}:group/readers` } },
                        { type: "aws:iam/groupPolicy:GroupPolicy", name: "readers-decrypt", props: { group: "readers", policy: doc("kms:Decrypt", KEY_ARN) } },
                        { type: "aws:iam/groupMembership:GroupMembership", name: "members", props: { group: "readers", users: ["analyst", "reader"] } },
                        { type: "aws:iam/userPolicy:UserPolicy", name: "analyst-reencrypt", props: { user: "analyst", policy: doc("kms:ReEncryptFrom", "*") } },
                    ],
                }),
            );
            assert.deepEqual(r.messages, [
                `readers-decrypt policy statement 1 grants kms:Decrypt on records key "records-key" to user "analyst" (through group "readers"), which is tagged e2ee:principal-role=analytics; ${ONLY_RECIPIENT}`,
            ]);
            // kms:ReEncryptFrom is not delegated by this key policy: the user policy grants nothing.
        });

        it("a permissions boundary without KMS limits identity policies", async () => {
            const boundary = { type: "aws:iam/policy:Policy", name: "boundary", props: { arn: `arn:aws:iam::${ACCT}:policy/boundary`, policy: doc("s3:*", "*") } };
            const key = recordsKey(keyPolicy(delegate("kms:Decrypt")));
            const process = role("e2ee-process", "process", { permissionsBoundary: `arn:aws:iam::${ACCT}:policy/boundary`, inlinePolicies: [{ name: "p", policy: doc("kms:Decrypt", KEY_ARN) }] });
            const r = await run(stack({ key, process, extra: [boundary] }));
            assert.deepEqual(r.messages, []);
            assert.equal(r.unknown, undefined);
        });

        it("principals outside the program are undecided, named", async () => {
            const r = await run(stack({ key: recordsKey(keyPolicy({ Sid: "Ext", Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:role/elsewhere" }, Action: "kms:Decrypt", Resource: "*" })) }));
            assert.deepEqual(r.messages, []);
            assert.equal(r.unknown, 'records key "records-key" policy statement "Ext" gives kms:Decrypt to arn:aws:iam::999999999999:role/elsewhere, which is not in the program (its tags cannot be read)');
        });

        it("a key policy like our keys layer's (named principals, Deny for everyone else, no delegation) is compliant and decided", async () => {
            const recipient = roleArn("e2ee-recipient", "/pipeline/");
            const producer = roleArn("e2ee-producer");
            const policy = keyPolicy(
                denyExcept("DenyDecryptExceptRecipient", ["kms:Decrypt", "kms:ReEncryptFrom"], recipient),
                denyExcept("DenyDataKeysExceptProducer", ["kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext"], producer),
                { Sid: "DenyGrants", Effect: "Deny", Principal: "*", Action: ["kms:CreateGrant"], Resource: "*" },
            );
            const r = await run(
                stack({
                    key: recordsKey(policy),
                    process: role("e2ee-process", "process", { arn: roleArn("e2ee-process"), inlinePolicies: [{ name: "all", policy: doc("kms:*", "*") }] }),
                }),
            );
            assert.deepEqual(r.messages, []);
            assert.equal(r.unknown, undefined);
        });
    });

    describe("the pipeline stacks, as after an update (every value known)", function () {
        this.timeout(120000);
        for (const name of stackNames()) {
            it(`${name}: only the recipient decrypts and only the producer generates data keys, decided`, async () => {
                const built = await builtStack(name);
                const plain = (v: unknown) => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (x instanceof Promise ? undefined : x))) as Record<string, unknown>;
                const inputs = built.resources.filter((r) => r.custom).map((r) => ({ type: r.type, name: r.name, props: plain({ ...r.inputs, ...r.state, id: r.id }) }));
                assert.ok(inputs.some((r) => r.type === "aws:kms/key:Key" && (r.props["tags"] as Record<string, string>)["e2ee:key-role"] === "records"));
                const r = await run(inputs);
                assert.deepEqual(r.messages, []);
                assert.equal(r.unknown, undefined);
                // The check can fail: the processing role given kms:Decrypt in the records key policy is reported.
                const key = inputs.find((x) => x.type === "aws:kms/key:Key" && (x.props["tags"] as Record<string, string>)["e2ee:key-role"] === "records");
                const proc = inputs.find((x) => x.type === "aws:iam/role:Role" && (x.props["tags"] as Record<string, string>)["e2ee:principal-role"] === "process");
                assert.ok(key !== undefined && proc !== undefined);
                const policy = JSON.parse(key.props["policy"] as string) as { Statement: Record<string, unknown>[] };
                const withProc = {
                    ...key,
                    props: {
                        ...key.props,
                        policy: JSON.stringify({
                            ...policy,
                            Statement: [
                                ...policy.Statement.filter((st) => st["Sid"] !== "DenyDecryptExceptRecipient"),
                                { Sid: "Proc", Effect: "Allow", Principal: { AWS: proc.props["arn"] }, Action: "kms:Decrypt", Resource: "*" },
                            ],
                        }),
                    },
                };
                const bad = await run(inputs.map((x) => (x === key ? withProc : x)));
                assert.deepEqual(bad.messages, [
                    `records key "${key.name}" policy statement "Proc" grants kms:Decrypt to role "${String(proc.props["name"])}", which is tagged e2ee:principal-role=process; ${ONLY_RECIPIENT}`,
                ]);
            });
        }
    });

    it("does nothing without a records key", async () => {
        const r = await run(stack().filter((x) => x.name !== "records-key"));
        assert.deepEqual(r.messages, []);
    });
});
