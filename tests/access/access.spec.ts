/**
 * Access tests: the program's own policies (dev and prod, built under Pulumi mocks with realistic ARNs), read as IAM
 * reads them (policies/lib/stackAccess.ts: identity policies, key policies, bucket policies, Lambda function policies,
 * explicit denies), decide the requests the functions really make (recorded from the real handlers and adapters
 * through the real SDK: tests/access/support/requests.ts), and the requests nobody should be able to make.
 */
import assert from "node:assert/strict";
import { iamRequest, IamRequest } from "../../functions/src/local/access-check";
import type { RecordedRequest } from "../../functions/src/local/request-log";
import type { AccessDecision } from "../../policies/lib/requestAccess";
import { ProgramAccess, programAccess } from "./support/program";
import { pipelineRequests } from "./support/requests";

const RECORDS_KEY_POLICY = 'key policy of "keys-records-key"';
const BUCKET_POLICY = 'bucket policy "storage-data-lake-policy"';

/** The decision, the statements that made it, and (denied without an explicit deny) the first reason. */
function outcome(d: AccessDecision): string {
    if (d.decision === "allowed") return `allowed by ${d.allowedBy.join(" + ")}`;
    if (d.decision === "denied") return d.deniedBy.length > 0 ? `denied by ${d.deniedBy.join(" + ")}` : `denied: ${d.reasons[0]}`;
    return `undecided: ${d.reasons.join("; ")}`;
}

function withContext(r: IamRequest, change: Record<string, string | readonly string[] | null>): IamRequest {
    const context: Record<string, string | readonly string[]> = { ...r.context };
    for (const [k, v] of Object.entries(change)) {
        if (v === null) delete context[k];
        else context[k] = v;
    }
    return { ...r, context };
}

