/**
 * A private, versioned, KMS-encrypted, TLS-1.3-only S3 bucket built from @pulumi/aws v7's separate resources
 * (Bucket + BucketServerSideEncryptionConfiguration + BucketVersioning + BucketPublicAccessBlock +
 * BucketOwnershipControls + BucketPolicy). Not a ComponentResource: every resource is a child of `parent`.
 *
 * `uniqueBucketName` gives a bucket a globally unique name of its own: `<base>-<8 hex digits>` from a
 * `random.RandomId` kept in the stack's state.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Statement, policyDocument, tlsOnlyBucketStatements } from "./policy";

/**
 * `<base>-<8 hex digits>`: S3 bucket names are global, so a name built only from the stack and the account could be
 * taken by anyone first (another account, or this one in another region) and would be guessable; the suffix is a
 * `random.RandomId` (logical name `<name>-suffix`, a child of `parent`), generated once and kept in the stack's state.
 * `base` must leave room for it (at most 54 characters).
 */
export function uniqueBucketName(name: string, base: string, parent: pulumi.Resource): pulumi.Output<string> {
    if (!/^[a-z0-9][a-z0-9.-]{1,53}$/.test(base)) {
        throw new Error(`uniqueBucketName: base "${base}" must be 2-54 lower-case letters, digits, "." or "-" (the suffix takes 9 of S3's 63 characters)`);
    }
    const suffix = new random.RandomId(`${name}-suffix`, { byteLength: 4 }, { parent });
    return pulumi.interpolate`${base}-${suffix.hex}`;
}

export interface SecureBucketOptions {
    /** Explicit bucket name; default: auto-named from the logical name. */
    readonly bucketName?: pulumi.Input<string>;
    /**
     * Keep the name the bucket has once created, whatever `bucketName` says later (`ignoreChanges: ["bucket"]`): a
     * bucket cannot be renamed, only replaced, which would lose its objects. A stack deployed before its name changed
     * (e.g. before `uniqueBucketName`) keeps its bucket; every ARN is then read from the bucket itself. Default false.
     */
    readonly keepDeployedName?: boolean;
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
        { parent, ...(options.keepDeployedName === true ? { ignoreChanges: ["bucket"] } : {}) },
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
    // With an explicit name that the bucket keeps, the ARN is known as soon as the name is (a fixed name: before
    // deployment, so the policy can be checked during preview); a bucket that may keep another name is read.
    const bucketArn =
        options.bucketName !== undefined && options.keepDeployedName !== true ? pulumi.interpolate`arn:${options.partition}:s3:::${options.bucketName}` : bucket.arn;
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
