/**
 * The end-to-end-encryption invariant across a whole stack:
 * - no IAM policy (managed policy, role inline policy, role `inlinePolicies`, user or group policy) other than the
 *   recipients' (the function's, and the Kubernetes recipient's IRSA role where there is one) allows kms:Decrypt on
 *   the records key (or on a wildcard that covers it);
 * - no IAM policy other than the producer's allows kms:GenerateDataKey* on it;
 * - the records key policy allows Decrypt only to the recipient roles and GenerateDataKey* only to the producer role,
 *   and never to the account root or "*".
 */
import assert from "node:assert/strict";
import { Created, stackNames } from "./support/harness";
import { BuiltStack, builtStack } from "./support/stack";

type Doc = { Statement: Record<string, unknown>[] | Record<string, unknown> };

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
/** IAM wildcard match (`*`, `?`), case-insensitive for actions. */
const wildcard = (pattern: string, value: string, ignoreCase: boolean): boolean =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, ignoreCase ? "i" : "").test(value);

/** Does an Allow statement cover `action` on `resource`? (Action/NotAction, Resource/NotResource.) */
function allows(s: Record<string, unknown>, action: string, resource: string): boolean {
    if (s.Effect !== "Allow") return false;
    const actionOk = s.NotAction !== undefined
        ? !list(s.NotAction).some((a) => wildcard(a, action, true))
        : list(s.Action).some((a) => wildcard(a, action, true));
    const resourceOk = s.NotResource !== undefined
        ? !list(s.NotResource).some((r) => wildcard(r, resource, false))
        : list(s.Resource).some((r) => wildcard(r, resource, false));
    return actionOk && resourceOk;
}

const statements = (json: unknown): Record<string, unknown>[] => {
    const doc = (typeof json === "string" ? JSON.parse(json) : json) as Doc;
    return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
};

interface IdentityPolicy {
    /** Role (or user/group) names the policy applies to; [] = attached to nothing we can see. */
    readonly principals: readonly string[];
    readonly source: string;
    readonly statements: readonly Record<string, unknown>[];
}

