import assert from "node:assert/strict";
import { s3BucketPublicAccessBlocked } from "../../../policies/rules/s3/s3BucketPublicAccessBlocked";
import { StackResourceInput, UNKNOWN, runStackRule, urnOf } from "../harness";
import { BUCKET, bucket, settingFor } from "./common";

const PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const ALL = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };
const pab = (b: string, props: Record<string, unknown> = ALL): StackResourceInput => settingFor(PAB, b, props, "pab");
const ownership = (b: string, objectOwnership: string): StackResourceInput => settingFor("aws:s3/bucketOwnershipControls:BucketOwnershipControls", b, { rule: { objectOwnership } }, "ownership");
const acl = (b: string, value: string): StackResourceInput => settingFor("aws:s3/bucketAclV2:BucketAclV2", b, { acl: value }, "acl");
const policy = (b: string, statement: Record<string, unknown>): StackResourceInput =>
    settingFor("aws:s3/bucketPolicy:BucketPolicy", b, { policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }) }, "policy");
const publicRead = { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::e2ee-data/*" };
const run = (rs: StackResourceInput[]) => runStackRule(s3BucketPublicAccessBlocked, rs);

describe("s3-bucket-public-access-blocked", () => {
    it("false positive removed: a bucket with the 2023 defaults (no BucketPublicAccessBlock resource) is not reported", async () => {
        const r = await run([bucket("data"), bucket("logs", {})]);
        assert.deepEqual(r.violations, []);
        assert.equal(r.unknown, undefined);
    });

    it("accepts blocks with all four settings true, and a \"*\" principal scoped by aws:SourceArn (CloudFront origin access control)", async () => {
        const oac = { ...publicRead, Principal: { Service: "cloudfront.amazonaws.com" }, Condition: { StringEquals: { "aws:SourceArn": "arn:aws:cloudfront::111122223333:distribution/E1" } } };
        const scoped = { ...publicRead, Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } } };
        const r = await run([bucket("data"), pab("data"), policy("data", oac), bucket("logs"), { type: PAB, name: "logs-pab", props: { bucket: "e2ee-logs", ...ALL } }, policy("logs", scoped)]);
        assert.deepEqual(r.violations, []);
        assert.equal(r.unknown, undefined);
    });

    it("reports each setting that is turned off, with its effect", async () => {
        const r = await run([bucket("data"), pab("data", { ...ALL, blockPublicPolicy: false, restrictPublicBuckets: undefined })]);
        assert.deepEqual(r.violations, [
            {
                message:
                    "S3 bucket 'data': BucketPublicAccessBlock 'data-pab' weakens the default public access block: blockPublicPolicy is false, so a bucket policy granting public access can be attached; restrictPublicBuckets is not set (false), so a public bucket policy gives anyone access; set it to true.",
                urn: urnOf(BUCKET, "data"),
            },
        ]);
    });

    it("reports a public ACL: rejected while ACLs are disabled, public once ownership controls re-enable them and the block allows it", async () => {
        assert.deepEqual((await run([bucket("data"), acl("data", "public-read")])).messages, [
            "S3 bucket 'data' is given a public ACL (BucketAclV2 'data-acl' acl \"public-read\"): with ACLs disabled (BucketOwnerEnforced, the default) S3 rejects it; re-enabling ACLs would make the bucket public; remove the public ACL and grant access through named principals or CloudFront.",
        ]);
        const open = { ...ALL, blockPublicAcls: false, ignorePublicAcls: false };
        const r = await run([bucket("data"), ownership("data", "BucketOwnerPreferred"), pab("data", open), acl("data", "public-read")]);
        assert.deepEqual(r.messages.slice(1), [
            "S3 bucket 'data' is given a public ACL (BucketAclV2 'data-acl' acl \"public-read\"): BucketOwnershipControls 'data-ownership' re-enables ACLs and public ACLs are not blocked, so anyone on the internet gets that access; remove the public ACL and grant access through named principals or CloudFront.",
        ]);
        assert.deepEqual((await run([bucket("data", { bucket: "e2ee-data", acl: "public-read-write" }), ownership("data", "ObjectWriter")])).messages, [
            "S3 bucket 'data' is given a public ACL (the bucket's acl \"public-read-write\"): BucketOwnershipControls 'data-ownership' re-enables ACLs, so the bucket is public as soon as the public access block allows public ACLs (while it does not, S3 rejects the ACL); remove the public ACL and grant access through named principals or CloudFront.",
        ]);
    });

    it("reports a bucket policy granting \"*\" without a scoping condition", async () => {
        assert.deepEqual((await run([bucket("data"), policy("data", publicRead)])).messages, [
            "S3 bucket 'data': BucketPolicy 'data-policy' statement 1 allows s3:GetObject to Principal \"*\" without a scoping condition; S3 rejects such a policy while blockPublicPolicy is on (the default), so it either fails to deploy or makes the bucket public once the block is turned off; name the principals or add a condition on aws:SourceArn, aws:SourceAccount or aws:PrincipalOrgID.",
        ]);
        const r = await run([bucket("data"), pab("data", { ...ALL, blockPublicPolicy: false, restrictPublicBuckets: false }), policy("data", publicRead)]);
        assert.equal(
            r.messages[1],
            "S3 bucket 'data': BucketPolicy 'data-policy' statement 1 allows s3:GetObject to Principal \"*\" without a scoping condition; and the public access block does not stop it, so anyone on the internet can use it; name the principals or add a condition on aws:SourceArn, aws:SourceAccount or aws:PrincipalOrgID.",
        );
    });

    it("reports an account-level block turned off", async () => {
        const r = await run([{ type: "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", name: "account", props: { blockPublicAcls: true, ignorePublicAcls: true } }]);
        assert.deepEqual(r.messages, [
            "AccountPublicAccessBlock 'account' turns off account-wide protection for every bucket in the account: blockPublicPolicy is not set (false), so a bucket policy granting public access can be attached; restrictPublicBuckets is not set (false), so a public bucket policy gives anyone access; set all four settings to true.",
        ]);
    });

    it("an unknown setting (and no known false) is undecided, not a violation", async () => {
        const r = await run([bucket("data"), pab("data", { ...ALL, ignorePublicAcls: UNKNOWN.boolean })]);
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, "BucketPublicAccessBlock 'data-pab': a public access setting is unknown during preview");
        const withFalse = await run([bucket("data"), pab("data", { ...ALL, ignorePublicAcls: UNKNOWN.boolean, blockPublicAcls: false })]);
        assert.deepEqual(withFalse.messages, [
            "S3 bucket 'data': BucketPublicAccessBlock 'data-pab' weakens the default public access block: blockPublicAcls is false, so new public ACLs are accepted; set it to true.",
        ]);
    });

    it("an undecidable link is not reported", async () => {
        const r = await run([bucket("data"), { type: PAB, name: "pab", props: { bucket: UNKNOWN.string, blockPublicAcls: false } }]);
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, "cannot tell whether BucketPublicAccessBlock 'pab' configures bucket 'data': the bucket input is unknown during preview and does not come from a bucket resource in the stack");
    });
});
