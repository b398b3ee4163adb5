/** The steps of e2ee-records-key-least-privilege (rules/iam/recordsKey.ts, rules/iam/recordsKeyFindings.ts) on their own. */
import assert from "node:assert/strict";
import { parsePolicyDocument } from "../../../policies/lib/iam";
import { Undecided } from "../../../policies/lib/unknown";
import { forKey, keyGrants, keyPolicyOf, OPERATIONS, pendingKeyMatcher, recordsKeys } from "../../../policies/rules/iam/recordsKey";
import { compareOrder, onlyAllowedTag } from "../../../policies/rules/iam/recordsKeyFindings";
import { UNKNOWN, stackResources, type StackResourceInput } from "../harness";

const ACCT = "111122223333";
const KEY_ARN = `arn:aws:kms:eu-west-1:${ACCT}:key/1111-records`;
const POLICY = JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: "kms:*", Resource: "*" }] });
const [DECRYPT, , GENERATE] = OPERATIONS;

function undecidedOf(u: Undecided): string | undefined {
    try {
        u.finish();
        return undefined;
    } catch (e) {
        return (e as Error).message;
    }
}
const key = (props: Record<string, unknown> = {}): StackResourceInput => ({ type: "aws:kms/key:Key", name: "records-key", props: { arn: KEY_ARN, keyId: "1111-records", tags: { "e2ee:key-role": "records" }, ...props } });

