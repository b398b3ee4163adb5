import assert from "node:assert/strict";
import { lambdaEnvironmentEncryptedWithCmk } from "../../../policies/rules/encryption/lambdaEnvironmentEncryptedWithCmk";
import { UNKNOWN, runResourceRule } from "../harness";

const type = "aws:lambda/function:Function";
const run = (props: Record<string, unknown>) => runResourceRule(lambdaEnvironmentEncryptedWithCmk, { type, props });
const env = { environment: { variables: { TABLE_NAME: "records", KEY_ARN: "arn:aws:kms:eu-west-1:111122223333:key/abc" } } };

describe("lambda-environment-encrypted-with-cmk", () => {
    it("accepts environment variables encrypted with a customer-managed key", async () => {
        assert.deepEqual((await run({ ...env, kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/env" })).messages, []);
        assert.deepEqual((await run({ ...env, kmsKeyArn: UNKNOWN.string })).messages, []);
    });
    it("accepts a function without environment variables", async () => {
        assert.deepEqual((await run({ runtime: "nodejs22.x" })).messages, []);
        assert.deepEqual((await run({ environment: { variables: {} } })).messages, []);
    });
    it("reports environment variables without kmsKeyArn", async () => {
        assert.deepEqual((await run(env)).messages, [
            "Lambda function has environment variables (TABLE_NAME, KEY_ARN) but is not encrypting them with a customer-managed KMS key: kmsKeyArn is not set; set kmsKeyArn to a customer-managed KMS key ARN.",
        ]);
    });
    it("reports alias/aws/lambda", async () => {
        assert.deepEqual((await run({ ...env, kmsKeyArn: "alias/aws/lambda" })).messages, [
            "Lambda function has environment variables (TABLE_NAME, KEY_ARN) but is not encrypting them with a customer-managed KMS key: kmsKeyArn is \"alias/aws/lambda\", an AWS-managed key, not a customer-managed key; set kmsKeyArn to a customer-managed KMS key ARN.",
        ]);
    });
    it("unknown variables without a key: advisory, no violation", async () => {
        const r = await run({ environment: { variables: UNKNOWN.object } });
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, "Object value at .environment.variables can't be known during preview");
    });
});
