/**
 * AWS implementation of ObjectStore. The SDK clients are created lazily by the handlers from the environment
 * (contract.ts); every call goes over HTTPS (SDK default), through VPC endpoints when the function runs in a VPC.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ListResult, ObjectStore } from "./ports";

export class S3ObjectStore implements ObjectStore {
    constructor(
        private readonly bucket: string,
        private readonly client: Pick<S3Client, "send"> = new S3Client({}),
    ) {}

    async put(key: string, body: Buffer, metadata: Readonly<Record<string, string>> = {}): Promise<void> {
        // Server-side encryption is the bucket default (SSE-KMS with the storage key), on top of the envelopes.
        await this.client.send(
            new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: "application/octet-stream", Metadata: { ...metadata } }),
        );
    }

    async get(key: string): Promise<Buffer> {
        const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        if (!out.Body) {
            throw new Error(`S3 object ${key} has no body`);
        }
        return Buffer.from(await out.Body.transformToByteArray());
    }

    async list(prefix: string, startAfter?: string, maxKeys = 1000): Promise<ListResult> {
        const out = await this.client.send(
            new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, StartAfter: startAfter, MaxKeys: maxKeys }),
        );
        return { keys: (out.Contents ?? []).map((c) => c.Key ?? "").filter((k) => k !== ""), truncated: out.IsTruncated === true };
    }
}
