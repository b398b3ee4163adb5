/**
 * The program host's simulated deployment (gate/src/host/simulation.ts): the answers made from synthetic outputs
 * over wire-form inputs, unknowns kept unknown, explicit providers' regions, the markers of outside values, and
 * which invokes have an offline answer.
 */
import { strict as assert } from "assert";
import { invokeMock } from "../../gate/src/host/invokes";
import { hasOfflineAnswer } from "../../gate/src/host/invokes";
import { outsideUrn, parseOutsideUrn, partitionOf, plainInputs, simulationAnswers, syntheticAnswer } from "../../gate/src/host/simulation";
import { loadArnTemplates, type ArnTemplates } from "../../gate/src/host/synthetic";
import type { Json, ProgramNote, RecordedResource } from "../../gate/src/shared/types";
import { SECRET_SIG, SECRET_VALUE_SIG, UNKNOWN } from "./helpers";

const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const P = "urn:pulumi:dev::p::";

function res(type: string, name: string, properties: Record<string, Json>, over: Partial<RecordedResource> = {}): RecordedResource {
    return {
        urn: `${P}${type}::${name}`,
        type,
        name,
        custom: true,
        parent: "",
        dependencies: [],
        propertyDependencies: {},
        provider: "",
        options: { protect: false, ignoreChanges: [], additionalSecretOutputs: [], aliases: [], replaceOnChanges: [] },
        properties,
        read: false,
        ...over,
    };
}

