/**
 * The pipeline's Lambda functions: the arguments the layers that run them share (`FunctionLayerArgs`) and
 * `createPipelineFunction`, which creates one function with its own least-privilege role, its own encrypted log
 * group and its own KMS-encrypted dead-letter queue, as children of the calling layer.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { FunctionName, HANDLER } from "../../functions/src/contract";
import { bundleFunction } from "../../functions/build";
import { DataClassification, PrincipalRole } from "../../policies/conventions";
import { AccountEnvironment, LoggingLayerArgs, ValidLoggingArgs, validateClassification, validateLoggingArgs } from "./layer";
import { Statement, deadLetterStatements, denyInsecureTransport, policyDocument } from "./policy";
import { PrincipalRoleSpec, principalRoleArgs } from "./principal";
import { FUNCTION_TAG, Tags, layerTags, storeTags } from "./tags";
import { checkInt, required, requireNonEmptyList } from "./validate";

/** The Lambda runtime of every pipeline function (current; `nodejs20.x` is deprecated). */
export const LAMBDA_RUNTIME: aws.lambda.Runtime = aws.lambda.Runtime.NodeJS22dX;

/** The explicit Lambda function name of a pipeline function. */
export function pipelineFunctionName(namePrefix: string, fn: FunctionName): string {
    return `${namePrefix}-${fn}`;
}

/** The Lambda archive of a function: the esbuild bundle directory of functions/build.ts. */
export function defaultFunctionCode(fn: FunctionName): pulumi.asset.Archive {
    return new pulumi.asset.FileArchive(bundleFunction(fn));
}

/** How a layer sizes its function; each layer documents its defaults. */
export interface FunctionSizing {
    /** Reserved concurrency of the function, 1-1000. */
    readonly reservedConcurrency: number;
    /** Timeout of the function in seconds, from 1 to the layer's maximum (29 behind API Gateway, 900 otherwise). */
    readonly timeoutSeconds: number;
    /** Memory of the function in MB, 128-10240. */
    readonly memoryMb: number;
}

/** Arguments shared by the layers that run Lambda functions (ingestion, processing, serving). */
export interface FunctionLayerArgs extends LoggingLayerArgs, Partial<FunctionSizing> {
    /** Private subnets the functions run in (`vpcConfig`). Required, non-empty. */
    readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Security groups of the functions (egress only to the VPC endpoints). Required, non-empty. */
    readonly securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Customer-managed KMS key that encrypts the functions' environment variables (`kmsKeyArn`). Required. */
    readonly envKeyArn: pulumi.Input<string>;
    /** Customer-managed KMS key of the dead-letter queues (`kmsMasterKeyId`), e.g. the storage key. Required. */
    readonly queueKeyArn: pulumi.Input<string>;
    /** `data-classification` of the layer's data stores (log groups, queues, streams). Default `confidential`. */
    readonly dataClassification?: DataClassification;
    /**
     * The Lambda archive of a function. Default: `new pulumi.asset.FileArchive(bundleFunction(fn))`
     * (functions/build.ts). Tests pass a small AssetArchive instead.
     */
    readonly functionCode?: (fn: FunctionName) => pulumi.asset.Archive;
}

/** `FunctionLayerArgs` once checked, defaults applied. */
export interface ValidFunctionLayerArgs extends ValidLoggingArgs {
    readonly dataClassification: DataClassification;
    readonly sizing: FunctionSizing;
}

/** Checks the arguments every function layer takes and applies the defaults, the layer's sizing `defaults` among them. */
export function validateFunctionLayerArgs(
    component: string,
    args: FunctionLayerArgs | undefined,
    defaults: FunctionSizing & { readonly maxTimeoutSeconds: number },
): ValidFunctionLayerArgs {
    const logging = validateLoggingArgs(component, args);
    const a = args as FunctionLayerArgs;
    const dataClassification = validateClassification(component, a.dataClassification, "confidential");
    requireNonEmptyList(component, "privateSubnetIds", a.privateSubnetIds);
    requireNonEmptyList(component, "securityGroupIds", a.securityGroupIds);
    required(component, "envKeyArn", a.envKeyArn);
    required(component, "queueKeyArn", a.queueKeyArn);
    const sizing = {
        reservedConcurrency: checkInt(component, "reservedConcurrency", a.reservedConcurrency ?? defaults.reservedConcurrency, 1, 1000),
        timeoutSeconds: checkInt(component, "timeoutSeconds", a.timeoutSeconds ?? defaults.timeoutSeconds, 1, defaults.maxTimeoutSeconds),
        memoryMb: checkInt(component, "memoryMb", a.memoryMb ?? defaults.memoryMb, 128, 10240),
    };
    return { ...logging, dataClassification, sizing };
}

/** What a layer tells `createPipelineFunction` about itself. */
export interface FunctionLayer extends ValidFunctionLayerArgs, AccountEnvironment {
    /** The layer component, parent of every resource created. */
    readonly parent: pulumi.Resource;
    /** Its name, prefix of the children's names. */
    readonly name: string;
    /** `e2ee:layer` tag. */
    readonly layer: string;
    readonly args: FunctionLayerArgs;
}

/** Options of one pipeline Lambda function. */
export interface PipelineFunctionOptions {
    /** Which function of the contract (selects the bundle and the default name). */
    readonly fn: FunctionName;
    /** The execution role, created beforehand (the recipient's, which the records key policy names). Default: a role created here. */
    readonly role?: aws.iam.Role;
    /** `e2ee:principal-role` of the role created here (ignored when `role` is given). */
    readonly principal: PrincipalRole;
    /** Environment variables (none of them is a secret; encrypted with `envKeyArn` anyway). */
    readonly environment: Record<string, pulumi.Input<string>>;
    /** The function's own permissions, beyond logs, tracing, VPC networking and its dead-letter queue. */
    readonly statements: readonly Statement[];
    readonly description: string;
}

