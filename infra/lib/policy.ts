/**
 * IAM, KMS and resource policy documents. Statements are plain objects whose leaves may be Pulumi Inputs;
 * `policyDocument` resolves them into the JSON document AWS expects.
 */
import * as pulumi from "@pulumi/pulumi";

/** One string or a list of them, any of which may be an Input. */
export type Strings = pulumi.Input<string> | readonly pulumi.Input<string>[] | pulumi.Output<string[]>;

export interface Statement {
    readonly Sid: string;
    readonly Effect: "Allow" | "Deny";
    readonly Principal?: "*" | Readonly<Record<string, Strings>>;
    readonly Action: string | readonly string[];
    /** Omitted only in trust policies. */
    readonly Resource?: Strings;
    readonly Condition?: Readonly<Record<string, Readonly<Record<string, Strings>>>>;
}

/** A JSON policy document (Version 2012-10-17) from statements; Inputs are resolved. */
export function policyDocument(statements: readonly Statement[]): pulumi.Output<string> {
    return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
}

/** `arn:<partition>:iam::<account>:role/<name>`: known before deployment when its parts are. */
export function roleArn(partition: pulumi.Input<string>, accountId: pulumi.Input<string>, roleName: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.interpolate`arn:${partition}:iam::${accountId}:role/${roleName}`;
}

/** `arn:<partition>:iam::<account>:root`: the account, to which a key policy may delegate. */
export function accountRootArn(partition: pulumi.Input<string>, accountId: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.interpolate`arn:${partition}:iam::${accountId}:root`;
}

/** `kms:ViaService` value of a service in the region, e.g. `s3.eu-west-1.amazonaws.com`. */
export function viaService(service: string, region: string): string {
    return `${service}.${region}.amazonaws.com`;
}

/**
 * What a principal needs to send to its SQS dead-letter queue: SendMessage on the queue (statement `sendSid`) and
 * the queue key's GenerateDataKey and Decrypt through SQS only (`EncryptDeadLetterMessages`).
 */
export function deadLetterStatements(sendSid: string, queueArn: pulumi.Input<string>, queueKeyArn: pulumi.Input<string>, region: string): Statement[] {
    return [
        { Sid: sendSid, Effect: "Allow", Action: ["sqs:SendMessage"], Resource: queueArn },
        {
            Sid: "EncryptDeadLetterMessages",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: queueKeyArn,
            Condition: { StringEquals: { "kms:ViaService": viaService("sqs", region) } },
        },
    ];
}

/** Trust policy letting an AWS service assume a role on behalf of this account only (confused deputy). */
export function serviceTrustPolicy(service: string, accountId: pulumi.Input<string>): pulumi.Output<string> {
    return policyDocument([
        {
            Sid: "AssumeByService",
            Effect: "Allow",
            Principal: { Service: service },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        },
    ]);
}

/** Resource policy statement refusing `action` on `resource` over plain HTTP. */
export function denyInsecureTransport(action: string, resource: Strings): Statement {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: action,
        Resource: resource,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}

/** Bucket policy statements every bucket of this program carries: deny plain HTTP and deny TLS older than 1.3. */
export function tlsOnlyBucketStatements(bucketArn: pulumi.Input<string>): Statement[] {
    const resources = [bucketArn, pulumi.interpolate`${bucketArn}/*`];
    return [
        denyInsecureTransport("s3:*", resources),
        {
            Sid: "DenyTlsOlderThan13",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: resources,
            Condition: { NumericLessThan: { "s3:TlsVersion": "1.3" } },
        },
    ];
}
