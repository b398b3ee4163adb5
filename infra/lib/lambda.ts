/**
 * Shared building blocks of the ingestion, processing and serving layers (owned by infra-B):
 * the common layer arguments, argument validation, IAM policy statements, and `createPipelineFunction`,
 * which creates one pipeline Lambda function with its own least-privilege role, its own encrypted
 * log group and its own KMS-encrypted dead-letter queue.
 *
 * This is NOT a ComponentResource: every resource it creates is a child of the calling layer
 * component (`{ parent }`), so each layer stays one ComponentResource in one file.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { FunctionName, HANDLER } from "../../functions/src/contract";
import { bundleFunction } from "../../functions/build";

/** The Lambda runtime of every pipeline function (current; `nodejs20.x` is deprecated). */
export const LAMBDA_RUNTIME: aws.lambda.Runtime = aws.lambda.Runtime.NodeJS22dX;

/** Values of the `data-classification` tag (HELPERS.md). */
export type DataClassification = "public" | "internal" | "confidential" | "restricted";
export const DATA_CLASSIFICATIONS: readonly DataClassification[] = ["public", "internal", "confidential", "restricted"];

/** Values of the IAM role tag `e2ee:principal-role` used by this program (HELPERS.md). */
export type PrincipalRole = "producer" | "recipient" | "ingest" | "process" | "orchestrator";

/**
 * The explicit IAM role name of a principal. The keys layer builds the records key policy from
 * `arn:<partition>:iam::<account>:role/<principalRoleName(namePrefix, "producer" | "recipient")>`,
 * so both sides must call this function with the same `namePrefix`.
 */
export function principalRoleName(namePrefix: string, principal: PrincipalRole): string {
    return `${namePrefix}-${principal}`;
}

/** The explicit Lambda function name of a pipeline function. */
export function pipelineFunctionName(namePrefix: string, fn: FunctionName): string {
    return `${namePrefix}-${fn}`;
}

/** The AWS-managed Lambda archive of a function: the esbuild bundle directory of functions/build.ts. */
export function defaultFunctionCode(fn: FunctionName): pulumi.asset.Archive {
    return new pulumi.asset.FileArchive(bundleFunction(fn));
}

/** Arguments shared by every infra-B layer. */
export interface PipelineLayerBaseArgs {
    /**
     * Prefix of every physical name (roles, functions, queues, streams, log groups), e.g. `e2ee-dev`.
     * Lower-case letters, digits and `-`, 1-40 characters, starting with a letter. Required.
     */
    readonly namePrefix: string;
    /** AWS account id; role ARNs and resource ARNs are built from it. Required. */
    readonly accountId: pulumi.Input<string>;
    /** AWS region, e.g. `eu-west-1`. Required. */
    readonly region: pulumi.Input<string>;
    /** AWS partition. Default `aws`. */
    readonly partition?: pulumi.Input<string>;
    /** ARN of the customer-managed KMS key (tag `e2ee:key-role: logs`) that encrypts every log group. Required. */
    readonly logKeyArn: pulumi.Input<string>;
    /** Retention of every log group, in days. Default 365. */
    readonly logRetentionDays?: number;
    /** `data-classification` tag of every data store of the layer. Default `confidential`. */
    readonly dataClassification?: DataClassification;
    /** Extra tags for every taggable resource. Default none. */
    readonly tags?: Readonly<Record<string, string>>;
}

/** Arguments shared by the layers that run Lambda functions (ingestion, processing, serving). */
export interface FunctionLayerArgs extends PipelineLayerBaseArgs {
    /** Private subnets the functions run in (`vpcConfig`). Required, non-empty. */
    readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Security groups of the functions (egress only to the VPC endpoints). Required, non-empty. */
    readonly securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Customer-managed KMS key that encrypts the functions' environment variables (`kmsKeyArn`). Required. */
    readonly envKeyArn: pulumi.Input<string>;
    /** Customer-managed KMS key of the dead-letter queues (`kmsMasterKeyId`), e.g. the storage key. Required. */
    readonly queueKeyArn: pulumi.Input<string>;
    /**
     * The Lambda archive of a function. Default: `new pulumi.asset.FileArchive(bundleFunction(fn))`
     * (functions/build.ts). Tests pass a small AssetArchive instead.
     */
    readonly functionCode?: (fn: FunctionName) => pulumi.asset.Archive;
}

