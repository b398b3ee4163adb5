/**
 * A private, versioned, KMS-encrypted, TLS-1.3-only S3 bucket built from @pulumi/aws v7's separate resources
 * (Bucket + BucketServerSideEncryptionConfiguration + BucketVersioning + BucketPublicAccessBlock +
 * BucketOwnershipControls + BucketPolicy). Not a ComponentResource: every resource is a child of `parent`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Statement, policyDocument, tlsOnlyBucketStatements } from "./policy";

export interface SecureBucketOptions {
    /** Explicit bucket name; default: auto-named from the logical name. */
    readonly bucketName?: pulumi.Input<string>;
    /** AWS partition of the bucket's ARN. */
    readonly partition: pulumi.Input<string>;
    /** Customer-managed KMS key of the default encryption (SSE-KMS, bucket key enabled). */
    readonly kmsKeyArn: pulumi.Input<string>;
    readonly tags: Record<string, string>;
    /** Statements added to the bucket policy after the TLS denies (given the bucket ARN). */
    readonly extraStatements?: (bucketArn: pulumi.Output<string>) => Statement[];
}

export interface SecureBucket {
    readonly bucket: aws.s3.Bucket;
    readonly encryption: aws.s3.BucketServerSideEncryptionConfiguration;
    readonly versioning: aws.s3.BucketVersioning;
    readonly publicAccessBlock: aws.s3.BucketPublicAccessBlock;
    readonly ownershipControls: aws.s3.BucketOwnershipControls;
    readonly policy: aws.s3.BucketPolicy;
}

export function createSecureBucket(name: string, options: SecureBucketOptions, parent: pulumi.Resource): SecureBucket {
    const bucket = new aws.s3.Bucket(
        name,
        {
            ...(options.bucketName !== undefined ? { bucket: options.bucketName } : {}),
            forceDestroy: false,
            tags: options.tags,
        },
        { parent },
    );
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
        `${name}-encryption`,
        {
            bucket: bucket.id,
            rules: [
                {
                    applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: options.kmsKeyArn },
                    bucketKeyEnabled: true,
                },
            ],
        },
        { parent },
    );
    const versioning = new aws.s3.BucketVersioning(
        `${name}-versioning`,
        { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
        { parent },
    );
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
        `${name}-public-access-block`,
        {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        },
        { parent },
    );
    const ownershipControls = new aws.s3.BucketOwnershipControls(
        `${name}-ownership`,
        { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
        { parent },
    );
    // With an explicit name the ARN is known before deployment, so the policy can be checked during preview.
    const bucketArn = options.bucketName !== undefined ? pulumi.interpolate`arn:${options.partition}:s3:::${options.bucketName}` : bucket.arn;
    const policy = new aws.s3.BucketPolicy(
        `${name}-policy`,
        {
            bucket: bucket.id,
            policy: policyDocument([...tlsOnlyBucketStatements(bucketArn), ...(options.extraStatements?.(bucketArn) ?? [])]),
        },
        // Applied after the public access block so a policy can never be evaluated against an open bucket.
        { parent, dependsOn: [publicAccessBlock] },
    );
    return { bucket, encryption, versioning, publicAccessBlock, ownershipControls, policy };
}