/** What `createPipelineFunction` creates (or, for the role, uses). */
export interface PipelineFunction {
    readonly functionName: string;
    readonly role: aws.iam.Role;
    readonly rolePolicy: aws.iam.RolePolicy;
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly deadLetterQueue: aws.sqs.Queue;
    readonly deadLetterQueuePolicy: aws.sqs.QueuePolicy;
    readonly function: aws.lambda.Function;
}

/** Description of a pipeline function's execution role. */
export function functionRoleDescription(namePrefix: string, fn: FunctionName): string {
    return `Execution role of the ${pipelineFunctionName(namePrefix, fn)} Lambda function (least privilege).`;
}

/** The role of a pipeline function: `principal`'s, assumed by Lambda for this account only. */
export function functionRoleSpec(namePrefix: string, fn: FunctionName, principal: PrincipalRole, layer: string, accountId: pulumi.Input<string>, tags?: Tags): PrincipalRoleSpec {
    return {
        namePrefix,
        principal,
        layer,
        description: functionRoleDescription(namePrefix, fn),
        trust: { service: "lambda.amazonaws.com" },
        accountId,
        ...(tags !== undefined ? { tags } : {}),
    };
}

/**
 * Creates one Lambda function in the private subnets with: its own role (explicit name, tag
 * `e2ee:principal-role`) unless one is given, one inline policy scoped to exact resources, an encrypted log group,
 * a dead-letter queue encrypted with a customer-managed key (TLS-only queue policy), env encryption with a CMK,
 * reserved concurrency and active tracing.
 */
export function createPipelineFunction(layer: FunctionLayer, opts: PipelineFunctionOptions): PipelineFunction {
    const { parent, args, partition, region, accountId, namePrefix } = layer;
    const functionName = pipelineFunctionName(namePrefix, opts.fn);
    const tags = layerTags(layer.tags, layer.layer);
    const dataTags = storeTags(layer.tags, layer.layer, layer.dataClassification);
    const childName = `${layer.name}-${opts.fn}`;

    const logGroup = new aws.cloudwatch.LogGroup(
        `${childName}-logs`,
        { name: `/aws/lambda/${functionName}`, kmsKeyId: layer.logsKeyArn, retentionInDays: layer.logRetentionDays, tags: dataTags },
        { parent },
    );

    const deadLetterQueue = new aws.sqs.Queue(
        `${childName}-dlq`,
        {
            name: `${functionName}-dlq`,
            kmsMasterKeyId: args.queueKeyArn,
            kmsDataKeyReusePeriodSeconds: 300,
            messageRetentionSeconds: 1209600,
            tags: dataTags,
        },
        { parent },
    );

    const deadLetterQueuePolicy = new aws.sqs.QueuePolicy(
        `${childName}-dlq-policy`,
        { queueUrl: deadLetterQueue.url, policy: policyDocument([denyInsecureTransport("sqs:*", deadLetterQueue.arn)]) },
        { parent },
    );

    const role =
        opts.role ?? new aws.iam.Role(`${childName}-role`, principalRoleArgs(functionRoleSpec(namePrefix, opts.fn, opts.principal, layer.layer, accountId, layer.tags)), { parent });

    const eniArn = pulumi.interpolate`arn:${partition}:ec2:${region}:${accountId}:network-interface/*`;
    const subnetArns = pulumi
        .all([pulumi.output(args.privateSubnetIds), partition, accountId])
        .apply(([ids, p, a]) => ids.map((id) => `arn:${p}:ec2:${region}:${a}:subnet/${id}`));
    const securityGroupArns = pulumi
        .all([pulumi.output(args.securityGroupIds), partition, accountId])
        .apply(([ids, p, a]) => ids.map((id) => `arn:${p}:ec2:${region}:${a}:security-group/${id}`));

    const statements: Statement[] = [
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
        ...deadLetterStatements("SendToOwnDeadLetterQueue", deadLetterQueue.arn, args.queueKeyArn, region),
        ...opts.statements,
    ];

    const rolePolicy = new aws.iam.RolePolicy(
        `${childName}-policy`,
        { name: `${functionName}-least-privilege`, role: role.name, policy: policyDocument(statements) },
        { parent },
    );

    const fn = new aws.lambda.Function(
        `${childName}-function`,
        {
            name: functionName,
            description: opts.description,
            role: role.arn,
            runtime: LAMBDA_RUNTIME,
            handler: HANDLER,
            architectures: ["arm64"],
            code: (args.functionCode ?? defaultFunctionCode)(opts.fn),
            memorySize: layer.sizing.memoryMb,
            timeout: layer.sizing.timeoutSeconds,
            reservedConcurrentExecutions: layer.sizing.reservedConcurrency,
            kmsKeyArn: args.envKeyArn,
            environment: { variables: opts.environment },
            vpcConfig: { subnetIds: args.privateSubnetIds, securityGroupIds: args.securityGroupIds },
            deadLetterConfig: { targetArn: deadLetterQueue.arn },
            tracingConfig: { mode: "Active" },
            loggingConfig: { logFormat: "JSON", logGroup: logGroup.name, applicationLogLevel: "INFO", systemLogLevel: "WARN" },
            tags: { ...tags, [FUNCTION_TAG]: opts.fn },
        },
        { parent, dependsOn: [rolePolicy, logGroup] },
    );

    return { functionName, role, rolePolicy, logGroup, deadLetterQueue, deadLetterQueuePolicy, function: fn };
}