/** Resolved base arguments (defaults applied). */
export interface ResolvedBaseArgs {
    readonly namePrefix: string;
    readonly accountId: pulumi.Input<string>;
    readonly region: pulumi.Input<string>;
    readonly partition: pulumi.Input<string>;
    readonly logKeyArn: pulumi.Input<string>;
    readonly logRetentionDays: number;
    readonly dataClassification: DataClassification;
    readonly tags: Readonly<Record<string, string>>;
}

/** CloudWatch Logs retention values accepted by the API. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** Throws `<component>: <argument> ...` for a missing required argument. */
export function requireArg<T>(component: string, argName: string, value: T | undefined | null): T {
    if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) {
        throw new Error(`${component}: argument "${argName}" is required`);
    }
    return value;
}

/** Rejects a known-empty list (unknown Outputs pass: they cannot be checked before deployment). */
export function requireNonEmptyList(component: string, argName: string, value: pulumi.Input<pulumi.Input<string>[]> | undefined): void {
    requireArg(component, argName, value);
    if (Array.isArray(value) && value.length === 0) {
        throw new Error(`${component}: argument "${argName}" must not be empty`);
    }
}

/** Validates an integer in [min, max]. */
export function checkInt(component: string, argName: string, value: number, min: number, max: number): number {
    if (!Number.isInteger(value) || value < min || value > max) {
        throw new Error(`${component}: argument "${argName}" must be an integer between ${min} and ${max}, got ${value}`);
    }
    return value;
}

/** Validates a DNS host name (custom domains). */
export function checkDomainName(component: string, argName: string, value: string | undefined): string {
    const v = requireArg(component, argName, value);
    if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(v)) {
        throw new Error(`${component}: argument "${argName}" must be a lower-case fully-qualified domain name, got "${v}"`);
    }
    return v;
}

/** Validates and resolves the base arguments. */
export function resolveBaseArgs(component: string, args: PipelineLayerBaseArgs): ResolvedBaseArgs {
    if (args === undefined || args === null) {
        throw new Error(`${component}: argument "args" is required`);
    }
    const namePrefix = requireArg(component, "namePrefix", args.namePrefix);
    if (!/^[a-z][a-z0-9-]{0,39}$/.test(namePrefix)) {
        throw new Error(
            `${component}: argument "namePrefix" must be 1-40 lower-case letters, digits or "-", starting with a letter, got "${namePrefix}"`,
        );
    }
    requireArg(component, "accountId", args.accountId);
    requireArg(component, "region", args.region);
    requireArg(component, "logKeyArn", args.logKeyArn);
    const logRetentionDays = args.logRetentionDays ?? 365;
    if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
        throw new Error(
            `${component}: argument "logRetentionDays" must be one of ${LOG_RETENTION_DAYS.join(", ")}, got ${logRetentionDays}`,
        );
    }
    const dataClassification = args.dataClassification ?? "confidential";
    if (!DATA_CLASSIFICATIONS.includes(dataClassification)) {
        throw new Error(
            `${component}: argument "dataClassification" must be one of ${DATA_CLASSIFICATIONS.join(", ")}, got "${String(dataClassification)}"`,
        );
    }
    return {
        namePrefix,
        accountId: args.accountId,
        region: args.region,
        partition: args.partition ?? "aws",
        logKeyArn: args.logKeyArn,
        logRetentionDays,
        dataClassification,
        tags: args.tags ?? {},
    };
}

/** Validates the function-layer arguments (base arguments are validated by `resolveBaseArgs`). */
export function validateFunctionLayerArgs(component: string, args: FunctionLayerArgs): void {
    requireNonEmptyList(component, "privateSubnetIds", args.privateSubnetIds);
    requireNonEmptyList(component, "securityGroupIds", args.securityGroupIds);
    requireArg(component, "envKeyArn", args.envKeyArn);
    requireArg(component, "queueKeyArn", args.queueKeyArn);
}

