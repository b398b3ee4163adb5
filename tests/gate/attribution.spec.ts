/**
 * What the simulated deployment's findings rest on (gate/src/report/attribution.ts): the synthetic values that
 * reached a finding's resource, the outside sources of an undecided one, and what `pulumi up` would do.
 */
import { strict as assert } from "assert";
import { annotate, dependencyClosure, OutsideSources, outsideSourcesOf, pulumiUp, syntheticValuesOf } from "../../gate/src/report/attribution";
import type { Finding } from "../../gate/src/report/verdict";
import type { RecordedResource } from "../../gate/src/shared/types";
import { recordedResource, UNKNOWN } from "./helpers";

const P = "urn:pulumi:dev::p::";
const KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/cc298d31-aecc-47bc-b69b-ec948418e9a1";
const KEY_ID = "cc298d31-aecc-47bc-b69b-ec948418e9a1";

const res = (type: string, name: string, over: Partial<RecordedResource> = {}): RecordedResource => recordedResource(type, name, over);

const key = res("aws:kms/key:Key", "records-key", {
    properties: { tags: { "e2ee:key-role": "records" } },
    outputs: { tags: { "e2ee:key-role": "records" }, arn: KEY_ARN, id: KEY_ID, keyId: KEY_ID },
    synthesized: ["arn", "id", "keyId"],
});
const role = res("aws:iam/role:Role", "processing", {
    properties: { assumeRolePolicy: "{}" },
    outputs: { assumeRolePolicy: "{}", arn: "arn:aws:iam::123456789012:role/processing-f8bd47f", id: "processing-f8bd47f", name: "processing-f8bd47f" },
    synthesized: ["arn", "id", "name"],
});
const doc = `{"Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"${KEY_ARN}"}]}`;
const rolePolicy = res("aws:iam/rolePolicy:RolePolicy", "decrypt", {
    dependencies: [key.urn, role.urn],
    propertyDependencies: { policy: [key.urn], role: [role.urn] },
    properties: { policy: doc, role: "processing-f8bd47f" },
    outputs: { policy: doc, role: "processing-f8bd47f", id: "processing-f8bd47f:decrypt-1", name: "decrypt-1" },
    synthesized: ["id", "name"],
});
// Not upstream of the role policy, though its name occurs in it.
const unrelated = res("aws:iam/role:Role", "other", { outputs: { name: "processing-f8bd47f" }, synthesized: ["name"] });
const all = [key, role, rolePolicy, unrelated];
const byUrn = new Map(all.map((r) => [r.urn, r]));

function finding(urn: string, over: Partial<Finding> = {}): Finding {
    return {
        policyPack: "pack",
        policyPackVersion: "1.0.0",
        policy: "e2ee-records-key-least-privilege",
        enforcementLevel: "mandatory",
        severity: "critical",
        urn,
        resourceType: urn.split("::")[2] ?? "",
        message: "Only recipients decrypt.\ngrants kms:Decrypt",
        run: "deploy",
        phase: "resource",
        ...over,
    };
}

