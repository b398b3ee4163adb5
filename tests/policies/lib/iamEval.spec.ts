import assert from "node:assert/strict";
import { parsePolicyDocument, type Principals, type Statement } from "../../../policies/lib/iam";
import {
    ABSENT,
    allOf,
    anyOf,
    arnMatch,
    arnResource,
    contextOf,
    evaluateConditionEntry,
    evaluateConditions,
    identityStatementApplies,
    matchNotPrincipal,
    matchPrincipal,
    NO,
    not,
    resolveVariables,
    resourceOutcome,
    resourceStatementApplies,
    stringLike,
    unknown,
    YES,
    type Caller,
    type Outcome,
} from "../../../policies/lib/iamEval";

const ACCT = "111122223333";
const OTHER = "444455556666";
const role = (name: string, path = "/") => `arn:aws:iam::${ACCT}:role${path}${name}`;
const stmt = (raw: Record<string, unknown>): Statement => parsePolicyDocument({ Statement: [raw] }).statements[0];
const result = (o: Outcome) => (o.result === "unknown" ? `unknown: ${o.reasons.join("; ")}` : o.result);

describe("lib/iamEval", () => {
    describe("three-valued logic", () => {
        const u = unknown("why");
        const table: [string, Outcome, Outcome][] = [
            ["allOf yes yes", allOf([YES, YES]), YES],
            ["allOf yes unknown", allOf([YES, u]), u],
            ["allOf unknown no", allOf([u, NO]), NO],
            ["allOf empty", allOf([]), YES],
            ["anyOf no unknown", anyOf([NO, u]), u],
            ["anyOf unknown yes", anyOf([u, YES]), YES],
            ["anyOf empty", anyOf([]), NO],
            ["not yes", not(YES), NO],
            ["not unknown", not(u), u],
        ];
        for (const [label, got, want] of table) {
            it(label, () => assert.deepEqual(got, want));
        }
        it("merges reasons without duplicates", () => {
            assert.deepEqual(allOf([unknown("a"), unknown("b", "a"), YES]), unknown("a", "b"));
        });
    });

    describe("arnMatch (Resource and Arn* conditions) and stringLike", () => {
        const table: [string, string, boolean][] = [
            ["*", "arn:aws:kms:eu-west-1:111122223333:key/k", true],
            ["arn:aws:kms:*:111122223333:key/*", "arn:aws:kms:eu-west-1:111122223333:key/1234", true],
            ["arn:aws:kms:eu-*-1:111122223333:key/k", "arn:aws:kms:eu-west-1:111122223333:key/k", true],
            ["arn:aws:kms:eu-west-1:111122223333:key/k", "arn:aws:kms:eu-west-1:111122223333:key/K", false],
            ["arn:aws:kms:EU-west-1:111122223333:key/k", "arn:aws:kms:eu-west-1:111122223333:key/k", false],
            // A * inside a segment stays in the segment; a * that ends a segment may cross colons.
            ["arn:aws:iam::1*1:role/x", "arn:aws:iam::1:2:1:role/x", false],
            ["arn:aws:logs:eu-west-1:111122223333:log-group:*", "arn:aws:logs:eu-west-1:111122223333:log-group:/a:log-stream:s", true],
            ["arn:aws:kms:eu-west-1:11112222333?:key/k", "arn:aws:kms:eu-west-1:111122223333:key/k", true],
            ["arn:aws:kms:eu-west-1:111122223333?key/k", "arn:aws:kms:eu-west-1:111122223333:key/k", false],
            ["arn:aws:s3:::bucket", "arn:aws:s3:::bucket/x", false],
        ];
        for (const [pattern, arn, want] of table) {
            it(`${pattern} ${want ? "matches" : "does not match"} ${arn}`, () => assert.equal(arnMatch(pattern, arn), want));
        }
        it("stringLike is case-sensitive with * and ?", () => {
            assert.equal(stringLike("records-*", "records-key"), true);
            assert.equal(stringLike("Records-*", "records-key"), false);
            assert.equal(stringLike("a?c", "abc"), true);
            assert.equal(stringLike("a?c", "abbc"), false);
        });
    });

    describe("condition operators", () => {
        const ctx = contextOf({
            "aws:PrincipalArn": role("proc"),
            "aws:PrincipalTag/team": "data",
            "aws:SecureTransport": "true",
            "aws:SourceIp": "10.1.2.3",
            "aws:EpochTime": "1700000000",
            "s3:TlsVersion": "1.2",
            "aws:TagKeys": ["a", "b"],
            "aws:username": null,
        });
        const table: [string, string, unknown, string][] = [
            ["StringEquals", "aws:PrincipalTag/team", "data", "yes"],
            ["StringEquals", "aws:PrincipalTag/team", ["x", "data"], "yes"],
            ["StringEquals", "aws:principaltag/team", "Data", "no"],
            ["StringEqualsIgnoreCase", "aws:PrincipalTag/team", "DATA", "yes"],
            ["StringEquals", "aws:username", "bob", "no"],
            ["StringNotEquals", "aws:username", "bob", "yes"],
            ["StringNotEquals", "aws:PrincipalTag/team", ["data", "x"], "no"],
            ["StringNotEquals", "aws:PrincipalTag/team", "x", "yes"],
            ["StringEqualsIfExists", "aws:username", "bob", "yes"],
            ["StringLike", "aws:PrincipalTag/team", "d*", "yes"],
            ["StringNotLike", "aws:PrincipalTag/team", "d*", "no"],
            ["ArnEquals", "aws:PrincipalArn", role("proc"), "yes"],
            ["ArnLike", "aws:PrincipalArn", `arn:aws:iam::${ACCT}:role/p*`, "yes"],
            ["ArnNotEquals", "aws:PrincipalArn", role("recipient"), "yes"],
            ["ArnNotEquals", "aws:PrincipalArn", role("proc"), "no"],
            ["Bool", "aws:SecureTransport", "false", "no"],
            ["Bool", "aws:SecureTransport", true, "yes"],
            ["BoolIfExists", "aws:MultiFactorAuthPresent", "true", "unknown: aws:MultiFactorAuthPresent is a value of each request, which the program does not fix"],
            ["Null", "aws:username", "true", "yes"],
            ["Null", "aws:PrincipalTag/team", "true", "no"],
            ["Null", "aws:PrincipalTag/team", "false", "yes"],
            ["NumericLessThan", "s3:TlsVersion", "1.3", "yes"],
            ["NumericGreaterThanEquals", "s3:TlsVersion", "1.3", "no"],
            ["DateGreaterThan", "aws:EpochTime", "2023-01-01T00:00:00Z", "yes"],
            ["DateLessThan", "aws:EpochTime", "2023-01-01T00:00:00Z", "no"],
            ["IpAddress", "aws:SourceIp", "10.0.0.0/8", "yes"],
            ["IpAddress", "aws:SourceIp", "192.168.0.0/16", "no"],
            ["NotIpAddress", "aws:SourceIp", "192.168.0.0/16", "yes"],
            ["ForAnyValue:StringEquals", "aws:TagKeys", ["b", "z"], "yes"],
            ["ForAnyValue:StringEquals", "aws:TagKeys", ["z"], "no"],
            ["ForAnyValue:StringEquals", "aws:username", ["z"], "no"],
            ["ForAllValues:StringEquals", "aws:TagKeys", ["a", "b", "c"], "yes"],
            ["ForAllValues:StringEquals", "aws:TagKeys", ["a"], "no"],
            ["ForAllValues:StringEquals", "aws:username", ["a"], "yes"],
            ["StringEquals", "kms:ViaService", "s3.eu-west-1.amazonaws.com", "unknown: kms:ViaService is a value of each request, which the program does not fix"],
            ["StringEquals", "aws:PrincipalTag/team", "${aws:PrincipalTag/team}", "yes"],
            ["StringEqualsAnything", "aws:PrincipalTag/team", "x", "unknown: the condition operator StringEqualsAnything is not one IAM defines"],
        ];
        for (const [op, key, values, want] of table) {
            it(`${op} ${key} ${JSON.stringify(values)} -> ${want}`, () => assert.equal(result(evaluateConditionEntry(op, key, values, ctx)), want));
        }
        it("ANDs operators and keys, ORs values; no condition holds", () => {
            assert.equal(result(evaluateConditions({ StringEquals: { "aws:PrincipalTag/team": ["x", "data"] }, Bool: { "aws:SecureTransport": "true" } }, ctx)), "yes");
            assert.equal(result(evaluateConditions({ StringEquals: { "aws:PrincipalTag/team": "data", "aws:username": "bob" } }, ctx)), "no");
            // A false part decides even when another part is unknown.
            assert.equal(result(evaluateConditions({ StringEquals: { "kms:ViaService": "x", "aws:PrincipalTag/team": "other" } }, ctx)), "no");
            assert.equal(result(evaluateConditions(undefined, ctx)), "yes");
        });
    });

    describe("policy variables", () => {
        const ctx = contextOf({ "aws:username": "bob", "aws:PrincipalTag/team": null });
        const table: [string, unknown][] = [
            ["arn:aws:iam::1:user/${aws:username}", { text: "arn:aws:iam::1:user/bob" }],
            ["${aws:PrincipalTag/team, 'none'}-x", { text: "none-x" }],
            ["${aws:PrincipalTag/team}-x", { text: undefined }],
            ["a${*}b${$}", { text: "a\u0000*b$" }],
            ["${aws:SourceVpc}", unknown("aws:SourceVpc is a value of each request, which the program does not fix")],
        ];
        for (const [text, want] of table) {
            it(text, () => assert.deepEqual(resolveVariables(text, ctx), want));
        }
        it("an escaped ${*} is a literal star in a Resource pattern", () => {
            const s = stmt({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/${*}" });
            assert.equal(result(resourceOutcome(s, arnResource("arn:aws:s3:::b/*"), ctx)), "yes");
            assert.equal(result(resourceOutcome(s, arnResource("arn:aws:s3:::b/x"), ctx)), "no");
        });
    });

    describe("Resource / NotResource", () => {
        const key = arnResource(`arn:aws:kms:eu-west-1:${ACCT}:key/k1`);
        const ctx = contextOf({});
        const table: [string, Record<string, unknown>, string][] = [
            ["Resource *", { Resource: "*" }, "yes"],
            ["Resource the key", { Resource: `arn:aws:kms:eu-west-1:${ACCT}:key/k1` }, "yes"],
            ["Resource another key", { Resource: `arn:aws:kms:eu-west-1:${ACCT}:key/k2` }, "no"],
            ["Resource key/*", { Resource: [`arn:aws:kms:eu-west-1:${ACCT}:key/*`] }, "yes"],
            ["NotResource another key", { NotResource: `arn:aws:kms:eu-west-1:${ACCT}:key/k2` }, "yes"],
            ["NotResource the key", { NotResource: [`arn:aws:kms:eu-west-1:${ACCT}:key/k1`] }, "no"],
            ["neither", {}, "no"],
            ["a request variable", { Resource: "arn:aws:kms:eu-west-1:111122223333:key/${aws:SourceVpc}" }, "unknown: aws:SourceVpc is a value of each request, which the program does not fix"],
        ];
        for (const [label, extra, want] of table) {
            it(label, () => assert.equal(result(resourceOutcome(stmt({ Effect: "Allow", Action: "kms:Decrypt", ...extra }), key, ctx)), want));
        }
    });

    describe("Principal / NotPrincipal", () => {
        const proc: Caller = { kind: "role", name: "proc", arn: role("proc", "/svc/"), account: ACCT };
        const procUnknownArn: Caller = { kind: "role", name: "proc", arn: undefined, account: undefined };
        const bob: Caller = { kind: "user", name: "bob", arn: `arn:aws:iam::${ACCT}:user/bob`, account: ACCT };
        const logs: Caller = { kind: "service", service: "logs.amazonaws.com" };
        const p = (aws: string[], service: string[] = []): Principals => ({ wildcard: aws.includes("*"), aws, service, federated: [], canonicalUser: [] });
        const table: [string, Principals, Caller, string][] = [
            ['"*"', p(["*"]), proc, "direct"],
            ['"*" (service)', p(["*"]), logs, "direct"],
            ["account ID", p([ACCT]), proc, "account"],
            ["account root", p([`arn:aws:iam::${ACCT}:root`]), bob, "account"],
            ["another account root", p([`arn:aws:iam::${OTHER}:root`]), proc, "no"],
            ["role ARN with its path", p([role("proc", "/svc/")]), proc, "direct"],
            ["role ARN without the path (same account, same name)", p([role("proc")]), proc, "direct"],
            ["same role name, another account", p([`arn:aws:iam::${OTHER}:role/proc`]), proc, "no"],
            ["role ARN while the role's ARN is unknown", p([role("proc")]), procUnknownArn, "direct"],
            ["another role", p([role("other")]), proc, "no"],
            ["a user ARN for a role", p([`arn:aws:iam::${ACCT}:user/proc`]), proc, "no"],
            ["user ARN", p([`arn:aws:iam::${ACCT}:user/bob`]), bob, "direct"],
            ["a session of the role", p([`arn:aws:sts::${ACCT}:assumed-role/proc/s1`]), proc, 'unknown: arn:aws:sts::111122223333:assumed-role/proc/s1 names one session ("s1") of role "proc"; the session name is chosen when the role is assumed'],
            ["service principal", p([], ["logs.amazonaws.com"]), logs, "direct"],
            ["another service", p([], ["sns.amazonaws.com"]), logs, "no"],
            ["a unique ID", p(["AROAEXAMPLEID1234567"]), proc, "unknown: the principal AROAEXAMPLEID1234567 is a unique ID (a deleted or renamed principal)"],
        ];
        for (const [label, principals, caller, want] of table) {
            it(`Principal ${label} -> ${want}`, () => {
                const m = matchPrincipal(principals, caller);
                assert.equal(m.result === "unknown" ? `unknown: ${m.reasons.join("; ")}` : m.result, want);
            });
        }
        const notTable: [string, Principals, Caller, string][] = [
            ["not naming the caller", p([role("recipient")]), proc, "direct"],
            ["naming the user", p([`arn:aws:iam::${ACCT}:user/bob`]), bob, "no"],
            ["naming the service", p([], ["logs.amazonaws.com"]), logs, "no"],
            ["naming the role (sessions need their own ARN)", p([role("proc", "/svc/")]), proc, 'unknown: NotPrincipal names role "proc", a session of it or its account; whether its sessions are excluded depends on naming each session ARN'],
        ];
        for (const [label, principals, caller, want] of notTable) {
            it(`NotPrincipal ${label} -> ${want}`, () => {
                const m = matchNotPrincipal(principals, caller);
                assert.equal(m.result === "unknown" ? `unknown: ${m.reasons.join("; ")}` : m.result, want);
            });
        }
    });

    describe("statements", () => {
        const key = arnResource(`arn:aws:kms:eu-west-1:${ACCT}:key/k1`);
        const proc: Caller = { kind: "role", name: "proc", arn: role("proc"), account: ACCT };
        const ctx = contextOf({ "aws:PrincipalArn": role("proc"), "kms:CallerAccount": ACCT });
        const req = { action: "kms:Decrypt", resource: key, context: ctx };
        it("identity statements: Action, NotAction, Resource, Condition", () => {
            assert.equal(result(identityStatementApplies(stmt({ Effect: "Allow", Action: "kms:Decrypt*", Resource: "*" }), req)), "yes");
            assert.equal(result(identityStatementApplies(stmt({ Effect: "Allow", NotAction: "kms:Encrypt", Resource: "*" }), req)), "yes");
            assert.equal(result(identityStatementApplies(stmt({ Effect: "Allow", NotAction: "kms:*", Resource: "*" }), req)), "no");
            assert.equal(result(identityStatementApplies(stmt({ Effect: "Allow", Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "kms:CallerAccount": OTHER } } }), req)), "no");
        });
        it("resource statements: how the principal matches", () => {
            const direct = resourceStatementApplies(stmt({ Effect: "Allow", Principal: { AWS: role("proc") }, Action: "kms:Decrypt", Resource: "*" }), req, proc);
            assert.deepEqual(direct, { outcome: YES, via: "direct" });
            const root = resourceStatementApplies(stmt({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: "kms:*", Resource: "*" }), req, proc);
            assert.deepEqual(root, { outcome: YES, via: "account" });
            const scoped = resourceStatementApplies(
                stmt({ Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } } }),
                req,
                proc,
            );
            assert.deepEqual(scoped, { outcome: unknown("kms:ViaService is a value of each request, which the program does not fix"), via: "direct" });
            const other = resourceStatementApplies(stmt({ Effect: "Allow", Principal: { AWS: role("other") }, Action: "kms:Decrypt", Resource: "*" }), req, proc);
            assert.deepEqual(other, { outcome: NO });
            const noPrincipal = resourceStatementApplies(stmt({ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }), req, proc);
            assert.deepEqual(noPrincipal, { outcome: NO });
            assert.deepEqual(ABSENT, { kind: "absent" });
        });
    });
});