/** One IAM policy statement (every statement of this program is an Allow with explicit actions and resources). */
export interface PolicyStatement {
    readonly Sid: string;
    readonly Effect: "Allow" | "Deny";
    readonly Principal?: pulumi.Input<Record<string, pulumi.Input<string> | pulumi.Input<string>[]>> | "*";
    readonly Action: string | string[];
    readonly Resource: pulumi.Input<string> | pulumi.Input<string>[] | pulumi.Output<string[]>;
    readonly Condition?: Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;
}

/** A JSON policy document from statements (Inputs resolved). */
export function policyDocument(statements: readonly PolicyStatement[]): pulumi.Output<string> {
    return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
}

/** Trust policy for an AWS service principal, restricted to this account (confused-deputy protection). */
export function serviceTrustPolicy(service: string, accountId: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AssumeByService",
                Effect: "Allow",
                Principal: { Service: service },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceAccount": accountId } },
            },
        ],
    });
}

/** `kms:ViaService` value for a service in the region, e.g. `s3.eu-west-1.amazonaws.com`. */
export function viaService(service: string, region: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.interpolate`${service}.${region}.amazonaws.com`;
}

/** Tags of every resource: caller tags plus the layer and managed-by marks. */
export function baseTags(base: ResolvedBaseArgs, layer: string): Record<string, string> {
    return { ...base.tags, "e2ee:layer": layer, "managed-by": "pulumi" };
}

/** Tags of a data store: base tags plus `data-classification`. */
export function dataStoreTags(base: ResolvedBaseArgs, layer: string): Record<string, string> {
    return { ...baseTags(base, layer), "data-classification": base.dataClassification };
}

/** Options of one pipeline Lambda function. */
export interface PipelineFunctionOptions {
    /** Which function of the contract (selects the bundle and the default name). */
    readonly fn: FunctionName;
    /** `e2ee:principal-role` tag of the role. */
    readonly principal: PrincipalRole;
    /** Explicit role name (known ARN). */
    readonly roleName: string;
    /** Environment variables (none of them is a secret; encrypted with `envKeyArn` anyway). */
    readonly environment: Record<string, pulumi.Input<string>>;
    /** The function's own permissions, beyond logs, tracing, VPC networking and its dead-letter queue. */
    readonly statements: readonly PolicyStatement[];
    readonly reservedConcurrency: number;
    readonly timeoutSeconds: number;
    readonly memoryMb: number;
    readonly description: string;
}

/** What `createPipelineFunction` creates. */
export interface PipelineFunction {
    readonly functionName: string;
    readonly role: aws.iam.Role;
    readonly rolePolicy: aws.iam.RolePolicy;
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly deadLetterQueue: aws.sqs.Queue;
    readonly deadLetterQueuePolicy: aws.sqs.QueuePolicy;
    readonly function: aws.lambda.Function;
}

/**
 * Creates one Lambda function in the private subnets with: its own role (explicit name, tag
 * `e2ee:principal-role`), one inline policy scoped to exact resources, an encrypted log group, a dead-letter
 * queue encrypted with a customer-managed key (TLS-only queue policy), env encryption with a CMK,
 * reserved concurrency and active tracing.
 */