describe("gate program host: the simulated deployment", () => {
    let templates: ArnTemplates;
    before(async () => {
        templates = await loadArnTemplates();
    });

    it("outside values' marker URNs name their source; other URNs are none", () => {
        const u = outsideUrn("dev", "p", "secret-config", "p:dbPassword");
        assert.equal(u, "urn:pulumi:dev::p::pulumi-gate:outside:SecretConfig::p:dbPassword");
        assert.deepEqual(parseOutsideUrn(u), { kind: "secret-config", name: "p:dbPassword" });
        assert.deepEqual(parseOutsideUrn(outsideUrn("dev", "p", "invoke", "aws:ec2/getAmi:getAmi")), { kind: "invoke", name: "aws:ec2/getAmi:getAmi" });
        assert.equal(parseOutsideUrn(`${P}aws:s3/bucket:Bucket::b`), undefined);
        assert.equal(parseOutsideUrn("not-a-urn"), undefined);
    });

    it("partitions by region", () => {
        assert.deepEqual(["eu-west-1", "cn-north-1", "us-gov-west-1"].map(partitionOf), ["aws", "aws-cn", "aws-us-gov"]);
    });

    it("wire-form inputs as plain values: secrets unwrapped, references as ID or URN, unknown output values unknown, assets kept", () => {
        const asset = { [SECRET_SIG]: ASSET_SIG, hash: "abc", text: "x" };
        assert.deepEqual(
            plainInputs({
                name: { [SECRET_SIG]: SECRET_VALUE_SIG, value: "n" },
                role: { [SECRET_SIG]: RESOURCE_SIG, urn: `${P}aws:iam/role:Role::r`, id: "r-1" },
                pending: { [SECRET_SIG]: RESOURCE_SIG, urn: `${P}aws:iam/role:Role::q`, id: "" },
                component: { [SECRET_SIG]: RESOURCE_SIG, urn: `${P}my:c:C::c` },
                known: { [SECRET_SIG]: OUTPUT_SIG, value: 3 },
                unknown: { [SECRET_SIG]: OUTPUT_SIG },
                code: asset,
                nested: [{ a: { [SECRET_SIG]: SECRET_VALUE_SIG, value: [1] } }],
            }),
            { name: "n", role: "r-1", pending: UNKNOWN, component: `${P}my:c:C::c`, known: 3, unknown: UNKNOWN, code: asset, nested: [{ a: [1] }] },
        );
    });

    it("a created resource's answer: its inputs with the synthesized outputs laid over them", () => {
        const a = syntheticAnswer(res("aws:iam/role:Role", "processing", { assumeRolePolicy: "{}", tags: { team: "x" } }), "eu-west-1", templates);
        assert.deepEqual(a.synthesized, ["arn", "id", "name", "tagsAll", "uniqueId"]);
        assert.equal(a.unknown, undefined);
        const o = a.outputs as Record<string, Json>;
        assert.equal(o["assumeRolePolicy"], "{}");
        assert.match(String(o["arn"]), /^arn:aws:iam::123456789012:role\/processing-[0-9a-f]{7}$/);
        assert.equal(a.id, o["name"]);
        assert.deepEqual(o["tagsAll"], { team: "x" });
    });

    it("an output made from an unknown input is unknown, and so is an ID made from one; the answer says it holds unknowns", () => {
        const a = syntheticAnswer(res("aws:iam/role:Role", "r", { name: UNKNOWN, assumeRolePolicy: "{}" }), "eu-west-1", templates);
        const o = a.outputs as Record<string, Json>;
        assert.equal(o["name"], UNKNOWN);
        assert.equal(o["arn"], UNKNOWN);
        assert.equal(a.id, "");
        assert.equal(a.unknown, true);
        const b = syntheticAnswer(res("aws:s3/bucket:Bucket", "b", { tags: { zone: UNKNOWN } }), "eu-west-1", templates);
        assert.equal(b.unknown, true, "an unknown input alone marks the answer");
        assert.match(String((b.outputs as Record<string, Json>)["arn"]), /^arn:aws:s3:::b-[0-9a-f]{7}$/);
    });

    it("a synthesized path under a secret input is set inside the secret", () => {
        const a = syntheticAnswer(
            res("kubernetes:apps/v1:Deployment", "web", { metadata: { [SECRET_SIG]: SECRET_VALUE_SIG, value: { name: "web", namespace: "prod" } } }),
            "eu-west-1",
            templates,
        );
        const meta = (a.outputs as Record<string, Record<string, Json>>)["metadata"] as Record<string, Json>;
        assert.equal(meta[SECRET_SIG], SECRET_VALUE_SIG);
        const inner = meta["value"] as Record<string, Json>;
        assert.equal(inner["name"], "web");
        assert.equal(inner["namespace"], "prod");
        assert.match(String(inner["uid"]), /^[0-9a-f-]{36}$/);
        assert.equal(a.id, "prod/web");
    });

    it("answers: components get no ID, reads an unknown state, resources of an explicit provider its region", () => {
        const notes: ProgramNote[] = [];
        const answers = simulationAnswers({ region: "eu-west-1", notes, templates });
        assert.deepEqual(answers.registered(res("my:index:Layer", "layer", {}, { custom: false })), { id: "" });
        assert.deepEqual(answers.read(res("aws:ssm/parameter:Parameter", "existing", {}, { read: true })), { unknown: true });
        const provider = res("pulumi:providers:aws", "use1", { region: "us-east-1", version: "7.48.0" });
        const pa = answers.registered(provider);
        assert.match(pa.id, /^[0-9a-f-]{36}$/);
        const trail = answers.registered(res("aws:cloudtrail/trail:Trail", "trail", { s3BucketName: "logs" }, { provider: `${provider.urn}::${pa.id}` }));
        assert.match(String((trail.outputs as Record<string, Json>)["arn"]), /^arn:aws:cloudtrail:us-east-1:123456789012:trail\//);
        const imported = answers.registered(res("aws:s3/bucket:Bucket", "old", {}, { options: { protect: false, ignoreChanges: [], additionalSecretOutputs: [], aliases: [], replaceOnChanges: [], importId: "legacy-bucket" } }));
        assert.equal(imported.id, "legacy-bucket", "an import keeps its ID");
        const here = answers.registered(res("aws:cloudtrail/trail:Trail", "trail2", { s3BucketName: "logs" }));
        assert.match(String((here.outputs as Record<string, Json>)["arn"]), /^arn:aws:cloudtrail:eu-west-1:/);
        assert.deepEqual(notes, []);
    });

    it("a plain invoke with no offline answer returns its arguments and is noted once, saying it stays a placeholder", () => {
        const notes: ProgramNote[] = [];
        const answers = simulationAnswers({ region: "eu-west-1", notes, templates });
        assert.deepEqual(answers.invoke("aws:ec2/getAmi:getAmi", { owners: ["amazon"] }), { owners: ["amazon"] });
        answers.invoke("aws:ec2/getAmi:getAmi", {});
        assert.equal(notes.length, 1);
        assert.match(notes[0]?.message ?? "", /^invoke aws:ec2\/getAmi:getAmi has no offline answer; it returned its own arguments \(called in its plain form/);
    });

    it("the invokes with an offline answer are exactly those invokeMock answers", () => {
        const tokens = [
            "aws:index/getCallerIdentity:getCallerIdentity",
            "aws:index/getRegion:getRegion",
            "aws:index/getPartition:getPartition",
            "aws:index/getAvailabilityZones:getAvailabilityZones",
            "aws:iam/getPolicyDocument:getPolicyDocument",
            "aws:ec2/getAmi:getAmi",
            "aws:ssm/getParameter:getParameter",
            "kubernetes:helm:template",
        ];
        for (const t of tokens) {
            let unanswered = false;
            invokeMock(t, {}, "eu-west-1", () => (unanswered = true));
            assert.equal(hasOfflineAnswer(t), !unanswered, t);
        }
    });
});
