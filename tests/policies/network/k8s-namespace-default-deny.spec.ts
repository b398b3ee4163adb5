import assert from "node:assert/strict";
import { defaultDenies, k8sNamespaceDefaultDeny } from "../../../policies/rules/network/k8sNamespaceDefaultDeny";
import { UNKNOWN, runStackRule, urnOf, type StackResourceInput } from "../harness";

const NS = "kubernetes:core/v1:Namespace";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const deploy = (name: string, namespace: unknown): StackResourceInput => ({
    type: "kubernetes:apps/v1:Deployment",
    name,
    props: { metadata: { name, namespace }, spec: { template: { spec: { containers: [{ name: "c", image: "i" }] } } } },
});
const np = (name: string, namespace: unknown, spec: unknown): StackResourceInput => ({ type: NP, name, props: { metadata: { namespace }, spec } });
const denyAll = { podSelector: {}, policyTypes: ["Ingress", "Egress"] };
const run = (inputs: StackResourceInput[]) => runStackRule(k8sNamespaceDefaultDeny, inputs);

describe("k8s-namespace-default-deny", () => {
    it("defaultDenies reads podSelector, policyTypes and rules", () => {
        assert.deepEqual(defaultDenies(denyAll), { ingress: true, egress: true });
        assert.deepEqual(defaultDenies({ podSelector: {} }), { ingress: true, egress: false });
        assert.deepEqual(defaultDenies({ podSelector: {}, policyTypes: ["Egress"] }), { ingress: false, egress: true });
        assert.deepEqual(defaultDenies({ podSelector: { matchLabels: { app: "x" } }, policyTypes: ["Ingress", "Egress"] }), { ingress: false, egress: false });
        assert.deepEqual(defaultDenies({ podSelector: {}, policyTypes: ["Ingress", "Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] }), { ingress: true, egress: false });
    });

    it("accepts a namespace with one deny-all policy, or two separate ones", async () => {
        assert.deepEqual((await run([{ type: NS, name: "ns", props: { metadata: { name: "pipeline" } } }, deploy("api", "pipeline"), np("deny", "pipeline", denyAll)])).messages, []);
        assert.deepEqual(
            (await run([deploy("api", "pipeline"), np("in", "pipeline", { podSelector: {}, policyTypes: ["Ingress"] }), np("out", "pipeline", { podSelector: {}, policyTypes: ["Egress"] })])).messages,
            [],
        );
    });

    it("reports a namespace missing egress deny, on the Namespace resource", async () => {
        const r = await run([{ type: NS, name: "ns", props: { metadata: { name: "pipeline" } } }, deploy("api", "pipeline"), np("in", "pipeline", { podSelector: {} })]);
        assert.deepEqual(r.violations, [
            {
                message: 'namespace "pipeline" runs Deployment "api" but has no default-deny egress NetworkPolicy (podSelector {}, policyTypes including "Egress", no egress rules).',
                urn: urnOf(NS, "ns"),
            },
        ]);
    });

    it("reports both directions for workloads in the default namespace, and a policy in another namespace does not count", async () => {
        const r = await run([deploy("api", undefined), np("deny", "other", denyAll)]);
        assert.deepEqual(r.violations, [
            {
                message: 'namespace "default" runs Deployment "api" but has no default-deny ingress and egress NetworkPolicy (podSelector {}, policyTypes including "Ingress" and "Egress", no ingress/egress rules).',
                urn: urnOf("kubernetes:apps/v1:Deployment", "api"),
            },
        ]);
    });

    it("matches namespaces through property dependencies when the name is unknown", async () => {
        const ns: StackResourceInput = { type: NS, name: "ns", props: { metadata: { name: UNKNOWN.string } } };
        const w = { ...deploy("api", UNKNOWN.string), propertyDependencies: { metadata: ["ns"] } };
        assert.deepEqual((await run([ns, w, { ...np("deny", UNKNOWN.string, denyAll), propertyDependencies: { metadata: ["ns"] } }])).messages, []);
        const r = await run([ns, w]);
        assert.deepEqual(r.messages, ['namespace "ns" runs Deployment "api" but has no default-deny ingress and egress NetworkPolicy (podSelector {}, policyTypes including "Ingress" and "Egress", no ingress/egress rules).']);
    });

    it("does not report a namespace whose NetworkPolicy spec is unknown", async () => {
        const r = await run([deploy("api", "pipeline"), np("deny", "pipeline", UNKNOWN.object)]);
        assert.deepEqual(r.messages, []);
        assert.equal(r.unknown, 'the spec of NetworkPolicy "deny" is unknown');
    });
});
