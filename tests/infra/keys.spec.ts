import assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import { DECRYPT_ACTIONS, GENERATE_DATA_KEY_ACTIONS, KEY_ADMIN_ACTIONS, KeysLayer, KeysLayerArgs, validateKeysLayerArgs } from "../../infra/keys";
import { ACCOUNTS, REGION, created, one, ofType, policyOf, settle, startMocks, statement, valueOf } from "./support/harness";

const ACCOUNT = ACCOUNTS.test;
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/deployer`;
const PRODUCER = `arn:aws:iam::${ACCOUNT}:role/e2ee-pipeline-test-producer`;
const RECIPIENT = `arn:aws:iam::${ACCOUNT}:role/e2ee-pipeline-test-recipient`;
const ROLES = ["records", "storage", "logs", "secrets", "backup"] as const;
/** The envelope's encryption context, exactly (functions/src/envelope/header.ts CONTEXT_FIELDS). */
const RECORDS_CONTEXT = {
    "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": ["tenant", "schema", "classification", "producer"] },
    Null: {
        "kms:EncryptionContext:tenant": "false",
        "kms:EncryptionContext:schema": "false",
        "kms:EncryptionContext:classification": "false",
        "kms:EncryptionContext:producer": "false",
    },
};

/** The roles the records key policy names, created once (the keys layer only reads their names). */
let producerRole: aws.iam.Role;
let recipientRole: aws.iam.Role;
const args = (over: Partial<KeysLayerArgs> = {}): KeysLayerArgs => ({
    namePrefix: "e2ee-pipeline-test",
    region: REGION,
    keyAdminArns: [ADMIN],
    producerRole,
    recipientRole,
    tags: { project: "e2ee-pipeline" },
    ...over,
});

describe("infra/keys KeysLayer", function () {
    let layer: KeysLayer;

    before(async function () {
        await startMocks("test");
        producerRole = new aws.iam.Role("producer-role", { name: "e2ee-pipeline-test-producer", assumeRolePolicy: "{}" });
        recipientRole = new aws.iam.Role("recipient-role", { name: "e2ee-pipeline-test-recipient", assumeRolePolicy: "{}" });
        layer = new KeysLayer("keys", args());
        await settle();
    });

    it("creates one symmetric, 90-day-rotated key per role with the e2ee:key-role tag and a 30-day default deletion window", function () {
        assert.equal(ofType("aws:kms/key:Key").length, 5);
        for (const role of ROLES) {
            const k = one("aws:kms/key:Key", `keys-${role}-key`);
            assert.equal(k.inputs.customerMasterKeySpec, "SYMMETRIC_DEFAULT", role);
            assert.equal(k.inputs.keyUsage, "ENCRYPT_DECRYPT", role);
            assert.equal(k.inputs.enableKeyRotation, true, role);
            assert.equal(k.inputs.rotationPeriodInDays, 90, role);
            assert.equal(k.inputs.deletionWindowInDays, 30, role);
            assert.equal(k.inputs.multiRegion, false, role);
            assert.equal(k.inputs.bypassPolicyLockoutSafetyCheck, false, role);
            assert.deepEqual(k.inputs.tags, { project: "e2ee-pipeline", "e2ee:layer": "keys", "managed-by": "pulumi", "e2ee:key-role": role });
        }
    });

    it("gives every key an alias alias/<namePrefix>-<role> pointing at it", function () {
        for (const role of ROLES) {
            const alias = one("aws:kms/alias:Alias", `keys-${role}-alias`);
            const key = one("aws:kms/key:Key", `keys-${role}-key`);
            assert.equal(alias.inputs.name, `alias/e2ee-pipeline-test-${role}`);
            assert.equal(alias.inputs.targetKeyId, key.state.keyId);
        }
        assert.equal(layer.aliases.records, "alias/e2ee-pipeline-test-records");
    });

    it("records key policy: producer may only GenerateDataKey, recipient may only Decrypt, admins never use it, explicit denies", function () {
        const doc = policyOf(one("aws:kms/key:Key", "keys-records-key"));
        assert.equal(doc.Version, "2012-10-17");
        assert.deepEqual(doc.Statement, [
            { Sid: "KeyAdministration", Effect: "Allow", Principal: { AWS: [ADMIN] }, Action: [...KEY_ADMIN_ACTIONS], Resource: "*" },
            { Sid: "ProducerGenerateDataKey", Effect: "Allow", Principal: { AWS: PRODUCER }, Action: ["kms:GenerateDataKey"], Resource: "*", Condition: RECORDS_CONTEXT },
            { Sid: "RecipientDecrypt", Effect: "Allow", Principal: { AWS: RECIPIENT }, Action: ["kms:Decrypt"], Resource: "*", Condition: RECORDS_CONTEXT },
            {
                Sid: "DenyDecryptExceptRecipient",
                Effect: "Deny",
                Principal: "*",
                Action: ["kms:Decrypt", "kms:ReEncryptFrom"],
                Resource: "*",
                Condition: { ArnNotEquals: { "aws:PrincipalArn": RECIPIENT } },
            },
            {
                Sid: "DenyDataKeysExceptProducer",
                Effect: "Deny",
                Principal: "*",
                Action: [...GENERATE_DATA_KEY_ACTIONS],
                Resource: "*",
                Condition: { ArnNotEquals: { "aws:PrincipalArn": PRODUCER } },
            },
            { Sid: "DenyGrants", Effect: "Deny", Principal: "*", Action: ["kms:CreateGrant"], Resource: "*" },
        ]);
    });

    it("no key delegates to the account root without a kms:ViaService condition, and the records key never names the root", function () {
        for (const role of ROLES) {
            const doc = policyOf(one("aws:kms/key:Key", `keys-${role}-key`));
            for (const s of doc.Statement) {
                const principal = JSON.stringify(s.Principal ?? "");
                if (principal.includes(":root")) {
                    assert.notEqual(role, "records", `records key statement ${String(s.Sid)} names the account root`);
                    const cond = s.Condition as Record<string, Record<string, unknown>>;
                    assert.ok(cond.StringEquals["kms:ViaService"], `${role} ${String(s.Sid)} delegates to root without kms:ViaService`);
                    assert.equal(cond.StringEquals["kms:CallerAccount"], ACCOUNT);
                }
            }
        }
    });

    it("the key administration statement carries no cryptographic or grant action", function () {
        const forbidden = [...DECRYPT_ACTIONS, ...GENERATE_DATA_KEY_ACTIONS, "kms:Encrypt", "kms:ReEncryptTo", "kms:CreateGrant", "kms:*"];
        for (const role of ROLES) {
            const admin = statement(policyOf(one("aws:kms/key:Key", `keys-${role}-key`)), "KeyAdministration");
            const actions = admin.Action as string[];
            for (const a of actions) {
                assert.ok(!forbidden.includes(a), `${role}: admin action ${a}`);
                assert.ok(!a.includes("*"), `${role}: wildcard admin action ${a}`);
            }
        }
    });

    it("logs key: CloudWatch Logs only for this account's log groups (encryption context), CloudTrail scoped to this account's trails", function () {
        const doc = policyOf(one("aws:kms/key:Key", "keys-logs-key"));
        assert.deepEqual(doc.Statement.map((s) => s.Sid), [
            "KeyAdministration",
            "CloudWatchLogsEncryptLogGroups",
            "CloudTrailEncryptLogFiles",
            "CloudTrailDescribeKey",
            "AlarmsAndEventsPublishToEncryptedTopic",
        ]);
        const logs = statement(doc, "CloudWatchLogsEncryptLogGroups");
        assert.deepEqual(logs.Principal, { Service: `logs.${REGION}.amazonaws.com` });
        assert.deepEqual(logs.Condition, {
            ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:*` },
        });
        const trail = statement(doc, "CloudTrailEncryptLogFiles");
        assert.deepEqual(trail.Principal, { Service: "cloudtrail.amazonaws.com" });
        assert.deepEqual(trail.Action, ["kms:GenerateDataKey"]);
        assert.deepEqual(trail.Condition, {
            StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": `arn:aws:cloudtrail:*:${ACCOUNT}:trail/*` },
            StringEquals: { "aws:SourceAccount": ACCOUNT },
        });
        assert.deepEqual(statement(doc, "AlarmsAndEventsPublishToEncryptedTopic").Condition, { StringEquals: { "aws:SourceAccount": ACCOUNT } });
    });

    it("storage, secrets and backup keys are usable only through their services", function () {
        const via = (role: string): unknown =>
            (statement(policyOf(one("aws:kms/key:Key", `keys-${role}-key`)), "UseThroughServicesOnly").Condition as Record<string, Record<string, unknown>>)
                .StringEquals["kms:ViaService"];
        assert.deepEqual(via("storage"), ["s3", "dynamodb", "kinesis", "sqs", "states"].map((s) => `${s}.${REGION}.amazonaws.com`));
        assert.deepEqual(via("secrets"), [`secretsmanager.${REGION}.amazonaws.com`, `lambda.${REGION}.amazonaws.com`]);
        assert.deepEqual(via("backup"), [`backup.${REGION}.amazonaws.com`]);
        const grants = statement(policyOf(one("aws:kms/key:Key", "keys-backup-key")), "GrantsForAwsResourcesOnly");
        assert.deepEqual((grants.Condition as Record<string, unknown>).Bool, { "kms:GrantIsForAWSResource": "true" });
    });

    it("exposes distinct key ARNs and the role ARNs the records key policy names", async function () {
        const arns = await Promise.all([layer.recordsKey, layer.storageKey, layer.logsKey, layer.secretsKey, layer.backupKey].map((k) => valueOf(k.arn)));
        assert.equal(new Set(arns).size, 5);
        for (const a of arns) assert.match(a, new RegExp(`^arn:aws:kms:${REGION}:${ACCOUNT}:key/`));
        assert.equal(await valueOf(layer.producerRoleArn), PRODUCER);
        assert.equal(await valueOf(layer.recipientRoleArn), RECIPIENT);
        assert.equal(await valueOf(layer.accountId), ACCOUNT);
    });

    it("creates the records key (only) after the producer and recipient roles its policy names", function () {
        const roles = ["producer-role", "recipient-role"].map((n) => one("aws:iam/role:Role", n).urn);
        assert.deepEqual([...(one("aws:kms/key:Key", "keys-records-key").dependencies ?? [])].sort(), roles.sort());
        for (const role of ROLES.filter((r) => r !== "records")) assert.deepEqual(one("aws:kms/key:Key", `keys-${role}-key`).dependencies, [], role);
    });

    it("uses the given deletion window and account id", async function () {
        await startMocks("test");
        new KeysLayer("keys", args({ deletionWindowInDays: 7, accountId: "999999999999" }));
        await settle();
        const k = one("aws:kms/key:Key", "keys-records-key");
        assert.equal(k.inputs.deletionWindowInDays, 7);
        assert.deepEqual(statement(policyOf(k), "RecipientDecrypt").Principal, { AWS: "arn:aws:iam::999999999999:role/e2ee-pipeline-test-recipient" });
    });

    it("names every recipient role (the Kubernetes recipient's too) in the Decrypt allow and the deny's exception, and waits for it", async function () {
        await startMocks("test");
        const k8s = new aws.iam.Role("k8s-recipient-role", { name: "e2ee-pipeline-test-k8s-recipient", assumeRolePolicy: "{}" });
        new KeysLayer("keys", args({ otherRecipientRoles: [k8s] }));
        await settle();
        const key = one("aws:kms/key:Key", "keys-records-key");
        const both = [RECIPIENT, `arn:aws:iam::${ACCOUNT}:role/e2ee-pipeline-test-k8s-recipient`];
        assert.deepEqual(statement(policyOf(key), "RecipientDecrypt"), { Sid: "RecipientDecrypt", Effect: "Allow", Principal: { AWS: both }, Action: ["kms:Decrypt"], Resource: "*", Condition: RECORDS_CONTEXT });
        assert.deepEqual(statement(policyOf(key), "DenyDecryptExceptRecipient").Condition, { ArnNotEquals: { "aws:PrincipalArn": both } });
        assert.ok(key.dependencies?.includes(one("aws:iam/role:Role", "k8s-recipient-role").urn ?? ""));
    });

    it("validateKeysLayerArgs applies the defaults", function () {
        assert.deepEqual(validateKeysLayerArgs(args()), {
            namePrefix: "e2ee-pipeline-test",
            region: REGION,
            tags: { project: "e2ee-pipeline" },
            keyAdminArns: [ADMIN],
            deletionWindowInDays: 30,
        });
    });

    const invalid: [string, () => Partial<KeysLayerArgs>, string][] = [
        ["no key admins", () => ({ keyAdminArns: [] }), 'KeysLayer: argument "keyAdminArns" must not be empty'],
        ["a root key admin", () => ({ keyAdminArns: [`arn:aws:iam::${ACCOUNT}:root`] }), `KeysLayer: argument "keyAdminArns" must contain IAM role ARNs, got "arn:aws:iam::${ACCOUNT}:root"`],
        ["producer = recipient", () => ({ recipientRole: producerRole }), 'KeysLayer: argument "recipientRole" must differ from "producerRole" (the producer never decrypts)'],
        ["a 5-day deletion window", () => ({ deletionWindowInDays: 5 }), 'KeysLayer: argument "deletionWindowInDays" must be an integer from 7 to 30, got 5'],
        ["a missing recipient role", () => ({ recipientRole: undefined }), 'KeysLayer: argument "recipientRole" is required'],
        ["the producer as another recipient", () => ({ otherRecipientRoles: [producerRole] }), 'KeysLayer: argument "otherRecipientRoles[0]" must differ from "producerRole" (the producer never decrypts)'],
        ["a bad name prefix", () => ({ namePrefix: "E2EE" }), 'KeysLayer: argument "namePrefix" must be 1-40 lower-case letters, digits or "-", starting with a letter, got "E2EE"'],
    ];
    for (const [what, over, message] of invalid) {
        it(`rejects ${what} before creating anything`, async function () {
            await startMocks("test");
            assert.throws(() => validateKeysLayerArgs(args(over())), { message });
            assert.throws(() => new KeysLayer("keys", args(over())), { message });
            await settle();
            assert.equal(created.length, 0);
        });
    }
});
