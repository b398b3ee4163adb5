/**
 * `secure:` config: decrypted as the CLI decrypts it where that is possible offline (the passphrase provider with
 * the passphrase in the environment), otherwise left unknown with the reason.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runProgram } from "../../gate/src/cli/program";
import { readProject, readStack } from "../../gate/src/cli/project";
import { decryptValue, passphraseFromEnv, secretsAccess } from "../../gate/src/cli/secrets";
import { GateError } from "../../gate/src/shared/errors";
import { fixture, SECRET_SIG, SECRET_VALUE_SIG } from "./helpers";

// The salt state of Pulumi's own passphrase manager tests (pkg/secrets/passphrase), passphrase "password".
const VECTOR_SALT = "v1:fozI5u6B030=:v1:F+6ZduKKd8G0/V7L:PGMFeIzwobWRKmEAzUdaQHqC5mMRIQ==";
// A value encrypted under the key that salt and passphrase give (tests/fixtures/secrets/Pulumi.passphrase.yaml).
const TOKEN = "v1:cTkWDDe9BkPZzFNa:kwF6rgyY6DoZrNUOqaiRxinuKDwtrTx7EaF44ziGKe+rX3A=";

function usage(fn: () => unknown): string {
    try {
        fn();
    } catch (e) {
        assert.ok(e instanceof GateError && e.category === "usage", String(e));
        return e.message;
    }
    assert.fail("no error");
}

describe("gate: secure config", function () {
    this.timeout(60_000);

    describe("secretsAccess", () => {
        it("the passphrase provider with the right passphrase decrypts (Pulumi's own test vector)", () => {
            const a = secretsAccess("Pulumi.dev.yaml", { encryptionsalt: VECTOR_SALT }, "password");
            assert.equal(a.kind, "passphrase");
            assert.equal(a.kind === "passphrase" ? a.decrypt(TOKEN) : "", "tok-passphrase-1234");
        });
        it("a wrong passphrase is an error, as the CLI's", () => {
            assert.equal(
                usage(() => secretsAccess("Pulumi.dev.yaml", { encryptionsalt: VECTOR_SALT }, "password123")),
                "incorrect passphrase for Pulumi.dev.yaml: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to the stack's passphrase",
            );
        });
        it("a value that does not open under the key is an error naming the file", () => {
            const a = secretsAccess("Pulumi.dev.yaml", { encryptionsalt: VECTOR_SALT }, "password");
            assert.ok(a.kind === "passphrase");
            assert.match(usage(() => a.decrypt("v1:Zm9vYmFyYmF6cXV4:Y2lwaGVydGV4dC1ub3QtZGVjcnlwdGFibGU=")), /^Pulumi\.dev\.yaml: a secure value cannot be decrypted with the stack's passphrase: /);
        });
        const unavailable: [string, Record<string, unknown>, string | undefined, string][] = [
            ["no passphrase in the environment", { encryptionsalt: VECTOR_SALT }, undefined, "the stack uses the passphrase secrets provider, and neither PULUMI_CONFIG_PASSPHRASE nor PULUMI_CONFIG_PASSPHRASE_FILE is set"],
            ["no salt (the Pulumi Cloud backend's provider)", {}, "password", "the stack file has no encryptionsalt: its secrets provider is the Pulumi Cloud backend's, which the offline gate cannot reach"],
            ["secretsprovider default", { secretsprovider: "default" }, "password", "the stack's secrets provider is Pulumi Cloud, which the offline gate cannot reach"],
            ["a cloud KMS", { secretsprovider: "awskms://alias/pulumi", encryptedkey: "AQIC" }, "password", "the stack's secrets provider awskms://alias/pulumi needs the network"],
        ];
        for (const [what, doc, phrase, reason] of unavailable) {
            it(`unavailable: ${what}`, () => {
                assert.deepEqual(secretsAccess("Pulumi.dev.yaml", doc, phrase), { kind: "unavailable", reason });
            });
        }
        it("a malformed salt is an error", () => {
            assert.equal(usage(() => secretsAccess("Pulumi.dev.yaml", { encryptionsalt: "fozI5u6B030=" }, "password")), "Pulumi.dev.yaml: encryptionsalt is malformed (expected v1:<salt>:<check value>)");
        });
    });

    describe("passphraseFromEnv", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-passphrase-"));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        it("the variable wins, even empty (an empty passphrase is valid)", () => {
            assert.equal(passphraseFromEnv({ PULUMI_CONFIG_PASSPHRASE: "", PULUMI_CONFIG_PASSPHRASE_FILE: "x" }, dir), "");
        });
        it("else the file, trimmed, relative to the project", () => {
            fs.writeFileSync(path.join(dir, "phrase.txt"), "  password\n");
            assert.equal(passphraseFromEnv({ PULUMI_CONFIG_PASSPHRASE_FILE: "phrase.txt" }, dir), "password");
        });
        it("an unreadable file is an error naming it", () => {
            assert.match(usage(() => passphraseFromEnv({ PULUMI_CONFIG_PASSPHRASE_FILE: "missing.txt" }, dir)), /^unable to read PULUMI_CONFIG_PASSPHRASE_FILE \(.*missing\.txt\): /);
        });
        it("neither: undefined", () => {
            assert.equal(passphraseFromEnv({}, dir), undefined);
        });
    });

    it("decryptValue opens every secure leaf of an object value", () => {
        const open = (v: string): string => `<${v}>`;
        assert.deepEqual(decryptValue({ a: { secure: "x" }, b: [1, { secure: "y" }], c: "plain" }, open), { a: "<x>", b: [1, "<y>"], c: "plain" });
    });

    describe("readStack and the program", () => {
        const project = readProject(fixture("secrets"));
        it("with the passphrase: the value is in the config and the key is secret, as the CLI passes them", () => {
            const s = readStack(project, "passphrase", { PULUMI_CONFIG_PASSPHRASE: "password" });
            assert.equal(s.config["fixture-secrets:apiToken"], "tok-passphrase-1234");
            assert.deepEqual([s.secureKeys, s.secretKeys, s.secretsNote], [[], ["fixture-secrets:apiToken"], undefined]);
        });
        it("without it: the key stays undecrypted, with the reason", () => {
            const s = readStack(project, "passphrase", {});
            assert.equal(s.config["fixture-secrets:apiToken"], undefined);
            assert.deepEqual(s.secureKeys, ["fixture-secrets:apiToken"]);
            assert.equal(s.secretsNote, "the stack uses the passphrase secrets provider, and neither PULUMI_CONFIG_PASSPHRASE nor PULUMI_CONFIG_PASSPHRASE_FILE is set");
        });
        it("a program reading the decrypted value with a plain getter runs, and the runtime keeps it a secret, as under pulumi preview", async () => {
            const s = readStack(project, "passphrase", { PULUMI_CONFIG_PASSPHRASE: "password" });
            const run = await runProgram(
                {
                    programDir: project.dir,
                    main: project.main,
                    project: project.name,
                    stack: "passphrase",
                    organization: "organization",
                    config: s.config,
                    secureKeys: s.secureKeys,
                    secretKeys: s.secretKeys,
                    typescript: true,
                },
                60_000,
            );
            const token = run.resources.find((r) => r.name === "token");
            assert.deepEqual(token?.properties["value"], { [SECRET_SIG]: SECRET_VALUE_SIG, value: "tok-passphrase-1234" });
        });
    });
});
