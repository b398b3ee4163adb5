/**
 * IAM / KMS / resource policy documents used by infra-A's layers (keys, network, storage, monitoring).
 * Statements are plain objects whose leaves may be Pulumi Inputs; `toJson` resolves them.
 */
import * as pulumi from "@pulumi/pulumi";

export type Strings = pulumi.Input<string> | pulumi.Input<string>[];

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
export function toJson(statements: readonly Statement[]): pulumi.Output<string> {
    return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
}

/** `arn:aws:iam::<account>:role/<name>`. */
export function roleArn(accountId: pulumi.Input<string>, roleName: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.interpolate`arn:aws:iam::${accountId}:role/${roleName}`;
}

/** Trust policy letting an AWS service assume a role on behalf of this account only (confused deputy). */
export function serviceAssumeRolePolicy(service: string, accountId: pulumi.Input<string>): pulumi.Output<string> {
    return toJson([
        {
            Sid: "AssumeByService",
            Effect: "Allow",
            Principal: { Service: service },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        },
    ]);
}

/**
 * Bucket policy statements every bucket of this program carries: deny plain HTTP and deny TLS older than 1.3.
 */
export function tlsOnlyBucketStatements(bucketArn: pulumi.Input<string>): Statement[] {
    const resources = [bucketArn, pulumi.interpolate`${bucketArn}/*`];
    return [
        {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: resources,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
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
