import assert from "node:assert/strict";
import { mskClusterEncryptedWithCmk } from "../../../policies/rules/encryption/mskClusterEncryptedWithCmk";
import { UNKNOWN, runResourceRule } from "../harness";

const run = (props: Record<string, unknown>) => runResourceRule(mskClusterEncryptedWithCmk, { type: "aws:msk/cluster:Cluster", props });
const info = (transit: Record<string, unknown> | undefined, key: unknown = UNKNOWN.string) => ({
    clusterName: "events",
    encryptionInfo: { encryptionAtRestKmsKeyArn: key, ...(transit === undefined ? {} : { encryptionInTransit: transit }) },
});

describe("msk-cluster-encrypted-with-cmk", () => {
    it("accepts TLS-only clients (explicit or default) and a customer-managed key", async () => {
        assert.deepEqual((await run(info({ clientBroker: "TLS", inCluster: true }))).messages, []);
        assert.deepEqual((await run(info(undefined))).messages, []);
    });
    it("reports plain-text client traffic", async () => {
        assert.deepEqual((await run(info({ clientBroker: "TLS_PLAINTEXT" }))).messages, [
            'MSK cluster accepts plain-text client traffic: encryptionInfo.encryptionInTransit.clientBroker is "TLS_PLAINTEXT"; set it to "TLS".',
        ]);
    });
    it("reports plain-text replication", async () => {
        assert.deepEqual((await run(info({ inCluster: false }))).messages, ["MSK brokers replicate in plain text: encryptionInfo.encryptionInTransit.inCluster is false; set it to true."]);
    });
    it("reports the AWS-managed key", async () => {
        assert.deepEqual((await run({ clusterName: "events" })).messages, [
            "MSK cluster is not encrypted at rest with a customer-managed KMS key: encryptionInfo.encryptionAtRestKmsKeyArn is not set (an AWS-managed key is used); set it to a customer-managed key ARN.",
        ]);
    });
});
