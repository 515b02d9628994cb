/**
 * A fleet's lake as `npm start` leaves it after compaction: P playlists of E entries over D days,
 * one Parquet and one CSV file per table per day under transformed_data/compacted/ (lib/lake/
 * layout.ts), the per-playlist files of the last day beside them as the transform wrote them, and
 * one file per table per finished month (lib/compact/compactMonth.ts, the code npm start runs).
 *
 * Transforming P x D raw snapshots would take hours (about 0.1 s each); the rows are generated
 * with DuckDB instead and written with COPY ... PARTITION_BY, in the column types the transform
 * writes (lib/tables/schema.ts). Each day, every playlist rotates its entries by one position and
 * swaps one song in seven for a new one, so daily_changes has entries, exits and moves every day.
 * Cached under bench/out/ by version and size.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { compactedRoot, FILE_FORMATS, tableRoot, type FileFormat } from "../lib/lake/layout";
import { compactMonths, monthsToCompact } from "../lib/compact/compactMonth";
import { saveCatalog } from "../lib/query/lakeDb";
import { LocalStore } from "../lib/storage/localStore";
import { PARTITION_COLUMN, TABLE_NAMES, TABLES, type ColumnDef, type TableName } from "../lib/tables/schema";
import { BENCH_OUT_DIR } from "./rawSnapshot";
import { printResult } from "./script";

/** Bump when the generated rows or the layout change. */
const FLEET_LAKE_VERSION = 3;
/** The version before monthly files: the same rows and days, reused (moved) when cached. */
const DAILY_ONLY_VERSION = 2;
export const FLEET_LATEST_DATE = "2026-11-25";

export interface FleetLake {
  dir: string;
  playlists: number;
  days: number;
  entries: number;
  latestDate: string;
  /** Table files in the lake (both formats, compacted and per-playlist). */
  files: number;
  buildS: number;
  reused: boolean;
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The rows of every table for every (day, playlist), as SQL over the tables `days`, `lists` and `slots`. */
function tableSql(table: TableName): string {
  // An entry: playlist p on day d at position pos holds song s(p, pos + d); one song in seven is
  // replaced each week. Albums hold two songs, artists three.
  const entry = `FROM days, lists, slots`;
  const song = `'s' || p || '_' || ((pos + d) % ${"entries"}) || '_' || ((pos + d) % 7 = 0 AND d % 7 = 0)::INT * (d // 7)`;
  switch (table) {
    case "playlists":
      return `SELECT playlist_id, 'Playlist ' || p AS playlist_name, 'owner' || (p % 10) AS owner_id, 'snap' || d AS spotify_snapshot_id, CAST(entries AS INTEGER) AS total_items, snapshot_date FROM days, lists`;
    case "playlist_tracks":
      return `SELECT playlist_id, CAST(pos + 1 AS INTEGER) AS "position", ${song} AS song_id, TIMESTAMP '2026-01-01' + to_minutes(CAST(pos AS BIGINT)) AS added_at, CASE WHEN pos % 3 = 0 THEN NULL ELSE 'user' || (p % 4) END AS added_by, snapshot_date ${entry}`;
    case "songs":
      return `SELECT playlist_id, ${song} AS song_id, 'Song ' || pos || ' of ' || p AS song_name, CAST(180000 + pos * 100 AS INTEGER) AS duration_ms, pos % 5 = 0 AS explicit, CAST(pos % 100 AS INTEGER) AS popularity, 'ISRC' || pos AS isrc, CAST(1 AS INTEGER) AS disc_number, CAST(pos % 12 + 1 AS INTEGER) AS track_number, 'al' || p || '_' || (pos // 2) AS album_id, 'https://open.spotify.com/track/' || pos AS song_url, snapshot_date ${entry}`;
    case "song_artists":
      return `SELECT playlist_id, ${song} AS song_id, 'ar' || p || '_' || (pos // 3) AS artist_id, CAST(1 AS INTEGER) AS artist_position, snapshot_date ${entry}`;
    case "albums":
      return `SELECT playlist_id, 'al' || p || '_' || (pos // 2) AS album_id, 'Album ' || (pos // 2) AS album_name, 'album' AS album_type, '2020-01-01' AS release_date, 'day' AS release_date_precision, CAST(2020 AS INTEGER) AS release_year, CAST(12 AS INTEGER) AS total_tracks, NULL::VARCHAR AS album_url, snapshot_date ${entry} WHERE pos % 2 = 0`;
    case "artists":
      return `SELECT playlist_id, 'ar' || p || '_' || (pos // 3) AS artist_id, 'Artist ' || (pos // 3) AS artist_name, ['pop', 'rock'] AS genres, CAST(1000 * pos AS BIGINT) AS followers, CAST(50 AS INTEGER) AS popularity, NULL::VARCHAR AS artist_url, snapshot_date ${entry} WHERE pos % 3 = 0`;
  }
}

/** A column in the file's encoding: CSV as lib/formats/csv.ts writes it. */
function fileColumn(column: ColumnDef, format: FileFormat): string {
  const name = `"${column.name}"`;
  if (format === "csv" && column.type === "timestamp") return `CAST(epoch_ms(${name}) AS VARCHAR) AS ${name}`;
  if (format === "csv" && column.type === "string_list") return `CAST(to_json(${name}) AS VARCHAR) AS ${name}`;
  return name;
}

async function copyTables(db: DuckDBConnection, dir: string, latestOnly: boolean): Promise<void> {
  for (const table of TABLE_NAMES) {
    await db.run(`CREATE OR REPLACE TABLE rows_of AS ${tableSql(table)}`);
    for (const format of FILE_FORMATS) {
      const columns = TABLES[table].map((c) => fileColumn(c, format)).join(", ");
      const options = format === "parquet" ? "FORMAT parquet, COMPRESSION snappy" : "FORMAT csv, HEADER true";
      if (latestOnly) {
        // The last day's per-playlist files, one per playlist as the transform writes them.
        const target = path.join(dir, tableRoot(format, table));
        mkdirSync(target, { recursive: true });
        await db.run(
          `COPY (SELECT ${columns}, ${PARTITION_COLUMN}, playlist_id AS pl FROM rows_of WHERE ${PARTITION_COLUMN} = ${sqlString(FLEET_LATEST_DATE)}) TO ${sqlString(target)} (${options}, PARTITION_BY (${PARTITION_COLUMN}, pl), OVERWRITE_OR_IGNORE true)`,
        );
        const day = path.join(target, `${PARTITION_COLUMN}=${FLEET_LATEST_DATE}`);
        for (const folder of readdirSync(day)) {
          renameSync(path.join(day, folder, `data_0.${format}`), path.join(day, `${folder.slice("pl=".length)}.${format}`));
          rmSync(path.join(day, folder), { recursive: true });
        }
      } else {
        const target = path.join(dir, compactedRoot(format, table));
        mkdirSync(target, { recursive: true });
        await db.run(`COPY (SELECT ${columns}, ${PARTITION_COLUMN} FROM rows_of ORDER BY ${PARTITION_COLUMN}, playlist_id) TO ${sqlString(target)} (${options}, PARTITION_BY (${PARTITION_COLUMN}), OVERWRITE_OR_IGNORE true)`);
        for (const day of readdirSync(target)) renameSync(path.join(target, day, `data_0.${format}`), path.join(target, day, `${table}.${format}`));
      }
    }
  }
}

function countFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? countFiles(path.join(dir, e.name)) : e.name.endsWith(".parquet") || e.name.endsWith(".csv") ? 1 : 0;
  return n;
}

