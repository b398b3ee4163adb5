import assert from "node:assert/strict";
import { parsePolicyDocument } from "../../../policies/lib/iam";
import {
    evaluateKeyAccess,
    type IdentityPolicy,
    type KmsGrant,
    type KmsKey,
    type KmsOperation,
    type KmsPrincipal,
    type PrincipalAccess,
} from "../../../policies/lib/kmsAccess";

const ACCT = "111122223333";
const OTHER = "444455556666";
const KEY_ARN = `arn:aws:kms:eu-west-1:${ACCT}:key/1111-records`;
const roleArn = (name: string, account = ACCT) => `arn:aws:iam::${account}:role/${name}`;
const ROOT = `arn:aws:iam::${ACCT}:root`;

const DECRYPT: KmsOperation = { label: "kms:Decrypt", actions: ["kms:Decrypt"] };
const GDK: KmsOperation = {
    label: "kms:GenerateDataKey*",
    actions: ["kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext"],
};

const src = (label: string) => ({ label, urn: `urn:${label.replace(/\s+/g, "-")}` });
function key(statements: unknown[] | "default", extra: Partial<KmsKey> = {}): KmsKey {
    return {
        name: "records",
        urn: "urn:key",
        arn: KEY_ARN,
        account: ACCT,
        region: "eu-west-1",
        tags: { "e2ee:key-role": "records" },
        attributes: { "kms:KeySpec": "SYMMETRIC_DEFAULT" },
        policy: statements === "default" ? "default" : { source: src("key policy"), document: parsePolicyDocument({ Statement: statements }) },
        ...extra,
    };
}
const doc = (label: string, statements: unknown[], extra: Partial<IdentityPolicy> = {}): IdentityPolicy => ({
    source: src(label),
    document: parsePolicyDocument({ Statement: statements }),
    ...extra,
});
function principal(name: string, policies: IdentityPolicy[] = [], extra: Partial<KmsPrincipal> = {}): KmsPrincipal {
    return { kind: "role", name, urn: `urn:${name}`, arn: roleArn(name), account: ACCT, tags: {}, sessionTags: false, policies, ...extra };
}
const allow = (Principal: unknown, Action: unknown = "kms:Decrypt", extra: Record<string, unknown> = {}) => ({ Sid: "A", Effect: "Allow", Principal, Action, Resource: "*", ...extra });
const idAllow = (Action: unknown, Resource: unknown = "*", extra: Record<string, unknown> = {}) => ({ Effect: "Allow", Action, Resource, ...extra });

