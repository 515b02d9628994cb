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

/** The part of an S3 notification the transform reads (s3rver sends the same shape); a record may be anything. */
export interface S3NotificationEvent {
  Records?: ({ eventName?: string; s3?: { bucket?: { name?: string }; object?: { key?: string } } } | null)[];
}

export interface RawKeysFromEvent {
  keys: string[];
  /** Records that were not an object creation of a raw snapshot in our bucket, with why. */
  ignored: { key: string; why: string }[];
  /** Records that cannot be read at all (null, no key, a key that is not valid URL encoding): reported, never retried (they would fail the same way). */
  invalid: { record: number; why: string }[];
}

/** Created raw snapshot keys in the lake bucket, decoded, each once (S3 may deliver a record twice); one bad record never stops the others. */
export function rawKeysFromEvent(event: S3NotificationEvent, bucket: string): RawKeysFromEvent {
  const keys = new Set<string>();
  const ignored: RawKeysFromEvent["ignored"] = [];
  const invalid: RawKeysFromEvent["invalid"] = [];
  const records = Array.isArray(event?.Records) ? event.Records : [];
  for (const [index, record] of records.entries()) {
    const r = record ?? {};
    const rawKey = r.s3?.object?.key;
    if (typeof rawKey !== "string" || rawKey === "") {
      invalid.push({ record: index, why: `record ${index} has no s3.object.key: ${JSON.stringify(record)?.slice(0, 200)}` });
      continue;
    }
    let key: string;
    try {
      key = decodeS3Key(rawKey);
    } catch {
      invalid.push({ record: index, why: `record ${index}'s key ${JSON.stringify(rawKey.slice(0, 200))} is not URL-encoded as S3 writes keys` });
      continue;
    }
    if (!r.eventName?.startsWith("ObjectCreated")) ignored.push({ key, why: `event ${r.eventName ?? "(none)"} is not an object creation` });
    else if (r.s3?.bucket?.name !== bucket) ignored.push({ key, why: `bucket ${r.s3?.bucket?.name ?? "(none)"} is not the lake bucket ${bucket}` });
    else if (!parseRawSnapshotKey(key)) ignored.push({ key, why: "not a raw snapshot key" });
    else keys.add(key);
  }
  return { keys: [...keys], ignored, invalid };
}
