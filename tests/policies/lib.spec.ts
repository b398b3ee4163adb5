import assert from "node:assert/strict";
import { cmkProblem, isAwsManagedAlias, keyRef } from "../../policies/lib/keys";
import { linkToBucket, settingsByBucket, SSE_TYPES } from "../../policies/lib/s3";
import { Undecided, containsUnknown, peek, unknownCheckingProxy, unwrapDeep } from "../../policies/lib/unknown";
import { UNKNOWN, stackResources } from "./harness";

const SSE = SSE_TYPES[0];

describe("policies/lib", () => {
    describe("unknown", () => {
        const props = unknownCheckingProxy({ a: { b: UNKNOWN.string, c: [1, { d: "x" }] }, e: UNKNOWN.object });
        it("peek reads known values, missing paths and unknowns without throwing", () => {
            assert.deepEqual(peek(props, "a", "c", "1", "d"), { known: true, value: "x" });
            assert.deepEqual(peek(props, "a", "zz", "y"), { known: true, value: undefined });
            assert.deepEqual(peek(props, "a", "b"), { known: false, path: ["a", "b"] });
            assert.deepEqual(peek(props, "e", "f"), { known: false, path: ["e"] });
            assert.throws(() => (props.a as Record<string, unknown>)["b"], /string value at \.a\.b can't be known during preview/);
        });
        it("unwrapDeep and containsUnknown see through the proxy", () => {
            assert.deepEqual(unwrapDeep(props.a.c), [1, { d: "x" }]);
            assert.equal(containsUnknown(props), true);
            assert.equal(containsUnknown(props.a.c), false);
        });
        it("Undecided records unknown reads, de-duplicates reasons and throws them together", () => {
            const u = new Undecided();
            assert.equal(u.attempt("ctx", () => (props.a as Record<string, unknown>)["b"]), undefined);
            u.add("other");
            u.add("other");
            assert.throws(() => u.finish(), (e: Error) => e.message === "ctx: string value at .a.b can't be known during preview; other");
            assert.throws(() => u.attempt("ctx", () => { throw new TypeError("boom"); }), TypeError);
            new Undecided().finish();
        });
    });

    describe("keys", () => {
        it("classifies key references", () => {
            assert.ok(isAwsManagedAlias("alias/aws/s3"));
            assert.ok(isAwsManagedAlias("arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/aws/ebs"));
            assert.ok(!isAwsManagedAlias("alias/awsome"));
            assert.ok(!isAwsManagedAlias("arn:aws:kms:eu-west-1:111122223333:key/aws"));
            const p = unknownCheckingProxy({ k: UNKNOWN.string, m: "alias/aws/sqs", c: "alias/records", e: "" });
            assert.deepEqual(keyRef(p, "k"), { kind: "computed" });
            assert.deepEqual(keyRef(p, "m"), { kind: "aws-managed", value: "alias/aws/sqs" });
            assert.deepEqual(keyRef(p, "c"), { kind: "customer", value: "alias/records" });
            assert.deepEqual(keyRef(p, "e"), { kind: "missing" });
            assert.deepEqual(keyRef(p, "nope"), { kind: "missing" });
            assert.equal(cmkProblem({ kind: "computed" }, "x"), undefined);
            assert.equal(cmkProblem({ kind: "missing" }, "x"), "x is not set");
        });
    });

    describe("s3 links", () => {
        it("decides by property dependency, then known name, then a single plain dependency; otherwise undecided", () => {
            const rs = stackResources([
                { type: "aws:s3/bucket:Bucket", name: "a", props: { bucket: "name-a" } },
                { type: "aws:s3/bucketV2:BucketV2", name: "b", props: { bucket: UNKNOWN.string } },
                { type: SSE, name: "by-dep", props: { bucket: UNKNOWN.string }, propertyDependencies: { bucket: ["b"] } },
                { type: SSE, name: "by-name", props: { bucket: "name-a" } },
                { type: SSE, name: "other-name", props: { bucket: "elsewhere" } },
                { type: SSE, name: "unknown", props: { bucket: UNKNOWN.string } },
                { type: SSE, name: "empty", props: {} },
            ]);
            const [a, b, byDep, byName, other, unknown, empty] = rs;
            const buckets = [a, b];
            assert.deepEqual([linkToBucket(byDep, a, buckets), linkToBucket(byDep, b, buckets)], ["unlinked", "linked"]);
            assert.deepEqual([linkToBucket(byName, a, buckets), linkToBucket(byName, b, buckets)], ["linked", "unlinked"]);
            // 'elsewhere' is not a's name (known): unlinked; b's name is unknown: cannot tell.
            assert.deepEqual([linkToBucket(other, a, buckets), linkToBucket(other, b, buckets)], ["unlinked", "undecided"]);
            assert.deepEqual([linkToBucket(unknown, a, buckets), linkToBucket(unknown, b, buckets)], ["undecided", "undecided"]);
            assert.deepEqual([linkToBucket(empty, a, buckets), linkToBucket(empty, b, buckets)], ["unlinked", "unlinked"]);
            const s = settingsByBucket(rs, [SSE]);
            assert.deepEqual(s.map((x) => [x.bucket.name, x.linked.map((r) => r.name), x.undecided.map((r) => r.name)]), [
                ["a", ["by-name"], ["unknown"]],
                ["b", ["by-dep"], ["other-name", "unknown"]],
            ]);
        });
    });
});
