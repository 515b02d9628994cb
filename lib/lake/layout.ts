/**
 * The lake's key layout: the one place that knows where raw snapshots, rejected inputs
 * and table files live. Used by the extractor, the transform, the Glue crawlers, the S3
 * trigger filter and the local DuckDB catalog, so they can never disagree.
 */
import { PARTITION_COLUMN, TABLE_NAMES, type TableName } from "../tables/schema";

export const RAW_PREFIX = "raw_data/";
/** Raw snapshots land here; the transform trigger listens on exactly this prefix. */
export const RAW_SNAPSHOT_PREFIX = `${RAW_PREFIX}${PARTITION_COLUMN}=`;
/** Inputs the transform could not read: a copy plus a reason file. Disjoint from RAW_SNAPSHOT_PREFIX. */
export const REJECTED_PREFIX = `${RAW_PREFIX}rejected/`;
export const TRANSFORMED_PREFIX = "transformed_data/";
/**
 * The extractor's cache of full Spotify artist and album objects (and its checkpoint between
 * invocations). Disjoint from the raw trigger prefix and the crawled table roots; on AWS only
 * the extractor's role may read and write under it.
 */
export const SPOTIFY_CACHE_PREFIX = "cache/spotify/";

export const FILE_FORMATS = ["csv", "parquet"] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

/** Parquet tables are the ones analysts query; CSV tables get this prefix in the catalog. */
export const CSV_TABLE_PREFIX = "csv_";

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
/** A raw snapshot's file name in its date folder: playlist_id=<id>.json. */
const RAW_SNAPSHOT_FILE_PREFIX = "playlist_id=";
/** Spotify ids are base62; we also accept the characters some test ids use, never a slash. */
const PLAYLIST_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** Whether the text is a real calendar date written YYYY-MM-DD (no 2026-02-30). */
export function isSnapshotDate(date: string): boolean {
  return DATE_RE.test(date) && !Number.isNaN(Date.parse(`${date}T00:00:00Z`)) && new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) === date;
}

export function assertSnapshotDate(date: string): string {
  if (!isSnapshotDate(date)) throw new Error(`Invalid snapshot date "${date}": use YYYY-MM-DD, for example 2026-11-25.`);
  return date;
}

export function assertPlaylistId(id: string): string {
  if (!PLAYLIST_ID_RE.test(id)) {
    throw new Error(
      `Invalid playlist id "${id}": use the 22-character id from the playlist's share link ` +
        `(https://open.spotify.com/playlist/<id>), without the URL or "spotify:playlist:".`,
    );
  }
  return id;
}

/** Accepts a bare id, a spotify:playlist: URI or an open.spotify.com link, and returns the id. */
export function normalizePlaylistId(input: string): string {
  const trimmed = input.trim();
  const fromUri = /^spotify:playlist:([A-Za-z0-9]+)$/.exec(trimmed);
  const fromUrl = /^https?:\/\/open\.spotify\.com\/(?:intl-[a-z-]+\/)?playlist\/([A-Za-z0-9]+)/.exec(trimmed);
  return assertPlaylistId(fromUri?.[1] ?? fromUrl?.[1] ?? trimmed);
}

/** Spotify's public launch: no playlist has a snapshot before it. */
export const SPOTIFY_LAUNCH_DATE = "2008-10-07";

/**
 * A snapshot date a run may use: a real date from Spotify's launch to tomorrow in UTC
 * (tomorrow, because somewhere it already is). Year 0000 or 2999 is a typo, not a snapshot.
 */
export function assertSnapshotDateInRange(date: string, now: Date = new Date()): string {
  assertSnapshotDate(date);
  const tomorrow = todayUtc(new Date(now.getTime() + 86_400_000));
  if (date < SPOTIFY_LAUNCH_DATE || date > tomorrow) {
    throw new Error(`Snapshot date ${date} is out of range: use a date from ${SPOTIFY_LAUNCH_DATE} (Spotify's launch) to ${tomorrow} (tomorrow in UTC).`);
  }
  return date;
}

/** The folder of one snapshot date: "snapshot_date=2026-11-25". */
export function partitionFolder(snapshotDate: string): string {
  return `${PARTITION_COLUMN}=${assertSnapshotDate(snapshotDate)}`;
}

/**
 * The snapshot date of a partition folder name, or undefined when it is not one: only
 * "snapshot_date=" and a real YYYY-MM-DD date count, so a stray "snapshot_date=2026-07-01.bak"
 * can never become the latest date.
 */
export function parsePartitionFolder(name: string): string | undefined {
  if (!name.startsWith(`${PARTITION_COLUMN}=`)) return undefined;
  const date = name.slice(PARTITION_COLUMN.length + 1);
  return isSnapshotDate(date) ? date : undefined;
}

export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** One raw snapshot per playlist per day: running the same day again replaces it. */
export function rawSnapshotKey(snapshotDate: string, playlistId: string): string {
  return `${RAW_PREFIX}${partitionFolder(snapshotDate)}/${RAW_SNAPSHOT_FILE_PREFIX}${assertPlaylistId(playlistId)}.json`;
}