/** The finished months as npm start compacts them (every finished month has no monthly file yet). */
async function compactFinishedMonths(dir: string): Promise<void> {
  const { errors } = await compactMonths(new LocalStore(dir), monthsToCompact(dir, []));
  if (errors.length > 0) throw errors[0];
}

export async function fleetLake(playlists: number, days: number, entries = 100): Promise<FleetLake> {
  const lakeDir = (version: number) => path.join(BENCH_OUT_DIR, `fleet-lake-${playlists}x${days}x${entries}-v${version}`);
  const dir = lakeDir(FLEET_LAKE_VERSION);
  const done = path.join(dir, ".complete");
  const daily = lakeDir(DAILY_ONLY_VERSION);
  if (!existsSync(done) && existsSync(path.join(daily, ".complete"))) {
    // The same days compacted by day: only the months are missing.
    const start = performance.now();
    rmSync(dir, { recursive: true, force: true });
    renameSync(daily, dir);
    rmSync(path.join(dir, ".complete"));
    await compactFinishedMonths(dir);
    await saveCatalog(dir);
    writeFileSync(done, new Date().toISOString());
    return { dir, playlists, days, entries, latestDate: FLEET_LATEST_DATE, files: countFiles(dir), buildS: (performance.now() - start) / 1000, reused: false };
  }
  const lake = { dir, playlists, days, entries, latestDate: FLEET_LATEST_DATE };
  if (existsSync(done)) {
    // As npm start leaves a lake: its catalog file saved for these views (rewritten when they changed).
    await saveCatalog(dir);
    return { ...lake, files: countFiles(dir), buildS: 0, reused: true };
  }
  const start = performance.now();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const instance = await DuckDBInstance.create(":memory:");
  const db = await instance.connect();
  try {
    await db.run("SET TimeZone = 'UTC'");
    await db.run(`SET partitioned_write_max_open_files = ${Math.max(days, playlists) + 10}`);
    await db.run(`CREATE TABLE days AS SELECT CAST(d AS INTEGER) AS d, strftime(DATE ${sqlString(FLEET_LATEST_DATE)} - CAST(d AS INTEGER), '%Y-%m-%d') AS ${PARTITION_COLUMN} FROM range(0, ${days}) r(d)`);
    await db.run(`CREATE TABLE lists AS SELECT CAST(p AS INTEGER) AS p, 'fleet' || lpad(CAST(p AS VARCHAR), 17, '0') AS playlist_id, ${entries} AS entries FROM range(0, ${playlists}) r(p)`);
    await db.run(`CREATE TABLE slots AS SELECT CAST(pos AS INTEGER) AS pos FROM range(0, ${entries}) r(pos)`);
    // The last day's per-playlist files first, then the compacted days: as npm start writes them, so
    // no compacted day is older than its per-playlist files (lib/compact/staleCompactions.ts).
    await copyTables(db, dir, true);
    await copyTables(db, dir, false);
  } finally {
    db.closeSync();
    instance.closeSync();
  }
  await compactFinishedMonths(dir);
  await saveCatalog(dir);
  writeFileSync(done, new Date().toISOString());
  return { ...lake, files: countFiles(dir), buildS: (performance.now() - start) / 1000, reused: false };
}

if (require.main === module) {
  const [playlists, days] = process.argv.slice(2).map(Number);
  printResult(fleetLake(playlists || 100, days || 365));
}
