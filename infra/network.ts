/**
 * Network layer: a VPC with private subnets only (no internet gateway, no NAT), VPC endpoints so that traffic to
 * AWS services stays on the AWS network, security groups whose egress is HTTPS to those endpoints only, and VPC
 * flow logs to a log group encrypted with the logs key (paper 5.4: segmentation, egress filtering, flow monitoring).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { subnetCidr } from "./lib/cidr";
import { LoggingLayerArgs, ValidLoggingArgs, accountEnvironment, validateLoggingArgs } from "./lib/layer";
import { Statement, policyDocument } from "./lib/policy";
import { principalRoleArgs } from "./lib/principal";
import { SUBNET_TIER_TAG, layerTags, storeTags } from "./lib/tags";
import { IPV4_CIDR, checkInt, required } from "./lib/validate";

const COMPONENT = "NetworkLayer";

/**
 * Interface endpoints (private DNS) every workload needs: KMS, Kinesis, SQS, Logs, STS, Secrets Manager, Step
 * Functions, X-Ray (the functions run with active tracing), and Cognito user pools (the recipient fetches its pool's
 * JWKS to verify ID tokens).
 */
export const DEFAULT_INTERFACE_ENDPOINTS: readonly string[] = ["kms", "kinesis-streams", "sqs", "logs", "sts", "secretsmanager", "states", "xray", "cognito-idp"];
/** Gateway endpoints (route-table based). */
export const GATEWAY_ENDPOINTS: readonly string[] = ["s3", "dynamodb"];

/** The flow-log group is encrypted with `logsKeyArn`; the endpoint policies admit only `accountId`'s principals. */
export interface NetworkLayerArgs extends LoggingLayerArgs {
    /** VPC CIDR block, /16 to /20. Required. */
    readonly cidrBlock: string;
    /** Number of availability zones (one private subnet each), 2-4. Default 2. */
    readonly availabilityZoneCount?: number;
    /** Interface endpoint services (short names). Default `DEFAULT_INTERFACE_ENDPOINTS`. */
    readonly interfaceEndpoints?: readonly string[];
    /**
     * Let the STS endpoint serve `sts:AssumeRoleWithWebIdentity` for this account's roles (pods assuming their IRSA
     * role; the request is unsigned, so it has no principal account). Default false.
     */
    readonly webIdentityFederation?: boolean;
}

/** `NetworkLayerArgs` once checked, defaults applied. */
export interface ValidNetworkLayerArgs extends ValidLoggingArgs {
    readonly cidrBlock: string;
    readonly availabilityZoneCount: number;
    /** One private subnet per zone, /20 of a /16 (4 more prefix bits). */
    readonly subnetCidrs: readonly string[];
    readonly interfaceEndpoints: readonly string[];
    readonly webIdentityFederation: boolean;
}

/** Checks `args` (throws `NetworkLayer: argument "<name>" ...`) and applies the defaults. */
export function validateNetworkLayerArgs(args: NetworkLayerArgs): ValidNetworkLayerArgs {
    const logging = validateLoggingArgs(COMPONENT, args);
    const cidrBlock = required(COMPONENT, "cidrBlock", args.cidrBlock);
    const cidr = IPV4_CIDR.exec(cidrBlock);
    if (!cidr || Number(cidr[5]) < 16 || Number(cidr[5]) > 20) {
        throw new Error(`${COMPONENT}: argument "cidrBlock" must be an IPv4 CIDR block from /16 to /20, got "${cidrBlock}"`);
    }
    const availabilityZoneCount = checkInt(COMPONENT, "availabilityZoneCount", args.availabilityZoneCount ?? 2, 2, 4);
    const subnetCidrs = [...Array(availabilityZoneCount).keys()].map((i) => {
        try {
            return subnetCidr(cidrBlock, 4, i);
        } catch (e) {
            throw new Error(`${COMPONENT}: argument "cidrBlock": ${(e as Error).message}`);
        }
    });
    const interfaceEndpoints = args.interfaceEndpoints ?? DEFAULT_INTERFACE_ENDPOINTS;
    if (interfaceEndpoints.length === 0) throw new Error(`${COMPONENT}: argument "interfaceEndpoints" must not be empty`);
    for (const s of interfaceEndpoints) {
        if (!/^[a-z0-9][a-z0-9.-]*$/.test(s)) throw new Error(`${COMPONENT}: argument "interfaceEndpoints" has an invalid service name "${s}"`);
    }
    return { ...logging, cidrBlock, availabilityZoneCount, subnetCidrs, interfaceEndpoints, webIdentityFederation: args.webIdentityFederation ?? false };
}

