/**
 * Whether an object exists, by HeadObject, as S3 documents it (Amazon S3 API Reference,
 * HeadObject): a HEAD error has no body, so the SDK names a missing key "NotFound" (404). Without
 * s3:ListBucket on the bucket, S3 answers 403 Forbidden for a missing key too, so a 403 says the
 * credentials, not the pipeline, need a look.
 */
import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";

export interface ObjectSeen {
  lastModified: Date;
  /** What a copy of the object onto itself must repeat (CopyObject with MetadataDirective REPLACE sets them anew). */
  contentType?: string;
  metadata?: Record<string, string>;
}

export class S3AccessDenied extends Error {
  constructor(bucket: string, key: string) {
    super(
      `S3 answered 403 Forbidden for s3://${bucket}/${key}: your credentials need s3:GetObject and s3:ListBucket on ${bucket} ` +
        "(without s3:ListBucket S3 answers 403, not 404, for a key that does not exist yet).",
    );
    this.name = "S3AccessDenied";
  }
}

/** The object's Last-Modified, or undefined while it does not exist. */
export async function headObject(s3: S3Client, bucket: string, key: string): Promise<ObjectSeen | undefined> {
  try {
    const out = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { lastModified: out.LastModified ?? new Date(0), contentType: out.ContentType, metadata: out.Metadata };
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const name = (err as { name?: string }).name;
    if (name === "NotFound" || name === "NoSuchKey" || status === 404) return undefined;
    if (status === 403 || name === "Forbidden" || name === "AccessDenied") throw new S3AccessDenied(bucket, key);
    throw err;
  }
}
