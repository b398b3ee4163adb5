import assert from "node:assert/strict";
import { containerLabel, containersOf, kindOf, namespaceOf, podSpecOf, WORKLOAD_TYPES } from "../../../policies/lib/k8s";
import { dependsOn, known, stringProp, tagOf, UNKNOWN } from "../../../policies/lib/known";
import { UNKNOWN as SENTINELS, unknownCheckingProxy } from "../../../policies/lib/unknown";
import { stackResources } from "../harness";

describe("lib/k8s", () => {
    const pod = { containers: [{ name: "app", image: "a" }, { image: "b" }], initContainers: [{ name: "init", image: "i" }], ephemeralContainers: [{ name: "dbg", image: "d" }] };
    const table: [string, Record<string, unknown>, string][] = [
        ["kubernetes:core/v1:Pod", { spec: pod }, "spec"],
        ["kubernetes:apps/v1:Deployment", { spec: { template: { spec: pod } } }, "spec.template.spec"],
        ["kubernetes:apps/v1:StatefulSet", { spec: { template: { spec: pod } } }, "spec.template.spec"],
        ["kubernetes:apps/v1:DaemonSet", { spec: { template: { spec: pod } } }, "spec.template.spec"],
        ["kubernetes:batch/v1:Job", { spec: { template: { spec: pod } } }, "spec.template.spec"],
        ["kubernetes:batch/v1:CronJob", { spec: { jobTemplate: { spec: { template: { spec: pod } } } } }, "spec.jobTemplate.spec.template.spec"],
    ];
    for (const [type, props, path] of table) {
        it(`podSpecOf ${kindOf(type)} -> ${path}`, () => {
            const ref = podSpecOf(type, props);
            assert.equal(ref?.path, path);
            assert.deepEqual(containersOf(ref!).map(containerLabel), [
                `${path}.initContainers[0] ("init")`,
                `${path}.containers[0] ("app")`,
                `${path}.containers[1]`,
                `${path}.ephemeralContainers[0] ("dbg")`,
            ]);
        });
    }

    it("podSpecOf ignores other types and missing specs; every table type is a workload", () => {
        assert.equal(podSpecOf("kubernetes:core/v1:Service", { spec: {} }), undefined);
        assert.equal(podSpecOf("kubernetes:apps/v1:Deployment", { spec: {} }), undefined);
        for (const [type] of table) assert.ok(WORKLOAD_TYPES.includes(type));
    });

    it("namespaceOf", () => {
        assert.equal(namespaceOf({ metadata: { namespace: "pipeline" } }), "pipeline");
        assert.equal(namespaceOf({ metadata: { name: "x" } }), undefined);
        assert.equal(namespaceOf({}), undefined);
    });
});

describe("lib/known", () => {
    const props = unknownCheckingProxy({ name: "r", arn: SENTINELS.string, tags: { a: "1", n: 2 }, other: SENTINELS.object });
    it("known / stringProp / tagOf return UNKNOWN instead of throwing", () => {
        assert.equal(known(() => props.name), "r");
        assert.equal(known(() => props.arn), UNKNOWN);
        assert.equal(stringProp(props, "name"), "r");
        assert.equal(stringProp(props, "arn"), UNKNOWN);
        assert.equal(stringProp(props, "missing"), undefined);
        assert.equal(tagOf(props, "a"), "1");
        assert.equal(tagOf(props, "n"), undefined);
        assert.equal(tagOf(unknownCheckingProxy({ tags: SENTINELS.object }), "a"), UNKNOWN);
        assert.throws(() => known(() => { throw new Error("boom"); }), /boom/);
    });

    it("dependsOn reads property dependencies", () => {
        const [a, b, c] = stackResources([
            { type: "t:a", name: "a", props: {} },
            { type: "t:b", name: "b", props: {}, propertyDependencies: { x: ["a"] } },
            { type: "t:c", name: "c", props: {} },
        ]);
        assert.equal(dependsOn(b, "x", a), true);
        assert.equal(dependsOn(b, "y", a), false);
        assert.equal(dependsOn(b, "x", c), false);
    });
});
