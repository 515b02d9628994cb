/**
 * S3's rule for event notification filters, as documented, to test the declared filter against
 * the keys the pipeline really writes:
 * - S3 User Guide, "Configuring event notifications using object key name filtering": "If your
 *   prefix or suffix contains a space, you must replace it with the "+" character. If you use
 *   any other special characters in the value of the prefix or suffix, you must enter them in
 *   URL-encoded (percent-encoded) format." A wildcard "*" is not a wildcard.
 * - AWS Knowledge Center, "Why doesn't my Amazon S3 event notification trigger my Lambda
 *   function?": special characters (including "=", "$", "&", "+", ",", ":", ";", "?", "@", space)
 *   must be entered URL-encoded: "to define the value of a prefix as "test=abc/", you would
 *   enter "test%3Dabc/"".
 * - S3 User Guide, "Naming Amazon S3 objects", section "Safe characters": 0-9 a-z A-Z and
 *   ! - _ . * ' ( ) and the "/" delimiter need no encoding.
 * So S3 matches a filter against the key written that way; this is written from those pages, not
 * from contracts/transform.ts, so the two can disagree and the test catch it.
 */
const SAFE = /[0-9A-Za-z!\-_.*'()/]/;

/** A key as S3 writes it in notifications and compares it with filters. */
export function s3EncodedKey(key: string): string {
  let out = "";
  for (const ch of key) {
    if (ch === " ") out += "+";
    else if (SAFE.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, "utf8")) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

export interface NotificationFilter {
  filterPrefix?: string;
  filterSuffix?: string;
}

/** Does S3 send a notification for an object created under `key` to a target with this filter? */
export function s3FilterMatches(filter: NotificationFilter, key: string): boolean {
  const encoded = s3EncodedKey(key);
  return encoded.startsWith(filter.filterPrefix ?? "") && encoded.endsWith(filter.filterSuffix ?? "");
}
