import assert from "node:assert/strict";
import { opensearchDomainEncryptedWithCmk } from "../../../policies/rules/encryption/opensearchDomainEncryptedWithCmk";
import { UNKNOWN, runResourceRule } from "../harness";

const run = (props: Record<string, unknown>, type = "aws:opensearch/domain:Domain") => runResourceRule(opensearchDomainEncryptedWithCmk, { type, props });
const base = { encryptAtRest: { enabled: true, kmsKeyId: UNKNOWN.string }, nodeToNodeEncryption: { enabled: true }, domainEndpointOptions: { enforceHttps: true } };

describe("opensearch-domain-encrypted-with-cmk", () => {
    it("accepts a domain encrypted at rest with a customer-managed key, node-to-node and HTTPS (both type tokens)", async () => {
        assert.deepEqual((await run(base)).messages, []);
        assert.deepEqual((await run(base, "aws:elasticsearch/domain:Domain")).messages, []);
    });
    it("reports no encryption at rest", async () => {
        assert.deepEqual((await run({ ...base, encryptAtRest: undefined })).messages, [
            "OpenSearch domain is not encrypted at rest: encryptAtRest.enabled is not set; set encryptAtRest { enabled: true, kmsKeyId: <customer-managed key ARN> }.",
        ]);
    });
    it("reports the AWS-managed key", async () => {
        assert.deepEqual((await run({ ...base, encryptAtRest: { enabled: true } })).messages, [
            "OpenSearch domain is not encrypted with a customer-managed KMS key: encryptAtRest.kmsKeyId is not set; set it to a customer-managed key ARN.",
        ]);
    });
    it("reports plain node-to-node traffic", async () => {
        assert.deepEqual((await run({ ...base, nodeToNodeEncryption: { enabled: false } })).messages, [
            "OpenSearch domain nodes talk to each other in plain text: nodeToNodeEncryption.enabled is not true; set it to true.",
        ]);
    });
    it("reports plain HTTP", async () => {
        assert.deepEqual((await run({ ...base, domainEndpointOptions: {} })).messages, ["OpenSearch domain accepts plain HTTP: domainEndpointOptions.enforceHttps is not true; set it to true."]);
    });
});