export interface RawSnapshotRef {
  snapshotDate: string;
  playlistId: string;
}

/** What a raw snapshot key looks like, for messages. */
export const RAW_SNAPSHOT_KEY_FORM = `${RAW_SNAPSHOT_PREFIX}YYYY-MM-DD/${RAW_SNAPSHOT_FILE_PREFIX}<id>.json`;

/** Inverse of rawSnapshotKey; undefined for any other key (an invalid date or id included). */
export function parseRawSnapshotKey(key: string): RawSnapshotRef | undefined {
  if (!key.startsWith(RAW_PREFIX)) return undefined;
  const parts = key.slice(RAW_PREFIX.length).split("/");
  if (parts.length !== 2) return undefined;
  const snapshotDate = parsePartitionFolder(parts[0]);
  const file = parts[1];
  if (!snapshotDate || !file.startsWith(RAW_SNAPSHOT_FILE_PREFIX) || !file.endsWith(".json")) return undefined;
  const playlistId = file.slice(RAW_SNAPSHOT_FILE_PREFIX.length, -".json".length);
  return PLAYLIST_ID_RE.test(playlistId) ? { snapshotDate, playlistId } : undefined;
}

/** Where a rejected input is copied, and where the reason for it is written beside it. */
export function rejectedKeys(rawKey: string): { copy: string; reason: string } {
  const rest = rawKey.startsWith(RAW_PREFIX) ? rawKey.slice(RAW_PREFIX.length) : rawKey.replace(/^\/+/, "");
  const copy = `${REJECTED_PREFIX}${rest}`;
  return { copy, reason: `${copy}.reason.json` };
}

/** One folder per table and format: each root holds exactly one table for a crawler. */
export function tableRoot(format: FileFormat, table: TableName): string {
  return `${TRANSFORMED_PREFIX}${format}/${table}/`;
}

export function tableFileKey(format: FileFormat, table: TableName, snapshotDate: string, playlistId: string): string {
  return `${tableRoot(format, table)}${partitionFolder(snapshotDate)}/${assertPlaylistId(playlistId)}.${format}`;
}

export function allTableRoots(): { format: FileFormat; table: TableName; root: string }[] {
  return FILE_FORMATS.flatMap((format) => TABLE_NAMES.map((table) => ({ format, table, root: tableRoot(format, table) })));
}

/**
 * Compacted tables: one file per table, format and day, outside the per-playlist table roots so
 * that a day's two forms never share a folder (a Glue partition's location names one folder, and
 * the crawlers, which watch the table roots, never see these). Written by lib/compact.
 */
export const COMPACTED_PREFIX = `${TRANSFORMED_PREFIX}compacted/`;

export function compactedRoot(format: FileFormat, table: TableName): string {
  return `${COMPACTED_PREFIX}${format}/${table}/`;
}

/** The one file of a compacted day: the whole folder is that day's partition location on AWS. */
export function compactedFileKey(format: FileFormat, table: TableName, snapshotDate: string): string {
  return `${compactedRoot(format, table)}${partitionFolder(snapshotDate)}/${table}.${format}`;
}

/** The name a table gets in the catalog (Glue or DuckDB) for a given format. */
export function catalogTableName(format: FileFormat, table: TableName): string {
  return format === "parquet" ? table : `${CSV_TABLE_PREFIX}${table}`;
}

/**
 * Finished months, compacted again (locally only): one file per table, format and month, the
 * month's days with snapshot_date as a real column (a file that holds many days cannot take its
 * day from its folder). Under the compacted prefix, beside the daily roots, never inside a table
 * root. Written by lib/compact/compactMonth.ts; docs/lake-format.md says when a month is finished.
 */
export const MONTHLY_PREFIX = `${COMPACTED_PREFIX}monthly/`;
/** The folder of one month's file: "snapshot_month=2026-10". */
export const MONTH_FOLDER_KEY = "snapshot_month";

const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;

export function isSnapshotMonth(month: string): boolean {
  return MONTH_RE.test(month);
}

/** The month (YYYY-MM) of a snapshot date. */
export function monthOf(snapshotDate: string): string {
  return assertSnapshotDate(snapshotDate).slice(0, 7);
}

export function monthlyRoot(format: FileFormat, table: TableName): string {
  return `${MONTHLY_PREFIX}${format}/${table}/`;
}

export function monthFolder(month: string): string {
  if (!isSnapshotMonth(month)) throw new Error(`Invalid month "${month}": use YYYY-MM, for example 2026-10.`);
  return `${MONTH_FOLDER_KEY}=${month}`;
}

/** The month of a "snapshot_month=YYYY-MM" folder name, or undefined when it is not one. */
export function parseMonthFolder(name: string): string | undefined {
  if (!name.startsWith(`${MONTH_FOLDER_KEY}=`)) return undefined;
  const month = name.slice(MONTH_FOLDER_KEY.length + 1);
  return isSnapshotMonth(month) ? month : undefined;
}

export function monthlyFileKey(format: FileFormat, table: TableName, month: string): string {
  return `${monthlyRoot(format, table)}${monthFolder(month)}/${table}.${format}`;
}
