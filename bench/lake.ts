/**
 * A lake of 365 daily snapshots of the 10,000-item playlist in both layouts, as the
 * transform writes them (transformed_data/<format>/<table>/snapshot_date=.../<playlist_id>.<ext>).
 * The latest day is the real transform of the benchmark's raw snapshot (our writers); the 364
 * days before it are derived from that day's rows with DuckDB (COPY ... PARTITION_BY): the same
 * songs, albums and artists, with positions rotated by 37 a day. Writing 4,380 files through
 * our encoders would take minutes; this takes seconds. Cached under bench/out/ by version.
 */
import { printResult } from "./script";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { DuckDBInstance } from "@duckdb/node-api";
import { FILE_FORMATS, rawSnapshotKey, tableFileKey, tableRoot, type FileFormat } from "../lib/lake/layout";
import { LocalStore } from "../lib/storage/localStore";
import { TABLE_NAMES, TABLES, PARTITION_COLUMN, type ColumnDef, type TableName } from "../lib/tables/schema";
import { transformRawObject } from "../lib/transform/transformObject";
import { BENCH_OUT_DIR, benchRawSnapshot } from "./rawSnapshot";

/** Bump when the derivation or the writers change. */
const LAKE_VERSION = 2;
/** Positions move by this much each day, so days differ (a prime, coprime with 10,000). */
const DAILY_ROTATION = 37;

export interface BenchLake {
  dir: string;
  days: number;
  latestDate: string;
  playlistId: string;
  /** Seconds it took to build, or 0 when reused from the cache. */
  buildS: number;
  reused: boolean;
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

export function daysBefore(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

/** One column of a derived day: position rotated; for CSV, text in lib/formats/csv.ts's encoding. */
function derivedColumn(table: TableName, column: ColumnDef, format: FileFormat, entries: number): string {
  const name = ident(column.name);
  if (table === "playlist_tracks" && column.name === "position") return `CAST(((${name} - 1 + d * ${DAILY_ROTATION}) % ${entries}) + 1 AS INTEGER) AS ${name}`;
  if (format === "csv" && column.type === "timestamp") return `strftime(CAST(${name} AS TIMESTAMP), '%Y-%m-%d %H:%M:%S.%g') AS ${name}`;
  if (format === "csv" && column.type === "string_list") return `CAST(to_json(${name}) AS VARCHAR) AS ${name}`;
  return name;
}

export async function benchLake(items = 10_000, days = 365): Promise<BenchLake> {
  const raw = await benchRawSnapshot(items);
  const dir = path.join(BENCH_OUT_DIR, `lake-${items}x${days}-v${LAKE_VERSION}`);
  const done = path.join(dir, ".complete");
  const lake = { dir, days, latestDate: raw.snapshotDate, playlistId: raw.playlistId };
  if (existsSync(done)) return { ...lake, buildS: 0, reused: true };

  const start = performance.now();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const store = new LocalStore(dir);
  const rawKey = rawSnapshotKey(raw.snapshotDate, raw.playlistId);
  await store.put(rawKey, raw.text);
  const outcome = await transformRawObject(store, rawKey);
  if (outcome.status !== "transformed") throw new Error(`transform rejected the benchmark snapshot: ${outcome.reason}`);

  const instance = await DuckDBInstance.create(":memory:");
  const db = await instance.connect();
  try {
    await db.run("SET TimeZone = 'UTC'");
    // One file per partition, as the transform writes: keep every partition's file open until the end.
    await db.run(`SET partitioned_write_max_open_files = ${days + 10}`);
    for (const table of TABLE_NAMES) {
      const latestFile = path.join(dir, tableFileKey("parquet", table, raw.snapshotDate, raw.playlistId));
      await db.run(`CREATE TABLE ${ident(`day_${table}`)} AS SELECT * FROM read_parquet(${sqlString(latestFile)})`);
      for (const format of FILE_FORMATS) {
        const columns = TABLES[table].map((c) => derivedColumn(table, c, format, items));
        const select =
          `SELECT ${columns.join(", ")}, strftime(DATE ${sqlString(raw.snapshotDate)} - CAST(d AS INTEGER), '%Y-%m-%d') AS ${PARTITION_COLUMN} ` +
          `FROM ${ident(`day_${table}`)} CROSS JOIN range(1, ${days}) AS r(d)`;
        const options = format === "parquet" ? "FORMAT parquet, COMPRESSION snappy" : "FORMAT csv, HEADER true";
        const target = path.join(dir, tableRoot(format, table));
        await db.run(`COPY (${select}) TO ${sqlString(target)} (${options}, PARTITION_BY (${PARTITION_COLUMN}), FILENAME_PATTERN ${sqlString(raw.playlistId)}, OVERWRITE_OR_IGNORE true)`);
        // DuckDB numbers its files (<id>0.<ext>); the lake names each file after its playlist.
        for (const partition of readdirSync(target)) {
          const files = readdirSync(path.join(target, partition));
          if (files.length !== 1) throw new Error(`${target}${partition} holds ${files.length} files (${files.join(", ")}); expected one`);
          const numbered = path.join(target, partition, `${raw.playlistId}0.${format}`);
          if (existsSync(numbered)) renameSync(numbered, path.join(target, partition, `${raw.playlistId}.${format}`));
        }
      }
    }
  } finally {
    db.closeSync();
    instance.closeSync();
  }
  writeFileSync(done, new Date().toISOString());
  return { ...lake, buildS: (performance.now() - start) / 1000, reused: false };
}

if (require.main === module) printResult(benchLake());
