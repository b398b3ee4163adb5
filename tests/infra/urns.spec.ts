/**
 * Deployed stacks keep their resources. `fixtures/deployed-urns.json` lists the URN of every resource of the dev and
 * prod stacks as deployed before the layers were split into components; each of them must still belong to exactly
 * one resource of the program, as its URN or as one of its aliases, so that `pulumi up` adopts the resource instead
 * of creating a new one and deleting the old. A resource removed on purpose leaves the fixture in the same change.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Created, PROJECT, aliasUrn, engineUrn, one, settle, startMocks } from "./support/harness";
import { builtStack } from "./support/stack";

const DEPLOYED = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "deployed-urns.json"), "utf8")) as Record<string, string[]>;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Alias } = require("@pulumi/pulumi/proto/alias_pb") as {
    Alias: (new () => { setUrn(u: string): void; setSpec(s: unknown): void }) & {
        Spec: new () => { setName(n: string): void; setType(t: string): void; setParenturn(u: string): void; setNoparent(b: boolean): void };
    };
};

describe("URNs: deployed stacks keep their resources", function () {
    this.timeout(120000);

    describe("the harness resolves URNs and aliases as the engine does", function () {
        const self = { parent: "urn:pulumi:dev::e2ee-pipeline::e2ee:pipeline:Outer$e2ee:pipeline:Inner::inner", type: "aws:iam/role:Role", name: "r" };
        it("builds a URN from the parent's whole type chain and leaves the root stack out", function () {
            assert.equal(engineUrn("dev", self.parent, self.type, "r"), "urn:pulumi:dev::e2ee-pipeline::e2ee:pipeline:Outer$e2ee:pipeline:Inner$aws:iam/role:Role::r");
            assert.equal(engineUrn("dev", "urn:pulumi:dev::e2ee-pipeline::pulumi:pulumi:Stack::e2ee-pipeline-dev", self.type, "r"), "urn:pulumi:dev::e2ee-pipeline::aws:iam/role:Role::r");
            assert.equal(engineUrn("dev", "", self.type, "r"), "urn:pulumi:dev::e2ee-pipeline::aws:iam/role:Role::r");
        });
        it("resolves URN aliases, parent specs, Node.js noParent (own parent) and unset parents (top of the stack)", function () {
            const byUrn = new Alias();
            byUrn.setUrn("urn:pulumi:dev::e2ee-pipeline::aws:iam/role:Role::old");
            const spec = (f: (s: InstanceType<typeof Alias.Spec>) => void): InstanceType<typeof Alias> => {
                const a = new Alias();
                const s = new Alias.Spec();
                f(s);
                a.setSpec(s);
                return a;
            };
            const cases: [InstanceType<typeof Alias>, string][] = [
                [byUrn, "urn:pulumi:dev::e2ee-pipeline::aws:iam/role:Role::old"],
                [spec((s) => s.setParenturn("urn:pulumi:dev::e2ee-pipeline::e2ee:pipeline:Layer::layer")), "urn:pulumi:dev::e2ee-pipeline::e2ee:pipeline:Layer$aws:iam/role:Role::r"],
                [spec((s) => (s.setName("old"), s.setParenturn("urn:pulumi:dev::e2ee-pipeline::e2ee:pipeline:Layer::layer"))), "urn:pulumi:dev::e2ee-pipeline::e2ee:pipeline:Layer$aws:iam/role:Role::old"],
                [spec((s) => s.setNoparent(true)), engineUrn("dev", self.parent, self.type, "r")],
                [spec((s) => s.setType("aws:iam/user:User")), "urn:pulumi:dev::e2ee-pipeline::aws:iam/user:User::r"],
            ];
            for (const [alias, urn] of cases) assert.equal(aliasUrn(alias as never, "dev", self), urn);
        });
        it("records the aliases a program declares", async function () {
            await startMocks("dev");
            const parent = new pulumi.ComponentResource("e2ee:test:Layer", "layer");
            new aws.iam.Role("moved", { assumeRolePolicy: "{}" }, { aliases: [{ parent }] });
            new aws.iam.Role("renamed", { assumeRolePolicy: "{}" }, { parent, aliases: [{ name: "old-name" }] });
            await settle();
            assert.deepEqual(one("aws:iam/role:Role", "moved").aliases, [`urn:pulumi:dev::${PROJECT}::e2ee:test:Layer$aws:iam/role:Role::moved`]);
            assert.deepEqual(one("aws:iam/role:Role", "renamed").aliases, [`urn:pulumi:dev::${PROJECT}::e2ee:test:Layer$aws:iam/role:Role::old-name`]);
        });
    });

    it("the fixture lists both stacks", function () {
        assert.deepEqual(Object.keys(DEPLOYED).sort(), ["dev", "prod"]);
    });

    describe("the resources that moved into components: new URN, and the deployed URN their alias keeps", function () {
        const P = "urn:pulumi:prod::e2ee-pipeline::";
        const moved: [string, string][] = [
            ["e2ee:pipeline:Principal$aws:iam/role:Role::ingestion-producer-role", "e2ee:pipeline:IngestionLayer$aws:iam/role:Role::ingestion-producer-role"],
            ["e2ee:pipeline:Principal$aws:iam/role:Role::serving-recipient-role", "e2ee:pipeline:ServingLayer$aws:iam/role:Role::serving-recipient-role"],
            [
                "e2ee:pipeline:IngestionLayer$e2ee:pipeline:Tls13RestApi$aws:apigateway/restApi:RestApi::ingestion-ingest-api",
                "e2ee:pipeline:IngestionLayer$aws:apigateway/restApi:RestApi::ingestion-ingest-api",
            ],
            [
                "e2ee:pipeline:ServingLayer$e2ee:pipeline:Tls13RestApi$aws:wafv2/webAcl:WebAcl::serving-recipient-waf",
                "e2ee:pipeline:ServingLayer$aws:wafv2/webAcl:WebAcl::serving-recipient-waf",
            ],
            [
                "e2ee:pipeline:ServingLayer$e2ee:pipeline:RecipientUserPool$aws:cognito/userPool:UserPool::serving-user-pool",
                "e2ee:pipeline:ServingLayer$aws:cognito/userPool:UserPool::serving-user-pool",
            ],
            [
                "e2ee:pipeline:ServingLayer$e2ee:pipeline:KubernetesRecipient$kubernetes:apps/v1:Deployment::serving-deployment",
                "e2ee:pipeline:ServingLayer$kubernetes:apps/v1:Deployment::serving-deployment",
            ],
            [
                "e2ee:pipeline:OrchestrationLayer$e2ee:pipeline:PipelineNamespace$kubernetes:core/v1:Namespace::orchestration-namespace",
                "e2ee:pipeline:OrchestrationLayer$kubernetes:core/v1:Namespace::orchestration-namespace",
            ],
        ];
        for (const [now, before] of moved) {
            it(now.split("::").pop() ?? now, async function () {
                const r = (await builtStack("prod")).resources.find((x) => x.urn === P + now);
                assert.ok(r, `no resource ${P + now}`);
                assert.ok(DEPLOYED.prod.includes(P + before), `${P + before} was deployed`);
                // Kubernetes resources also carry the SDK's own aliases for their older API versions.
                assert.ok(r.aliases?.includes(P + before), `${P + now} aliases ${JSON.stringify(r.aliases)}`);
            });
        }
    });

    for (const stack of ["dev", "prod"]) {
        describe(stack, function () {
            let resources: readonly Created[];
            before(async function () {
                resources = (await builtStack(stack)).resources;
            });

            it("every deployed URN belongs to exactly one resource, as its URN or an alias", function () {
                const problems: string[] = [];
                for (const old of DEPLOYED[stack]) {
                    const owners = resources.filter((r) => r.urn === old || (r.aliases ?? []).includes(old));
                    if (owners.length !== 1) problems.push(`${old}: ${owners.length === 0 ? "no resource" : owners.map((r) => r.urn).join(", ")}`);
                }
                assert.deepEqual(problems, []);
            });

            it("no alias names another resource's current URN and no two resources share a URN", function () {
                const urns = resources.map((r) => String(r.urn));
                assert.equal(new Set(urns).size, urns.length);
                for (const r of resources) {
                    for (const a of r.aliases ?? []) assert.ok(a === r.urn || !urns.includes(a), `${String(r.urn)} aliases ${a}, the URN of another resource`);
                }
            });
        });
    }
});