for (const stack of ["dev", "prod"]) {
    describe(`access tests: ${stack} (the program's own policies, as IAM evaluates them)`, function () {
        this.timeout(120000);
        let p: ProgramAccess;
        let entries: RecordedRequest[];
        const as = (caller: string, r: IamRequest): AccessDecision => p.access.evaluate({ principalArn: p.names.roles[caller] }, r);
        const recorded = (caller: string, action: string, via?: string): IamRequest => {
            const e = entries.find((x) => x.caller === caller && x.action === action && x.via === via && !x.resource.endsWith("/"));
            assert.ok(e, `the functions made no ${caller} ${action}${via ? ` via ${via}` : ""}`);
            return iamRequest(e);
        };

        before(async function () {
            p = await programAccess(stack);
            entries = await pipelineRequests(p.names);
        });

        describe("the requests the functions make are allowed", function () {
            it("every recorded request (producer, ingest, process, replay, recipient), with the statement that allows it", function () {
                const decided = entries.map((e) => [`${e.caller} ${e.action}${e.via ? ` via ${e.via}` : ""}`, p.access.evaluate({ principalArn: p.names.roles[e.caller] }, iamRequest(e))] as const);
                for (const [what, d] of decided) assert.equal(d.decision, "allowed", `${what}: ${outcome(d)}`);
                assert.deepEqual([...new Set(decided.map(([w]) => w))].sort(), [
                    "ingest dynamodb:DeleteItem",
                    "ingest dynamodb:PutItem",
                    "ingest dynamodb:UpdateItem",
                    "ingest kinesis:PutRecords",
                    "process dynamodb:PutItem",
                    "process kms:GenerateDataKey via s3",
                    "process s3:PutObject",
                    "producer kms:GenerateDataKey",
                    "recipient kms:Decrypt",
                    "recipient kms:Decrypt via s3",
                    "recipient s3:GetObject",
                    "recipient s3:ListBucket",
                    "replay dynamodb:PutItem",
                    "replay kinesis:GetRecords",
                    "replay kinesis:GetShardIterator",
                    "replay kinesis:ListShards",
                    "replay s3:GetObject",
                ]);
            });

            const table: [string, string, string | undefined, string][] = [
                ["process uploads its batches with the SSE-KMS headers the bucket policy requires", "process", "s3:PutObject", 'allowed by processing-process-policy policy statement "WriteCiphertextBatches"'],
                [
                    "S3 creates the batch's data key under the storage key for process",
                    "process",
                    "kms:GenerateDataKey via s3",
                    'allowed by processing-process-policy policy statement "EncryptBatchesWithStorageKey" (delegated by key policy statement "UseThroughServicesOnly")',
                ],
                ["the producer creates data keys with the envelope's encryption context", "producer", "kms:GenerateDataKey", `allowed by ${RECORDS_KEY_POLICY} statement "ProducerGenerateDataKey"`],
                ["the recipient decrypts data keys with the envelope's encryption context", "recipient", "kms:Decrypt", `allowed by ${RECORDS_KEY_POLICY} statement "RecipientDecrypt"`],
                ["ingest marks a forwarded record COMPLETED (Powertools idempotency)", "ingest", "dynamodb:UpdateItem", 'allowed by ingestion-ingest-policy policy statement "DeduplicateRecordIds"'],
                ["replay checks that a claimed record's object exists (HEAD)", "replay", "s3:GetObject", 'allowed by processing-replay-policy policy statement "CheckStoredBatches"'],
                ["replay reads the stream from a sequence number", "replay", "kinesis:GetRecords", 'allowed by processing-replay-policy policy statement "ReadStreamRanges"'],
            ];
            for (const [title, caller, key, expected] of table) {
                it(title, function () {
                    const [action, via] = (key ?? "").split(" via ");
                    assert.equal(outcome(as(caller, recorded(caller, action, via))), expected);
                });
            }

            it("the upload names SSE-KMS with the storage key and a bucket key, and S3's data key is bound to the bucket", function () {
                const put = entries.find((e) => e.caller === "process" && e.action === "s3:PutObject");
                assert.deepEqual(put?.headers, {
                    "x-amz-server-side-encryption": "aws:kms",
                    "x-amz-server-side-encryption-aws-kms-key-id": p.names.keys.storage,
                    "x-amz-server-side-encryption-bucket-key-enabled": "true",
                });
                assert.match(String(put?.resource), new RegExp(`^arn:aws:s3:::${p.names.dataBucket}/batches/tenant=`));
                const viaS3 = entries.find((e) => e.caller === "process" && e.via === "s3");
                assert.equal(viaS3?.conditions["kms:EncryptionContext:aws:s3:arn"], `arn:aws:s3:::${p.names.dataBucket}`);
            });
        });

        describe("only the recipient decrypts with the records key, only the producer creates data keys", function () {
            it("the recipient's Decrypt, made by every role of the stack: allowed to the recipients only, denied to the others by the key policy", function () {
                const decrypt = recorded("recipient", "kms:Decrypt");
                const recipients = stack === "prod" ? ["k8s-recipient", "recipient"] : ["recipient"];
                for (const role of Object.keys(p.names.roles).sort()) {
                    const d = as(role, decrypt);
                    if (recipients.includes(role)) assert.equal(outcome(d), `allowed by ${RECORDS_KEY_POLICY} statement "RecipientDecrypt"`, role);
                    else assert.equal(outcome(d), `denied by ${RECORDS_KEY_POLICY} statement "DenyDecryptExceptRecipient"`, role);
                }
                for (const role of ["ingest", "process", "replay"]) assert.ok(role in p.names.roles, role);
            });

            it("a Decrypt without the encryption context, or with another key in it, is denied even to the recipient", function () {
                const decrypt = recorded("recipient", "kms:Decrypt");
                const none = withContext(decrypt, {
                    "kms:EncryptionContextKeys": null,
                    "kms:EncryptionContext:tenant": null,
                    "kms:EncryptionContext:schema": null,
                    "kms:EncryptionContext:classification": null,
                    "kms:EncryptionContext:producer": null,
                });
                const d = as("recipient", none);
                assert.equal(d.decision, "denied");
                assert.deepEqual(d.deniedBy, []);
                assert.match(d.reasons.join("\n"), /statement "RecipientDecrypt" covers kms:Decrypt but its condition Null kms:EncryptionContext:tenant "false" does not hold \(the request has none\)/);
                const extra = withContext(decrypt, {
                    "kms:EncryptionContextKeys": ["classification", "producer", "recordId", "schema", "tenant"],
                    "kms:EncryptionContext:recordId": "r-1",
                });
                assert.match(outcome(as("recipient", extra)), /^denied: no statement allows role "e2ee-pipeline-\w+-recipient" kms:Decrypt/);
                assert.match(as("recipient", extra).reasons.join("\n"), /ForAllValues:StringEquals kms:EncryptionContextKeys/);
            });

            it("GenerateDataKey: the producer's, made by process, is denied by the key policy; without the context it is denied to the producer", function () {
                const generate = recorded("producer", "kms:GenerateDataKey");
                assert.equal(outcome(as("process", generate)), `denied by ${RECORDS_KEY_POLICY} statement "DenyDataKeysExceptProducer"`);
                assert.equal(outcome(as("recipient", generate)), `denied by ${RECORDS_KEY_POLICY} statement "DenyDataKeysExceptProducer"`);
                const none = withContext(generate, { "kms:EncryptionContextKeys": null, "kms:EncryptionContext:tenant": null, "kms:EncryptionContext:schema": null, "kms:EncryptionContext:classification": null, "kms:EncryptionContext:producer": null });
                assert.equal(as("producer", none).decision, "denied");
            });
        });

        describe("the data lake takes uploads under the storage key only", function () {
            const upload = (change: Record<string, string | null>): IamRequest => withContext(recorded("process", "s3:PutObject"), change);
            const SSE = "s3:x-amz-server-side-encryption";
            const KEY = "s3:x-amz-server-side-encryption-aws-kms-key-id";
            const rows: [string, () => IamRequest, string | RegExp][] = [
                ["with SSE-KMS under the storage key (what the functions send)", () => upload({}), 'allowed by processing-process-policy policy statement "WriteCiphertextBatches"'],
                // IfExists: a missing header makes the deny apply (the bug the functions fixed by sending both).
                ["without SSE headers", () => upload({ [SSE]: null, [KEY]: null }), `denied by ${BUCKET_POLICY} statement "DenyNonKmsUploads" + ${BUCKET_POLICY} statement "DenyOtherKmsKeys"`],
                ["with SSE-S3", () => upload({ [SSE]: "AES256", [KEY]: null }), `denied by ${BUCKET_POLICY} statement "DenyNonKmsUploads" + ${BUCKET_POLICY} statement "DenyOtherKmsKeys"`],
                ["with SSE-KMS under another key (the logs key)", () => upload({ [KEY]: p.names.keys.logs }), `denied by ${BUCKET_POLICY} statement "DenyOtherKmsKeys"`],
                ["with SSE-KMS without a key id (aws/s3)", () => upload({ [KEY]: null }), `denied by ${BUCKET_POLICY} statement "DenyOtherKmsKeys"`],
                ["over TLS 1.2", () => upload({ "s3:TlsVersion": "1.2" }), `denied by ${BUCKET_POLICY} statement "DenyTlsOlderThan13"`],
                ["over plain HTTP", () => upload({ "aws:SecureTransport": "false" }), `denied by ${BUCKET_POLICY} statement "DenyInsecureTransport"`],
                [
                    "outside the prefix process writes to",
                    () => ({ ...recorded("process", "s3:PutObject"), resource: `arn:aws:s3:::${p.names.dataBucket}/records/x.e2eb` }),
                    /^denied: no statement allows role "e2ee-pipeline-\w+-process" s3:PutObject on arn:aws:s3:::e2ee-pipeline-\w+-data-lake-[0-9a-f]{8}\/records\/x\.e2eb/,
                ],
            ];
            for (const [title, request, expected] of rows) {
                it(`process PutObject ${title}`, function () {
                    const got = outcome(as("process", request()));
                    if (typeof expected === "string") assert.equal(got, expected);
                    else assert.match(got, expected);
                });
            }

            it("the recipient and ingest cannot write to the data lake", function () {
                for (const role of ["recipient", "ingest"]) {
                    assert.match(outcome(as(role, recorded("process", "s3:PutObject"))), new RegExp(`^denied: no statement allows role "e2ee-pipeline-${stack}-${role}" s3:PutObject`));
                }
            });
        });

        describe("the producer reads the ingestion API's key from its secret; no other role can", function () {
            const secretArn = (): string => {
                const r = p.resources.find((x) => x.type === "aws:secretsmanager/secret:Secret" && x.name === "ingestion-ingest-api-key-secret");
                assert.ok(r !== undefined, "no ingestion-ingest-api-key-secret");
                return String(r.props.arn);
            };
            const getSecret = (arn: string): IamRequest => ({ action: "secretsmanager:GetSecretValue", resource: arn, context: { "aws:SecureTransport": "true", "aws:ViaAWSService": "false" }, complete: ["aws:source"] });
            // What Secrets Manager asks KMS for the caller when it reads the secret: the secret's ARN and version as the encryption context.
            const decryptFor = (arn: string, service = "secretsmanager"): IamRequest => ({
                action: "kms:Decrypt",
                resource: p.names.keys.secrets,
                context: {
                    "aws:SecureTransport": "true",
                    "aws:ViaAWSService": "true",
                    "kms:ViaService": `${service}.${p.names.region}.amazonaws.com`,
                    "kms:CallerAccount": p.names.account,
                    "kms:EncryptionContextKeys": ["SecretARN", "SecretVersionId"],
                    "kms:EncryptionContext:SecretARN": arn,
                    "kms:EncryptionContext:SecretVersionId": "00000000-0000-4000-8000-000000000001",
                },
                complete: ["kms:", "aws:source"],
            });
            const producerPolicy = 'ingestion-producer-policy policy statement';

            it("GetSecretValue on the secret, and Decrypt of its value through Secrets Manager (delegated by the secrets key's policy)", function () {
                assert.equal(outcome(as("producer", getSecret(secretArn()))), `allowed by ${producerPolicy} "ReadApiKey"`);
                assert.equal(
                    outcome(as("producer", decryptFor(secretArn()))),
                    `allowed by ${producerPolicy} "DecryptApiKeyThroughSecretsManager" (delegated by key policy statement "UseThroughServicesOnly")`,
                );
            });

            it("not another secret, not the secrets key for another secret or outside Secrets Manager", function () {
                const other = `arn:aws:secretsmanager:${p.names.region}:${p.names.account}:secret:other-AbCdEf`;
                assert.match(outcome(as("producer", getSecret(other))), /^denied: no statement allows role "e2ee-pipeline-\w+-producer" secretsmanager:GetSecretValue/);
                assert.match(outcome(as("producer", decryptFor(other))), /^denied: no statement allows role "e2ee-pipeline-\w+-producer" kms:Decrypt/);
                assert.match(outcome(as("producer", decryptFor(secretArn(), "lambda"))), /^denied: no statement allows role "e2ee-pipeline-\w+-producer" kms:Decrypt/);
            });

            it("no other role of the stack may read it", function () {
                for (const role of Object.keys(p.names.roles).filter((r) => r !== "producer").sort()) {
                    assert.equal(as(role, getSecret(secretArn())).decision, "denied", role);
                    assert.equal(as(role, decryptFor(secretArn())).decision, "denied", role);
                }
            });
        });

        describe("nobody but API Gateway, for the GET /records route, may invoke the recipient", function () {
            const invoke = (context: Record<string, string>): IamRequest => ({
                action: "lambda:InvokeFunction",
                resource: p.names.functions.recipient,
                context: { "aws:SecureTransport": "true", ...context },
                complete: ["lambda:", "aws:source"],
            });
            const gateway = (context: Record<string, string>): AccessDecision => p.access.evaluate({ service: "apigateway.amazonaws.com" }, invoke(context));

            it("API Gateway, for the route of the recipient API, in this account", function () {
                assert.match(
                    outcome(gateway({ "aws:SourceArn": p.names.recipientRouteArn, "aws:SourceAccount": p.names.account })),
                    /^allowed by function policy of "serving-recipient-function" \(permission "serving-recipient-invoke"\) statement "serving-recipient-invoke-[0-9a-f]+"$/,
                );
            });

            it("API Gateway for another route (the ingestion API's), without a source, or from another account", function () {
                const contexts: Record<string, string>[] = [
                    { "aws:SourceArn": p.names.ingestRouteArn, "aws:SourceAccount": p.names.account },
                    { "aws:SourceArn": p.names.recipientRouteArn.replace("/GET/", "/POST/"), "aws:SourceAccount": p.names.account },
                    {},
                    { "aws:SourceArn": p.names.recipientRouteArn, "aws:SourceAccount": "999999999999" },
                ];
                for (const context of contexts) {
                    const d = gateway(context);
                    assert.equal(d.decision, "denied", JSON.stringify(context));
                    assert.match(d.reasons.join("\n"), /statement "serving-recipient-invoke-[0-9a-f]+" covers lambda:InvokeFunction but its condition/);
                }
            });

            it("no role of the stack (no identity policy grants it), and no other service", function () {
                for (const role of Object.keys(p.names.roles)) {
                    assert.match(outcome(as(role, invoke({}))), /^denied: no statement allows role/, role);
                }
                for (const service of ["states.amazonaws.com", "events.amazonaws.com", "pipes.amazonaws.com", "lambda.amazonaws.com", "s3.amazonaws.com"]) {
                    const d = p.access.evaluate({ service }, invoke({ "aws:SourceAccount": p.names.account }));
                    assert.equal(d.decision, "denied", service);
                    assert.match(d.reasons.join("\n"), /its Principal names apigateway\.amazonaws\.com, not the caller/);
                }
            });

            it("the check can allow an identity-based invocation: the orchestrator invokes the replay function", function () {
                const replay: IamRequest = { ...invoke({}), resource: p.names.functions.replay };
                assert.equal(outcome(as("orchestrator", replay)), 'allowed by orchestration-sfn-policy policy statement "InvokeReplay"');
                assert.match(outcome(as("orchestrator", invoke({}))), /^denied: no statement allows role "e2ee-pipeline-\w+-orchestrator" lambda:InvokeFunction/);
            });
        });
    });
}