describe("gate report: what the simulated deployment's findings rest on", () => {
    it("the dependency closure follows dependencies and property dependencies transitively", () => {
        const grant = res("aws:kms/grant:Grant", "g", { propertyDependencies: { keyId: [rolePolicy.urn] } });
        const m = new Map([...byUrn, [grant.urn, grant]]);
        assert.deepEqual(dependencyClosure(grant, m).map((r) => r.name), ["decrypt", "records-key", "processing"]);
        assert.deepEqual(dependencyClosure(key, m), []);
    });

    it("synthetic values: upstream outputs whose value occurs in the resource's inputs (inside a string when long enough)", () => {
        assert.deepEqual(syntheticValuesOf(finding(rolePolicy.urn), byUrn), [
            // The key's ID occurs only inside its ARN, which is listed: the ID is left out.
            { urn: key.urn, resourceType: key.type, name: "records-key", paths: ["arn"], value: KEY_ARN },
            // The role's id and name hold the same value: listed together.
            { urn: role.urn, resourceType: role.type, name: "processing", paths: ["id", "name"], value: "processing-f8bd47f" },
        ]);
    });

    it("synthetic values: a short value matches only as a whole string, an ID used on its own is listed", () => {
        const short = res("aws:ec2/vpc:Vpc", "v", { outputs: { id: "vpc-1" }, synthesized: ["id"] });
        const sg = res("aws:ec2/securityGroup:SecurityGroup", "sg", { dependencies: [short.urn], propertyDependencies: { vpcId: [short.urn] }, properties: { vpcId: "vpc-1", description: "vpc-12 rules" } });
        const m = new Map([short, sg].map((r) => [r.urn, r]));
        assert.deepEqual(syntheticValuesOf(finding(sg.urn), m).map((v) => v.value), ["vpc-1"]);
        const other = { ...sg, properties: { description: "for vpc-1x" } };
        assert.deepEqual(syntheticValuesOf(finding(other.urn), new Map([short, other].map((r) => [r.urn, r]))), []);
        const grant = res("aws:kms/grant:Grant", "g", { dependencies: [key.urn], propertyDependencies: { keyId: [key.urn] }, properties: { keyId: KEY_ID } });
        assert.deepEqual(syntheticValuesOf(finding(grant.urn), new Map([key, grant].map((r) => [r.urn, r]))), [
            { urn: key.urn, resourceType: key.type, name: "records-key", paths: ["id", "keyId"], value: KEY_ID },
        ]);
    });

    it("synthetic values: an AnalyzeStack finding that no upstream value reached lists its resource's own", () => {
        assert.deepEqual(syntheticValuesOf(finding(key.urn, { phase: "stack" }), byUrn).map((v) => v.paths), [["arn"], ["id", "keyId"]]);
        assert.deepEqual(syntheticValuesOf(finding(key.urn, { phase: "resource" }), byUrn), []);
        assert.deepEqual(syntheticValuesOf(finding(""), byUrn), []);
    });

    const secret = { kind: "secret-config", name: "p:prefix" } as const;
    const existing = res("aws:ssm/parameter:Parameter", "existing", { read: true, properties: {} });
    const fromRead = res("aws:ssm/parameter:Parameter", "from-read", { dependencies: [existing.urn], propertyDependencies: { name: [existing.urn], value: [] }, properties: { name: UNKNOWN, value: "x" } });
    const fromSecret = res("aws:ssm/parameter:Parameter", "from-secret", { properties: { name: UNKNOWN, value: "x" }, outside: { name: [secret] }, outputs: { name: UNKNOWN, value: "x", arn: UNKNOWN }, synthesized: ["arn"] });
    const downstream = res("aws:iam/policy:Policy", "downstream", { dependencies: [fromSecret.urn], propertyDependencies: { policy: [fromSecret.urn] }, properties: { policy: UNKNOWN } });
    const known = res("aws:iam/policy:Policy", "known", { dependencies: [fromSecret.urn], propertyDependencies: { policy: [fromSecret.urn] }, properties: { policy: "{}" } });
    const outsideRun = [existing, fromRead, fromSecret, downstream, known];
    const outsideByUrn = new Map(outsideRun.map((r) => [r.urn, r]));

    it("outside sources: recorded on the property, reads among its dependencies, and those of dependencies holding unknowns", () => {
        const s = new OutsideSources(outsideByUrn);
        assert.deepEqual(s.of(fromSecret), [secret]);
        assert.deepEqual(s.of(fromRead), [{ kind: "read", name: existing.urn }]);
        assert.deepEqual(s.of(downstream), [secret]);
        assert.deepEqual(s.of(known), [], "no unknown in its inputs: nothing from outside reached it");
        assert.deepEqual(s.of(existing), [{ kind: "read", name: existing.urn }]);
    });

    it("outside sources: a cycle of dependencies ends", () => {
        const a = res("t:m:A", "a", { properties: { x: UNKNOWN }, propertyDependencies: { x: [`${P}t:m:B::b`] } });
        const b = res("t:m:B", "b", { properties: { y: UNKNOWN }, propertyDependencies: { y: [a.urn] }, outside: { y: [secret] } });
        const s = new OutsideSources(new Map([a, b].map((r) => [r.urn, r])));
        assert.deepEqual(s.of(a), [secret]);
    });

    it("outside sources of a stack-level finding, or of one whose resource holds no unknown: every source of the run", () => {
        const s = new OutsideSources(outsideByUrn);
        const everything = [{ kind: "read", name: existing.urn }, secret];
        assert.deepEqual(outsideSourcesOf(finding("", { phase: "stack" }), s, outsideRun, outsideByUrn), everything);
        assert.deepEqual(outsideSourcesOf(finding(known.urn, { phase: "stack" }), s, outsideRun, outsideByUrn), everything);
        assert.deepEqual(outsideSourcesOf(finding(known.urn, { phase: "resource" }), s, outsideRun, outsideByUrn), []);
        assert.deepEqual(outsideSourcesOf(finding(fromRead.urn, { phase: "stack" }), s, outsideRun, outsideByUrn), [{ kind: "read", name: existing.urn }]);
    });

    it("annotate: a finding the preview reported (same message) is inPreview and lists no synthetic values", () => {
        const same = finding(rolePolicy.urn, { enforcementLevel: "advisory", policy: "a" });
        const only = finding(rolePolicy.urn);
        const undecided = finding(fromSecret.urn, { policy: "u", enforcementLevel: "advisory", message: "can't run policy 'u' from policy pack 'pack@v1.0.0' during preview: x" });
        const out = annotate(
            { violations: [same, only], waived: [], undecided: [undecided] },
            { violations: [{ ...same, run: "preview" }], waived: [], undecided: [] },
            [...all, ...outsideRun],
        );
        assert.equal(out.violations[0]?.inPreview, true);
        assert.equal(out.violations[0]?.syntheticValues, undefined);
        assert.equal(out.violations[1]?.inPreview, false);
        assert.equal(out.violations[1]?.syntheticValues?.length, 2);
        assert.equal(out.violations[1]?.outsideSources, undefined);
        assert.deepEqual(out.undecided[0]?.outsideSources, [secret]);
    });

    it("pulumi up: the preview fails first; else the update stops at the first registration with a mandatory Analyze violation; else a stack one fails it", () => {
        const order = [key, role, rolePolicy];
        const onPolicy = finding(rolePolicy.urn, { policy: "b" });
        const onRole = finding(role.urn, { policy: "c" });
        const onRole2 = finding(role.urn, { policy: "a" });
        const stack = finding(key.urn, { phase: "stack" });
        const advisory = finding(key.urn, { enforcementLevel: "advisory" });
        assert.deepEqual(pulumiUp(0, [onPolicy, onRole, onRole2, stack], order), { outcome: "update-stops", stopsAt: { urn: role.urn, resourceType: role.type, policies: ["a", "c"] } });
        assert.deepEqual(pulumiUp(2, [onPolicy], order), { outcome: "preview-fails", stopsAt: { urn: rolePolicy.urn, resourceType: rolePolicy.type, policies: ["b"] } });
        assert.deepEqual(pulumiUp(0, [stack, advisory], order), { outcome: "fails-after-update" });
        assert.deepEqual(pulumiUp(0, [advisory], order), { outcome: "succeeds" });
        assert.deepEqual(pulumiUp(1, [], order), { outcome: "preview-fails" });
    });
});
