import assert from "node:assert/strict";
import { elasticacheEncryptedWithCmk } from "../../../policies/rules/encryption/elasticacheEncryptedWithCmk";
import { UNKNOWN, runResourceRule } from "../harness";

const RG = "aws:elasticache/replicationGroup:ReplicationGroup";
const run = (props: Record<string, unknown>, type = RG) => runResourceRule(elasticacheEncryptedWithCmk, { type, props });
const base = { description: "cache", atRestEncryptionEnabled: true, kmsKeyId: UNKNOWN.string, transitEncryptionEnabled: true };

describe("elasticache-encrypted-with-cmk", () => {
    it("accepts an encrypted replication group, a serverless cache with a key, and a cluster that belongs to a group", async () => {
        assert.deepEqual((await run(base)).messages, []);
        assert.deepEqual((await run({ engine: "valkey", kmsKeyId: UNKNOWN.string }, "aws:elasticache/serverlessCache:ServerlessCache")).messages, []);
        assert.deepEqual((await run({ replicationGroupId: "g" }, "aws:elasticache/cluster:Cluster")).messages, []);
    });
    it("reports no encryption at rest", async () => {
        assert.deepEqual((await run({ ...base, atRestEncryptionEnabled: undefined })).messages, [
            "ElastiCache replication group is not encrypted at rest: atRestEncryptionEnabled is not set; set it to true with kmsKeyId set to a customer-managed key ARN.",
        ]);
    });
    it("reports the AWS-managed key", async () => {
        assert.deepEqual((await run({ ...base, kmsKeyId: undefined })).messages, [
            "ElastiCache replication group is not encrypted with a customer-managed KMS key: kmsKeyId is not set; set kmsKeyId to a customer-managed key ARN.",
        ]);
        assert.deepEqual((await run({ engine: "redis" }, "aws:elasticache/serverlessCache:ServerlessCache")).messages, [
            "ElastiCache serverless cache is not encrypted with a customer-managed KMS key: kmsKeyId is not set; set kmsKeyId to a customer-managed key ARN.",
        ]);
    });
    it("reports clients without TLS", async () => {
        assert.deepEqual((await run({ ...base, transitEncryptionEnabled: false })).messages, ["ElastiCache replication group accepts clients without TLS: transitEncryptionEnabled is not true; set it to true."]);
        assert.deepEqual((await run({ engine: "memcached" }, "aws:elasticache/cluster:Cluster")).messages, [
            "ElastiCache cluster accepts clients without TLS: transitEncryptionEnabled is not true; set it to true (or run the cache as a ReplicationGroup with encryption at rest and in transit).",
        ]);
    });
});
