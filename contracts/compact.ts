/**
 * The compaction Lambda's contract: entry, environment, and the event it takes. It runs on the
 * extraction's daily schedule (a second target of the same EventBridge rule) and compacts the day
 * before the event's day, whose extraction window closed a day ago; an event may also name the
 * days to compact (after a late re-transform: {"snapshotDates": ["2026-11-20"]}).
 */
import { assertSnapshotDate } from "../lib/lake/layout";
import { requireEnv, type Env } from "./env";

export const COMPACT_HANDLER = { entry: "compact", exportName: "compactHandlerFromEnv" } as const;

export const COMPACT_ENV = {
  bucket: "LAKE_BUCKET",
  /** The Glue database whose partitions are switched to the compacted folders. */
  database: "GLUE_DATABASE",
} as const;

export interface CompactEnv {
  bucket: string;
  database: string;
}

export function parseCompactEnv(env: Env): CompactEnv {
  return { bucket: requireEnv(env, COMPACT_ENV.bucket, "compact"), database: requireEnv(env, COMPACT_ENV.database, "compact") };
}

/**
 * What the function is invoked with: EventBridge's scheduled event (EventBridge user guide,
 * "Amazon EventBridge events": a scheduled event carries the time it fired in "time", ISO 8601
 * UTC), or the days to compact.
 */
export type CompactEvent = { time?: string; snapshotDates?: string[] };

export const COMPACT_LOG = { compacted: "day compacted", single: "day left as it is (one playlist)", failed: "day not compacted" } as const;

/** The days an event asks for: its snapshotDates, or the day before the scheduled event's day. */
export function compactDatesOf(event: CompactEvent, now: Date = new Date()): string[] {
  if (event.snapshotDates !== undefined) {
    if (!Array.isArray(event.snapshotDates) || event.snapshotDates.length === 0) throw new Error('"snapshotDates" must be a non-empty list of YYYY-MM-DD dates, e.g. {"snapshotDates": ["2026-11-20"]}.');
    return [...new Set(event.snapshotDates.map(assertSnapshotDate))].sort();
  }
  const fired = event.time !== undefined ? new Date(event.time) : now;
  if (Number.isNaN(fired.getTime())) throw new Error(`The event's time "${event.time}" is not an ISO 8601 date and time.`);
  return [new Date(fired.getTime() - 86_400_000).toISOString().slice(0, 10)];
}
