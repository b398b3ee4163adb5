/**
 * The program host: what it records from a real program run under mocks in preview mode.
 */
import { strict as assert } from "assert";
import { readProject, readStack } from "../../gate/src/cli/project";
import { runProgram, type ProgramRun } from "../../gate/src/cli/program";
import type { RecordedResource } from "../../gate/src/shared/types";
import { fixture, SECRET_SIG, SECRET_VALUE_SIG, UNKNOWN } from "./helpers";

function run(name: string, stack = "dev"): Promise<ProgramRun> {
    const dir = fixture(name);
    const project = readProject(dir);
    const s = readStack(project, stack);
    return runProgram(
        { programDir: dir, main: project.main, project: project.name, stack, organization: "organization", config: s.config, secureKeys: s.secureKeys, typescript: true },
        60_000,
    );
}

function byName(rs: readonly RecordedResource[], name: string): RecordedResource {
    const r = rs.find((x) => x.name === name);
    assert.ok(r, `no resource named ${name}: ${rs.map((x) => x.name).join(", ")}`);
    return r;
}

describe("gate program host", function () {
    this.timeout(60_000);
    let components: ProgramRun;
    let secrets: ProgramRun;
    before(async () => {
        [components, secrets] = await Promise.all([run("components"), run("secrets")]);
    });

    it("builds URNs as the engine does: parent type chain, root stack excluded", () => {
        assert.deepEqual(
            components.resources.map((r) => r.urn),
            [
                "urn:pulumi:dev::fixture-components::pulumi:pulumi:Stack::fixture-components-dev",
                "urn:pulumi:dev::fixture-components::pulumi:providers:aws::euw1",
                "urn:pulumi:dev::fixture-components::fixture:index:Pipeline::pipe",
                "urn:pulumi:dev::fixture-components::aws:ssm/parameter:Parameter::db-password",
                "urn:pulumi:dev::fixture-components::fixture:index:Pipeline$fixture:index:Store::pipe-store",
                "urn:pulumi:dev::fixture-components::fixture:index:Pipeline$fixture:index:Store$aws:kms/key:Key::pipe-store-key",
                "urn:pulumi:dev::fixture-components::fixture:index:Pipeline$fixture:index:Store$aws:s3/bucket:Bucket::pipe-store-bucket",
                "urn:pulumi:dev::fixture-components::fixture:index:Pipeline$fixture:index:Store$aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration::pipe-store-sse",
            ].sort((a, b) => components.resources.findIndex((r) => r.urn === a) - components.resources.findIndex((r) => r.urn === b)),
        );
        assert.equal(components.resources.length, 8);
        assert.ok(components.resources.every((r) => /^urn:pulumi:dev::fixture-components::[^:]/.test(r.urn)));
    });

    it("records parents, dependencies, property dependencies and the provider reference", () => {
        const rs = components.resources;
        const stack = byName(rs, "fixture-components-dev");
        assert.equal(stack.parent, "");
        assert.equal(byName(rs, "pipe").parent, stack.urn);
        const store = byName(rs, "pipe-store");
        assert.equal(store.parent, byName(rs, "pipe").urn);
        assert.equal(store.custom, false);
        const key = byName(rs, "pipe-store-key");
        const bucket = byName(rs, "pipe-store-bucket");
        assert.equal(bucket.parent, store.urn);
        assert.deepEqual(bucket.dependencies, [key.urn]);
        const sse = byName(rs, "pipe-store-sse");
        assert.deepEqual(sse.propertyDependencies["bucket"], [bucket.urn]);
        assert.deepEqual(sse.propertyDependencies["rules"], [key.urn]);
        // The explicit provider is inherited from the component; its ID is unknown during preview.
        assert.equal(bucket.provider, `urn:pulumi:dev::fixture-components::pulumi:providers:aws::euw1::${UNKNOWN}`);
        assert.equal(byName(rs, "db-password").provider, "");
    });

    it("inputs are what the program passed; outputs of resources being created are unknown", () => {
        const rs = components.resources;
        assert.deepEqual(byName(rs, "pipe-store-key").properties, { enableKeyRotation: true, tags: { "data-classification": "internal" } });
        assert.deepEqual(byName(rs, "pipe-store-sse").properties, {
            bucket: UNKNOWN,
            rules: [{ applyServerSideEncryptionByDefault: { kmsMasterKeyId: UNKNOWN, sseAlgorithm: "aws:kms" } }],
        });
        assert.equal(byName(rs, "euw1").properties["region"], "eu-west-1");
    });

    it("records the source statement that declared each resource (component children: the statement in the component)", () => {
        const rs = components.resources;
        const at = (n: string) => {
            const s = byName(rs, n).source;
            return s === undefined ? undefined : [s.file.slice(fixture("components").length + 1), s.line];
        };
        assert.deepEqual(at("pipe"), ["index.ts", 37]);
        assert.deepEqual(at("pipe-store"), ["index.ts", 30]);
        assert.deepEqual(at("pipe-store-key"), ["index.ts", 16]);
        assert.deepEqual(at("pipe-store-bucket"), ["index.ts", 17]);
        assert.deepEqual(at("euw1"), ["index.ts", 35]);
        assert.equal(byName(rs, "fixture-components-dev").source, undefined);
    });

    it("secure config values stay secret and unknown; pulumi.secret values are secret and known", () => {
        const rs = secrets.resources;
        assert.deepEqual(byName(rs, "token").properties["value"], { [SECRET_SIG]: SECRET_VALUE_SIG, value: UNKNOWN });
        assert.deepEqual(byName(rs, "plain-secret").properties["value"], { [SECRET_SIG]: SECRET_VALUE_SIG, value: "s3cr3t" });
    });

    it("invokes get the documented mock answers: account 123456789012, region from config", () => {
        const rs = secrets.resources;
        // @pulumi/aws marks ssm.Parameter `value` secret itself.
        assert.deepEqual(byName(rs, "account").properties["value"], { [SECRET_SIG]: SECRET_VALUE_SIG, value: "123456789012" });
        assert.deepEqual(byName(rs, "region").properties["value"], { [SECRET_SIG]: SECRET_VALUE_SIG, value: "eu-west-1" });
        assert.deepEqual(secrets.notes, []);
    });
});
