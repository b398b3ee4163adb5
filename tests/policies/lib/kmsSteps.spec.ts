/** The pure steps of the KMS access model (lib/kmsRequest.ts, lib/kmsPrincipal.ts, lib/kmsOutside.ts), on their own. */
import assert from "node:assert/strict";
import { parsePolicyDocument } from "../../../policies/lib/iam";
import { NO, unknown, YES, type Outcome } from "../../../policies/lib/iamEval";
import type { AccessPath, KmsGrant, KmsOperation, KmsPrincipal } from "../../../policies/lib/kmsAccess";
import { bestDecision, outsideDecision, type OutsideDecision } from "../../../policies/lib/kmsOutside";
import { decideAction, decideOperation, type ActionVerdict, type Candidate, type Deny } from "../../../policies/lib/kmsPrincipal";
import { grantConstrained, grantCovers, rootAccount } from "../../../policies/lib/kmsRequest";

const ACCT = "111122223333";
const [S0, S1] = parsePolicyDocument({ Statement: [{ Sid: "A", Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }, { Effect: "Allow", Action: "kms:*", Resource: "*" }] }).statements;
const src = (label: string) => ({ label, urn: `urn:${label}` });
const keyPath: AccessPath = { kind: "key-policy", source: src("key policy"), statement: S0 };
const grantPath: AccessPath = { kind: "grant", source: src('grant "g"') };
const idPath: AccessPath = { kind: "identity", source: src("app policy"), statement: S1, delegation: { kind: "default-policy" } };
const cand = (outcome: Outcome, path: AccessPath | undefined, what: string): Candidate => ({ outcome, path, what });
const deny = (outcome: Outcome, where: string): Deny => ({ outcome, where });
const grant = (operations: string[], constraints?: string): KmsGrant => ({ source: src('grant "g"'), grantee: undefined, operations, ...(constraints === undefined ? {} : { constraints }) });

/** A verdict in one line. */
function show(v: ActionVerdict): string {
    switch (v.kind) {
        case "denied":
            return `denied by ${v.by.join(", ")}`;
        case "allowed":
            return `allowed by ${v.paths.map((p) => p.source.label).join(", ")}`;
        case "undecided":
            return `undecided: ${v.reasons.join(" | ")}`;
        default:
            return v.kind;
    }
}

