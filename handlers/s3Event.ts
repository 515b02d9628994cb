/**
 * Reading S3 notifications: which lake keys an event names, decoded as S3 encodes them
 * (URL-encoded, spaces as "+"; S3 User Guide, "Event message structure": "The s3 key provides
 * information about the bucket and object involved in the event. The object key name value is
 * URL encoded"). The trigger filter itself is in contracts/transform.ts.
 */
import { parseRawSnapshotKey } from "../lib/lake/layout";

/** S3 writes keys URL-encoded with "+" for a space: "+" first, then the %XX escapes. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}

/** The part of an S3 notification the transform reads (s3rver sends the same shape). */
export interface S3NotificationEvent {
  Records?: { eventName?: string; s3?: { bucket?: { name?: string }; object?: { key?: string } } }[];
}

export interface RawKeysFromEvent {
  keys: string[];
  /** Records that were not an object creation of a raw snapshot in our bucket, with why. */
  ignored: { key: string; why: string }[];
}

/** Created raw snapshot keys in the lake bucket, decoded, each once (S3 may deliver a record twice). */
export function rawKeysFromEvent(event: S3NotificationEvent, bucket: string): RawKeysFromEvent {
  const keys = new Set<string>();
  const ignored: RawKeysFromEvent["ignored"] = [];
  for (const record of event.Records ?? []) {
    const rawKey = record.s3?.object?.key ?? "";
    const key = decodeS3Key(rawKey);
    if (!record.eventName?.startsWith("ObjectCreated")) ignored.push({ key, why: `event ${record.eventName ?? "(none)"} is not an object creation` });
    else if (record.s3?.bucket?.name !== bucket) ignored.push({ key, why: `bucket ${record.s3?.bucket?.name ?? "(none)"} is not the lake bucket ${bucket}` });
    else if (!parseRawSnapshotKey(key)) ignored.push({ key, why: "not a raw snapshot key" });
    else keys.add(key);
  }
  return { keys: [...keys], ignored };
}
