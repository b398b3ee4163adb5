/**
 * AWS implementation of ObjectStore. The handlers create the SDK client from the environment (contract.ts); every
 * call goes over HTTPS (SDK default), through VPC endpoints when the function runs in a VPC.
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ObjectNotFoundError } from "../errors";
import { ListResult, ObjectStore } from "./ports";

export interface S3ObjectStoreOptions {
    /**
     * Customer-managed KMS key of the bucket's SSE-KMS (the storage key). Uploads name it explicitly: the bucket policy
     * denies `PutObject` without `x-amz-server-side-encryption: aws:kms`, and an upload that says `aws:kms` without a
     * key id would be encrypted under the AWS-managed `aws/s3` key instead. Required for `put`.
     */
    readonly sseKmsKeyId?: string;
}

function isNotFound(err: unknown): boolean {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    return e?.name === "NoSuchKey" || e?.name === "NotFound" || e?.$metadata?.httpStatusCode === 404;
}

export class S3ObjectStore implements ObjectStore {
    constructor(
        private readonly bucket: string,
        private readonly client: Pick<S3Client, "send"> = new S3Client({}),
        private readonly options: S3ObjectStoreOptions = {},
    ) {}

    async put(key: string, body: Buffer, metadata: Readonly<Record<string, string>> = {}): Promise<void> {
        const keyId = this.options.sseKmsKeyId;
        if (!keyId) {
            throw new Error(`S3ObjectStore: uploading to ${this.bucket} needs the bucket's SSE-KMS key id (sseKmsKeyId)`);
        }
        // SSE-KMS with the storage key, on top of the envelopes (defence in depth), with an S3 Bucket Key so S3 asks
        // KMS for a key per bucket and period, not per object.
        await this.client.send(
            new PutObjectCommand({
                Bucket: this.bucket,
                Key: key,
                Body: body,
                ContentType: "application/octet-stream",
                Metadata: { ...metadata },
                ServerSideEncryption: "aws:kms",
                SSEKMSKeyId: keyId,
                BucketKeyEnabled: true,
            }),
        );
    }

    async get(key: string): Promise<Buffer> {
        let out;
        try {
            out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        } catch (err) {
            if (isNotFound(err)) {
                throw new ObjectNotFoundError(key);
            }
            throw err;
        }
        if (!out.Body) {
            throw new Error(`S3 object ${key} has no body`);
        }
        return Buffer.from(await out.Body.transformToByteArray());
    }

    async exists(key: string): Promise<boolean> {
        try {
            await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
            return true;
        } catch (err) {
            if (isNotFound(err)) {
                return false;
            }
            throw err;
        }
    }

    async list(prefix: string, startAfter?: string, maxKeys = 1000): Promise<ListResult> {
        const out = await this.client.send(
            new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, StartAfter: startAfter, MaxKeys: maxKeys }),
        );
        return { keys: (out.Contents ?? []).map((c) => c.Key ?? "").filter((k) => k !== ""), truncated: out.IsTruncated === true };
    }
}