describe("lib/kmsRequest, lib/kmsPrincipal, lib/kmsOutside: the steps", () => {
    describe("rootAccount: the account an account principal names", () => {
        const table: [string, string | undefined][] = [
            [ACCT, ACCT],
            [`arn:aws:iam::${ACCT}:root`, ACCT],
            [`arn:aws-cn:iam::${ACCT}:root`, ACCT],
            [`arn:aws:iam::${ACCT}:role/root`, undefined],
            ["1111", undefined],
            ["s3.amazonaws.com", undefined],
        ];
        for (const [principal, expected] of table) {
            it(principal, () => assert.equal(rootAccount(principal), expected));
        }
    });

    describe("grantCovers: a grant's operations and an action", () => {
        const table: [string[], string, boolean][] = [
            [["Decrypt"], "kms:Decrypt", true],
            [["decrypt"], "KMS:Decrypt", true],
            [["GenerateDataKey"], "kms:GenerateDataKeyPair", false],
            [["Encrypt", "ReEncryptFrom"], "kms:ReEncryptFrom", true],
            [[], "kms:Decrypt", false],
        ];
        for (const [ops, action, expected] of table) {
            it(`${ops.join(",") || "(none)"} ${expected ? "covers" : "does not cover"} ${action}`, () => assert.equal(grantCovers(grant(ops), action), expected));
        }
    });

    it("grantConstrained: a grant without constraints always applies, one with constraints depends on the request", () => {
        assert.deepEqual(grantConstrained(grant(["Decrypt"])), YES);
        assert.deepEqual(grantConstrained(grant(["Decrypt"], '[{"encryptionContextEquals":{"a":"b"}}]')), unknown('grant "g" applies only to requests whose encryption context matches its constraints ([{"encryptionContextEquals":{"a":"b"}}])'));
    });

    describe("decideAction: one action's verdict from its denies and candidates", () => {
        const who = 'role "app"';
        const table: [string, Deny[], Candidate[], string][] = [
            ["no candidate: not allowed", [], [], "not-allowed"],
            ["candidates that do not apply: not allowed", [], [cand(NO, keyPath, "key policy Sid A")], "not-allowed"],
            ["a Deny that applies wins", [deny(YES, "key policy statement 3"), deny(unknown("r"), "x"), deny(YES, "app policy statement 1")], [cand(YES, keyPath, "key policy Sid A")], "denied by key policy statement 3, app policy statement 1"],
            ["an allow and no Deny: allowed, by the paths that allow", [deny(NO, "key policy statement 3")], [cand(YES, keyPath, "key policy Sid A"), cand(unknown("r"), grantPath, 'grant "g"'), cand(YES, idPath, "app policy statement 2")], "allowed by key policy, app policy"],
            ["an unavailable document that allows names no path", [], [cand(YES, undefined, "AWS-managed policy x"), cand(YES, grantPath, 'grant "g"')], 'allowed by grant "g"'],
            [
                "an allow and a Deny that may apply: undecided, naming the Deny",
                [deny(unknown("r1", "r2"), "key policy statement 3"), deny(NO, "app policy statement 1")],
                [cand(YES, keyPath, "key policy Sid A"), cand(YES, grantPath, 'grant "g"'), cand(unknown("r3"), idPath, "app policy statement 2")],
                'undecided: role "app" has kms:Decrypt through key policy Sid A and grant "g", unless key policy statement 3 denies it (r1, r2)',
            ],
            [
                "allows that may apply: undecided, naming each (not the Deny)",
                [deny(unknown("r1"), "key policy statement 3")],
                [cand(unknown("r2"), keyPath, "key policy Sid A"), cand(NO, grantPath, 'grant "g"'), cand(unknown("r3", "r4"), undefined, "policy p")],
                'undecided: whether key policy Sid A gives role "app" kms:Decrypt: r2 | whether policy p gives role "app" kms:Decrypt: r3, r4',
            ],
        ];
        for (const [what, denies, paths, expected] of table) {
            it(what, () => assert.equal(show(decideAction(who, "kms:Decrypt", denies, paths)), expected));
        }
    });

    describe("decideOperation: the decision over an operation's actions", () => {
        const p: KmsPrincipal = { kind: "role", name: "app", urn: "urn:app", arn: undefined, account: undefined, tags: {}, sessionTags: false, policies: [] };
        const op: KmsOperation = { label: "kms:GenerateDataKey*", actions: ["kms:GenerateDataKey", "kms:GenerateDataKeyPair"] };
        const table: [string, ActionVerdict[], Record<string, unknown>][] = [
            ["no action: not allowed", [], { decision: "not-allowed", paths: [], reasons: [], deniedBy: [] }],
            [
                "any action allowed: allowed, each path once",
                [{ kind: "undecided", reasons: ["r"] }, { kind: "allowed", paths: [keyPath, grantPath] }, { kind: "allowed", paths: [{ ...keyPath }, idPath] }],
                { decision: "allowed", paths: [keyPath, grantPath, idPath], reasons: [], deniedBy: [] },
            ],
            [
                "else any undecided: undecided, each reason once, no denies",
                [{ kind: "denied", by: ["d"] }, { kind: "undecided", reasons: ["r1", "r2"] }, { kind: "undecided", reasons: ["r2", "r3"] }],
                { decision: "undecided", paths: [], reasons: ["r1", "r2", "r3"], deniedBy: [] },
            ],
            [
                "else not allowed, with each Deny that decided once",
                [{ kind: "denied", by: ["d1", "d2"] }, { kind: "not-allowed" }, { kind: "denied", by: ["d2"] }],
                { decision: "not-allowed", paths: [], reasons: [], deniedBy: ["d1", "d2"] },
            ],
        ];
        for (const [what, verdicts, expected] of table) {
            it(what, () => {
                const a = decideOperation(p, op, verdicts);
                assert.equal(a.principal, p);
                assert.equal(a.operation, op);
                assert.deepEqual({ decision: a.decision, paths: a.paths, reasons: a.reasons, deniedBy: a.deniedBy }, expected);
            });
        }
    });

    describe("outsideDecision and bestDecision: what a key gives outside the program", () => {
        const table: [string, Outcome, Outcome, OutsideDecision | undefined][] = [
            ["no allow", NO, NO, undefined],
            ["a Deny that applies", YES, YES, undefined],
            ["an allow, no Deny", YES, NO, { decision: "allowed", reasons: [] }],
            ["an allow that may apply", unknown("a"), NO, { decision: "undecided", reasons: ["a"] }],
            ["a Deny that may apply", YES, unknown("d"), { decision: "undecided", reasons: ["d"] }],
            ["both may", unknown("a"), unknown("d"), { decision: "undecided", reasons: ["a", "d"] }],
        ];
        for (const [what, allow, denyOutcome, expected] of table) {
            it(what, () => assert.deepEqual(outsideDecision(allow, denyOutcome), expected));
        }
        it("bestDecision: allowed if any is, else the undecided ones' reasons once, else nothing", () => {
            assert.deepEqual(bestDecision([undefined, { decision: "undecided", reasons: ["a"] }, { decision: "allowed", reasons: [] }]), { decision: "allowed", reasons: [] });
            assert.deepEqual(bestDecision([{ decision: "undecided", reasons: ["a", "b"] }, undefined, { decision: "undecided", reasons: ["b", "c"] }]), { decision: "undecided", reasons: ["a", "b", "c"] });
            assert.equal(bestDecision([undefined, undefined]), undefined);
            assert.equal(bestDecision([]), undefined);
        });
    });
});