/** Every identity-based policy document in the stack, with the principals it applies to. */
function identityPolicies(resources: readonly Created[]): IdentityPolicy[] {
    const out: IdentityPolicy[] = [];
    const roleName = (ref: unknown): string => {
        const r = resources.find((x) => x.type === "aws:iam/role:Role" && (x.id === ref || x.state.name === ref || x.state.arn === ref));
        return r ? String(r.state.name) : String(ref);
    };
    for (const r of resources) {
        switch (r.type) {
            case "aws:iam/rolePolicy:RolePolicy":
                out.push({ principals: [roleName(r.inputs.role)], source: `RolePolicy ${r.name}`, statements: statements(r.inputs.policy) });
                break;
            case "aws:iam/userPolicy:UserPolicy":
                out.push({ principals: [`user:${String(r.inputs.user)}`], source: `UserPolicy ${r.name}`, statements: statements(r.inputs.policy) });
                break;
            case "aws:iam/groupPolicy:GroupPolicy":
                out.push({ principals: [`group:${String(r.inputs.group)}`], source: `GroupPolicy ${r.name}`, statements: statements(r.inputs.policy) });
                break;
            case "aws:iam/role:Role":
                for (const p of (r.inputs.inlinePolicies ?? []) as { policy?: string }[]) {
                    if (p.policy) out.push({ principals: [String(r.state.name)], source: `Role ${r.name} inline`, statements: statements(p.policy) });
                }
                break;
            case "aws:iam/policy:Policy": {
                const arn = r.state.arn;
                const attached = resources
                    .filter((a) => (a.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" || a.type === "aws:iam/policyAttachment:PolicyAttachment") && a.inputs.policyArn === arn)
                    .flatMap((a) => [...list(a.inputs.role), ...list(a.inputs.roles)].map(roleName));
                out.push({ principals: attached, source: `Policy ${r.name}`, statements: statements(r.inputs.policy) });
                break;
            }
            default:
                break;
        }
    }
    return out;
}

const DATA_KEY_ACTIONS = ["kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext"];
const DECRYPT_ACTIONS = ["kms:Decrypt", "kms:ReEncryptFrom"];

/** Policies that allow any of `actions` on `keyArn`, except those applying only to `onlyRoles`. */
function offenders(policies: readonly IdentityPolicy[], actions: readonly string[], keyArn: string, onlyRoles: string | readonly string[]): string[] {
    const only = typeof onlyRoles === "string" ? [onlyRoles] : onlyRoles;
    const found: string[] = [];
    for (const p of policies) {
        for (const s of p.statements) {
            if (actions.some((a) => allows(s, a, keyArn)) && !(p.principals.length > 0 && p.principals.every((r) => only.includes(r)))) {
                found.push(`${p.source} (${p.principals.join(", ") || "unattached"}) statement ${String(s.Sid ?? "?")}`);
            }
        }
    }
    return found;
}

describe("E2EE invariant: only the recipient decrypts, only the producer creates data keys", function () {
    this.timeout(120000);

    describe("the checker", function () {
        it("recognises wildcard grants, NotAction and NotResource, and ignores Deny and other keys", function () {
            const key = "arn:aws:kms:eu-west-1:111111111111:key/abc";
            assert.equal(allows({ Effect: "Allow", Action: "kms:*", Resource: "*" }, "kms:Decrypt", key), true);
            assert.equal(allows({ Effect: "Allow", Action: ["kms:De*"], Resource: "arn:aws:kms:*:111111111111:key/*" }, "kms:Decrypt", key), true);
            assert.equal(allows({ Effect: "Allow", Action: "KMS:DECRYPT", Resource: key }, "kms:Decrypt", key), true);
            assert.equal(allows({ Effect: "Allow", NotAction: "s3:*", Resource: "*" }, "kms:Decrypt", key), true);
            assert.equal(allows({ Effect: "Allow", Action: "kms:Decrypt", NotResource: "arn:aws:s3:::x" }, "kms:Decrypt", key), true);
            assert.equal(allows({ Effect: "Deny", Action: "kms:*", Resource: "*" }, "kms:Decrypt", key), false);
            assert.equal(allows({ Effect: "Allow", Action: "kms:Decrypt", Resource: "arn:aws:kms:eu-west-1:111111111111:key/other" }, "kms:Decrypt", key), false);
            assert.equal(allows({ Effect: "Allow", Action: "kms:GenerateDataKey", Resource: key }, "kms:Decrypt", key), false);
        });

        it("flags a non-recipient role policy that decrypts with kms:* on *", function () {
            const fake: Created[] = [
                { type: "aws:iam/role:Role", name: "r", custom: true, id: "ops", inputs: {}, state: { name: "ops", arn: "arn:aws:iam::1:role/ops" } },
                {
                    type: "aws:iam/rolePolicy:RolePolicy",
                    name: "p",
                    custom: true,
                    id: "p",
                    inputs: { role: "ops", policy: JSON.stringify({ Statement: [{ Sid: "All", Effect: "Allow", Action: "kms:*", Resource: "*" }] }) },
                    state: {},
                },
            ];
            assert.deepEqual(offenders(identityPolicies(fake), DECRYPT_ACTIONS, "arn:aws:kms:eu-west-1:1:key/k", "recipient"), ["RolePolicy p (ops) statement All"]);
        });
    });

    for (const stack of stackNames()) {
        describe(stack, function () {
            let built: BuiltStack;
            let recordsKey: Created;
            let producer: Created;
            /** The recipient function's role. */
            let recipient: Created;
            /** Every role tagged recipient: the function's, and on prod the Kubernetes recipient's IRSA role. */
            let recipients: Created[];

            before(async function () {
                built = await builtStack(stack);
                const find = (type: string, pred: (r: Created) => boolean): Created => {
                    const matches = built.resources.filter((r) => r.type === type && pred(r));
                    assert.equal(matches.length, 1, `${stack}: one ${type}`);
                    return matches[0];
                };
                recordsKey = find("aws:kms/key:Key", (r) => (r.inputs.tags as Record<string, string>)["e2ee:key-role"] === "records");
                producer = find("aws:iam/role:Role", (r) => (r.inputs.tags as Record<string, string> | undefined)?.["e2ee:principal-role"] === "producer");
                recipients = built.resources.filter((r) => r.type === "aws:iam/role:Role" && (r.inputs.tags as Record<string, string> | undefined)?.["e2ee:principal-role"] === "recipient");
                recipient = find("aws:iam/role:Role", (r) => recipients.includes(r) && r.name === "serving-recipient-role");
                assert.deepEqual(
                    recipients.map((r) => r.state.name).sort(),
                    [...(stack === "prod" ? [`e2ee-pipeline-${stack}-k8s-recipient`] : []), `e2ee-pipeline-${stack}-recipient`],
                );
            });

            it("the producer and recipient roles are the ones the records key policy names", function () {
                assert.equal(producer.state.name, `e2ee-pipeline-${stack}-producer`);
                assert.equal(recipient.state.name, `e2ee-pipeline-${stack}-recipient`);
                const principals = statements(recordsKey.inputs.policy)
                    .filter((s) => s.Effect === "Allow")
                    .flatMap((s) => list((s.Principal as Record<string, unknown>).AWS));
                assert.ok(principals.includes(String(producer.state.arn)));
                for (const r of recipients) assert.ok(principals.includes(String(r.state.arn)), String(r.state.name));
            });

            it("the records key policy allows Decrypt only to the recipient and data keys only to the producer, never to root or *", function () {
                const key = String(recordsKey.state.arn);
                for (const s of statements(recordsKey.inputs.policy)) {
                    if (s.Effect !== "Allow") continue;
                    const p = s.Principal as Record<string, unknown> | string;
                    assert.notEqual(p, "*", `statement ${String(s.Sid)} allows "*"`);
                    const aws = list((p as Record<string, unknown>).AWS);
                    assert.ok(!aws.some((a) => a === "*" || a.endsWith(":root")), `statement ${String(s.Sid)} names ${aws.join(", ")}`);
                    assert.equal((p as Record<string, unknown>).Service, undefined, `statement ${String(s.Sid)} names a service`);
                    const stmt = { ...s, Resource: key };
                    if (DECRYPT_ACTIONS.some((a) => allows(stmt, a, key))) assert.deepEqual([...aws].sort(), recipients.map((r) => String(r.state.arn)).sort(), `Decrypt in ${String(s.Sid)}`);
                    if (DATA_KEY_ACTIONS.some((a) => allows(stmt, a, key))) assert.deepEqual(aws, [producer.state.arn], `GenerateDataKey in ${String(s.Sid)}`);
                }
            });

            it("no IAM policy but the recipient's allows kms:Decrypt on the records key (or on *)", function () {
                const policies = identityPolicies(built.resources);
                // Every role with an inline policy is seen: the pipeline's function roles, producer, orchestrator, delivery roles.
                const covered = new Set(policies.flatMap((p) => p.principals));
                for (const role of ["producer", "recipient", "ingest", "process", "replay", "orchestrator", "pipe", "vpc-flow-logs", "cloudtrail-logs"]) {
                    assert.ok(covered.has(`e2ee-pipeline-${stack}-${role}`), `${stack}: no identity policy of ${role} found`);
                }
                assert.deepEqual(offenders(policies, DECRYPT_ACTIONS, String(recordsKey.state.arn), recipients.map((r) => String(r.state.name))), []);
            });

            it("the recipient's IAM policy does allow Decrypt on the records key, and only on it", function () {
                const key = String(recordsKey.state.arn);
                const mine = identityPolicies(built.resources).filter((p) => p.principals.includes(String(recipient.state.name)));
                const decrypting = mine.flatMap((p) => p.statements).filter((s) => allows(s, "kms:Decrypt", key));
                assert.ok(decrypting.length >= 1, "the recipient cannot decrypt records");
                for (const s of decrypting) assert.deepEqual(list(s.Resource), [key]);
            });

            it("no IAM policy but the producer's allows kms:GenerateDataKey* on the records key (or on *)", function () {
                const policies = identityPolicies(built.resources);
                assert.deepEqual(offenders(policies, DATA_KEY_ACTIONS, String(recordsKey.state.arn), String(producer.state.name)), []);
            });

            it("no role gets a broad AWS-managed policy that could hide a kms:Decrypt grant", function () {
                const attached = built.resources
                    .filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                    .map((r) => String(r.inputs.policyArn));
                for (const arn of attached) {
                    assert.ok(!/AdministratorAccess|PowerUserAccess|KeyManagementService|ReadOnlyAccess$/.test(arn), arn);
                }
                const roles = built.resources.filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((r) => String(r.inputs.role));
                for (const r of recipients) assert.ok(!roles.includes(String(r.state.name)), `the recipient role ${String(r.state.name)} has a managed policy attached`);
                assert.ok(!roles.includes(String(producer.state.name)), "the producer role has a managed policy attached");
            });
        });
    }
});
