/**
 * The reason the transform wrote beside a rejected raw snapshot (lib/transform's RejectionRecord),
 * read so that the failure shows it; undefined when it cannot be read (the hint still names the file).
 */
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { RejectionRecord } from "../lib/transform/transformObject";

export async function readRejectionReason(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = (await out.Body?.transformToString("utf-8")) ?? "";
    const record = JSON.parse(text) as Partial<RejectionRecord>;
    return typeof record.reason === "string" ? record.reason.slice(0, 500) : undefined;
  } catch {
    return undefined;
  }
}