export function createPipelineFunction(
    componentName: string,
    layer: string,
    base: ResolvedBaseArgs,
    args: FunctionLayerArgs,
    opts: PipelineFunctionOptions,
    parent: pulumi.Resource,
): PipelineFunction {
    const functionName = pipelineFunctionName(base.namePrefix, opts.fn);
    const tags = baseTags(base, layer);
    const storeTags = dataStoreTags(base, layer);
    const childName = `${componentName}-${opts.fn}`;
    const { partition, region, accountId } = base;

    const logGroup = new aws.cloudwatch.LogGroup(
        `${childName}-logs`,
        {
            name: `/aws/lambda/${functionName}`,
            kmsKeyId: base.logKeyArn,
            retentionInDays: base.logRetentionDays,
            tags: storeTags,
        },
        { parent },
    );

    const deadLetterQueue = new aws.sqs.Queue(
        `${childName}-dlq`,
        {
            name: `${functionName}-dlq`,
            kmsMasterKeyId: args.queueKeyArn,
            kmsDataKeyReusePeriodSeconds: 300,
            messageRetentionSeconds: 1209600,
            tags: storeTags,
        },
        { parent },
    );

    const deadLetterQueuePolicy = new aws.sqs.QueuePolicy(
        `${childName}-dlq-policy`,
        {
            queueUrl: deadLetterQueue.url,
            policy: policyDocument([
                {
                    Sid: "DenyInsecureTransport",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "sqs:*",
                    Resource: deadLetterQueue.arn,
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
            ]),
        },
        { parent },
    );

    const role = new aws.iam.Role(
        `${childName}-role`,
        {
            name: opts.roleName,
            description: `Execution role of the ${functionName} Lambda function (least privilege).`,
            assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", accountId),
            maxSessionDuration: 3600,
            tags: { ...tags, "e2ee:principal-role": opts.principal },
        },
        { parent },
    );

    const eniArn = pulumi.interpolate`arn:${partition}:ec2:${region}:${accountId}:network-interface/*`;
    const subnetArns = pulumi
        .all([pulumi.output(args.privateSubnetIds), partition, region, accountId])
        .apply(([ids, p, r, a]) => ids.map((id) => `arn:${p}:ec2:${r}:${a}:subnet/${id}`));
    const securityGroupArns = pulumi
        .all([pulumi.output(args.securityGroupIds), partition, region, accountId])
        .apply(([ids, p, r, a]) => ids.map((id) => `arn:${p}:ec2:${r}:${a}:security-group/${id}`));

    const statements: PolicyStatement[] = [
        {
            Sid: "WriteOwnLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: pulumi.interpolate`${logGroup.arn}:*`,
        },
        {
            // X-Ray trace APIs have no resource-level permissions.
            Sid: "WriteTraces",
            Effect: "Allow",
            Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            Resource: "*",
        },
        {
            // Describe* calls have no resource-level permissions.
            Sid: "DescribeVpcNetworking",
            Effect: "Allow",
            Action: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups"],
            Resource: "*",
        },
        {
            Sid: "CreateFunctionEnis",
            Effect: "Allow",
            Action: ["ec2:CreateNetworkInterface"],
            Resource: pulumi.all([eniArn, subnetArns, securityGroupArns]).apply(([e, s, g]) => [e, ...s, ...g]),
        },
        {
            Sid: "ManageFunctionEnis",
            Effect: "Allow",
            Action: ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
            Resource: eniArn,
        },
        {
            Sid: "SendToOwnDeadLetterQueue",
            Effect: "Allow",
            Action: ["sqs:SendMessage"],
            Resource: deadLetterQueue.arn,
        },
        {
            Sid: "EncryptDeadLetterMessages",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: args.queueKeyArn,
            Condition: { StringEquals: { "kms:ViaService": viaService("sqs", region) } },
        },
        ...opts.statements,
    ];

    const rolePolicy = new aws.iam.RolePolicy(
        `${childName}-policy`,
        {
            name: `${functionName}-least-privilege`,
            role: role.name,
            policy: policyDocument(statements),
        },
        { parent },
    );

    const code = (args.functionCode ?? defaultFunctionCode)(opts.fn);

    const fn = new aws.lambda.Function(
        `${childName}-function`,
        {
            name: functionName,
            description: opts.description,
            role: role.arn,
            runtime: LAMBDA_RUNTIME,
            handler: HANDLER,
            architectures: ["arm64"],
            code,
            memorySize: opts.memoryMb,
            timeout: opts.timeoutSeconds,
            reservedConcurrentExecutions: opts.reservedConcurrency,
            kmsKeyArn: args.envKeyArn,
            environment: { variables: opts.environment },
            vpcConfig: {
                subnetIds: args.privateSubnetIds,
                securityGroupIds: args.securityGroupIds,
            },
            deadLetterConfig: { targetArn: deadLetterQueue.arn },
            tracingConfig: { mode: "Active" },
            loggingConfig: { logFormat: "JSON", logGroup: logGroup.name, applicationLogLevel: "INFO", systemLogLevel: "WARN" },
            tags: { ...tags, "e2ee:function": opts.fn },
        },
        { parent, dependsOn: [rolePolicy, logGroup] },
    );

    return { functionName, role, rolePolicy, logGroup, deadLetterQueue, deadLetterQueuePolicy, function: fn };
}
