/**
 * Monthly compaction (local lakes): a finished month's days become one file per table and format
 * (lib/lake/layout.ts, monthlyFileKey), with the same rows and snapshot_date as a real column, so
 * that a reader opens one file per table per month and finds each playlist's latest day without
 * reading every day's file. Each day's input is what the catalog reads for it (its compacted file,
 * else its per-playlist files: lib/query/lakeFiles.ts), so a month is compacted from its days as
 * readers see them. The day files stay: a late re-transform re-compacts its day, then the month.
 *
 * A month is finished when the lake holds a snapshot dated MONTH_GRACE_DAYS days or more into a
 * later month: snapshots of the month's last days that land a day or two late are in the month's
 * first compaction; one that lands later still re-compacts it.
 *
 * Each file is written whole (ObjectStore.put) after every input was read: the catalog picks the
 * month's file when it is there and whole, else the days, never both. A month that is at most one
 * file per table (one playlist on one day) is not rewritten.
 *
 * Parquet is written by DuckDB (sorted by snapshot_date, so each row group's min/max of it lets a
 * reader skip the days it does not need); CSV is the days' records under one header with
 * snapshot_date appended to each record (the writer puts no raw line break inside a value, so each
 * line is one record: lib/formats/csv.ts).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { compactedRoot, FILE_FORMATS, monthlyFileKey, monthOf, parsePartitionFolder, tableRoot, type FileFormat } from "../lake/layout";
import { tableFiles, type DayFiles } from "../query/lakeFiles";
import type { LocalStore } from "../storage/localStore";
import { PARTITION_COLUMN, TABLE_NAMES, TABLES, type TableName } from "../tables/schema";
import { compactCsv, CompactionError } from "./compactDay";
import { staleMonths } from "./staleCompactions";

/** Days into the next month after which a month counts as finished. */
export const MONTH_GRACE_DAYS = 3;

/** Whether `month` (YYYY-MM) is finished in a lake whose latest snapshot is `latestDate`. */
export function isMonthFinished(month: string, latestDate: string): boolean {
  const [year, m] = month.split("-").map(Number);
  // Date.UTC's month is 0-based: m is the next month's index, day 1 + grace is its cut-off.
  const cutOff = new Date(Date.UTC(year, m, 1 + MONTH_GRACE_DAYS)).toISOString().slice(0, 10);
  return latestDate >= cutOff;
}

export type MonthCompaction =
  | { month: string; status: "compacted"; days: number; keys: string[] }
  /** Nothing written: the month is at most one file per table. */
  | { month: string; status: "single"; days: number; keys: [] };

export interface MonthsCompaction {
  months: MonthCompaction[];
  errors: CompactionError[];
}

/** The snapshot dates of the lake (the playlists table, per-playlist and compacted days), sorted. */
function lakeDates(lakeDir: string): string[] {
  const dates = new Set<string>();
  for (const root of [tableRoot("parquet", "playlists"), compactedRoot("parquet", "playlists")]) {
    const dir = path.join(lakeDir, root);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const date = parsePartitionFolder(name);
      if (date !== undefined) dates.add(date);
    }
  }
  return [...dates].sort();
}

/**
 * The finished months to compact after a run that wrote (or re-compacted) `touchedDates`: those of
 * them in a finished month, every finished month that has no monthly file yet, and every one whose
 * monthly file is older than one of its days (a run stopped between the two: staleCompactions.ts).
 */
