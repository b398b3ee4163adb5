import assert from "node:assert/strict";
import { redshiftClusterEncryptedWithCmk } from "../../../policies/rules/encryption/redshiftClusterEncryptedWithCmk";
import { runResourceRule } from "../harness";

const KEY = "arn:aws:kms:us-west-2:111122223333:key/k";
const run = (props: Record<string, unknown>, type = "aws:redshift/cluster:Cluster") => runResourceRule(redshiftClusterEncryptedWithCmk, { type, props });

describe("redshift-cluster-encrypted-with-cmk", () => {
    it("accepts a cluster and a namespace with a customer-managed key", async () => {
        assert.deepEqual((await run({ clusterIdentifier: "wh", kmsKeyId: KEY })).messages, []);
        assert.deepEqual((await run({ namespaceName: "ns", kmsKeyId: KEY }, "aws:redshiftserverless/namespace:Namespace")).messages, []);
    });
    it("reports encrypted: false", async () => {
        assert.deepEqual((await run({ encrypted: false, kmsKeyId: KEY })).messages, ["Redshift cluster is not encrypted at rest: encrypted is false; set encrypted: true and kmsKeyId to a customer-managed KMS key ARN."]);
    });
    it("reports the AWS-owned default key", async () => {
        assert.deepEqual((await run({ clusterIdentifier: "wh" })).messages, [
            "Redshift cluster is not encrypted with a customer-managed KMS key: kmsKeyId is not set (an AWS-owned key is used); set kmsKeyId to a customer-managed KMS key ARN.",
        ]);
        assert.deepEqual((await run({ namespaceName: "ns" }, "aws:redshiftserverless/namespace:Namespace")).messages, [
            "Redshift Serverless namespace is not encrypted with a customer-managed KMS key: kmsKeyId is not set (an AWS-owned key is used); set kmsKeyId to a customer-managed KMS key ARN.",
        ]);
    });
});
