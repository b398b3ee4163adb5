import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as path from "node:path";
import { allRules, groupOf, groups } from "../../policies/all";
import { MAX_DESCRIPTION_LENGTH, PAPER_FRAMEWORK_NAME, PAPER_FRAMEWORK_VERSION, resetAppliedWaivers, setClock } from "../../policies/lib/rule";
import { selectPolicies } from "../../policies/select";
import { StackResourceInput, UNKNOWN, runPack } from "./harness";
import { HOUSE_CONFIG } from "./house-config";

/** The full pack, in order. Adding, removing, renaming or reordering a policy must update this list (and the README). */
const EXPECTED_NAMES = [
    // encryption
    "s3-bucket-encrypted-with-cmk",
    "dynamodb-table-encrypted-with-cmk",
    "sqs-queue-encrypted-with-cmk",
    "sns-topic-encrypted-with-cmk",
    "kinesis-stream-encrypted-with-cmk",
    "cloudwatch-log-group-encrypted-with-cmk",
    "lambda-environment-encrypted-with-cmk",
    "sfn-state-machine-encrypted-with-cmk",
    "secretsmanager-secret-encrypted-with-cmk",
    "ebs-volume-encrypted-with-cmk",
    "rds-instance-encrypted-with-cmk",
    "rds-cluster-encrypted-with-cmk",
    "ecr-repository-encrypted-with-cmk",
    "backup-vault-encrypted-with-cmk",
    "efs-file-system-encrypted-with-cmk",
    "redshift-cluster-encrypted-with-cmk",
    "firehose-delivery-stream-encrypted-with-cmk",
    "glue-security-configuration-encrypted-with-cmk",
    "glue-data-catalog-encrypted-with-cmk",
    "opensearch-domain-encrypted-with-cmk",
    "elasticache-encrypted-with-cmk",
    "msk-cluster-encrypted-with-cmk",
    "docdb-cluster-encrypted-with-cmk",
    "neptune-cluster-encrypted-with-cmk",
    // keys
    "kms-key-symmetric-default",
    "kms-key-rotation-enabled",
    "kms-key-deletion-window",
    "kms-key-role-tagged",
    // iam
    "iam-no-wildcard-actions",
    "iam-no-wildcard-resources",
    "iam-no-allow-not-action",
    "iam-no-admin-managed-policies",
    "iam-trust-policy-no-wildcard-principal",
    "kms-key-policy-no-unscoped-wildcard-principal",
    "e2ee-records-key-least-privilege",
    // s3
    "s3-bucket-public-access-blocked",
    "s3-bucket-denies-insecure-transport",
    "s3-bucket-requires-tls13",
    "s3-bucket-versioning-enabled",
    // backup
    "backup-vault-separate-key",
    // tls
    "lb-listener-tls13-only",
    "lb-listener-http-redirects-to-https",
    "apigateway-domain-tls13",
    "apigatewayv2-domain-tls",
    "cloudfront-tls13",
    // certificates
    "acmpca-certificate-max-90-days",
    "acm-private-certificate-max-90-days",
    "cert-manager-certificate-max-90-days",
    // secrets
    "lambda-env-no-plaintext-secrets",
    "k8s-env-no-plaintext-secrets",
    "ecs-task-definition-no-plaintext-secrets",
    "glue-connection-no-plaintext-secrets",
    "secretsmanager-secret-version-no-literal",
    // network
    "sg-no-unrestricted-ingress",
    "sg-no-unrestricted-egress",
    "rds-instance-not-publicly-accessible",
    "redshift-cluster-not-publicly-accessible",
    "k8s-namespace-default-deny",
    // entrypoints
    "apigateway-method-authorized",
    "apigatewayv2-route-authorized",
    "lambda-function-url-auth",
    // lambda
    "lambda-runtime-supported",
    "lambda-in-vpc",
    // kubernetes
    "k8s-namespace-pod-security-restricted",
    "k8s-pod-security-restricted",
    "k8s-image-pinned-by-digest",
    "k8s-rbac-no-wildcards",
    "k8s-no-cluster-admin-binding",
    "k8s-service-account-token-not-automounted",
    "istio-peer-authentication-strict",
    // monitoring
    "cloudtrail-multi-region-validated-encrypted",
    "log-retention-minimum",
    "vpc-flow-logs-enabled",
    "guardduty-detector-protections",
    // account (opt-in: accountBaseline)
    "guardduty-enabled",
    "securityhub-enabled",
    "config-recorder-enabled",
    "cloudtrail-enabled",
    "s3-account-public-access-blocked",
    // classification
    "data-store-classification-tag",
    // waivers (last)
    "policy-waivers-applied",
];

