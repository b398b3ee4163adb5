import assert from "node:assert/strict";
import { kmsKeySymmetricDefault } from "../../../policies/rules/keys/kmsKeySymmetricDefault";
import { UNKNOWN, runResourceRule } from "../harness";

const type = "aws:kms/key:Key";
const run = (props: Record<string, unknown>) => runResourceRule(kmsKeySymmetricDefault, { type, props });

describe("kms-key-symmetric-default", () => {
    it("accepts a key without spec (SYMMETRIC_DEFAULT) and an explicit SYMMETRIC_DEFAULT", async () => {
        assert.deepEqual((await run({ enableKeyRotation: true })).messages, []);
        assert.deepEqual((await run({ customerMasterKeySpec: "SYMMETRIC_DEFAULT", keyUsage: "ENCRYPT_DECRYPT" })).messages, []);
    });
    it("reports an asymmetric encryption key", async () => {
        assert.deepEqual((await run({ customerMasterKeySpec: "RSA_4096" })).messages, [
            "KMS encryption key has customerMasterKeySpec \"RSA_4096\"; data encryption keys must be SYMMETRIC_DEFAULT (AES-256-GCM): remove customerMasterKeySpec or set it to \"SYMMETRIC_DEFAULT\".",
        ]);
    });
    it("ignores signing and MAC keys", async () => {
        assert.deepEqual((await run({ customerMasterKeySpec: "ECC_NIST_P256", keyUsage: "SIGN_VERIFY" })).messages, []);
        assert.deepEqual((await run({ customerMasterKeySpec: "HMAC_256", keyUsage: "GENERATE_VERIFY_MAC" })).messages, []);
    });
    it("unknown spec: advisory", async () => {
        const r = await run({ customerMasterKeySpec: UNKNOWN.string });
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, "string value at .customerMasterKeySpec can't be known during preview");
    });
});
