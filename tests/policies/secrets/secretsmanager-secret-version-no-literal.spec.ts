import assert from "node:assert/strict";
import { secretsmanagerSecretVersionNoLiteral } from "../../../policies/rules/secrets/secretsmanagerSecretVersionNoLiteral";
import { UNKNOWN, runStackRule, urnOf, type StackResourceInput } from "../harness";

const VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const version = (props: Record<string, unknown>, extra: Partial<StackResourceInput> = {}): StackResourceInput => ({ type: VERSION, name: "v", props: { secretId: UNKNOWN.string, ...props }, ...extra });
const run = (inputs: StackResourceInput[]) => runStackRule(secretsmanagerSecretVersionNoLiteral, inputs);

describe("secretsmanager-secret-version-no-literal", () => {
    it("is advisory by default (config secrets are known to policies during pulumi preview)", () => {
        assert.equal(secretsmanagerSecretVersionNoLiteral.enforcementLevel, "advisory");
    });
    it("accepts a generated value (unknown during preview)", async () => {
        const r = await run([version({ secretString: UNKNOWN.string })]);
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, undefined);
    });
    it("accepts a generated value known in an update: the property comes from the resource that generated it", async () => {
        const r = await run([
            { type: PASSWORD, name: "pw", props: { length: 40, result: "Zq4v0c9mJw2kR7tYp1sXn8bLh3gFd6aEu5iOe0Ty" } },
            version({ secretString: "Zq4v0c9mJw2kR7tYp1sXn8bLh3gFd6aEu5iOe0Ty" }, { propertyDependencies: { secretString: ["pw"] } }),
        ]);
        assert.deepEqual(r.messages, []);
    });
    it("reports a value written in the program", async () => {
        const r = await run([version({ secretString: JSON.stringify({ username: "app", password: "hunter2" }) })]);
        assert.deepEqual(r.violations, [
            {
                message: "secretString is a value known before deployment (written in the program or read from plain config); generate it with random.RandomPassword or read it from an encrypted config secret.",
                urn: urnOf(VERSION, "v"),
            },
        ]);
    });
    it("reports a literal secretBinary even when secretString comes from a resource", async () => {
        const r = await run([
            { type: PASSWORD, name: "pw", props: { result: "generated" } },
            version({ secretString: "generated", secretBinary: "aHVudGVyMg==" }, { propertyDependencies: { secretString: ["pw"] } }),
        ]);
        assert.deepEqual(r.messages, [
            "secretBinary is a value known before deployment (written in the program or read from plain config); generate it with random.RandomPassword or read it from an encrypted config secret.",
        ]);
    });
});
