/**
 * When the transform never ran for a snapshot landed right after the first `pulumi up`: S3 User
 * Guide, "Using Amazon SQS, Amazon SNS, and Lambda" (event notifications): "After you create or
 * change the bucket notification configuration, it usually takes about five minutes for the
 * changes to take effect." A raw snapshot written in that window triggers nothing, and that
 * day's partition would stay missing. A careful operator lands it again once the trigger is live:
 * a copy of the object onto itself is a new ObjectCreated event (s3:ObjectCreated:Copy, which
 * the transform's s3:ObjectCreated:* trigger takes) with the same bytes. The lake is versioned,
 * so the first version stays too: nothing is lost or changed.
 *
 * S3 API Reference, CopyObject: x-amz-copy-source is "URL-encoded"; copying an object onto itself
 * is refused unless something changes ("This copy request is illegal because it is trying to copy
 * an object to itself without changing the object's metadata..."), so the copy says
 * MetadataDirective REPLACE and repeats the object's own content type and metadata.
 */
import { CopyObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { headObject, type ObjectSeen } from "./headObject";

/** The S3 notification's documented delay, for messages. */
export const NOTIFICATION_DELAY_TEXT = 'S3 says a new or changed event notification "usually takes about five minutes" to take effect';

export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
}

/** Copies the raw snapshot onto itself and returns how S3 now sees it (its new Last-Modified). */
export async function relandRawSnapshot(s3: S3Client, bucket: string, key: string, seen: ObjectSeen): Promise<ObjectSeen> {
  await s3.send(
    new CopyObjectCommand({
      Bucket: bucket,
      Key: key,
      CopySource: copySource(bucket, key),
      MetadataDirective: "REPLACE",
      ...(seen.contentType ? { ContentType: seen.contentType } : {}),
      ...(seen.metadata ? { Metadata: seen.metadata } : {}),
    }),
  );
  const after = await headObject(s3, bucket, key);
  if (!after) throw new Error(`s3://${bucket}/${key} is gone after copying it onto itself.`);
  return after;
}