export function monthsToCompact(lakeDir: string, touchedDates: Iterable<string>): string[] {
  const dates = lakeDates(lakeDir);
  if (dates.length === 0) return [];
  const latest = dates[dates.length - 1];
  const finished = new Set(dates.map(monthOf).filter((month) => isMonthFinished(month, latest)));
  const months = new Set([...touchedDates].map(monthOf).filter((month) => finished.has(month)));
  for (const month of finished) {
    if (FILE_FORMATS.some((format) => TABLE_NAMES.some((table) => !existsSync(path.join(lakeDir, monthlyFileKey(format, table, month)))))) months.add(month);
  }
  for (const month of staleMonths(lakeDir, finished)) months.add(month);
  return [...months].sort();
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** The month's days of one table and format as readers see them; an unreadable file refuses the month. */
function monthDays(lakeDir: string, format: FileFormat, table: TableName, month: string): DayFiles[] {
  const bad: { file: string; why: string }[] = [];
  const { days } = tableFiles(lakeDir, format, table, () => {}, { months: false, within: month, badFile: (file, why) => bad.push({ file, why }) });
  if (bad.length > 0) {
    const { file, why } = bad[0];
    const date = /snapshot_date=(\d{4}-\d{2}-\d{2})/.exec(file)?.[1] ?? `${month}-01`;
    throw new CompactionError(date, path.relative(lakeDir, file), `${why} (so its month ${month} stays as its days)`);
  }
  return days;
}

/** Rows per row group of a monthly Parquet file: a few days of a large fleet, so min/max of snapshot_date skips the rest. */
const MONTH_ROW_GROUP_ROWS = 16_384;

async function monthParquet(db: DuckDBConnection, table: TableName, days: DayFiles[], tmp: string): Promise<Uint8Array> {
  const columns = TABLES[table].map((c) => ident(c.name)).join(", ");
  const scans = days.map(
    (day) => `SELECT ${columns}, ${sqlString(day.snapshotDate)} AS ${ident(PARTITION_COLUMN)} FROM read_parquet([${day.files.map(sqlString).join(", ")}], hive_partitioning = false)`,
  );
  const out = path.join(tmp, `${table}.parquet`);
  await db.run(
    `COPY (${scans.join(" UNION ALL ")} ORDER BY ${ident(PARTITION_COLUMN)}, playlist_id) TO ${sqlString(out)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${MONTH_ROW_GROUP_ROWS})`,
  );
  const body = readFileSync(out);
  rmSync(out);
  return body;
}

function monthCsv(days: DayFiles[]): Uint8Array {
  let header: string | undefined;
  const parts: string[] = [];
  for (const day of days) {
    const joined = Buffer.from(compactCsv(day.snapshotDate, day.files.map((file) => ({ key: file, body: readFileSync(file) })))).toString("utf8");
    const end = joined.indexOf("\n");
    const own = joined.slice(0, end);
    if (header === undefined) parts.push(`${(header = own)},${PARTITION_COLUMN}\n`);
    else if (own !== header) throw new CompactionError(day.snapshotDate, day.files[0], `has the header "${own}", not "${header}"`);
    // Every record ends in "\n" (compactCsv ends the last one), and no value holds one.
    parts.push(joined.slice(end + 1).replace(/\n/g, `,${day.snapshotDate}\n`));
  }
  return Buffer.from(parts.join(""), "utf8");
}

/** Compacts one month of a local lake (both formats, every table); throws CompactionError (the month stays as its days) when an input cannot be read. */
async function compactMonthWith(store: LocalStore, month: string, db: () => Promise<DuckDBConnection>): Promise<MonthCompaction> {
  const lakeDir = store.location;
  const inputs = new Map<string, DayFiles[]>();
  for (const format of FILE_FORMATS) for (const table of TABLE_NAMES) inputs.set(`${format}/${table}`, monthDays(lakeDir, format, table, month));
  const days = Math.max(0, ...[...inputs.values()].map((d) => d.length));
  const files = Math.max(0, ...[...inputs.values()].map((d) => d.reduce((n, day) => n + day.files.length, 0)));
  if (files <= 1) return { month, status: "single", days, keys: [] };
  const keys: string[] = [];
  const tmp = mkdtempSync(path.join(tmpdir(), "compact-month-"));
  try {
    for (const format of FILE_FORMATS) {
      for (const table of TABLE_NAMES) {
        const tableDaysOfMonth = inputs.get(`${format}/${table}`)!;
        if (tableDaysOfMonth.length === 0) continue;
        const body = format === "parquet" ? await monthParquet(await db(), table, tableDaysOfMonth, tmp) : monthCsv(tableDaysOfMonth);
        const key = monthlyFileKey(format, table, month);
        await store.put(key, body);
        keys.push(key);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { month, status: "compacted", days, keys };
}

/** Compacts these months (compactMonth on each), going on past a month that cannot be compacted: it stays readable as its days. */
export async function compactMonths(store: LocalStore, months: Iterable<string>): Promise<MonthsCompaction> {
  const result: MonthsCompaction = { months: [], errors: [] };
  // DuckDB is loaded only when a month has Parquet to write.
  let open: { close(): void; connection: DuckDBConnection } | undefined;
  const db = async () => {
    if (!open) {
      const { DuckDBInstance } = await import("@duckdb/node-api");
      const instance = await DuckDBInstance.create(":memory:");
      const connection = await instance.connect();
      await connection.run("SET TimeZone = 'UTC'");
      open = { connection, close: () => (connection.closeSync(), instance.closeSync()) };
    }
    return open.connection;
  };
  try {
    for (const month of [...new Set(months)].sort()) {
      try {
        result.months.push(await compactMonthWith(store, month, db));
      } catch (err) {
        if (!(err instanceof CompactionError)) throw err;
        result.errors.push(err);
      }
    }
  } finally {
    open?.close();
  }
  return result;
}

export async function compactMonth(store: LocalStore, month: string): Promise<MonthCompaction> {
  const { months, errors } = await compactMonths(store, [month]);
  if (errors.length > 0) throw errors[0];
  return months[0];
}
