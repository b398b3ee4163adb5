import assert from "node:assert/strict";
import type { PolicyResource } from "@pulumi/policy";
import { heldDocument, mayDeny, policyOutsideStack } from "../../../policies/lib/attachedPolicies";
import { policyDocumentOrUndefined } from "../../../policies/lib/iam";
import { collectPrincipals, parseIamArn } from "../../../policies/lib/iamStack";
import { Undecided, unknownCheckingProxy } from "../../../policies/lib/unknown";
import { UNKNOWN, stackResources, type StackResourceInput } from "../harness";

const ACCT = "111122223333";
const OTHER = "444455556666";
const json = (Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const DOC = json([{ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }]);
const POLICY_ARN = `arn:aws:iam::${ACCT}:policy/pol`;

/** A role, a user, a group and a customer-managed policy; each case adds what attaches them. */
const base: StackResourceInput[] = [
    { type: "aws:iam/role:Role", name: "app", props: { name: "app", arn: `arn:aws:iam::${ACCT}:role/svc/app`, tags: {}, assumeRolePolicy: "{}" } },
    { type: "aws:iam/user:User", name: "dev", props: { name: "dev", arn: `arn:aws:iam::${ACCT}:user/dev`, tags: {} } },
    { type: "aws:iam/group:Group", name: "devs", props: { name: "devs", arn: `arn:aws:iam::${ACCT}:group/devs` } },
    { type: "aws:iam/policy:Policy", name: "pol", props: { arn: POLICY_ARN, policy: DOC } },
];

/** Each principal's documents (`label (via)`, then `| boundary ...`), and what was left undecided. */
function collected(extra: StackResourceInput[], over: Partial<Record<"app" | "dev", Record<string, unknown>>> = {}): string[] {
    const inputs = [...base, ...extra].map((i) => (i.name === "app" || i.name === "dev" ? { ...i, props: { ...i.props, ...over[i.name] } } : i));
    const undecided = new Undecided();
    const ps = collectPrincipals(stackResources(inputs), undecided);
    const label = (a: { policy: { source: { label: string }; via?: string } }) => `${a.policy.source.label}${a.policy.via === undefined ? "" : ` (${a.policy.via})`}`;
    const lines = ps.map((p) => `${p.kind} ${p.label}: ${p.policies.map(label).join(", ")}${p.boundary === undefined ? "" : ` | boundary ${label(p.boundary)}`}`);
    try {
        undecided.finish();
    } catch (e) {
        lines.push(`undecided: ${(e as Error).message}`);
    }
    return lines;
}

describe("lib/iamStack and lib/attachedPolicies", () => {
    describe("collectPrincipals: the documents of each attachment form", () => {
        const table: [string, StackResourceInput[], Partial<Record<"app" | "dev", Record<string, unknown>>>, string[]][] = [
            ["nothing attached", [], {}, ["role app: ", "user dev: "]],
            ["a role's inline policies", [], { app: { inlinePolicies: [{ name: "a", policy: DOC }, { name: "b", policy: "" }, { name: "c", policy: DOC }] } }, ["role app: app inlinePolicies[0].policy, app inlinePolicies[2].policy", "user dev: "]],
            [
                "a role's managedPolicyArns: the stack's policy, a summarised AWS-managed one, another",
                [],
                { app: { managedPolicyArns: [POLICY_ARN, "arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess", `arn:aws:iam::${OTHER}:policy/x`] } },
                [
                    "role app: pol policy, AWS-managed policy arn:aws:iam::aws:policy/AdministratorAccess, AWS-managed policy arn:aws:iam::aws:policy/ReadOnlyAccess, policy arn:aws:iam::444455556666:policy/x",
                    "user dev: ",
                ],
            ],
            ["RolePolicy by name", [{ type: "aws:iam/rolePolicy:RolePolicy", name: "rp", props: { role: "app", policy: DOC } }], {}, ["role app: rp policy", "user dev: "]],
            ["RolePolicy by ARN (with its path)", [{ type: "aws:iam/rolePolicy:RolePolicy", name: "rp", props: { role: `arn:aws:iam::${ACCT}:role/svc/app`, policy: DOC } }], {}, ["role app: rp policy", "user dev: "]],
            ["RolePolicy by an ARN of another account names no role of the stack", [{ type: "aws:iam/rolePolicy:RolePolicy", name: "rp", props: { role: `arn:aws:iam::${OTHER}:role/app`, policy: DOC } }], {}, ["role app: ", "user dev: "]],
            [
                "RolePolicyAttachment whose policy ARN is unknown, by property dependency",
                [{ type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name: "rpa", props: { role: "app", policyArn: UNKNOWN.string }, propertyDependencies: { policyArn: ["pol"] } }],
                {},
                ["role app: pol policy", "user dev: "],
            ],
            [
                "RolePolicyAttachment whose policy ARN is unknown, without a dependency",
                [{ type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name: "rpa", props: { role: "app", policyArn: UNKNOWN.string } }],
                {},
                ["role app: rpa policyArn", "user dev: ", "undecided: the policy ARN policyArn of rpa is unknown"],
            ],
            ["RolePolicyAttachmentsExclusive", [{ type: "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", name: "rx", props: { roleName: "app", policyArns: [POLICY_ARN] } }], {}, ["role app: pol policy", "user dev: "]],
            ["UserPolicy", [{ type: "aws:iam/userPolicy:UserPolicy", name: "up", props: { user: "dev", policy: DOC } }], {}, ["role app: ", "user dev: up policy"]],
            ["UserPolicyAttachment", [{ type: "aws:iam/userPolicyAttachment:UserPolicyAttachment", name: "upa", props: { user: "dev", policyArn: POLICY_ARN } }], {}, ["role app: ", "user dev: pol policy"]],
            ["UserPolicyAttachmentsExclusive", [{ type: "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive", name: "ux", props: { userName: "dev", policyArns: [POLICY_ARN] } }], {}, ["role app: ", "user dev: pol policy"]],
            [
                "PolicyAttachment to a role and a group, and the group's membership",
                [
                    { type: "aws:iam/policyAttachment:PolicyAttachment", name: "pa", props: { roles: ["app"], groups: ["devs"], policyArn: POLICY_ARN } },
                    { type: "aws:iam/groupMembership:GroupMembership", name: "gm", props: { group: "devs", users: ["dev"] } },
                ],
                {},
                ["role app: pol policy", 'user dev: pol policy (through group "devs")'],
            ],
            [
                "GroupPolicy and UserGroupMembership",
                [
                    { type: "aws:iam/groupPolicy:GroupPolicy", name: "gp", props: { group: "devs", policy: DOC } },
                    { type: "aws:iam/userGroupMembership:UserGroupMembership", name: "ugm", props: { user: "dev", groups: ["devs"] } },
                ],
                {},
                ["role app: ", 'user dev: gp policy (through group "devs")'],
            ],
            [
                "GroupPolicyAttachment and GroupPolicyAttachmentsExclusive",
                [
                    { type: "aws:iam/groupPolicyAttachment:GroupPolicyAttachment", name: "gpa", props: { group: "devs", policyArn: "arn:aws:iam::aws:policy/PowerUserAccess" } },
                    { type: "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive", name: "gx", props: { groupName: "devs", policyArns: [POLICY_ARN] } },
                    { type: "aws:iam/groupMembership:GroupMembership", name: "gm", props: { group: "devs", users: ["dev"] } },
                ],
                {},
                ["role app: ", 'user dev: AWS-managed policy arn:aws:iam::aws:policy/PowerUserAccess (through group "devs"), pol policy (through group "devs")'],
            ],
            ["permissions boundaries", [], { app: { permissionsBoundary: POLICY_ARN }, dev: { permissionsBoundary: "arn:aws:iam::aws:policy/PowerUserAccess" } }, ["role app:  | boundary pol policy", "user dev:  | boundary AWS-managed policy arn:aws:iam::aws:policy/PowerUserAccess"]],
            [
                "names unknown during preview: undecided, nothing attached",
                [
                    { type: "aws:iam/rolePolicy:RolePolicy", name: "rp", props: { role: UNKNOWN.string, policy: DOC } },
                    { type: "aws:iam/groupMembership:GroupMembership", name: "gm", props: { group: UNKNOWN.string, users: ["dev"] } },
                ],
                { app: { inlinePolicies: UNKNOWN.array } },
                ["role app: ", "user dev: ", "undecided: app inlinePolicies is unknown; role of rp is unknown; group of gm is unknown"],
            ],
            [
                "a role named by property dependency while its name is unknown",
                [{ type: "aws:iam/rolePolicy:RolePolicy", name: "rp", props: { role: UNKNOWN.string, policy: DOC }, propertyDependencies: { role: ["app"] } }],
                {},
                ["role app: rp policy", "user dev: "],
            ],
        ];
        for (const [what, extra, over, expected] of table) {
            it(what, () => assert.deepEqual(collected(extra, over), expected));
        }
    });

    describe("parseIamArn", () => {
        const table: [string, ReturnType<typeof parseIamArn>][] = [
            [`arn:aws:iam::${ACCT}:role/app`, { account: ACCT, kind: "role", name: "app" }],
            [`arn:aws:iam::${ACCT}:role/svc/team/app`, { account: ACCT, kind: "role", name: "app" }],
            [`arn:aws-us-gov:iam::${ACCT}:user/dev`, { account: ACCT, kind: "user", name: "dev" }],
            [`arn:aws:iam::${ACCT}:group/devs`, { account: ACCT, kind: "group", name: "devs" }],
            [`arn:aws:iam::${ACCT}:policy/pol`, undefined],
            [`arn:aws:iam::${ACCT}:root`, undefined],
            [`arn:aws:sts::${ACCT}:assumed-role/app/s`, undefined],
            ["app", undefined],
        ];
        for (const [arn, expected] of table) {
            it(arn, () => assert.deepEqual(parseIamArn(arn), expected));
        }
    });

    describe("mayDeny: whether a partly unknown document may hold a Deny", () => {
        const table: [string, unknown, boolean][] = [
            ["every Effect known to be Allow", { Statement: [{ Effect: "Allow", Action: UNKNOWN.string }] }, false],
            ["one statement, not a list", { Statement: { Effect: "Allow", Resource: UNKNOWN.string } }, false],
            ["an unknown Effect", { Statement: [{ Effect: "Allow" }, { Effect: UNKNOWN.string }] }, true],
            ["a Deny", { Statement: [{ Effect: "Deny", Action: UNKNOWN.string }] }, true],
            ["unknown statements", { Statement: UNKNOWN.array }, true],
            ["an unknown document", UNKNOWN.string, true],
        ];
        for (const [what, doc, expected] of table) {
            it(what, () => assert.equal(mayDeny(unknownCheckingProxy(doc)), expected));
        }
    });

    describe("policyOutsideStack: a policy ARN that is not the stack's", () => {
        const holder = stackResources([{ type: "aws:iam/role:Role", name: "app", props: {} }])[0] as PolicyResource;
        const table: [string, string | undefined, Record<string, unknown>][] = [
            ["arn:aws:iam::aws:policy/AdministratorAccess", undefined, { label: "AWS-managed policy arn:aws:iam::aws:policy/AdministratorAccess", statements: 1 }],
            ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", 'through group "g"', { label: "AWS-managed policy arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", statements: 0, via: 'through group "g"' }],
            ["arn:aws:iam::aws:policy/ReadOnlyAccess", undefined, { label: "AWS-managed policy arn:aws:iam::aws:policy/ReadOnlyAccess", unavailable: "is an AWS-managed policy whose document is not in the program" }],
            [`arn:aws:iam::${OTHER}:policy/x`, undefined, { label: `policy arn:aws:iam::${OTHER}:policy/x`, unavailable: "is not in the program" }],
        ];
        for (const [arn, via, expected] of table) {
            it(arn, () => {
                const a = policyOutsideStack(holder, "managedPolicyArns", arn, via);
                assert.equal(a.holder, holder);
                assert.equal(a.depProperty, "managedPolicyArns");
                assert.equal(a.policy.source.urn, holder.urn);
                const got: Record<string, unknown> = { label: a.policy.source.label };
                if (a.policy.document !== undefined) got.statements = a.policy.document.statements.length;
                if (a.policy.unavailable !== undefined) got.unavailable = a.policy.unavailable;
                if (a.policy.via !== undefined) got.via = a.policy.via;
                assert.deepEqual(got, expected);
            });
        }
    });

    describe("heldDocument: a document input of a resource", () => {
        const holderWith = (policy: unknown) => stackResources([{ type: "aws:iam/rolePolicy:RolePolicy", name: "rp", props: { policy } }])[0] as PolicyResource;
        const table: [string, unknown, string][] = [
            ["a document", DOC, "document with 1 statement(s)"],
            ["none", "", "none"],
            ["not a policy document", "not json", "none"],
            ["unknown", UNKNOWN.string, "unavailable: is unknown during preview (may deny: true) | undecided: rp policy is unknown"],
            ["partly unknown, only Allows", { Statement: [{ Effect: "Allow", Action: UNKNOWN.string, Resource: "*" }] }, "unavailable: is partly unknown during preview (may deny: false) | undecided: rp policy: string value at .policy.Statement.0.Action can't be known during preview"],
        ];
        for (const [what, policy, expected] of table) {
            it(what, () => {
                const holder = holderWith(policy);
                const undecided = new Undecided();
                const d = heldDocument(holder, "policy", "policy", () => holder.props["policy"], undecided);
                let got =
                    d === undefined
                        ? "none"
                        : d.policy.document !== undefined
                          ? `document with ${d.policy.document.statements.length} statement(s)`
                          : `unavailable: ${d.policy.unavailable} (may deny: ${d.policy.mayDeny})`;
                try {
                    undecided.finish();
                } catch (e) {
                    got += ` | undecided: ${(e as Error).message}`;
                }
                assert.equal(got, expected);
            });
        }
    });

    it("policyDocumentOrUndefined: undefined for what is not a policy document, other errors propagate", () => {
        assert.equal(policyDocumentOrUndefined(DOC)?.statements.length, 1);
        assert.equal(policyDocumentOrUndefined("not json"), undefined);
        assert.equal(policyDocumentOrUndefined([1]), undefined);
        assert.throws(() => policyDocumentOrUndefined(unknownCheckingProxy({ Statement: [{ Effect: UNKNOWN.string }] })), /can't be known during preview/);
    });
});
