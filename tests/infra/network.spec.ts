import assert from "node:assert/strict";
import { subnetCidr } from "../../infra/lib/cidr";
import { DEFAULT_INTERFACE_ENDPOINTS, NetworkLayer, NetworkLayerArgs, validateNetworkLayerArgs } from "../../infra/network";
import { ACCOUNTS, REGION, created, one, ofType, policyOf, settle, startMocks, valueOf } from "./support/harness";

const ACCOUNT = ACCOUNTS.test;
const LOGS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/logs-0003`;
const args = (over: Partial<NetworkLayerArgs> = {}): NetworkLayerArgs => ({
    namePrefix: "e2ee-pipeline-test",
    region: REGION,
    accountId: ACCOUNT,
    cidrBlock: "10.40.0.0/16",
    logsKeyArn: LOGS_KEY,
    logRetentionDays: 90,
    ...over,
});

describe("infra/lib/cidr subnetCidr", function () {
    it("carves aligned subnets", function () {
        assert.equal(subnetCidr("10.40.0.0/16", 4, 0), "10.40.0.0/20");
        assert.equal(subnetCidr("10.40.0.0/16", 4, 1), "10.40.16.0/20");
        assert.equal(subnetCidr("10.40.0.0/16", 4, 15), "10.40.240.0/20");
        assert.equal(subnetCidr("192.168.32.0/20", 4, 3), "192.168.35.0/24");
    });
    it("refuses misaligned blocks and out-of-range indexes", function () {
        assert.throws(() => subnetCidr("10.40.1.0/16", 4, 0), { message: 'CIDR block "10.40.1.0/16" is not aligned to its prefix' });
        assert.throws(() => subnetCidr("10.40.0.0/16", 4, 16), { message: 'subnet index 16 out of range for 16 subnets of "10.40.0.0/16"' });
    });
});

describe("infra/network NetworkLayer", function () {
    let layer: NetworkLayer;

    before(async function () {
        await startMocks("test");
        layer = new NetworkLayer("network", args());
        await settle();
    });

    it("creates a VPC with private subnets only: no internet gateway, NAT, public IPs or routes beyond local and gateway endpoints", function () {
        const vpc = one("aws:ec2/vpc:Vpc", "network-vpc");
        assert.equal(vpc.inputs.cidrBlock, "10.40.0.0/16");
        assert.equal(vpc.inputs.enableDnsSupport, true);
        assert.equal(vpc.inputs.enableDnsHostnames, true);
        for (const t of ["aws:ec2/internetGateway:InternetGateway", "aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip", "aws:ec2/route:Route", "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway"]) {
            assert.equal(ofType(t).length, 0, t);
        }
        const rt = one("aws:ec2/routeTable:RouteTable", "network-private-rt");
        assert.equal(rt.inputs.routes, undefined);
        const subnets = ofType("aws:ec2/subnet:Subnet");
        assert.deepEqual(subnets.map((s) => s.inputs.cidrBlock), ["10.40.0.0/20", "10.40.16.0/20"]);
        assert.deepEqual(subnets.map((s) => s.inputs.availabilityZone), [`${REGION}a`, `${REGION}b`]);
        for (const s of subnets) assert.equal(s.inputs.mapPublicIpOnLaunch, false);
        assert.equal(ofType("aws:ec2/routeTableAssociation:RouteTableAssociation").length, 2);
        assert.deepEqual(layer.privateSubnetCidrs, ["10.40.0.0/20", "10.40.16.0/20"]);
    });

    it("locks the VPC's default security group down (no rules)", function () {
        const d = one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "network-default-sg");
        assert.deepEqual(d.inputs.ingress, []);
        assert.deepEqual(d.inputs.egress, []);
    });

    it("creates the KMS, Kinesis, SQS, Logs, STS, Secrets Manager, Step Functions, X-Ray and Cognito interface endpoints with private DNS", function () {
        const sg = one("aws:ec2/securityGroup:SecurityGroup", "network-endpoints-sg");
        const subnetIds = ofType("aws:ec2/subnet:Subnet").map((s) => s.id);
        const iface = ofType("aws:ec2/vpcEndpoint:VpcEndpoint").filter((e) => e.inputs.vpcEndpointType === "Interface");
        assert.deepEqual(
            iface.map((e) => e.inputs.serviceName),
            ["kms", "kinesis-streams", "sqs", "logs", "sts", "secretsmanager", "states", "xray", "cognito-idp"].map((s) => `com.amazonaws.${REGION}.${s}`),
        );
        assert.deepEqual([...DEFAULT_INTERFACE_ENDPOINTS], ["kms", "kinesis-streams", "sqs", "logs", "sts", "secretsmanager", "states", "xray", "cognito-idp"]);
        const thisAccount = {
            Sid: "OnlyThisAccountsPrincipals",
            Effect: "Allow",
            Principal: "*",
            Action: "*",
            Resource: "*",
            Condition: { StringEquals: { "aws:PrincipalAccount": ACCOUNT } },
        };
        // The recipient fetches its user pool's JWKS without credentials: the Cognito endpoint admits that, for this account's pools.
        assert.deepEqual(policyOf(one("aws:ec2/vpcEndpoint:VpcEndpoint", "network-cognito-idp-endpoint")).Statement, [
            thisAccount,
            { Sid: "ThisAccountsUserPoolsUnsigned", Effect: "Allow", Principal: "*", Action: "cognito-idp:*", Resource: `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/*` },
        ]);
        for (const e of iface.filter((x) => x.name !== "network-cognito-idp-endpoint")) {
            assert.equal(e.inputs.privateDnsEnabled, true);
            assert.deepEqual(e.inputs.subnetIds, subnetIds);
            assert.deepEqual(e.inputs.securityGroupIds, [sg.id]);
            assert.deepEqual(policyOf(e).Statement, [
                {
                    Sid: "OnlyThisAccountsPrincipals",
                    Effect: "Allow",
                    Principal: "*",
                    Action: "*",
                    Resource: "*",
                    Condition: { StringEquals: { "aws:PrincipalAccount": ACCOUNT } },
                },
            ]);
        }
    });

    it("creates S3 and DynamoDB gateway endpoints on the private route table, limited to this account's principals and resources", function () {
        const rt = one("aws:ec2/routeTable:RouteTable", "network-private-rt");
        for (const service of ["s3", "dynamodb"]) {
            const e = one("aws:ec2/vpcEndpoint:VpcEndpoint", `network-${service}-endpoint`);
            assert.equal(e.inputs.vpcEndpointType, "Gateway");
            assert.equal(e.inputs.serviceName, `com.amazonaws.${REGION}.${service}`);
            assert.deepEqual(e.inputs.routeTableIds, [rt.id]);
            assert.deepEqual(
                (policyOf(e).Statement[0].Condition as Record<string, unknown>).StringEquals,
                { "aws:PrincipalAccount": ACCOUNT, "aws:ResourceAccount": ACCOUNT },
            );
        }
    });

    it("limits workload egress to HTTPS to the endpoint security group and the S3/DynamoDB prefix lists; nothing to 0.0.0.0/0", function () {
        const workload = one("aws:ec2/securityGroup:SecurityGroup", "network-workload-sg");
        const endpoints = one("aws:ec2/securityGroup:SecurityGroup", "network-endpoints-sg");
        for (const sg of [workload, endpoints]) {
            assert.equal(sg.inputs.egress, undefined, `${sg.name} has inline egress`);
            assert.equal(sg.inputs.ingress, undefined, `${sg.name} has inline ingress`);
        }
        const egress = ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule");
        assert.deepEqual(
            egress.map((r) => ({
                sg: r.inputs.securityGroupId,
                proto: r.inputs.ipProtocol,
                from: r.inputs.fromPort,
                to: r.inputs.toPort,
                target: r.inputs.referencedSecurityGroupId ?? r.inputs.prefixListId ?? r.inputs.cidrIpv4,
            })),
            [
                { sg: workload.id, proto: "tcp", from: 443, to: 443, target: endpoints.id },
                { sg: workload.id, proto: "tcp", from: 443, to: 443, target: "pl-s3" },
                { sg: workload.id, proto: "tcp", from: 443, to: 443, target: "pl-dynamodb" },
            ],
        );
        assert.equal(ofType("aws:ec2/securityGroupRule:SecurityGroupRule").length, 0);
        const ingress = ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
        assert.equal(ingress.length, 1);
        assert.equal(ingress[0].inputs.securityGroupId, endpoints.id);
        assert.equal(ingress[0].inputs.referencedSecurityGroupId, workload.id);
        assert.equal(ingress[0].inputs.fromPort, 443);
        assert.equal(ingress[0].inputs.cidrIpv4, undefined);
    });

    it("sends all VPC flows to a log group encrypted with the logs key, through a role only the flow-logs service of this account assumes", async function () {
        const lg = one("aws:cloudwatch/logGroup:LogGroup", "network-flow-logs");
        assert.equal(lg.inputs.name, "/vpc/e2ee-pipeline-test/flow-logs");
        assert.equal(lg.inputs.kmsKeyId, LOGS_KEY);
        assert.equal(lg.inputs.retentionInDays, 90);
        assert.equal((lg.inputs.tags as Record<string, string>)["data-classification"], "internal");
        const role = one("aws:iam/role:Role", "network-flow-logs-role");
        assert.deepEqual(policyOf(role, "assumeRolePolicy").Statement, [
            {
                Sid: "AssumeByService",
                Effect: "Allow",
                Principal: { Service: "vpc-flow-logs.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
            },
        ]);
        const policy = policyOf(one("aws:iam/rolePolicy:RolePolicy", "network-flow-logs-policy"));
        assert.deepEqual(policy.Statement[0].Resource, [lg.state.arn, `${String(lg.state.arn)}:*`]);
        const fl = one("aws:ec2/flowLog:FlowLog", "network-flow-log");
        assert.equal(fl.inputs.vpcId, one("aws:ec2/vpc:Vpc", "network-vpc").id);
        assert.equal(fl.inputs.trafficType, "ALL");
        assert.equal(fl.inputs.logDestinationType, "cloud-watch-logs");
        assert.equal(fl.inputs.logDestination, lg.state.arn);
        assert.equal(fl.inputs.iamRoleArn, role.state.arn);
        assert.equal(await valueOf(layer.flowLogGroupName), "/vpc/e2ee-pipeline-test/flow-logs");
    });

    it("spreads subnets over the requested number of zones", async function () {
        await startMocks("test");
        new NetworkLayer("network", args({ availabilityZoneCount: 3, cidrBlock: "10.50.0.0/16" }));
        await settle();
        assert.deepEqual(ofType("aws:ec2/subnet:Subnet").map((s) => s.inputs.cidrBlock), ["10.50.0.0/20", "10.50.16.0/20", "10.50.32.0/20"]);
        assert.deepEqual(ofType("aws:ec2/subnet:Subnet").map((s) => s.inputs.availabilityZone), ["a", "b", "c"].map((z) => `${REGION}${z}`));
        const kms = one("aws:ec2/vpcEndpoint:VpcEndpoint", "network-kms-endpoint");
        assert.deepEqual(kms.inputs.subnetIds, ofType("aws:ec2/subnet:Subnet").map((s) => s.id));
    });

    it("validateNetworkLayerArgs applies the defaults and carves one /20 per zone", function () {
        assert.deepEqual(validateNetworkLayerArgs(args({ logRetentionDays: undefined })), {
            namePrefix: "e2ee-pipeline-test",
            region: REGION,
            tags: {},
            logsKeyArn: LOGS_KEY,
            logRetentionDays: 365,
            cidrBlock: "10.40.0.0/16",
            availabilityZoneCount: 2,
            subnetCidrs: ["10.40.0.0/20", "10.40.16.0/20"],
            interfaceEndpoints: DEFAULT_INTERFACE_ENDPOINTS,
            webIdentityFederation: false,
        });
    });

    it("with web identity federation, lets the STS endpoint serve AssumeRoleWithWebIdentity (unsigned) for this account's roles only", async function () {
        await startMocks("test");
        new NetworkLayer("network", args({ webIdentityFederation: true }));
        await settle();
        assert.deepEqual(policyOf(one("aws:ec2/vpcEndpoint:VpcEndpoint", "network-sts-endpoint")).Statement, [
            {
                Sid: "OnlyThisAccountsPrincipals",
                Effect: "Allow",
                Principal: "*",
                Action: "*",
                Resource: "*",
                Condition: { StringEquals: { "aws:PrincipalAccount": ACCOUNT } },
            },
            { Sid: "WebIdentityForThisAccountsRoles", Effect: "Allow", Principal: "*", Action: "sts:AssumeRoleWithWebIdentity", Resource: `arn:aws:iam::${ACCOUNT}:role/*` },
        ]);
        assert.equal(policyOf(one("aws:ec2/vpcEndpoint:VpcEndpoint", "network-kms-endpoint")).Statement.length, 1);
    });

    const invalid: [string, Partial<NetworkLayerArgs>, string][] = [
        ["a /8 VPC", { cidrBlock: "10.0.0.0/8" }, 'NetworkLayer: argument "cidrBlock" must be an IPv4 CIDR block from /16 to /20, got "10.0.0.0/8"'],
        ["a misaligned VPC block", { cidrBlock: "10.40.1.0/16" }, 'NetworkLayer: argument "cidrBlock": CIDR block "10.40.1.0/16" is not aligned to its prefix'],
        ["one zone", { availabilityZoneCount: 1 }, 'NetworkLayer: argument "availabilityZoneCount" must be an integer from 2 to 4, got 1'],
        ["no interface endpoints", { interfaceEndpoints: [] }, 'NetworkLayer: argument "interfaceEndpoints" must not be empty'],
        ["no logs key", { logsKeyArn: "" }, 'NetworkLayer: argument "logsKeyArn" is required'],
        ["30-day flow-log retention", { logRetentionDays: 30 }, 'NetworkLayer: argument "logRetentionDays" must be a CloudWatch Logs retention value of at least 90 days (90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653), got 30'],
        ["a 91-day flow-log retention (CloudWatch Logs has no such value)", { logRetentionDays: 91 }, 'NetworkLayer: argument "logRetentionDays" must be a CloudWatch Logs retention value of at least 90 days (90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653), got 91'],
    ];
    for (const [what, over, message] of invalid) {
        it(`rejects ${what} before creating anything`, async function () {
            await startMocks("test");
            assert.throws(() => validateNetworkLayerArgs(args(over)), { message });
            assert.throws(() => new NetworkLayer("network", args(over)), { message });
            await settle();
            assert.equal(created.length, 0);
        });
    }
});
