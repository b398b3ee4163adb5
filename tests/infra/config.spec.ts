import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS, loadConfig, validateConfig } from "../../infra/config";
import { readStackConfig, startMocks } from "./support/harness";

const dev = (): Record<string, string> => readStackConfig("dev");

describe("infra/config validateConfig", function () {
    it("accepts the dev stack file and types every value", function () {
        const r = validateConfig(dev());
        assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
        const c = r.config;
        assert.equal(c.environment, "dev");
        assert.equal(c.region, "eu-west-1");
        assert.equal(c.namePrefix, "e2ee-pipeline-dev");
        assert.equal(c.logRetentionDays, 90);
        assert.equal(c.keyDeletionWindowDays, 30);
        assert.equal(c.deletionProtection, false);
        assert.equal(c.vpcCidr, "10.40.0.0/16");
        assert.equal(c.availabilityZoneCount, 2);
        assert.deepEqual(c.keyAdminArns, ["arn:aws:iam::111111111111:role/e2ee-pipeline-dev-deployer"]);
        assert.deepEqual(c.producerTrustedPrincipalArns, ["arn:aws:iam::222222222222:role/dev-record-producer"]);
        assert.equal(c.backupSchedule, "cron(0 3 * * ? *)");
        assert.deepEqual(c.kubernetes, { enabled: false, context: undefined, namespace: "e2ee-pipeline", recipientImage: undefined, certificateIssuer: undefined, oidcProviderArn: undefined });
        assert.deepEqual(c.alarms, { ingestRecordsPer5Min: 10000, dlqDepth: 10, functionErrors: 10, authFailures: 20, unauthorizedApiCalls: 10 });
        assert.equal(c.alarmEmail, undefined);
        assert.equal(c.ingestApiKeyRotation, "1", "the API key's rotation keeper defaults to \"1\"");
        const rotated = validateConfig({ ...dev(), "e2ee-pipeline:ingestApiKeyRotation": "2026-01-15" });
        assert.ok(rotated.ok && rotated.config.ingestApiKeyRotation === "2026-01-15");
    });

    it("accepts the prod stack file: longer retention, deletion protection, Kubernetes on, two key admins", function () {
        const r = validateConfig(readStackConfig("prod"));
        assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
        assert.equal(r.config.environment, "prod");
        assert.equal(r.config.logRetentionDays, 365);
        assert.equal(r.config.keyDeletionWindowDays, 30);
        assert.equal(r.config.deletionProtection, true);
        assert.equal(r.config.availabilityZoneCount, 3);
        assert.equal(r.config.keyAdminArns.length, 2);
        assert.equal(r.config.kubernetes.enabled, true);
        assert.equal(r.config.kubernetes.context, "e2ee-pipeline-prod");
        assert.equal(r.config.kubernetes.certificateIssuer, "internal-ca");
        assert.match(r.config.kubernetes.recipientImage ?? "", /@sha256:[0-9a-f]{64}$/);
        assert.equal(r.config.kubernetes.oidcProviderArn, "arn:aws:iam::333333333333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/5C2D8E1F3A4B4C5D8E9F0A1B2C3D4E5F");
    });

    it("requires the cluster's OIDC provider when Kubernetes is on (the recipient's IRSA role trusts it)", function () {
        const raw: Record<string, string | undefined> = readStackConfig("prod");
        delete raw["e2ee-pipeline:kubernetesOidcProviderArn"];
        const r = validateConfig(raw);
        assert.ok(!r.ok);
        assert.deepEqual(r.errors, [
            "e2ee-pipeline:kubernetesOidcProviderArn is required when e2ee-pipeline:kubernetesEnabled is true (the EKS cluster's IAM OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<ID>))",
        ]);
        const bad = validateConfig({ ...readStackConfig("prod"), "e2ee-pipeline:kubernetesOidcProviderArn": "https://oidc.eks.eu-west-1.amazonaws.com/id/X" });
        assert.ok(!bad.ok);
        assert.deepEqual(bad.errors, [
            'e2ee-pipeline:kubernetesOidcProviderArn must be the EKS cluster\'s IAM OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<ID>), got "https://oidc.eks.eu-west-1.amazonaws.com/id/X"',
        ]);
    });

    // One bad value per row: the error names the key, the expectation and the offending value.
    const table: { readonly key: string; readonly value: string | undefined; readonly error: string }[] = [
        { key: "e2ee-pipeline:logRetentionDays", value: "x", error: 'e2ee-pipeline:logRetentionDays must be an integer >= 90, got "x"' },
        { key: "e2ee-pipeline:logRetentionDays", value: "30", error: 'e2ee-pipeline:logRetentionDays must be an integer >= 90, got "30"' },
        {
            key: "e2ee-pipeline:logRetentionDays",
            value: "100",
            error: 'e2ee-pipeline:logRetentionDays must be a CloudWatch Logs retention value (90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653), got "100"',
        },
        { key: "e2ee-pipeline:keyDeletionWindowDays", value: "31", error: 'e2ee-pipeline:keyDeletionWindowDays must be an integer from 7 to 30, got "31"' },
        { key: "e2ee-pipeline:keyDeletionWindowDays", value: "7.5", error: 'e2ee-pipeline:keyDeletionWindowDays must be an integer from 7 to 30, got "7.5"' },
        { key: "e2ee-pipeline:deletionProtection", value: "yes", error: 'e2ee-pipeline:deletionProtection must be true or false, got "yes"' },
        { key: "e2ee-pipeline:deletionProtection", value: undefined, error: "e2ee-pipeline:deletionProtection is required (true or false)" },
        { key: "e2ee-pipeline:environment", value: "staging", error: 'e2ee-pipeline:environment must be "dev" or "prod", got "staging"' },
        { key: "e2ee-pipeline:environment", value: undefined, error: 'e2ee-pipeline:environment is required ("dev" or "prod")' },
        { key: "aws:region", value: undefined, error: 'aws:region is required (e.g. "eu-west-1")' },
        { key: "aws:region", value: "Europe", error: 'aws:region must be an AWS region name such as "eu-west-1", got "Europe"' },
        {
            key: "e2ee-pipeline:vpcCidr",
            value: "10.0.0.0/8",
            error: 'e2ee-pipeline:vpcCidr must be an IPv4 CIDR block from /16 to /20 such as "10.40.0.0/16", got "10.0.0.0/8"',
        },
        {
            key: "e2ee-pipeline:vpcCidr",
            value: "10.0.0/16",
            error: 'e2ee-pipeline:vpcCidr must be an IPv4 CIDR block from /16 to /20 such as "10.40.0.0/16", got "10.0.0/16"',
        },
        {
            key: "e2ee-pipeline:ingestApiKeyRotation",
            value: "next week",
            error: 'e2ee-pipeline:ingestApiKeyRotation must be 1-64 letters, digits, ".", "_", ":" or "-" (e.g. "2026-01-15"), got "next week"',
        },
        { key: "e2ee-pipeline:availabilityZoneCount", value: "1", error: 'e2ee-pipeline:availabilityZoneCount must be an integer from 2 to 4, got "1"' },
        {
            key: "e2ee-pipeline:keyAdminArns",
            value: "arn:aws:iam::111111111111:root",
            error: 'e2ee-pipeline:keyAdminArns must be a comma-separated list of IAM role ARNs (arn:aws:iam::<account>:role/<name>), got "arn:aws:iam::111111111111:root"',
        },
        {
            key: "e2ee-pipeline:keyAdminArns",
            value: undefined,
            error: "e2ee-pipeline:keyAdminArns is required (a comma-separated list of IAM role ARNs (arn:aws:iam::<account>:role/<name>))",
        },
        {
            key: "e2ee-pipeline:producerTrustedPrincipalArns",
            value: "*",
            error: 'e2ee-pipeline:producerTrustedPrincipalArns must be a comma-separated list of IAM principal ARNs (arn:aws:iam::<account>:root or arn:aws:iam::<account>:role/<name>), got "*"',
        },
        {
            key: "e2ee-pipeline:producerExternalId",
            value: "short",
            error: 'e2ee-pipeline:producerExternalId must be an external id of 16 to 1224 characters of [A-Za-z0-9+=,.@:/_-], got "short"',
        },
        {
            key: "e2ee-pipeline:ingestCertificateArn",
            value: "arn:aws:iam::111111111111:server-certificate/x",
            error: 'e2ee-pipeline:ingestCertificateArn must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>), got "arn:aws:iam::111111111111:server-certificate/x"',
        },
        {
            key: "e2ee-pipeline:servingDomainName",
            value: "ingest.dev.pipeline.example.com",
            error: 'e2ee-pipeline:servingDomainName must differ from e2ee-pipeline:ingestDomainName, got "ingest.dev.pipeline.example.com"',
        },
        {
            key: "e2ee-pipeline:backupSchedule",
            value: "rate(1 day)",
            error: 'e2ee-pipeline:backupSchedule must be an AWS Backup schedule expression such as "cron(0 3 * * ? *)", got "rate(1 day)"',
        },
        { key: "e2ee-pipeline:backupRetentionDays", value: "1", error: 'e2ee-pipeline:backupRetentionDays must be an integer from 7 to 36500, got "1"' },
        { key: "e2ee-pipeline:alarmDlqDepth", value: "0", error: 'e2ee-pipeline:alarmDlqDepth must be an integer >= 1, got "0"' },
        { key: "e2ee-pipeline:alarmEmail", value: "ops", error: 'e2ee-pipeline:alarmEmail must be an email address, got "ops"' },
        {
            key: "e2ee-pipeline:kubernetesEnabled",
            value: "true",
            error: "e2ee-pipeline:kubernetesRecipientImage is required when e2ee-pipeline:kubernetesEnabled is true (a container image pinned by digest (repo@sha256:<64 hex>))",
        },
        {
            key: "e2ee-pipeline:logRetentionDay",
            value: "90",
            error: `e2ee-pipeline:logRetentionDay is not a known configuration key (known: ${CONFIG_KEYS.join(", ")})`,
        },
    ];

    for (const row of table) {
        it(`rejects ${row.key}=${row.value === undefined ? "(missing)" : JSON.stringify(row.value)} naming the key`, function () {
            const raw: Record<string, string | undefined> = dev();
            if (row.value === undefined) delete raw[row.key];
            else raw[row.key] = row.value;
            const r = validateConfig(raw);
            assert.equal(r.ok, false);
            assert.ok(!r.ok);
            assert.ok(r.errors.includes(row.error), `expected error:\n  ${row.error}\ngot:\n  ${r.errors.join("\n  ")}`);
        });
    }

    it("reports every problem at once, not only the first", function () {
        const raw: Record<string, string | undefined> = { ...dev(), "e2ee-pipeline:logRetentionDays": "x", "e2ee-pipeline:deletionProtection": "maybe" };
        const r = validateConfig(raw);
        assert.ok(!r.ok);
        assert.deepEqual(r.errors, [
            'e2ee-pipeline:logRetentionDays must be an integer >= 90, got "x"',
            'e2ee-pipeline:deletionProtection must be true or false, got "maybe"',
        ]);
    });

    it("ignores keys of other namespaces", function () {
        const r = validateConfig({ ...dev(), "aws:profile": "whatever", "kubernetes:context": "x" });
        assert.equal(r.ok, true);
    });
});

