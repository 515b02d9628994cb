/**
 * The transform Lambda's contract: entry, environment, the S3 trigger filter, and the log
 * message the rejection alarm counts.
 */
import { RAW_SNAPSHOT_PREFIX } from "../lib/lake/layout";
import { requireEnv, type Env } from "./env";

export const TRANSFORM_HANDLER = { entry: "transform", exportName: "transformHandlerFromEnv" } as const;

export const TRANSFORM_ENV = {
  bucket: "LAKE_BUCKET",
  /** The Glue database whose declared tables receive the new partitions. */
  database: "GLUE_DATABASE",
  /** The compaction function, asked to compact a day again after a late re-transform of one of its playlists (issue 20). */
  compactFunction: "COMPACT_FUNCTION",
} as const;

export interface TransformEnv {
  bucket: string;
  database: string;
  /** Unset: no day is compacted again after a transform (a stack without the compactor, the benches). */
  compactFunction?: string;
}

export function parseTransformEnv(env: Env): TransformEnv {
  const compactFunction = env[TRANSFORM_ENV.compactFunction];
  return {
    bucket: requireEnv(env, TRANSFORM_ENV.bucket, "transform"),
    database: requireEnv(env, TRANSFORM_ENV.database, "transform"),
    ...(compactFunction ? { compactFunction } : {}),
  };
}

/**
 * A key as S3 writes it in event notifications and compares it with notification filters: each
 * path segment URL-encoded, a space as "+". S3 User Guide, "Configuring event notifications
 * using object key name filtering": special characters in a prefix or suffix "must be entered
 * in URL-encoded (percent-encoded) format", spaces as "+"; AWS Knowledge Center, "Why doesn't
 * my Amazon S3 event notification trigger my Lambda function?": "to define the value of a
 * prefix as "test=abc/", you would enter "test%3Dabc/"". So "raw_data/snapshot_date=" never
 * matches; "raw_data/snapshot_date%3D" does.
 */
export function s3NotificationKey(key: string): string {
  return key
    .split("/")
    .map((segment) => encodeURIComponent(segment).replace(/%20/g, "+"))
    .join("/");
}

/** The transform's S3 trigger: raw snapshots only (never what it writes), written as S3 matches it. */
export const TRANSFORM_TRIGGER = {
  events: ["s3:ObjectCreated:*"],
  filterPrefix: s3NotificationKey(RAW_SNAPSHOT_PREFIX),
  filterSuffix: ".json",
} as const;

/** Logged at error level with these messages, so log metric filters can count them. */
export const TRANSFORM_LOG = {
  rejected: "raw snapshot rejected",
  /** A record that failed for another reason than its content (storage): the event is retried. */
  failed: "raw snapshot not transformed",
  transformed: "raw snapshot transformed",
  /** A notification record that cannot be read (null, no key, bad URL encoding): reported, the others processed. */
  badRecord: "notification record unreadable",
  partitionsRegistered: "partitions registered",
  /** Days that were already compacted and got a re-transformed playlist: the compaction function was asked to compact them again. */
  recompactionRequested: "recompaction requested",
} as const;
