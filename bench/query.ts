/**
 * Queries over the 365-day lake on DuckDB (lib/query/lakeDb.ts, the sql/views files): the
 * latest_snapshot view and a 30-day artist query, over Parquet and over CSV. For CSV the same
 * views run with each table name bound to its csv_ relation. Bytes read are measured two ways,
 * each query on a freshly opened lake with DuckDB's file cache off:
 * - rchar of /proc/self/io (every byte the process read through read()/pread(), DuckDB included);
 * - DuckDB's own profiler metric TOTAL_BYTES_READ, when it reports one for external files.
 */
import { printResult } from "./script";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { catalogTableName, tableRoot, type FileFormat } from "../lib/lake/layout";
import { openLake } from "../lib/query/lakeDb";
import { TABLE_NAMES } from "../lib/tables/schema";
import { benchLake, daysBefore, type BenchLake } from "./lake";

export interface QueryMeasurement {
  bytes_read: number;
  profiler_total_bytes_read: number | null;
  rows: number;
  ms: number;
}

export interface QueryResult {
  days: number;
  items: number;
  parquet_bytes_read: number;
  csv_bytes_read: number;
  method: string;
  latest_snapshot: { sql: string; parquet: QueryMeasurement; csv: QueryMeasurement; latest_partition_file_bytes: Record<FileFormat, number>; lake_file_bytes: Record<FileFormat, number> };
  /** The same rows with the latest date as a constant: the only form in which DuckDB prunes hive partitions. */
  latest_date_constant: { sql: string; parquet: QueryMeasurement; csv: QueryMeasurement };
  artist_30_days: { sql: string; parquet: QueryMeasurement; csv: QueryMeasurement };
  lake_build_s: number;
  lake_reused: boolean;
  targets: { latest_parquet_max_1_100_of_csv: { target: number; value: number; pass: boolean } };
}

export const LATEST_SQL = `SELECT * FROM latest_snapshot ORDER BY playlist_id, "position"`;

export function latestByDateQuery(latestDate: string): string {
  return `SELECT * FROM playlist_snapshot WHERE snapshot_date = '${latestDate}' ORDER BY playlist_id, "position"`;
}

export function artistQuery(latestDate: string): string {
  return (
    `SELECT artist_id, any_value(artist_name) AS artist_name, count(*) AS days, sum(tracks) AS track_days, min(best_position) AS best_position ` +
    `FROM artist_daily WHERE snapshot_date > '${daysBefore(latestDate, 30)}' GROUP BY artist_id ORDER BY track_days DESC, artist_id LIMIT 20`
  );
}

function rchar(): number {
  const m = /^rchar:\s+(\d+)$/m.exec(readFileSync("/proc/self/io", "utf8"));
  if (!m) throw new Error("/proc/self/io has no rchar line");
  return Number(m[1]);
}

function findNumber(node: unknown, key: string): number | null {
  if (node === null || typeof node !== "object") return null;
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k.toLowerCase() === key && typeof v === "number") return v;
  }
  return null;
}

async function measure(lake: BenchLake, format: FileFormat, sql: string): Promise<QueryMeasurement> {
  const db = await openLake(lake.dir);
  const profile = path.join(tmpdir(), `bench-profile-${process.pid}.json`);
  try {
    await db.query("SET enable_external_file_cache = false");
    if (format === "csv") {
      // The same views, with each table name bound to the CSV files (views bind their tables at query time).
      for (const table of TABLE_NAMES) await db.query(`CREATE OR REPLACE VIEW ${table} AS SELECT * FROM ${catalogTableName("csv", table)}`);
    }
    await db.query("PRAGMA enable_profiling = 'json'");
    await db.query(`SET profiling_output = '${profile}'`);
    const before = rchar();
    const start = performance.now();
    const rows = await db.query(sql);
    const ms = performance.now() - start;
    const bytes = rchar() - before;
    await db.query("PRAGMA disable_profiling");
    let profiler: number | null = null;
    try {
      profiler = findNumber(JSON.parse(readFileSync(profile, "utf8")), "total_bytes_read");
    } catch {
      profiler = null;
    }
    return { bytes_read: bytes, profiler_total_bytes_read: profiler, rows: rows.length, ms: Math.round(ms) };
  } finally {
    db.close();
    rmSync(profile, { force: true });
  }
}

function bytesUnder(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const st = statSync(full);
    total += st.isDirectory() ? bytesUnder(full) : st.size;
  }
  return total;
}

export async function runQueryBench(items = 10_000, days = 365): Promise<QueryResult> {
  const lake = await benchLake(items, days);
  const partitionBytes = (format: FileFormat) =>
    TABLE_NAMES.reduce((sum, t) => sum + bytesUnder(path.join(lake.dir, tableRoot(format, t), `snapshot_date=${lake.latestDate}`)), 0);
  const lakeBytes = (format: FileFormat) => TABLE_NAMES.reduce((sum, t) => sum + bytesUnder(path.join(lake.dir, tableRoot(format, t))), 0);
  const latestParquet = await measure(lake, "parquet", LATEST_SQL);
  const latestCsv = await measure(lake, "csv", LATEST_SQL);
  const constantSql = latestByDateQuery(lake.latestDate);
  const constantParquet = await measure(lake, "parquet", constantSql);
  const constantCsv = await measure(lake, "csv", constantSql);
  const artistSql = artistQuery(lake.latestDate);
  const artistParquet = await measure(lake, "parquet", artistSql);
  const artistCsv = await measure(lake, "csv", artistSql);
  for (const [what, p, c] of [["latest_snapshot", latestParquet, latestCsv], ["latest by date", constantParquet, constantCsv], ["artist query", artistParquet, artistCsv]] as const) {
    if (p.rows !== c.rows) throw new Error(`${what}: Parquet gave ${p.rows} rows, CSV ${c.rows}`);
  }
  if (latestParquet.rows !== items) throw new Error(`latest_snapshot gave ${latestParquet.rows} rows, expected ${items}`);
  const ratio = latestParquet.bytes_read / latestCsv.bytes_read;
  return {
    days,
    items,
    parquet_bytes_read: latestParquet.bytes_read,
    csv_bytes_read: latestCsv.bytes_read,
    method: "rchar of /proc/self/io around the query (bytes DuckDB read from files), fresh lake per query, DuckDB external file cache off",
    latest_snapshot: {
      sql: LATEST_SQL,
      parquet: latestParquet,
      csv: latestCsv,
      latest_partition_file_bytes: { parquet: partitionBytes("parquet"), csv: partitionBytes("csv") },
      lake_file_bytes: { parquet: lakeBytes("parquet"), csv: lakeBytes("csv") },
    },
    latest_date_constant: { sql: constantSql, parquet: constantParquet, csv: constantCsv },
    artist_30_days: { sql: artistSql, parquet: artistParquet, csv: artistCsv },
    lake_build_s: Number(lake.buildS.toFixed(1)),
    lake_reused: lake.reused,
    targets: { latest_parquet_max_1_100_of_csv: { target: 0.01, value: Number(ratio.toFixed(5)), pass: ratio <= 0.01 } },
  };
}

if (require.main === module) printResult(runQueryBench());