describe("infra/config loadConfig (stack configuration through pulumi.Config)", function () {
    before(async function () {
        await startMocks("dev");
    });
    after(function () {
        pulumi.runtime.setAllConfig({});
    });

    it("loads the dev stack", function () {
        pulumi.runtime.setAllConfig(dev());
        const c = loadConfig();
        assert.equal(c.environment, "dev");
        assert.equal(c.logRetentionDays, 90);
    });

    it("accepts a secret kubeconfig without reading it as plain text", function () {
        pulumi.runtime.setAllConfig({ ...dev(), "e2ee-pipeline:kubeconfig": "apiVersion: v1" }, ["e2ee-pipeline:kubeconfig"]);
        assert.equal(loadConfig().environment, "dev");
    });

    it("throws one error listing every problem, each naming its key, for a bad stack file", function () {
        pulumi.runtime.setAllConfig({ ...dev(), "e2ee-pipeline:logRetentionDays": "x", "e2ee-pipeline:vpcCidrr": "10.0.0.0/16" });
        assert.throws(() => loadConfig(), {
            message:
                "invalid stack configuration for e2ee-pipeline:\n" +
                `  - e2ee-pipeline:vpcCidrr is not a known configuration key (known: ${CONFIG_KEYS.join(", ")})\n` +
                '  - e2ee-pipeline:logRetentionDays must be an integer >= 90, got "x"',
        });
    });
});