/** What the parts of the network layer share. */
interface NetworkParts {
    readonly parent: pulumi.Resource;
    /** The layer's name, prefix of its children's names. */
    readonly name: string;
    readonly v: ValidNetworkLayerArgs;
    readonly accountId: pulumi.Output<string>;
    readonly partition: pulumi.Output<string>;
    readonly tags: Record<string, string>;
}

/** The VPC (its default security group allowing nothing), one private subnet per zone and their one route table. */
function createVpc(n: NetworkParts): { vpc: aws.ec2.Vpc; routeTable: aws.ec2.RouteTable; subnets: aws.ec2.Subnet[] } {
    const { parent, name, v, tags } = n;
    const { namePrefix, region, cidrBlock, subnetCidrs, availabilityZoneCount: azCount } = v;
    const vpc = new aws.ec2.Vpc(
        `${name}-vpc`,
        {
            cidrBlock,
            enableDnsSupport: true,
            enableDnsHostnames: true,
            tags: { ...tags, Name: `${namePrefix}-vpc` },
        },
        { parent },
    );

    // The default security group of the VPC allows nothing.
    new aws.ec2.DefaultSecurityGroup(
        `${name}-default-sg`,
        { vpcId: vpc.id, ingress: [], egress: [], tags: { ...tags, Name: `${namePrefix}-default-deny-all` } },
        { parent },
    );

    const azs = aws.getAvailabilityZonesOutput({ state: "available" }, { parent });
    const routeTable = new aws.ec2.RouteTable(
        `${name}-private-rt`,
        // Only the implicit local route and the gateway endpoints: no internet gateway, no NAT.
        { vpcId: vpc.id, tags: { ...tags, Name: `${namePrefix}-private` } },
        { parent },
    );
    const subnets = subnetCidrs.map((subnetBlock, i) => {
        const subnet = new aws.ec2.Subnet(
            `${name}-private-${i}`,
            {
                vpcId: vpc.id,
                cidrBlock: subnetBlock,
                availabilityZone: azs.names.apply((names) => {
                    if (names.length < azCount) {
                        throw new Error(`${COMPONENT}: argument "availabilityZoneCount" is ${azCount} but ${region} has ${names.length} available zones`);
                    }
                    return names[i];
                }),
                mapPublicIpOnLaunch: false,
                tags: { ...tags, Name: `${namePrefix}-private-${i}`, [SUBNET_TIER_TAG]: "private" },
            },
            { parent },
        );
        new aws.ec2.RouteTableAssociation(`${name}-private-${i}-rta`, { subnetId: subnet.id, routeTableId: routeTable.id }, { parent });
        return subnet;
    });

    return { vpc, routeTable, subnets };
}

/**
 * The VPC endpoints (gateway endpoints on the route table, interface endpoints in the subnets) and the two security
 * groups: the endpoints admit HTTPS from the workloads only, the workloads send HTTPS to the endpoints only.
 */
