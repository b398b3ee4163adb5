import { s3BucketDeniesInsecureTransport } from "./s3BucketDeniesInsecureTransport";
import { s3BucketPublicAccessBlocked } from "./s3BucketPublicAccessBlocked";
import { s3BucketRequiresTls13 } from "./s3BucketRequiresTls13";
import { s3BucketVersioningEnabled } from "./s3BucketVersioningEnabled";

export const rules = [s3BucketPublicAccessBlocked, s3BucketDeniesInsecureTransport, s3BucketRequiresTls13, s3BucketVersioningEnabled];
