import assert from "node:assert/strict";
import { resourceRule, stackRule } from "../../policies/lib/rule";
import { UNKNOWN, runPack, runResourceRule, runStackRule, urnOf } from "./harness";
import { Undecided, peek } from "../../policies/lib/unknown";

const queueRule = resourceRule({
    name: "test-queue-key",
    description: "test",
    severity: "high",
    framework: { paper: "test" },
    remediationSteps: "none",
    configSchema: { properties: { n: { type: "integer", minimum: 1 } } },
    resourceTypes: ["aws:sqs/queue:Queue"],
    validateResource: (args, report) => {
        report(`n=${args.getConfig<{ n?: number }>().n ?? "default"}`);
        if (args.props.kmsMasterKeyId === undefined) {
            report("no key");
        }
    },
});

const linkRule = stackRule({
    name: "test-link",
    description: "test",
    severity: "high",
    framework: { paper: "test" },
    remediationSteps: "none",
    validateStack: (args, report) => {
        const undecided = new Undecided();
        for (const r of args.resources) {
            const b = peek(r.props, "bucket");
            if (!b.known) {
                undecided.add(`${r.name}.bucket is unknown; depends on ${r.propertyDependencies["bucket"]?.map((d) => d.name).join(",")}`);
            } else {
                report(`${r.name}: ${String(b.value)}`, r.urn);
            }
        }
        undecided.finish();
    },
});

describe("policy test harness", () => {
    it("wraps props like the server: reading an unknown throws and becomes `unknown`, earlier reports are kept", async () => {
        const r = await runResourceRule(queueRule, { type: "aws:sqs/queue:Queue", props: { kmsMasterKeyId: UNKNOWN.string } });
        assert.deepEqual(r.messages, ["n=default"]);
        assert.equal(r.unknown, "string value at .kmsMasterKeyId can't be known during preview");
        assert.equal(r.violations[0].urn, urnOf("aws:sqs/queue:Queue", "res"));
    });

    it("passes config through getConfig and validates it against the schema", async () => {
        const r = await runResourceRule(queueRule, { type: "aws:sqs/queue:Queue", props: {} }, { n: 3 });
        assert.deepEqual(r.messages, ["n=3", "no key"]);
        await runResourceRule(queueRule, { type: "aws:sqs/queue:Queue", props: {} }, { n: 0 }).then(
            () => assert.fail("invalid config accepted"),
            (e: Error) => assert.match(e.message, /invalid policy config/),
        );
    });

    it("applies waivers from config through the rule framework", async () => {
        const r = await runResourceRule(
            queueRule,
            { type: "aws:sqs/queue:Queue", name: "q", props: {} },
            { waivers: [{ resource: "q", reason: "r", expires: "2999-01-01" }] },
        );
        assert.deepEqual(r.messages, []);
    });

    it("resolves dependencies and property dependencies by name for stack rules", async () => {
        const r = await runStackRule(linkRule, [
            { type: "aws:s3/bucket:Bucket", name: "b", props: { bucket: "data" } },
            { type: "aws:s3/bucketVersioning:BucketVersioning", name: "v", props: { bucket: UNKNOWN.string }, propertyDependencies: { bucket: ["b"] } },
        ]);
        assert.deepEqual(r.violations, [{ message: "b: data", urn: urnOf("aws:s3/bucket:Bucket", "b") }]);
        assert.equal(r.unknown, "v.bucket is unknown; depends on b");
    });

    it("runPack reports violations with the effective enforcement level and skips disabled rules", async () => {
        const d = await runPack([queueRule, linkRule], [{ type: "aws:sqs/queue:Queue", name: "q", props: { kmsMasterKeyId: "k" } }], {
            "test-link": { enforcementLevel: "disabled" },
            "test-queue-key": { enforcementLevel: "advisory" },
        });
        assert.deepEqual(d, [{ policy: "test-queue-key", enforcementLevel: "advisory", message: "n=default", urn: urnOf("aws:sqs/queue:Queue", "q") }]);
    });
});