describe("e2ee-records-key-least-privilege: its steps", () => {
    it("recordsKeys: keys tagged as records keys; a key whose tags are unknown is undecided", () => {
        const resources = stackResources([
            key(),
            { type: "aws:kms/key:Key", name: "storage-key", props: { tags: { "e2ee:key-role": "storage" } } },
            { type: "aws:kms/key:Key", name: "pending-key", props: { tags: UNKNOWN.object } },
            { type: "aws:s3/bucket:Bucket", name: "b", props: { tags: { "e2ee:key-role": "records" } } },
        ]);
        const u = new Undecided();
        assert.deepEqual(recordsKeys(resources, u).map((r) => r.name), ["records-key"]);
        assert.equal(undecidedOf(u), 'the tags of key "pending-key" are unknown');
    });

    describe("forKey: a resource is for the key by its keyId or a property dependency", () => {
        const table: [string, StackResourceInput, boolean][] = [
            ["the key ID", { type: "aws:kms/grant:Grant", name: "g", props: { keyId: "1111-records" } }, true],
            ["the key ARN", { type: "aws:kms/grant:Grant", name: "g", props: { keyId: KEY_ARN } }, true],
            ["another key", { type: "aws:kms/grant:Grant", name: "g", props: { keyId: "2222-storage" } }, false],
            ["unknown, depending on the key", { type: "aws:kms/grant:Grant", name: "g", props: { keyId: UNKNOWN.string }, propertyDependencies: { keyId: ["records-key"] } }, true],
            ["unknown, without a dependency", { type: "aws:kms/grant:Grant", name: "g", props: { keyId: UNKNOWN.string } }, false],
        ];
        for (const [what, input, expected] of table) {
            it(what, () => {
                const [k, r] = stackResources([key(), input]);
                assert.equal(forKey(k)(r), expected);
            });
        }
    });

    describe("keyPolicyOf: the key's policy, a separate KeyPolicy's, KMS's default, or none when it cannot be read", () => {
        const table: [string, StackResourceInput[], string, string | undefined][] = [
            ["the key's own policy", [key({ policy: POLICY })], 'records key "records-key" policy: 1 statement(s)', undefined],
            ["a KeyPolicy replaces it", [key({ policy: POLICY }), { type: "aws:kms/keyPolicy:KeyPolicy", name: "kp", props: { keyId: "1111-records", policy: POLICY } }], 'records key "records-key" key policy "kp": 1 statement(s)', undefined],
            ["no policy: KMS's default", [key()], "default", undefined],
            ["unknown: undecided", [key({ policy: UNKNOWN.string })], "none", 'the policy of records key "records-key" is unknown'],
            ["partly unknown: undecided", [key({ policy: { Statement: [{ Effect: UNKNOWN.string }] } })], "none", `the policy of records key "records-key": string value at .policy.Statement.0.Effect can't be known during preview`],
            ["not a policy document (AWS rejects it)", [key({ policy: "not json" })], "none", undefined],
        ];
        for (const [what, inputs, expected, why] of table) {
            it(what, () => {
                const resources = stackResources(inputs);
                const u = new Undecided();
                const p = keyPolicyOf(resources[0], resources, u);
                assert.equal(p === undefined ? "none" : p === "default" ? "default" : `${p.source.label}: ${p.document.statements.length} statement(s)`, expected);
                assert.equal(undecidedOf(u), why);
            });
        }
    });

    it("keyGrants: the grants on the key, with what is unknown about them undecided", () => {
        const resources = stackResources([
            key(),
            { type: "aws:kms/grant:Grant", name: "g1", props: { keyId: "1111-records", granteePrincipal: "arn:aws:iam::111122223333:role/r", operations: ["Decrypt", 3] } },
            { type: "aws:kms/grant:Grant", name: "g2", props: { keyId: "1111-records", granteePrincipal: UNKNOWN.string, operations: ["Encrypt"], constraints: UNKNOWN.array } },
            { type: "aws:kms/grant:Grant", name: "g3", props: { keyId: "1111-records", operations: UNKNOWN.array } },
            { type: "aws:kms/grant:Grant", name: "g4", props: { keyId: "1111-records", operations: ["Decrypt"], constraints: [{ encryptionContextEquals: { a: "b" } }] } },
            { type: "aws:kms/grant:Grant", name: "other", props: { keyId: "2222-storage", operations: ["Decrypt"] } },
        ]);
        const u = new Undecided();
        const grants = keyGrants(resources[0], resources, u);
        assert.deepEqual(
            grants.map(({ res, ...g }) => ({ name: res.name, ...g })),
            [
                { name: "g1", source: { label: 'grant "g1"', urn: resources[1].urn }, grantee: "arn:aws:iam::111122223333:role/r", operations: ["Decrypt"] },
                { name: "g2", source: { label: 'grant "g2"', urn: resources[2].urn }, grantee: undefined, operations: ["Encrypt"], constraints: "unknown during preview" },
                { name: "g4", source: { label: 'grant "g4"', urn: resources[4].urn }, grantee: undefined, operations: ["Decrypt"], constraints: '[{"encryptionContextEquals":{"a":"b"}}]' },
            ],
        );
        assert.equal(undecidedOf(u), 'the grantee of grant "g2" is unknown; the constraints of grant "g2" are unknown; the operations of grant "g3" are unknown');
    });

    describe("pendingKeyMatcher: a Resource pattern and a key whose ARN is not known yet", () => {
        const m = pendingKeyMatcher("records-key");
        const table: [string, string][] = [
            ["*", "yes"],
            [KEY_ARN, "no"],
            ["arn:aws:kms:*:*:key/*", 'unknown: the ARN of records key "records-key" is unknown'],
            ["arn:aws:*:*:*:*", 'unknown: the ARN of records key "records-key" is unknown'],
            ["arn:aws:s3:::bucket/*", "no"],
        ];
        for (const [pattern, expected] of table) {
            it(pattern, () => {
                const o = m(pattern);
                assert.equal(o.result === "unknown" ? `unknown: ${o.reasons.join(", ")}` : o.result, expected);
            });
        }
    });

    describe("onlyAllowedTag: a statement only principals with the operation's tag meet", () => {
        const stmt = (Condition: unknown) => parsePolicyDocument({ Statement: [{ Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*", Condition }] }).statements[0];
        const table: [string, unknown, typeof DECRYPT, boolean][] = [
            ["StringEquals the allowed tag", { StringEquals: { "aws:PrincipalTag/e2ee:principal-role": "recipient" } }, DECRYPT, true],
            ["any case of the operator and key", { stringequals: { "AWS:PrincipalTag/e2ee:principal-role": ["recipient"] } }, DECRYPT, true],
            ["another operation's tag", { StringEquals: { "aws:PrincipalTag/e2ee:principal-role": "recipient" } }, GENERATE, false],
            ["one of several tags", { StringEquals: { "aws:PrincipalTag/e2ee:principal-role": ["recipient", "process"] } }, DECRYPT, false],
            ["no value", { StringEquals: { "aws:PrincipalTag/e2ee:principal-role": [] } }, DECRYPT, false],
            ["StringLike", { StringLike: { "aws:PrincipalTag/e2ee:principal-role": "recipient" } }, DECRYPT, false],
        ];
        for (const [what, condition, op, expected] of table) {
            it(what, () => assert.equal(onlyAllowedTag(stmt(condition), op), expected));
        }
        it("no condition", () => assert.equal(onlyAllowedTag(parsePolicyDocument({ Statement: [{ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }] }).statements[0], DECRYPT), false));
    });

    describe("compareOrder: findings sort element by element", () => {
        const table: [(number | string)[], (number | string)[], number][] = [
            [[0, 1, 2], [0, 1, 2], 0],
            [[0, 1], [1, 0], -1],
            [[1, 10], [1, 9], 1],
            [[1, 3, "a policy"], [1, 3, "b policy"], -1],
            [[0, 1], [0, 1, 0], -1],
            [[0, 1, -1], [0, 1], 0],
        ];
        for (const [a, b, expected] of table) {
            it(`${JSON.stringify(a)} vs ${JSON.stringify(b)}`, () => assert.equal(Math.sign(compareOrder(a, b)), expected));
        }
    });

    it("OPERATIONS: recipients decrypt and re-encrypt from, producers generate data keys", () => {
        assert.deepEqual(
            OPERATIONS.map((o) => `${o.label} ${o.allowed}`),
            ["kms:Decrypt recipient", "kms:ReEncryptFrom recipient", "kms:GenerateDataKey* producer"],
        );
    });
});