/** The decision, with the granting documents' labels and statement indexes, or the reasons. */
function summary(a: PrincipalAccess): string {
    if (a.decision === "allowed") {
        return `allowed by ${a.paths
            .map((p) => {
                if (p.kind === "grant") return p.source.label;
                const d = p.kind === "identity" ? ` (delegated by ${p.delegation.kind === "key-policy" ? `key policy #${p.delegation.statement.index}` : p.delegation.kind === "grant" ? p.delegation.source.label : "the default key policy"})` : "";
                return `${p.source.label} #${p.statement.index}${d}`;
            })
            .join(", ")}`;
    }
    return a.decision === "undecided" ? `undecided: ${a.reasons.join(" | ")}` : "not allowed";
}
function decide(k: KmsKey, p: KmsPrincipal, grants: KmsGrant[] = [], op: KmsOperation = DECRYPT): string {
    const r = evaluateKeyAccess(k, [p], grants, [op]);
    return summary(r.principals[0]);
}

describe("lib/kmsAccess", () => {
    describe("who can kms:Decrypt (one principal, one key)", () => {
        const table: [string, KmsKey, KmsPrincipal, KmsGrant[], string][] = [
            ["key policy names the role", key([allow({ AWS: roleArn("proc") })]), principal("proc"), [], "allowed by key policy #0"],
            ["key policy names another role", key([allow({ AWS: roleArn("recipient") })]), principal("proc"), [], "not allowed"],
            ['key policy "*" without condition', key([allow("*")]), principal("proc"), [], "allowed by key policy #0"],
            [
                'key policy "*" scoped to the account is a direct grant, not a delegation',
                key([allow({ AWS: "*" }, "kms:Decrypt", { Condition: { StringEquals: { "kms:CallerAccount": ACCT } } })]),
                principal("proc"),
                [],
                "allowed by key policy #0",
            ],
            [
                'key policy "*" scoped to another account',
                key([allow({ AWS: "*" }, "kms:Decrypt", { Condition: { StringEquals: { "kms:CallerAccount": OTHER } } })]),
                principal("proc"),
                [],
                "not allowed",
            ],
            ["root delegation without identity policy", key([allow({ AWS: ROOT }, "kms:*")]), principal("proc"), [], "not allowed"],
            [
                "root delegation and an identity policy on Resource *",
                key([allow({ AWS: ROOT }, "kms:*")]),
                principal("proc", [doc("proc-policy", [idAllow("kms:Decrypt")])]),
                [],
                "allowed by proc-policy #0 (delegated by key policy #0)",
            ],
            [
                "delegation by account ID only for the delegated action",
                key([allow({ AWS: ACCT }, "kms:Encrypt")]),
                principal("proc", [doc("proc-policy", [idAllow("kms:*")])]),
                [],
                "not allowed",
            ],
            ["identity policy without delegation", key([allow({ AWS: roleArn("recipient") })]), principal("proc", [doc("p", [idAllow("kms:Decrypt", KEY_ARN)])]), [], "not allowed"],
            ["default key policy delegates", key("default"), principal("proc", [doc("p", [idAllow("kms:Decrypt", KEY_ARN)])]), [], "allowed by p #0 (delegated by the default key policy)"],
            ["default key policy, identity policy on another key", key("default"), principal("proc", [doc("p", [idAllow("kms:Decrypt", `arn:aws:kms:eu-west-1:${ACCT}:key/other`)])]), [], "not allowed"],
            ["identity NotAction", key("default"), principal("proc", [doc("p", [{ Effect: "Allow", NotAction: ["kms:Encrypt"], Resource: "*" }])]), [], "allowed by p #0 (delegated by the default key policy)"],
            ["identity NotResource", key("default"), principal("proc", [doc("p", [{ Effect: "Allow", Action: "kms:Decrypt", NotResource: `arn:aws:kms:eu-west-1:${ACCT}:key/other` }])]), [], "allowed by p #0 (delegated by the default key policy)"],
            [
                "key policy Deny except the recipient (ArnNotEquals aws:PrincipalArn)",
                key([allow({ AWS: [roleArn("proc"), roleArn("recipient")] }), { Sid: "D", Effect: "Deny", Principal: "*", Action: "kms:Decrypt", Resource: "*", Condition: { ArnNotEquals: { "aws:PrincipalArn": roleArn("recipient") } } }]),
                principal("proc"),
                [],
                "not allowed",
            ],
            [
                "the same Deny does not apply to the recipient",
                key([allow({ AWS: [roleArn("proc"), roleArn("recipient")] }), { Sid: "D", Effect: "Deny", Principal: "*", Action: "kms:Decrypt", Resource: "*", Condition: { ArnNotEquals: { "aws:PrincipalArn": roleArn("recipient") } } }]),
                principal("recipient"),
                [],
                "allowed by key policy #0",
            ],
            ["an identity Deny wins over the key policy", key([allow({ AWS: roleArn("proc") })]), principal("proc", [doc("deny", [{ Effect: "Deny", Action: "kms:*", Resource: "*" }])]), [], "not allowed"],
            [
                "a Deny NotPrincipal that does not name the caller applies",
                key([allow({ AWS: roleArn("proc") }), { Effect: "Deny", NotPrincipal: { AWS: roleArn("recipient") }, Action: "kms:Decrypt", Resource: "*" }]),
                principal("proc"),
                [],
                "not allowed",
            ],
            [
                "a Deny NotPrincipal naming the role (not its sessions) is undecided",
                key([allow({ AWS: roleArn("proc") }), { Sid: "D", Effect: "Deny", NotPrincipal: { AWS: roleArn("proc") }, Action: "kms:Decrypt", Resource: "*" }]),
                principal("proc"),
                [],
                'undecided: role "proc" has kms:Decrypt through key policy statement "A", unless key policy statement "D" denies it (NotPrincipal names role "proc", a session of it or its account; whether its sessions are excluded depends on naming each session ARN)',
            ],
            [
                "an Allow conditioned on a request value is undecided",
                key([allow({ AWS: roleArn("proc") }, "kms:Decrypt", { Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } } })]),
                principal("proc"),
                [],
                'undecided: whether key policy statement "A" gives role "proc" kms:Decrypt: kms:ViaService is a value of each request, which the program does not fix',
            ],
            [
                "a Deny conditioned on a request value leaves a grant undecided",
                key([allow({ AWS: roleArn("proc") }), { Sid: "D", Effect: "Deny", Principal: "*", Action: "kms:Decrypt", Resource: "*", Condition: { StringNotEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } } }]),
                principal("proc"),
                [],
                'undecided: role "proc" has kms:Decrypt through key policy statement "A", unless key policy statement "D" denies it (kms:ViaService is a value of each request, which the program does not fix)',
            ],
            [
                "aws:PrincipalTag from the role's tags",
                key([allow("*", "kms:Decrypt", { Condition: { StringEquals: { "aws:PrincipalTag/e2ee:principal-role": "recipient" } } })]),
                principal("proc", [], { tags: { "e2ee:principal-role": "process" } }),
                [],
                "not allowed",
            ],
            [
                "aws:PrincipalTag is undecided when sessions may carry tags",
                key([allow("*", "kms:Decrypt", { Condition: { StringEquals: { "aws:PrincipalTag/e2ee:principal-role": "recipient" } } })]),
                principal("proc", [], { tags: { "e2ee:principal-role": "process" }, sessionTags: true }),
                [],
                'undecided: whether key policy statement "A" gives role "proc" kms:Decrypt: sessions of role "proc" may carry session tags (its trust policy allows sts:TagSession)',
            ],
            [
                "aws:ResourceTag excludes the key",
                key("default"),
                principal("proc", [doc("abac", [idAllow("kms:Decrypt", "*", { Condition: { StringEquals: { "aws:ResourceTag/e2ee:key-role": "storage" } } })])]),
                [],
                "not allowed",
            ],
            [
                "kms:KeySpec from the key",
                key("default"),
                principal("proc", [doc("spec", [idAllow("kms:Decrypt", "*", { Condition: { StringEquals: { "kms:KeySpec": "SYMMETRIC_DEFAULT" } } })])]),
                [],
                "allowed by spec #0 (delegated by the default key policy)",
            ],
            [
                "kms:GrantIsForAWSResource is absent from a Decrypt request",
                key([allow({ AWS: ROOT }, "kms:*", { Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } })]),
                principal("proc", [doc("p", [idAllow("kms:Decrypt")])]),
                [],
                "not allowed",
            ],
            ["a grant to the role", key([allow({ AWS: roleArn("recipient") })]), principal("proc"), [{ source: src("grant g"), grantee: roleArn("proc"), operations: ["Decrypt"] }], "allowed by grant g"],
            ["a grant for other operations", key([]), principal("proc"), [{ source: src("grant g"), grantee: roleArn("proc"), operations: ["Encrypt", "GenerateDataKey"] }], "not allowed"],
            [
                "a grant with encryption-context constraints is undecided",
                key([]),
                principal("proc"),
                [{ source: src("grant g"), grantee: roleArn("proc"), operations: ["Decrypt"], constraints: "encryptionContextSubset {stream: records}" }],
                'undecided: whether grant g gives role "proc" kms:Decrypt: grant g applies only to requests whose encryption context matches its constraints (encryptionContextSubset {stream: records})',
            ],
            [
                "an explicit Deny wins over a grant",
                key([{ Effect: "Deny", Principal: "*", Action: "kms:Decrypt", Resource: "*", Condition: { ArnNotEquals: { "aws:PrincipalArn": roleArn("recipient") } } }]),
                principal("proc"),
                [{ source: src("grant g"), grantee: roleArn("proc"), operations: ["Decrypt"] }],
                "not allowed",
            ],
            [
                "a grant to the account delegates to identity policies",
                key([]),
                principal("proc", [doc("p", [idAllow("kms:Decrypt")])]),
                [{ source: src("grant g"), grantee: ROOT, operations: ["Decrypt"] }],
                "allowed by p #0 (delegated by grant g)",
            ],
            [
                "a role of another account needs its identity policy too",
                key([allow({ AWS: roleArn("ext", OTHER) })]),
                principal("ext", [], { arn: roleArn("ext", OTHER), account: OTHER }),
                [],
                "not allowed",
            ],
            [
                "a role of another account with its identity policy",
                key([allow({ AWS: roleArn("ext", OTHER) })]),
                principal("ext", [doc("ext-policy", [idAllow("kms:Decrypt", KEY_ARN)])], { arn: roleArn("ext", OTHER), account: OTHER }),
                [],
                "allowed by key policy #0",
            ],
            [
                "a permissions boundary that does not allow KMS limits identity policies",
                key("default"),
                principal("proc", [doc("p", [idAllow("kms:Decrypt")])], { boundary: doc("boundary", [idAllow("s3:*")]) }),
                [],
                "not allowed",
            ],
            [
                "a permissions boundary that allows KMS",
                key("default"),
                principal("proc", [doc("p", [idAllow("kms:Decrypt")])], { boundary: doc("boundary", [idAllow("kms:*")]) }),
                [],
                "allowed by p #0 (delegated by the default key policy)",
            ],
            [
                "a boundary and a key-policy grant naming the role is undecided",
                key([allow({ AWS: roleArn("proc") })]),
                principal("proc", [], { boundary: doc("boundary", [idAllow("s3:*")]) }),
                [],
                'undecided: whether key policy statement "A" gives role "proc" kms:Decrypt: whether the permissions boundary of role "proc" limits a grant of its key policy (no)',
            ],
            [
                "an unavailable identity policy matters only with delegation",
                key([allow({ AWS: roleArn("recipient") })]),
                principal("proc", [{ source: src("arn:aws:iam::aws:policy/Custom"), document: undefined, unavailable: "is not in the program" }]),
                [],
                "not allowed",
            ],
            [
                "an unavailable identity policy with delegation is undecided",
                key([allow({ AWS: ROOT }, "kms:*")]),
                principal("proc", [{ source: src("arn:aws:iam::aws:policy/Custom"), document: undefined, unavailable: "is not in the program" }]),
                [],
                'undecided: whether arn:aws:iam::aws:policy/Custom gives role "proc" kms:Decrypt: arn:aws:iam::aws:policy/Custom is not in the program',
            ],
            [
                "an unavailable document that may deny leaves a grant undecided",
                key([allow({ AWS: roleArn("proc") })]),
                principal("proc", [{ source: src("inline"), document: undefined, unavailable: "is unknown during preview", mayDeny: true }]),
                [],
                'undecided: role "proc" has kms:Decrypt through key policy statement "A", unless inline denies it (inline is unknown during preview)',
            ],
            [
                "a principal whose ARN is unknown (preview) matches by name",
                key([allow({ AWS: roleArn("proc") })]),
                principal("proc", [], { arn: undefined, account: undefined }),
                [],
                "allowed by key policy #0",
            ],
        ];
        for (const [label, k, p, grants, want] of table) {
            it(label, () => assert.equal(decide(k, p, grants), want));
        }
    });

    it("an operation of several actions is allowed when any is", () => {
        const k = key([allow({ AWS: roleArn("proc") }, "kms:GenerateDataKeyWithoutPlaintext")]);
        assert.equal(decide(k, principal("proc"), [], GDK), "allowed by key policy #0");
        assert.equal(decide(k, principal("proc"), [], DECRYPT), "not allowed");
    });

    it("lists every granting path once", () => {
        const k = key([allow({ AWS: roleArn("proc") }), allow({ AWS: ROOT }, "kms:*")]);
        const p = principal("proc", [doc("p1", [idAllow("kms:Decrypt"), idAllow("kms:Decrypt", KEY_ARN)]), doc("p2", [idAllow("kms:*")])]);
        assert.equal(decide(k, p, [{ source: src("grant g"), grantee: roleArn("proc"), operations: ["Decrypt"] }]), "allowed by key policy #0, grant g, p1 #0 (delegated by key policy #1), p1 #1 (delegated by key policy #1), p2 #0 (delegated by key policy #1)");
    });

    describe("principals outside the program", () => {
        const outside = (k: KmsKey, grants: KmsGrant[] = []) =>
            evaluateKeyAccess(k, [principal("proc")], grants, [DECRYPT]).outside.map((o) => `${o.who.kind === "everyone" ? `everyone${o.who.conditioned ? " (conditioned)" : ""}` : o.who.kind === "service" ? o.who.service : o.who.arn}: ${o.decision}${o.reasons.length > 0 ? ` (${o.reasons.join(" | ")})` : ""}`);
        it('an unconditioned "*" gives everyone access', () => assert.deepEqual(outside(key([allow("*")])), ["everyone: allowed"]));
        it('a conditioned "*" is undecided for principals outside the program', () =>
            assert.deepEqual(outside(key([allow("*", "kms:Decrypt", { Condition: { StringEquals: { "kms:CallerAccount": ACCT } } })])), [
                "everyone (conditioned): undecided (kms:CallerAccount depends on the caller)",
            ]));
        it('a "*" denied to everyone but one principal', () =>
            assert.deepEqual(outside(key([allow("*"), { Effect: "Deny", Principal: "*", Action: "kms:Decrypt", Resource: "*", Condition: { ArnNotEquals: { "aws:PrincipalArn": roleArn("recipient") } } }])), [
                "everyone: undecided (aws:PrincipalArn depends on the caller)",
            ]));
        it("a service principal", () => assert.deepEqual(outside(key([allow({ Service: "logs.amazonaws.com" })])), ["logs.amazonaws.com: allowed"]));
        it("a service principal with a confused-deputy condition", () =>
            assert.deepEqual(outside(key([allow({ Service: "logs.amazonaws.com" }, "kms:Decrypt", { Condition: { StringEquals: { "aws:SourceAccount": ACCT } } })])), [
                "logs.amazonaws.com: undecided (aws:SourceAccount is a value of each request, which the program does not fix)",
            ]));
        it("a role of another account and another account's root", () =>
            assert.deepEqual(outside(key([allow({ AWS: [roleArn("ext", OTHER), `arn:aws:iam::${OTHER}:root`, ROOT, roleArn("proc")] })])), [
                `arn:aws:iam::${OTHER}:role/ext: undecided (key policy statement "A" gives kms:Decrypt to arn:aws:iam::${OTHER}:role/ext, which is not in the program (its tags cannot be read))`,
                `arn:aws:iam::${OTHER}:root: undecided (key policy statement "A" gives kms:Decrypt to account ${OTHER}, whose principals and their policies are outside the program)`,
            ]));
        it("grants to services and to principals outside the program", () =>
            assert.deepEqual(
                outside(key([]), [
                    { source: src("grant s"), grantee: "logs.amazonaws.com", operations: ["Decrypt"] },
                    { source: src("grant x"), grantee: roleArn("elsewhere"), operations: ["Decrypt"] },
                    { source: src("grant p"), grantee: roleArn("proc"), operations: ["Decrypt"] },
                ]),
                ["logs.amazonaws.com: allowed", `${roleArn("elsewhere")}: undecided (grant x gives kms:Decrypt to ${roleArn("elsewhere")}, which is not in the program (its tags cannot be read))`],
            ));
    });
});
