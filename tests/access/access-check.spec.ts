/**
 * The access check of `pipeline:local --backend emulators` (functions/src/local/access-check.ts): log entries in the
 * local names become requests in the program's names, decided by the program's own policies; a request that is not
 * allowed fails the check, named with the statement that denies it or the allow that is missing.
 */
import assert from "node:assert/strict";
import { checkRequests, iamRequest, renamer } from "../../functions/src/local/access-check";
import type { RecordedRequest } from "../../functions/src/local/request-log";
import { ProgramAccess, programAccess } from "./support/program";

const LOCAL = { account: "111122223333", bucket: "e2ee-data-lake", storage: "arn:aws:kms:eu-west-1:111122223333:key/local-storage", records: "arn:aws:kms:eu-west-1:111122223333:key/local-records" };

const upload = (conditions: Record<string, string>): RecordedRequest => ({
    caller: "process",
    service: "s3",
    action: "s3:PutObject",
    resource: `arn:aws:s3:::${LOCAL.bucket}/batches/tenant=acme/schema=orders.v1/date=2026-11-22/x.e2eb`,
    conditions: { "aws:SecureTransport": "true", ...conditions },
    count: 3,
});

describe("the access check of pipeline:local (log entries decided by the program's policies)", function () {
    this.timeout(120000);
    let p: ProgramAccess;
    let rename: (v: string) => string;
    let roles: Record<string, string>;

    before(async function () {
        p = await programAccess("dev");
        rename = renamer([
            [`arn:aws:s3:::${LOCAL.bucket}`, `arn:aws:s3:::${p.names.dataBucket}`],
            [LOCAL.storage, p.names.keys.storage],
            [LOCAL.records, p.names.keys.records],
            [LOCAL.account, p.names.account],
        ]);
        roles = { process: p.names.roles.process, recipient: p.names.roles.recipient, producer: p.names.roles.producer };
    });

    it("renames the local names in the resource and every condition value, longest first", function () {
        const r = iamRequest(
            {
                caller: "process",
                service: "kms",
                action: "kms:GenerateDataKey",
                resource: LOCAL.storage,
                conditions: { "kms:CallerAccount": LOCAL.account, "kms:EncryptionContext:aws:s3:arn": `arn:aws:s3:::${LOCAL.bucket}`, "kms:ViaService": "s3.eu-west-1.amazonaws.com" },
                via: "s3",
                impliedBy: "s3:PutObject",
                count: 1,
            },
            rename,
        );
        assert.deepEqual(r, {
            action: "kms:GenerateDataKey",
            resource: p.names.keys.storage,
            context: {
                "kms:CallerAccount": p.names.account,
                "kms:EncryptionContext:aws:s3:arn": `arn:aws:s3:::${p.names.dataBucket}`,
                "kms:ViaService": "s3.eu-west-1.amazonaws.com",
                "aws:ViaAWSService": "true",
            },
            complete: ["kms:", "aws:source"],
        });
        const s3 = iamRequest(upload({}), rename);
        assert.equal(s3.context["s3:TlsVersion"], "1.3");
        assert.equal(s3.context["aws:ViaAWSService"], "false");
        assert.deepEqual(s3.complete, ["s3:x-amz-", "s3:prefix", "s3:delimiter", "s3:max-keys", "aws:source"]);
    });

    it("passes the functions' requests; a denied one fails the check, named with the statement that denies it", function () {
        const good = upload({ "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": LOCAL.storage });
        const decide = (principalArn: string, request: ReturnType<typeof iamRequest>) => p.access.evaluate({ principalArn }, request);
        const ok = checkRequests([good, { ...good, caller: "setup", count: 5 }], { roles, rename, decide });
        assert.deepEqual({ ok: ok.ok, decided: ok.decided, total: ok.total, skipped: ok.skipped, problems: ok.problems, allowed: [...ok.allowed] }, {
            ok: true,
            decided: 1,
            total: 3,
            skipped: 5,
            problems: [],
            allowed: [["process s3:PutObject", 3]],
        });

        const otherKey = upload({ "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": LOCAL.records });
        const bad = checkRequests([good, otherKey], { roles, rename, decide });
        assert.equal(bad.ok, false);
        assert.deepEqual(bad.problems, [
            `process s3:PutObject arn:aws:s3:::${p.names.dataBucket}/batches/tenant=acme/schema=orders.v1/date=2026-11-22/x.e2eb: denied by bucket policy "storage-data-lake-policy" statement "DenyOtherKmsKeys"`,
        ]);
    });

    it("names the missing allow when no statement allows the request", function () {
        const decrypt: RecordedRequest = {
            caller: "process",
            service: "kms",
            action: "kms:Decrypt",
            resource: LOCAL.records,
            conditions: { "aws:SecureTransport": "true", "kms:CallerAccount": LOCAL.account },
            count: 1,
        };
        const r = checkRequests([{ ...decrypt, caller: "producer" }], { roles, rename, decide: (principalArn, request) => p.access.evaluate({ principalArn }, request) });
        assert.deepEqual(r.problems, [`producer kms:Decrypt ${p.names.keys.records}: denied by key policy of "keys-records-key" statement "DenyDecryptExceptRecipient"`]);
        const noContext = checkRequests([{ ...decrypt, caller: "recipient" }], { roles, rename, decide: (principalArn, request) => p.access.evaluate({ principalArn }, request) });
        assert.equal(noContext.problems.length, 1);
        assert.match(noContext.problems[0], /^recipient kms:Decrypt arn:aws:kms:\S+: denied: no statement allows role "e2ee-pipeline-dev-recipient" kms:Decrypt .* statement "RecipientDecrypt" covers kms:Decrypt but its condition Null kms:EncryptionContext:tenant "false" does not hold \(the request has none\)/);
    });
});