const SEVERITIES = ["low", "medium", "high", "critical"];
const LEVELS = ["advisory", "mandatory", "remediate", "disabled"];

describe("policy pack", () => {
    it("has exactly the pinned policies, in order, with unique names and policy-waivers-applied last", () => {
        const names = allRules.map((r) => r.name);
        assert.deepEqual(names, EXPECTED_NAMES);
        assert.equal(new Set(names).size, names.length);
        assert.equal(names[names.length - 1], "policy-waivers-applied");
        assert.ok(names.length >= 40);
    });

    it("every group's index is part of the pack and every policy has a group", () => {
        assert.deepEqual(Object.keys(groups).sort(), [
            "account", "backup", "certificates", "classification", "encryption", "entrypoints", "iam", "keys", "kubernetes", "lambda", "monitoring", "network", "s3", "secrets", "tls", "waivers",
        ]);
        for (const r of allRules) {
            assert.notEqual(groupOf(r.name), undefined, r.name);
        }
    });

    for (const r of allRules) {
        it(`${r.name}: complete metadata`, () => {
            assert.match(r.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
            assert.ok(r.description.length >= 40, "description");
            assert.ok(r.description.length <= MAX_DESCRIPTION_LENGTH && !r.description.includes("\n"), "one-line description (it precedes every violation message)");
            assert.ok(LEVELS.includes(r.enforcementLevel ?? ""), "enforcementLevel");
            assert.ok(SEVERITIES.includes(r.severity ?? ""), "severity");
            assert.ok((r.remediationSteps ?? "").length >= 20, "remediationSteps");
            assert.deepEqual(
                { name: r.framework?.name, version: r.framework?.version, reference: r.framework?.reference, specification: r.framework?.specification },
                { name: PAPER_FRAMEWORK_NAME, version: PAPER_FRAMEWORK_VERSION, reference: r.frameworkRef.paper, specification: r.description },
            );
            assert.ok(r.frameworkRef.paper.length > 0, "paper reference");
            const tags = r.tags ?? [];
            assert.ok(tags.includes(`paper:${r.frameworkRef.paper}`), "paper tag");
            for (const id of r.frameworkRef.securityHub ?? []) {
                assert.match(id, /^[A-Za-z0-9]+\.\d+$/);
                assert.ok(tags.includes(`securityhub:${id}`));
            }
            for (const id of r.frameworkRef.checkov ?? []) {
                assert.match(id, /^CKV2?_[A-Z0-9]+_\d+$/);
                assert.ok(tags.includes(`checkov:${id}`));
            }
            assert.ok(r.configSchema?.properties["waivers"] !== undefined, "waivers in configSchema");
            const validate = "validateStack" in r ? r.validateStack : r.validateResource;
            assert.equal(typeof validate, "function");
        });
    }

    it("among the storage/key policies only policy-waivers-applied and s3-bucket-requires-tls13 (the paper's TLS 1.3 stance) are advisory; the rest are mandatory", () => {
        const mine = selectPolicies({ groups: ["encryption", "keys", "s3", "backup", "classification"] });
        assert.ok(mine.length >= 20);
        const advisory = new Set(["policy-waivers-applied", "s3-bucket-requires-tls13"]);
        for (const r of mine) {
            assert.equal(r.enforcementLevel, advisory.has(r.name) ? "advisory" : "mandatory", r.name);
        }
    });

    it("loads and serves as a policy pack (index.ts starts the analyzer and prints its port)", async function () {
        this.timeout(60000);
        const dir = path.join(__dirname, "..", "..", "policies");
        const child = spawn(process.execPath, ["-e", "require('ts-node').register({ transpileOnly: true }); require('./index.ts');"], { cwd: dir });
        try {
            const port = await new Promise<string>((resolve, reject) => {
                let out = "";
                let err = "";
                child.stdout.on("data", (b: Buffer) => {
                    out += b.toString();
                    const m = /^(\d+)\s*$/m.exec(out);
                    if (m !== null) {
                        resolve(m[1]);
                    }
                });
                child.stderr.on("data", (b: Buffer) => (err += b.toString()));
                child.on("exit", (code) => reject(new Error(`policy pack exited with ${String(code)}: ${err}`)));
            });
            assert.ok(Number(port) > 0);
        } finally {
            child.kill();
        }
    });
});

describe("selectPolicies", () => {
    it("selects by framework mapping, keeping pack order, with the waiver report last", () => {
        const sh = selectPolicies({ frameworks: ["securityhub"] });
        assert.ok(sh.length > 5);
        for (const r of sh.slice(0, -1)) {
            assert.ok((r.frameworkRef.securityHub ?? []).length > 0, r.name);
        }
        assert.equal(sh[sh.length - 1].name, "policy-waivers-applied");
        const order = sh.map((r) => EXPECTED_NAMES.indexOf(r.name));
        assert.deepEqual(order, [...order].sort((a, b) => a - b));
        assert.ok(sh.some((r) => r.name === "s3-bucket-public-access-blocked"));
        assert.ok(!sh.some((r) => r.name === "kms-key-deletion-window"));
        assert.equal(selectPolicies({ frameworks: ["paper"] }).length, allRules.length);
    });

    it("selects by control ID, Checkov ID, severity, name, group and tag (criteria combine with AND)", () => {
        assert.deepEqual(selectPolicies({ securityHubControls: ["S3.5", "S3.8"] }).map((r) => r.name), [
            "s3-bucket-public-access-blocked",
            "s3-bucket-denies-insecure-transport",
            "policy-waivers-applied",
        ]);
        assert.deepEqual(selectPolicies({ checkovIds: ["CKV_AWS_7"] }).map((r) => r.name), ["kms-key-rotation-enabled", "policy-waivers-applied"]);
        assert.deepEqual(selectPolicies({ severities: ["critical"], groups: ["s3"] }).map((r) => r.name), ["s3-bucket-public-access-blocked", "policy-waivers-applied"]);
        assert.deepEqual(selectPolicies({ names: ["kms-key-rotation-enabled", "s3-bucket-requires-tls13"], includeWaiverReport: false }).map((r) => r.name), [
            "kms-key-rotation-enabled",
            "s3-bucket-requires-tls13",
        ]);
        assert.deepEqual(selectPolicies({ tags: ["securityhub:KMS.4"] }).map((r) => r.name), ["kms-key-rotation-enabled", "policy-waivers-applied"]);
        assert.deepEqual(selectPolicies({ groups: ["keys"], excludeNames: ["kms-key-role-tagged"] }).map((r) => r.name), [
            "kms-key-symmetric-default",
            "kms-key-rotation-enabled",
            "kms-key-deletion-window",
            "policy-waivers-applied",
        ]);
        for (const r of selectPolicies({ severities: ["high"], frameworks: ["checkov"] }).slice(0, -1)) {
            assert.equal(r.severity, "high");
            assert.ok((r.frameworkRef.checkov ?? []).length > 0);
        }
    });

    it("rejects unknown names and groups", () => {
        assert.throws(() => selectPolicies({ names: ["s3-bucket-encrypted"] }), /unknown policy name\(s\): s3-bucket-encrypted/);
        assert.throws(() => selectPolicies({ excludeNames: ["nope"] }), /unknown policy name\(s\): nope/);
        assert.throws(() => selectPolicies({ groups: ["storage"] }), /unknown group\(s\): storage/);
    });
});

describe("storage and key policies on a whole stack", () => {
    const KEY_ARN = UNKNOWN.string;
    const rules = selectPolicies({ groups: ["encryption", "keys", "s3", "backup", "classification"] });
    const tags = { "data-classification": "confidential" };
    const key = (name: string, role: string): StackResourceInput => ({
        type: "aws:kms/key:Key",
        name,
        props: { arn: KEY_ARN, enableKeyRotation: true, rotationPeriodInDays: 90, deletionWindowInDays: 30, tags: { "e2ee:key-role": role } },
    });
    const onBucket = (type: string, name: string, props: Record<string, unknown>): StackResourceInput => ({
        type,
        name,
        props: { bucket: UNKNOWN.string, ...props },
        propertyDependencies: { bucket: ["data"] },
    });
    const policy = JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: ["arn:aws:s3:::e2ee-data", "arn:aws:s3:::e2ee-data/*"], Condition: { Bool: { "aws:SecureTransport": "false" } } },
            { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: ["arn:aws:s3:::e2ee-data", "arn:aws:s3:::e2ee-data/*"], Condition: { NumericLessThan: { "s3:TlsVersion": "1.3" } } },
        ],
    });
    const compliant: StackResourceInput[] = [
        key("storage", "storage"),
        key("backup", "backup"),
        { type: "aws:s3/bucket:Bucket", name: "data", props: { bucket: "e2ee-data", tags } },
        onBucket("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "data-sse", {
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: UNKNOWN.string }, bucketKeyEnabled: true }],
        }),
        onBucket("aws:s3/bucketVersioning:BucketVersioning", "data-versioning", { versioningConfiguration: { status: "Enabled" } }),
        onBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "data-pab", {
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        }),
        onBucket("aws:s3/bucketPolicy:BucketPolicy", "data-policy", { policy }),
        {
            type: "aws:dynamodb/table:Table",
            name: "records",
            props: { serverSideEncryption: { enabled: true, kmsKeyArn: UNKNOWN.string }, tags },
            propertyDependencies: { serverSideEncryption: ["storage"] },
        },
        { type: "aws:backup/vault:Vault", name: "vault", props: { kmsKeyArn: UNKNOWN.string, tags }, propertyDependencies: { kmsKeyArn: ["backup"] } },
    ];
    compliant[3] = { ...compliant[3], propertyDependencies: { bucket: ["data"], rules: ["storage"] } };

    beforeEach(() => {
        resetAppliedWaivers();
        setClock(() => "2026-11-23");
    });

    it("a compliant storage stack (during preview) produces no diagnostics", async () => {
        assert.deepEqual(await runPack(rules, compliant, HOUSE_CONFIG), []);
    });

    it("waivers across the full pack: a waiver in force suppresses and is reported last; an expired one does not apply", async () => {
        const stack = compliant
            .filter((r) => r.name !== "data-versioning")
            .map((r) => (r.name === "storage" ? { ...r, props: { ...r.props, rotationPeriodInDays: 180 } } : r));
        const d = await runPack(allRules, stack, {
            "s3-bucket-versioning-enabled": { waivers: [{ resource: "data", reason: "append-only landing zone, SEC-7", expires: "2026-12-31" }] },
            "kms-key-rotation-enabled": { waivers: [{ resource: "storage", reason: "migration", expires: "2026-11-01" }] },
        });
        const mine = d.filter((x) => ["s3-bucket-versioning-enabled", "kms-key-rotation-enabled", "policy-waivers-applied"].includes(x.policy));
        assert.deepEqual(mine, [
            {
                policy: "kms-key-rotation-enabled",
                enforcementLevel: "mandatory",
                message: "KMS key rotationPeriodInDays is 180; set it to at most 90. (the waiver for this resource expired on 2026-11-01: migration)",
                urn: "urn:pulumi:dev::e2ee-pipeline::aws:kms/key:Key::storage",
            },
            {
                policy: "policy-waivers-applied",
                enforcementLevel: "advisory",
                message:
                    "policy \"s3-bucket-versioning-enabled\" is waived for data until 2026-12-31 (append-only landing zone, SEC-7); suppressed violation: S3 bucket 'data' does not have versioning enabled: no BucketVersioning resource configures it; add an aws.s3.BucketVersioning for the bucket with versioningConfiguration { status: \"Enabled\" }.",
                urn: "urn:pulumi:dev::e2ee-pipeline::aws:s3/bucket:Bucket::data",
            },
        ]);
        assert.equal(d[d.length - 1].policy, "policy-waivers-applied");
    });

    it("one change per policy produces exactly that policy's violation", async () => {
        const swap = (i: number, r: StackResourceInput) => compliant.map((x, n) => (n === i ? r : x));
        const cases: [string, StackResourceInput[]][] = [
            ["kms-key-rotation-enabled", swap(0, { ...compliant[0], props: { ...compliant[0].props, rotationPeriodInDays: 365 } })],
            ["s3-bucket-versioning-enabled", compliant.filter((r) => r.name !== "data-versioning")],
            ["s3-bucket-public-access-blocked", swap(5, { ...compliant[5], props: { ...compliant[5].props, ignorePublicAcls: false } })],
            ["data-store-classification-tag", swap(2, { ...compliant[2], props: { bucket: "e2ee-data" } })],
            ["backup-vault-separate-key", swap(8, { ...compliant[8], propertyDependencies: { kmsKeyArn: ["storage"] } })],
        ];
        for (const [policyName, stack] of cases) {
            const d = await runPack(rules, stack, HOUSE_CONFIG);
            assert.deepEqual(d.map((x) => x.policy), [policyName], policyName);
        }
    });
});
