import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { Principal, PrincipalArgs, kubernetesRecipientPrincipal, producerPrincipal, recipientPrincipal, validatePrincipalArgs } from "../../infra/components/principal";
import { ACCOUNTS, REGION, created, one, policyOf, settle, startMocks, valueOf } from "./support/harness";

const ACCOUNT = ACCOUNTS.dev;
const PRODUCER_APP = "arn:aws:iam::222222222222:role/dev-record-producer";
const layer = { namePrefix: "e2ee-pipeline-dev", region: REGION, accountId: ACCOUNT, tags: { project: "e2ee-pipeline" } };
const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/5C2D8E1F3A4B4C5D8E9F0A1B2C3D4E5F";
const OIDC_PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}`;

describe("infra/components/principal Principal", function () {
    let producer: Principal;
    let recipient: Principal;

    before(async function () {
        await startMocks("dev");
        producer = producerPrincipal("ingestion-producer", {
            ...layer,
            trust: { principalArns: [PRODUCER_APP], externalId: "external-id-0123456789" },
            formerParent: pulumi.createUrn("ingestion", "e2ee:pipeline:IngestionLayer"),
        });
        recipient = recipientPrincipal("serving-recipient", layer);
        kubernetesRecipientPrincipal("serving-k8s-recipient", { ...layer, trust: { providerArn: OIDC_PROVIDER, namespace: "e2ee-pipeline", serviceAccount: "recipient" } });
        await settle();
    });

    it("producer: the explicitly named role the producer application assumes with an external id, tagged e2ee:principal-role producer", async function () {
        const role = one("aws:iam/role:Role", "ingestion-producer-role");
        assert.deepEqual({ ...role.inputs, assumeRolePolicy: policyOf(role, "assumeRolePolicy") }, {
            name: "e2ee-pipeline-dev-producer",
            description: "Producer: encrypts records with data keys from the records key and submits them to the ingestion API.",
            assumeRolePolicy: {
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "AssumeByProducer",
                        Effect: "Allow",
                        Principal: { AWS: [PRODUCER_APP] },
                        Action: "sts:AssumeRole",
                        Condition: { StringEquals: { "sts:ExternalId": "external-id-0123456789" } },
                    },
                ],
            },
            maxSessionDuration: 3600,
            tags: { project: "e2ee-pipeline", "e2ee:layer": "ingestion", "managed-by": "pulumi", "e2ee:principal-role": "producer" },
        });
        assert.equal(producer.roleName, "e2ee-pipeline-dev-producer");
        assert.equal(await valueOf(producer.roleArn), `arn:aws:iam::${ACCOUNT}:role/e2ee-pipeline-dev-producer`);
    });

    it("recipient: the recipient function's execution role, assumed by Lambda for this account only", function () {
        const role = one("aws:iam/role:Role", "serving-recipient-role");
        assert.deepEqual({ ...role.inputs, assumeRolePolicy: policyOf(role, "assumeRolePolicy") }, {
            name: "e2ee-pipeline-dev-recipient",
            description: "Execution role of the e2ee-pipeline-dev-recipient Lambda function (least privilege).",
            assumeRolePolicy: {
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "AssumeByService",
                        Effect: "Allow",
                        Principal: { Service: "lambda.amazonaws.com" },
                        Action: "sts:AssumeRole",
                        Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
                    },
                ],
            },
            maxSessionDuration: 3600,
            tags: { project: "e2ee-pipeline", "e2ee:layer": "serving", "managed-by": "pulumi", "e2ee:principal-role": "recipient" },
        });
        assert.equal(recipient.roleName, "e2ee-pipeline-dev-recipient");
    });

    it("the Kubernetes recipient: an IRSA role that only its service account's tokens, for STS, may assume; tagged recipient", function () {
        const role = one("aws:iam/role:Role", "serving-k8s-recipient-role");
        assert.deepEqual({ ...role.inputs, assumeRolePolicy: policyOf(role, "assumeRolePolicy") }, {
            name: "e2ee-pipeline-dev-k8s-recipient",
            description: "The recipient on Kubernetes: IRSA role of service account e2ee-pipeline/recipient (least privilege).",
            assumeRolePolicy: {
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "AssumeByServiceAccount",
                        Effect: "Allow",
                        Principal: { Federated: OIDC_PROVIDER },
                        Action: "sts:AssumeRoleWithWebIdentity",
                        Condition: { StringEquals: { [`${ISSUER}:sub`]: "system:serviceaccount:e2ee-pipeline:recipient", [`${ISSUER}:aud`]: "sts.amazonaws.com" } },
                    },
                ],
            },
            maxSessionDuration: 3600,
            tags: { project: "e2ee-pipeline", "e2ee:layer": "serving", "managed-by": "pulumi", "e2ee:principal-role": "recipient" },
        });
    });

    it("is a component of its own whose role keeps the URN it had under its former parent (alias)", function () {
        const component = one("e2ee:pipeline:Principal", "ingestion-producer");
        const role = one("aws:iam/role:Role", "ingestion-producer-role");
        assert.equal(role.parent, component.urn);
        assert.equal(role.urn, "urn:pulumi:dev::e2ee-pipeline::e2ee:pipeline:Principal$aws:iam/role:Role::ingestion-producer-role");
        assert.deepEqual(role.aliases, ["urn:pulumi:dev::e2ee-pipeline::e2ee:pipeline:IngestionLayer$aws:iam/role:Role::ingestion-producer-role"]);
        assert.deepEqual(one("aws:iam/role:Role", "serving-recipient-role").aliases, [], "no former parent, no alias");
    });

    describe("argument validation (names the argument, creates nothing)", function () {
        const valid = (): PrincipalArgs => ({ ...layer, principal: "producer", layer: "ingestion", description: "d", trust: { principalArns: [PRODUCER_APP], externalId: "external-id-0123456789" } });
        const cases: [string, Partial<Record<keyof PrincipalArgs, unknown>>, string][] = [
            ["no producers", { trust: { principalArns: [], externalId: "external-id-0123456789" } }, 'Principal: argument "trust.principalArns" must not be empty'],
            ["wildcard producer", { trust: { principalArns: ["*"], externalId: "external-id-0123456789" } }, 'Principal: argument "trust.principalArns" must name principals, not "*"'],
            ["short external id", { trust: { principalArns: [PRODUCER_APP], externalId: "short" } }, 'Principal: argument "trust.externalId" must be at least 16 characters'],
            ["no service", { trust: { service: "" } }, 'Principal: argument "trust.service" is required'],
            ["no trust", { trust: undefined }, 'Principal: argument "trust" is required'],
            ["an unknown principal", { principal: "admin" }, 'Principal: argument "principal" must be one of producer, recipient, ingest, process, replay, orchestrator, pipe, api-logging, flow-logs, cloudtrail, backup, got "admin"'],
            ["no description", { description: " " }, 'Principal: argument "description" is required'],
            [
                "an issuer URL for a provider",
                { trust: { webIdentity: { providerArn: `https://${ISSUER}`, namespace: "e2ee-pipeline", serviceAccount: "recipient" } } },
                `Principal: argument "trust.webIdentity.providerArn" must be an IAM OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/<issuer>), got "https://${ISSUER}"`,
            ],
            [
                "a bad service account",
                { trust: { webIdentity: { providerArn: OIDC_PROVIDER, namespace: "e2ee-pipeline", serviceAccount: "Recipient" } } },
                'Principal: argument "trust.webIdentity.serviceAccount" must be a service account name (RFC 1123 label), got "Recipient"',
            ],
            ["a role name with a slash", { roleName: "a/b" }, 'Principal: argument "roleName" must be 1-64 letters, digits or +=,.@_-, got "a/b"'],
            ["a bad name prefix", { namePrefix: "E2EE" }, 'Principal: argument "namePrefix" must be 1-40 lower-case letters, digits or "-", starting with a letter, got "E2EE"'],
        ];
        for (const [title, patch, message] of cases) {
            it(title, async function () {
                const args = { ...valid(), ...patch } as PrincipalArgs;
                assert.throws(() => validatePrincipalArgs(args), { message });
                created.length = 0;
                assert.throws(() => new Principal(`bad-${title.replace(/ /g, "-")}`, args), { message });
                await settle();
                assert.equal(created.length, 0);
            });
        }

        it("returns the role's name for valid arguments", function () {
            assert.deepEqual(validatePrincipalArgs(valid()), { namePrefix: "e2ee-pipeline-dev", region: REGION, tags: layer.tags, principal: "producer", roleName: "e2ee-pipeline-dev-producer" });
        });
    });
});
