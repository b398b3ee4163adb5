/**
 * The arguments every layer takes (`LayerArgs`), those the layers that write logs add (`LoggingLayerArgs`), their
 * validation, and the account and partition a layer builds its ARNs from.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DataClassification } from "../../policies/conventions";
import { Tags } from "./tags";
import { checkClassification, checkLogRetentionDays, checkNamePrefix, required } from "./validate";

export interface LayerArgs {
    /**
     * Prefix of every physical name (keys' aliases, roles, functions, buckets, log groups), e.g. `e2ee-dev`:
     * 1-40 lower-case letters, digits or `-`, starting with a letter. Required.
     */
    readonly namePrefix: string;
    /** AWS region of the stack, e.g. `eu-west-1`. Required. */
    readonly region: string;
    /** AWS account id that ARNs and trust conditions name. Default: the caller's (`aws.getCallerIdentityOutput`). */
    readonly accountId?: pulumi.Input<string>;
    /** AWS partition of every ARN (`aws`, `aws-cn`, `aws-us-gov`). Default: the provider's (`aws.getPartitionOutput`). */
    readonly partition?: pulumi.Input<string>;
    /** Extra tags of every taggable resource. Default none. */
    readonly tags?: Tags;
}

export interface LoggingLayerArgs extends LayerArgs {
    /** ARN of the logs key (tag `e2ee:key-role: logs`) that encrypts every log group of the layer. Required. */
    readonly logsKeyArn: pulumi.Input<string>;
    /** Retention of every log group, in days: a value CloudWatch Logs accepts, at least 90. Default 365. */
    readonly logRetentionDays?: number;
}

/** `LayerArgs` once checked, defaults applied. */
export interface ValidLayerArgs {
    readonly namePrefix: string;
    readonly region: string;
    readonly tags: Tags;
}

/** `LoggingLayerArgs` once checked, defaults applied. */
export interface ValidLoggingArgs extends ValidLayerArgs {
    readonly logsKeyArn: pulumi.Input<string>;
    readonly logRetentionDays: number;
}

export function validateLayerArgs(component: string, args: LayerArgs | undefined): ValidLayerArgs {
    const a = required(component, "args", args);
    return { namePrefix: checkNamePrefix(component, a.namePrefix), region: required(component, "region", a.region), tags: a.tags ?? {} };
}

export function validateLoggingArgs(component: string, args: LoggingLayerArgs | undefined): ValidLoggingArgs {
    const base = validateLayerArgs(component, args);
    const a = args as LoggingLayerArgs;
    return { ...base, logsKeyArn: required(component, "logsKeyArn", a.logsKeyArn), logRetentionDays: checkLogRetentionDays(component, a.logRetentionDays) };
}

/** `dataClassification`, checked, or `fallback` when it is not given. */
export function validateClassification(component: string, value: DataClassification | undefined, fallback: DataClassification): DataClassification {
    return checkClassification(component, "dataClassification", value ?? fallback);
}

/** The account and partition a layer builds its ARNs from. */
export interface AccountEnvironment {
    readonly accountId: pulumi.Output<string>;
    readonly partition: pulumi.Output<string>;
}

/** The account and partition of `args`, or the provider's, asked by invokes parented to `layer`. */
export function accountEnvironment(layer: pulumi.Resource, args: LayerArgs): AccountEnvironment {
    return {
        accountId: args.accountId !== undefined ? pulumi.output(args.accountId) : aws.getCallerIdentityOutput({}, { parent: layer }).accountId,
        partition: args.partition !== undefined ? pulumi.output(args.partition) : aws.getPartitionOutput({}, { parent: layer }).partition,
    };
}

/** The `LoggingLayerArgs` a layer hands on to a component of its own: its validated values, account and partition. */
export function loggingArgsOf(layer: ValidLoggingArgs & AccountEnvironment): LoggingLayerArgs {
    const { namePrefix, region, accountId, partition, tags, logsKeyArn, logRetentionDays } = layer;
    return { namePrefix, region, accountId, partition, tags, logsKeyArn, logRetentionDays };
}