function createEndpoints(
    n: NetworkParts,
    net: { vpc: aws.ec2.Vpc; routeTable: aws.ec2.RouteTable; subnets: aws.ec2.Subnet[] },
): { endpointSg: aws.ec2.SecurityGroup; workloadSg: aws.ec2.SecurityGroup; endpointIds: Record<string, pulumi.Output<string>> } {
    const { parent, name, v, accountId, tags } = n;
    const { vpc, routeTable, subnets } = net;
    const { namePrefix, region, interfaceEndpoints: interfaceServices } = v;
    const endpointSg = new aws.ec2.SecurityGroup(
        `${name}-endpoints-sg`,
        {
            vpcId: vpc.id,
            description: "Interface VPC endpoints: HTTPS from the pipeline workloads only",
            revokeRulesOnDelete: true,
            tags: { ...tags, Name: `${namePrefix}-endpoints` },
        },
        { parent },
    );
    const workloadSg = new aws.ec2.SecurityGroup(
        `${name}-workload-sg`,
        {
            vpcId: vpc.id,
            description: "Pipeline workloads: no ingress; egress HTTPS to the VPC endpoints only",
            revokeRulesOnDelete: true,
            tags: { ...tags, Name: `${namePrefix}-workloads` },
        },
        { parent },
    );

    // Endpoint policies: only principals of this account; gateway endpoints also only resources of this account.
    const thisAccountsPrincipals: Statement = {
        Sid: "OnlyThisAccountsPrincipals",
        Effect: "Allow",
        Principal: "*",
        Action: "*",
        Resource: "*",
        Condition: { StringEquals: { "aws:PrincipalAccount": accountId } },
    };
    const interfacePolicy = policyDocument([thisAccountsPrincipals]);
    // Requests that carry no credentials have no principal account: the JWKS of this account's user pools (the
    // recipient verifies ID tokens with it) and, for pods, AssumeRoleWithWebIdentity of this account's roles.
    const interfacePolicies: Record<string, pulumi.Output<string>> = {
        "cognito-idp": policyDocument([
            thisAccountsPrincipals,
            {
                Sid: "ThisAccountsUserPoolsUnsigned",
                Effect: "Allow",
                Principal: "*",
                Action: "cognito-idp:*",
                Resource: pulumi.interpolate`arn:${n.partition}:cognito-idp:${region}:${accountId}:userpool/*`,
            },
        ]),
        ...(v.webIdentityFederation
            ? {
                  sts: policyDocument([
                      thisAccountsPrincipals,
                      {
                          Sid: "WebIdentityForThisAccountsRoles",
                          Effect: "Allow",
                          Principal: "*",
                          Action: "sts:AssumeRoleWithWebIdentity",
                          Resource: pulumi.interpolate`arn:${n.partition}:iam::${accountId}:role/*`,
                      },
                  ]),
              }
            : {}),
    };
    const gatewayPolicy = policyDocument([
        {
            Sid: "OnlyThisAccountsPrincipalsAndResources",
            Effect: "Allow",
            Principal: "*",
            Action: "*",
            Resource: "*",
            Condition: { StringEquals: { "aws:PrincipalAccount": accountId, "aws:ResourceAccount": accountId } },
        },
    ]);

    const endpointIds: Record<string, pulumi.Output<string>> = {};
    const gateways: Record<string, aws.ec2.VpcEndpoint> = {};
    for (const service of GATEWAY_ENDPOINTS) {
        gateways[service] = new aws.ec2.VpcEndpoint(
            `${name}-${service}-endpoint`,
            {
                vpcId: vpc.id,
                serviceName: `com.amazonaws.${region}.${service}`,
                vpcEndpointType: "Gateway",
                routeTableIds: [routeTable.id],
                policy: gatewayPolicy,
                tags: { ...tags, Name: `${namePrefix}-${service}` },
            },
            { parent },
        );
        endpointIds[service] = gateways[service].id;
    }
    for (const service of interfaceServices) {
        const endpoint = new aws.ec2.VpcEndpoint(
            `${name}-${service}-endpoint`,
            {
                vpcId: vpc.id,
                serviceName: `com.amazonaws.${region}.${service}`,
                vpcEndpointType: "Interface",
                privateDnsEnabled: true,
                subnetIds: subnets.map((s) => s.id),
                securityGroupIds: [endpointSg.id],
                policy: interfacePolicies[service] ?? interfacePolicy,
                tags: { ...tags, Name: `${namePrefix}-${service}` },
            },
            { parent },
        );
        endpointIds[service] = endpoint.id;
    }

    new aws.vpc.SecurityGroupIngressRule(
        `${name}-endpoints-https-from-workloads`,
        {
            securityGroupId: endpointSg.id,
            description: "HTTPS from the pipeline workloads",
            ipProtocol: "tcp",
            fromPort: 443,
            toPort: 443,
            referencedSecurityGroupId: workloadSg.id,
            tags,
        },
        { parent },
    );
    new aws.vpc.SecurityGroupEgressRule(
        `${name}-workloads-https-to-endpoints`,
        {
            securityGroupId: workloadSg.id,
            description: "HTTPS to the interface VPC endpoints",
            ipProtocol: "tcp",
            fromPort: 443,
            toPort: 443,
            referencedSecurityGroupId: endpointSg.id,
            tags,
        },
        { parent },
    );
    for (const service of GATEWAY_ENDPOINTS) {
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-workloads-https-to-${service}`,
            {
                securityGroupId: workloadSg.id,
                description: `HTTPS to ${service} through its gateway endpoint (AWS prefix list)`,
                ipProtocol: "tcp",
                fromPort: 443,
                toPort: 443,
                prefixListId: gateways[service].prefixListId,
                tags,
            },
            { parent },
        );
    }

    return { endpointSg, workloadSg, endpointIds };
}

/** Flow logs: every accepted and rejected flow, to a log group encrypted with the logs key, delivered by its own role. */
function createFlowLogs(n: NetworkParts, vpc: aws.ec2.Vpc): aws.cloudwatch.LogGroup {
    const { parent, name, v, accountId, partition, tags } = n;
    const { namePrefix, region } = v;
    const flowLogGroupName = `/vpc/${namePrefix}/flow-logs`;
    // Known before deployment (region, account and name), so the role policy can be checked during preview.
    const flowLogGroupArn = pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:log-group:${flowLogGroupName}`;
    const flowLogGroup = new aws.cloudwatch.LogGroup(
        `${name}-flow-logs`,
        {
            name: flowLogGroupName,
            kmsKeyId: v.logsKeyArn,
            retentionInDays: v.logRetentionDays,
            tags: storeTags(v.tags, "network", "internal"),
        },
        { parent },
    );
    const flowLogRole = new aws.iam.Role(
        `${name}-flow-logs-role`,
        principalRoleArgs({
            namePrefix,
            principal: "flow-logs",
            roleName: `${namePrefix}-vpc-flow-logs`,
            layer: "network",
            description: "VPC flow logs delivery to CloudWatch Logs",
            trust: { service: "vpc-flow-logs.amazonaws.com" },
            accountId,
            tags: v.tags,
        }),
        { parent },
    );
    new aws.iam.RolePolicy(
        `${name}-flow-logs-policy`,
        {
            name: `${namePrefix}-vpc-flow-logs`,
            role: flowLogRole.name,
            policy: policyDocument([
                {
                    Sid: "DeliverFlowLogs",
                    Effect: "Allow",
                    Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    Resource: [flowLogGroupArn, pulumi.interpolate`${flowLogGroupArn}:*`],
                },
            ]),
        },
        { parent, dependsOn: [flowLogGroup] },
    );
    new aws.ec2.FlowLog(
        `${name}-flow-log`,
        {
            vpcId: vpc.id,
            trafficType: "ALL",
            logDestinationType: "cloud-watch-logs",
            logDestination: flowLogGroup.arn,
            iamRoleArn: flowLogRole.arn,
            maxAggregationInterval: 60,
            tags,
        },
        { parent },
    );

    return flowLogGroup;
}

export class NetworkLayer extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly privateSubnetIds: pulumi.Output<string[]>;
    /** CIDR blocks of the private subnets (where the interface endpoints live), known before deployment. */
    public readonly privateSubnetCidrs: readonly string[];
    public readonly routeTableId: pulumi.Output<string>;
    /** Security group of the workloads (Lambda functions, pods): egress HTTPS to the endpoints only. */
    public readonly workloadSecurityGroupId: pulumi.Output<string>;
    /** Security group of the interface endpoints: ingress HTTPS from the workloads only. */
    public readonly endpointSecurityGroupId: pulumi.Output<string>;
    public readonly flowLogGroupName: pulumi.Output<string>;
    public readonly flowLogGroupArn: pulumi.Output<string>;
    /** Endpoint id per service short name. */
    public readonly endpointIds: Readonly<Record<string, pulumi.Output<string>>>;

    constructor(name: string, args: NetworkLayerArgs, opts?: pulumi.ComponentResourceOptions) {
        const v = validateNetworkLayerArgs(args);
        super("e2ee:pipeline:NetworkLayer", name, {}, opts);

        const n: NetworkParts = { parent: this, name, v, ...accountEnvironment(this, args), tags: layerTags(v.tags, "network") };
        const { vpc, routeTable, subnets } = createVpc(n);
        const { endpointSg, workloadSg, endpointIds } = createEndpoints(n, { vpc, routeTable, subnets });
        const flowLogGroup = createFlowLogs(n, vpc);

        this.vpcId = vpc.id;
        this.privateSubnetIds = pulumi.all(subnets.map((s) => s.id));
        this.privateSubnetCidrs = v.subnetCidrs;
        this.routeTableId = routeTable.id;
        this.workloadSecurityGroupId = workloadSg.id;
        this.endpointSecurityGroupId = endpointSg.id;
        this.flowLogGroupName = flowLogGroup.name;
        this.flowLogGroupArn = flowLogGroup.arn;
        this.endpointIds = endpointIds;
        this.registerOutputs({
            vpcId: this.vpcId,
            privateSubnetIds: this.privateSubnetIds,
            workloadSecurityGroupId: this.workloadSecurityGroupId,
            endpointSecurityGroupId: this.endpointSecurityGroupId,
            flowLogGroupName: this.flowLogGroupName,
        });
    }
}
