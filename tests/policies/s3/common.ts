import { StackResourceInput, UNKNOWN } from "../harness";

export const BUCKET = "aws:s3/bucket:Bucket";

export const bucket = (name: string, props: Record<string, unknown> = { bucket: `e2ee-${name}` }): StackResourceInput => ({ type: BUCKET, name, props });

/** A setting resource created as `bucket: b.id` during preview (unknown value, property dependency on the bucket). */
export const settingFor = (type: string, b: string, props: Record<string, unknown>, suffix: string): StackResourceInput => ({
    type,
    name: `${b}-${suffix}`,
    props: { bucket: UNKNOWN.string, ...props },
    propertyDependencies: { bucket: [b] },
});
