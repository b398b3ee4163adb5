import assert from "node:assert/strict";
import {
    conditionKeys,
    coversAction,
    excludedByResourceTags,
    isScopedByResourceTag,
    coversResource,
    documentsOf,
    globMatch,
    hasConditions,
    isWildcardAction,
    parsePolicyDocument,
    PolicyDocumentError,
    statementLabel,
} from "../../../policies/lib/iam";
import { UNKNOWN, unknownCheckingProxy } from "../../../policies/lib/unknown";

const statement = {
    Sid: "Read",
    Effect: "Allow",
    Action: ["s3:GetObject", "kms:Decrypt"],
    Resource: "arn:aws:s3:::b/*",
};

describe("lib/iam parsePolicyDocument", () => {
    const forms: [string, unknown][] = [
        ["object with Statement array", { Version: "2012-10-17", Statement: [statement] }],
        ["object with a single Statement object", { Version: "2012-10-17", Statement: statement }],
        ["JSON string (JSON.stringify)", JSON.stringify({ Version: "2012-10-17", Statement: [statement] })],
        // What aws.iam.getPolicyDocument's `json` output looks like: pretty-printed, single strings kept as strings.
        ["getPolicyDocument json", `{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Sid": "Read",\n      "Effect": "Allow",\n      "Action": [\n        "s3:GetObject",\n        "kms:Decrypt"\n      ],\n      "Resource": "arn:aws:s3:::b/*"\n    }\n  ]\n}`],
    ];
    for (const [label, input] of forms) {
        it(`normalises ${label}`, () => {
            const doc = parsePolicyDocument(input);
            assert.equal(doc.version, "2012-10-17");
            assert.deepEqual(doc.statements, [
                { index: 0, sid: "Read", effect: "Allow", action: ["s3:GetObject", "kms:Decrypt"], resource: ["arn:aws:s3:::b/*"] },
            ]);
        });
    }

    it("normalises principals: \"*\", {AWS: \"*\"}, {AWS: [...]}, {Service: ...}", () => {
        const doc = parsePolicyDocument({
            Statement: [
                { Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" },
                { Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" },
                { Effect: "Allow", Principal: { AWS: ["arn:aws:iam::111122223333:root", "444455556666"] }, NotAction: "iam:*" },
                { Effect: "Deny", NotPrincipal: { Service: "lambda.amazonaws.com" }, Action: "*", NotResource: ["a", "b"] },
            ],
        });
        assert.deepEqual(doc.statements.map((s) => s.principal?.wildcard), [true, true, false, undefined]);
        assert.deepEqual(doc.statements[2].principal?.aws, ["arn:aws:iam::111122223333:root", "444455556666"]);
        assert.deepEqual(doc.statements[2].notAction, ["iam:*"]);
        assert.deepEqual(doc.statements[3].notPrincipal?.service, ["lambda.amazonaws.com"]);
        assert.deepEqual(doc.statements[3].notResource, ["a", "b"]);
        assert.equal(statementLabel(doc.statements[3]), "statement 4");
    });

    const bad: [string, unknown, RegExp][] = [
        ["invalid JSON", "{", /not valid JSON/],
        ["a JSON array", "[]", /must be a JSON object/],
        ["a bad Effect", { Statement: [{ Effect: "allow", Action: "*" }] }, /Effect must be "Allow" or "Deny"/],
        ["a numeric action", { Statement: [{ Effect: "Allow", Action: [1] }] }, /Action must hold strings/],
        ["a bad principal", { Statement: [{ Effect: "Allow", Principal: 3, Action: "*" }] }, /Principal must be "\*" or an object/],
    ];
    for (const [label, input, re] of bad) {
        it(`rejects ${label}`, () => {
            assert.throws(() => parsePolicyDocument(input), (e: unknown) => e instanceof PolicyDocumentError && re.test(e.message));
        });
    }

    it("reads a document through the unknown-checking proxy and throws on an unknown Resource", () => {
        const props = unknownCheckingProxy({ policy: { Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: UNKNOWN.string }] } });
        assert.throws(() => parsePolicyDocument(props.policy), /can't be known during preview/);
    });
});

describe("lib/iam matching", () => {
    const table: [string, string, boolean][] = [
        ["*", "kms:Decrypt", true],
        ["kms:*", "kms:Decrypt", true],
        ["kms:Decrypt*", "kms:Decrypt", true],
        ["KMS:DECRYPT", "kms:Decrypt", true],
        ["kms:Encrypt", "kms:Decrypt", false],
        ["kms:?ecrypt", "kms:Decrypt", true],
        ["kms:GenerateDataKey*", "kms:GenerateDataKeyWithoutPlaintext", true],
        ["s3:Get.bject", "s3:GetObject", false],
    ];
    for (const [p, v, want] of table) {
        it(`globMatch(${p}, ${v}) = ${want}`, () => assert.equal(globMatch(p, v), want));
    }

    it("isWildcardAction", () => {
        assert.deepEqual(["*", "s3:*", "s3:Get*", "s3:GetObject", "*:*"].map(isWildcardAction), [true, true, false, false, false]);
    });

    it("coversAction handles Action and NotAction", () => {
        const [a, b, c] = parsePolicyDocument({
            Statement: [
                { Effect: "Allow", Action: "kms:Decrypt*", Resource: "*" },
                { Effect: "Allow", NotAction: "kms:Decrypt", Resource: "*" },
                { Effect: "Allow", NotAction: "s3:*", Resource: "*" },
            ],
        }).statements;
        assert.deepEqual([a, b, c].map((s) => coversAction(s, "kms:Decrypt")), [true, false, true]);
    });

    it("coversResource handles \"*\", globs, NotResource and an unknown ARN", () => {
        const [a, b, c] = parsePolicyDocument({
            Statement: [
                { Effect: "Allow", Action: "*", Resource: "*" },
                { Effect: "Allow", Action: "*", Resource: "arn:aws:kms:*:111122223333:key/*" },
                { Effect: "Allow", Action: "*", NotResource: "arn:aws:kms:eu-west-1:111122223333:key/k1" },
            ],
        }).statements;
        const k1 = "arn:aws:kms:eu-west-1:111122223333:key/k1";
        assert.deepEqual([a, b, c].map((s) => coversResource(s, k1)), [true, true, false]);
        assert.deepEqual([a, b, c].map((s) => coversResource(s, undefined)), [true, false, false]);
    });

    it("hasConditions and conditionKeys", () => {
        const [a, b] = parsePolicyDocument({
            Statement: [
                { Effect: "Allow", Action: "*", Condition: { StringEquals: { "kms:CallerAccount": "111122223333", "AWS:SourceAccount": "1" } } },
                { Effect: "Allow", Action: "*", Condition: {} },
            ],
        }).statements;
        assert.equal(hasConditions(a), true);
        assert.equal(hasConditions(b), false);
        assert.deepEqual(conditionKeys(a), ["kms:calleraccount", "aws:sourceaccount"]);
    });
});

describe("lib/iam resource-tag conditions", () => {
    const stmt = (Condition: unknown) => parsePolicyDocument({ Statement: [{ Effect: "Allow", Action: "kms:Decrypt", Resource: "*", Condition }] }).statements[0];
    const table: [string, unknown, Record<string, string>, boolean, boolean][] = [
        ["StringEquals match", { StringEquals: { "aws:ResourceTag/e2ee:key-role": "storage" } }, { "e2ee:key-role": "storage" }, true, false],
        ["StringEquals other value", { StringEquals: { "aws:ResourceTag/e2ee:key-role": "storage" } }, { "e2ee:key-role": "records" }, true, true],
        ["StringEquals list", { StringEquals: { "aws:ResourceTag/e2ee:key-role": ["storage", "records"] } }, { "e2ee:key-role": "records" }, true, false],
        ["StringLike glob", { StringLike: { "aws:ResourceTag/e2ee:key-role": "stor*" } }, { "e2ee:key-role": "storage" }, true, false],
        ["IgnoreCase", { StringEqualsIgnoreCase: { "AWS:RESOURCETAG/E2EE:KEY-ROLE": "STORAGE" } }, { "e2ee:key-role": "storage" }, true, false],
        ["tag absent", { StringEquals: { "aws:ResourceTag/e2ee:key-role": "storage" } }, {}, true, true],
        ["negated operator", { StringNotEquals: { "aws:ResourceTag/e2ee:key-role": "records" } }, { "e2ee:key-role": "records" }, false, false],
        ["StringLike *", { StringLike: { "aws:ResourceTag/e2ee:key-role": "*" } }, { "e2ee:key-role": "records" }, false, false],
        ["other key", { StringEquals: { "aws:PrincipalTag/team": "a" } }, {}, false, false],
    ];
    for (const [label, cond, tags, scoped, excluded] of table) {
        it(label, () => {
            assert.equal(isScopedByResourceTag(stmt(cond)), scoped);
            assert.equal(excludedByResourceTags(stmt(cond), tags), excluded);
        });
    }
});

describe("lib/iam documentsOf", () => {
    it("finds identity, trust and resource documents by type", () => {
        assert.deepEqual(documentsOf("aws:iam/rolePolicy:RolePolicy", { policy: "{}" }), [{ property: "policy", kind: "identity", raw: "{}" }]);
        assert.deepEqual(documentsOf("aws:kms/key:Key", { policy: "{}" }), [{ property: "policy", kind: "resource", raw: "{}" }]);
        assert.deepEqual(documentsOf("aws:s3/bucketPolicy:BucketPolicy", { policy: "{}" }), [{ property: "policy", kind: "resource", raw: "{}" }]);
        assert.deepEqual(
            documentsOf("aws:iam/role:Role", { assumeRolePolicy: "{}", inlinePolicies: [{ name: "a", policy: "x" }, { name: "b" }] }),
            [
                { property: "assumeRolePolicy", kind: "trust", raw: "{}" },
                { property: "inlinePolicies[0].policy", kind: "identity", raw: "x" },
            ],
        );
        assert.deepEqual(documentsOf("aws:kms/key:Key", {}), []);
        assert.deepEqual(documentsOf("aws:s3/bucket:Bucket", { policy: "{}" }), []);
    });
});
