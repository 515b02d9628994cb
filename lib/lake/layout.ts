/**
 * The lake's key layout: the one place that knows where raw snapshots, rejected inputs
 * and table files live. Used by the extractor, the transform, the Glue crawlers, the S3
 * trigger filter and the local DuckDB catalog, so they can never disagree.
 */
import { TABLE_NAMES, type TableName } from "../tables/schema";

export const RAW_PREFIX = "raw_data/";
/** Raw snapshots land here; the transform trigger listens on exactly this prefix. */
export const RAW_SNAPSHOT_PREFIX = "raw_data/snapshot_date=";
/** Inputs the transform could not read: a copy plus a reason file. Disjoint from RAW_SNAPSHOT_PREFIX. */
export const REJECTED_PREFIX = "raw_data/rejected/";
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
/** Spotify ids are base62; we also accept the characters some test ids use, never a slash. */
const PLAYLIST_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export function assertSnapshotDate(date: string): string {
  if (!DATE_RE.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date) {
    throw new Error(`Invalid snapshot date "${date}": use YYYY-MM-DD, for example 2026-11-25.`);
  }
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

export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** One raw snapshot per playlist per day: running the same day again replaces it. */
export function rawSnapshotKey(snapshotDate: string, playlistId: string): string {
  return `${RAW_SNAPSHOT_PREFIX}${assertSnapshotDate(snapshotDate)}/playlist_id=${assertPlaylistId(playlistId)}.json`;
}

export interface RawSnapshotRef {
  snapshotDate: string;
  playlistId: string;
}

/** Inverse of rawSnapshotKey; undefined for any other key. */
export function parseRawSnapshotKey(key: string): RawSnapshotRef | undefined {
  const m = /^raw_data\/snapshot_date=(\d{4}-\d{2}-\d{2})\/playlist_id=([A-Za-z0-9_-]{1,64})\.json$/.exec(key);
  return m ? { snapshotDate: m[1], playlistId: m[2] } : undefined;
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
  return `${tableRoot(format, table)}snapshot_date=${assertSnapshotDate(snapshotDate)}/${assertPlaylistId(playlistId)}.${format}`;
}

export function allTableRoots(): { format: FileFormat; table: TableName; root: string }[] {
  return FILE_FORMATS.flatMap((format) => TABLE_NAMES.map((table) => ({ format, table, root: tableRoot(format, table) })));
}

/** The name a table gets in the catalog (Glue or DuckDB) for a given format. */
export function catalogTableName(format: FileFormat, table: TableName): string {
  return format === "parquet" ? table : `${CSV_TABLE_PREFIX}${table}`;
}
