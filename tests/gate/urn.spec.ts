/** URNs as the engine builds them (host/urn.ts). */
import { strict as assert } from "assert";
import { newUrn, parseUrn, typeOfUrn } from "../../gate/src/host/urn";

describe("gate URNs", () => {
    const stack = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev";
    const cases: [string, string, string, string][] = [
        ["the root stack", "", "pulumi:pulumi:Stack", "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev"],
        ["a child of the stack: the stack is left out of the chain", stack, "aws:s3/bucket:Bucket", "urn:pulumi:dev::proj::aws:s3/bucket:Bucket::b"],
        ["a component's child: the parent's type, then its own", "urn:pulumi:dev::proj::x:index:Store::s", "aws:s3/bucket:Bucket", "urn:pulumi:dev::proj::x:index:Store$aws:s3/bucket:Bucket::b"],
        [
            "a grandchild: the parent's whole qualified type (the runtime's mock monitor keeps only its last type)",
            "urn:pulumi:dev::proj::x:index:Pipeline$x:index:Store::s",
            "aws:kms/key:Key",
            "urn:pulumi:dev::proj::x:index:Pipeline$x:index:Store$aws:kms/key:Key::b",
        ],
        ["no parent at all", "", "aws:s3/bucket:Bucket", "urn:pulumi:dev::proj::aws:s3/bucket:Bucket::b"],
    ];
    for (const [what, parent, type, want] of cases) {
        it(what, () => {
            const name = type === "pulumi:pulumi:Stack" ? "proj-dev" : "b";
            assert.equal(newUrn("dev", "proj", parent, type, name), want);
        });
    }
    it("a name may contain '::'", () => {
        const urn = newUrn("dev", "proj", stack, "aws:s3/bucket:Bucket", "a::b");
        assert.deepEqual(parseUrn(urn), { stack: "dev", project: "proj", qualifiedType: "aws:s3/bucket:Bucket", name: "a::b" });
        assert.equal(newUrn("dev", "proj", urn, "aws:s3/bucketPolicy:BucketPolicy", "p"), "urn:pulumi:dev::proj::aws:s3/bucket:Bucket$aws:s3/bucketPolicy:BucketPolicy::p");
    });
    it("the resource's own type is the chain's last", () => {
        assert.equal(typeOfUrn("urn:pulumi:dev::proj::x:index:Store$aws:kms/key:Key::k"), "aws:kms/key:Key");
    });
    it("a parent that is not a URN is an error naming it", () => {
        assert.throws(() => newUrn("dev", "proj", "bucket", "aws:s3/bucket:Bucket", "b"), /invalid URN 'bucket'/);
        assert.throws(() => parseUrn("urn:pulumi:dev::proj::t"), /invalid URN 'urn:pulumi:dev::proj::t': expected/);
    });
});
