/**
 * Which files the local catalog reads: a finished month's file when there is a good one
 * (lib/compact/compactMonth.ts), otherwise, day by day, a day's compacted file when there is a
 * good one (lib/compact), otherwise the day's per-playlist files; never two of them, so a reader
 * sees each day once. The work is a listing of each table's month and day folders and one check
 * per file read: a compacted month costs one file, whatever its number of days and playlists.
 *
 * A file that cannot be a table file (empty, or a .parquet without Parquet's "PAR1" at both
 * ends) is skipped with a warning instead of failing every query; so is a folder under a table
 * root that is not snapshot_date=<a real date>.
 */
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import * as path from "node:path";
import { compactedFileKey, compactedRoot, monthlyFileKey, monthlyRoot, monthOf, parseMonthFolder, parsePartitionFolder, partitionFolder, tableRoot, type FileFormat } from "../lake/layout";
import { PARTITION_COLUMN, type TableName } from "../tables/schema";

export interface DayFiles {
  snapshotDate: string;
  /** Absolute paths, in name order. */
  files: string[];
  /** Whether the files are the day's compacted one. */
  compacted: boolean;
}

const PARQUET_MAGIC = "PAR1";
/** Header magic, footer length (4 bytes) and footer magic: no Parquet file is shorter. */
const PARQUET_MIN_BYTES = 12;

/** Why a table file cannot be read, or undefined when it looks like one. */
export function unreadableBecause(file: string, format: FileFormat): string | undefined {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    return `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  if (size === 0) return "is empty (0 bytes)";
  if (format !== "parquet") return undefined;
  if (size < PARQUET_MIN_BYTES) return `is ${size} bytes, shorter than any Parquet file`;
  const head = Buffer.alloc(4);
  const tail = Buffer.alloc(4);
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    readSync(fd, head, 0, 4, 0);
    readSync(fd, tail, 0, 4, size - 4);
  } catch (err) {
    return `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (head.toString("latin1") !== PARQUET_MAGIC || tail.toString("latin1") !== PARQUET_MAGIC) return `is not a whole Parquet file (no "${PARQUET_MAGIC}" at both ends)`;
  return undefined;
}

/** The valid folders' values under a root (by `parse`), sorted; every other entry is reported. */
function folderValues(root: string, parse: (name: string) => string | undefined, form: string, warn: (message: string) => void): string[] {
  if (!existsSync(root)) return [];
  const values: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const value = parse(entry.name);
    if (value === undefined) warn(`Skipped ${path.join(root, entry.name)}: not a partition folder (${form}); move it out of the lake.`);
    else values.push(value);
  }
  return values.sort();
}

const partitionDates = (root: string, warn: (message: string) => void) => folderValues(root, parsePartitionFolder, `${PARTITION_COLUMN}=YYYY-MM-DD with a real date`, warn);

/** One finished month's file: its rows carry snapshot_date as a column. */
export interface MonthFile {
  month: string;
  file: string;
}

export interface TableFiles {
  months: MonthFile[];
  days: DayFiles[];
}

const skipFile = (warn: (message: string) => void) => (file: string, why: string) =>
  warn(`Skipped ${file}: it ${why}; replace or remove it (\`npm start -- --stage transform --date <day>\` writes the day again).`);

/**
 * The files to read for one table and format: the months read from their monthly file, then the
 * other days (days with no readable file left out). `months: false` ignores monthly files (what
 * a month is compacted from); `within` keeps only the days of one month.
 */
export function tableFiles(
  lakeDir: string,
  format: FileFormat,
  table: TableName,
  warn: (message: string) => void,
  opts: { months?: boolean; within?: string; badFile?: (file: string, why: string) => void } = {},
): TableFiles {
  const skip = opts.badFile ?? skipFile(warn);
  const months: MonthFile[] = [];
  if (opts.months !== false) {
    for (const month of folderValues(path.join(lakeDir, monthlyRoot(format, table)), parseMonthFolder, "snapshot_month=YYYY-MM", warn)) {
      if (opts.within !== undefined && month !== opts.within) continue;
      const file = path.join(lakeDir, monthlyFileKey(format, table, month));
      const why = unreadableBecause(file, format);
      if (why === undefined) months.push({ month, file });
      // The month is still there as its days, read below.
      else if (existsSync(file)) skip(file, why);
    }
  }
  // Largest month first: DuckDB estimates a scan of many files as its first file's rows times their number (seen
  // in EXPLAIN ANALYZE), and a partial first month (history starting mid-month) made the month scans look small
  // enough to become a join's build side, where no join filter prunes them.
  months.sort((a, b) => statSync(b.file).size - statSync(a.file).size || a.month.localeCompare(b.month));
  const monthly = new Set(months.map((m) => m.month));
  const days = dayFiles(lakeDir, format, table, warn, skip, (date) => !monthly.has(monthOf(date)) && (opts.within === undefined || monthOf(date) === opts.within));
  return { months, days };
}

function dayFiles(
  lakeDir: string,
  format: FileFormat,
  table: TableName,
  warn: (message: string) => void,
  skip: (file: string, why: string) => void,
  wanted: (date: string) => boolean,
): DayFiles[] {
  const perPlaylistRoot = path.join(lakeDir, tableRoot(format, table));
  const compacted = new Set(partitionDates(path.join(lakeDir, compactedRoot(format, table)), warn));
  const dates = [...new Set([...compacted, ...partitionDates(perPlaylistRoot, warn)])].filter(wanted).sort();
  const days: DayFiles[] = [];
  for (const snapshotDate of dates) {
    if (compacted.has(snapshotDate)) {
      const file = path.join(lakeDir, compactedFileKey(format, table, snapshotDate));
      const why = unreadableBecause(file, format);
      if (why === undefined) {
        days.push({ snapshotDate, files: [file], compacted: true });
        continue;
      }
      // The day is still there as its per-playlist files, read below.
      if (existsSync(file)) skip(file, why);
    }
    const folder = path.join(perPlaylistRoot, partitionFolder(snapshotDate));
    if (!existsSync(folder)) continue;
    const files: string[] = [];
    for (const name of readdirSync(folder).sort()) {
      if (!name.endsWith(`.${format}`)) continue;
      const file = path.join(folder, name);
      const why = unreadableBecause(file, format);
      if (why === undefined) files.push(file);
      else skip(file, why);
    }
    if (files.length > 0) days.push({ snapshotDate, files, compacted: false });
  }
  return days;
}

/** Characters DuckDB reads as a glob in a file name, even in a list of files. */
const GLOB_CHARACTERS = /[*?[]/;

/**
 * The path as DuckDB reads it literally: each glob character in a one-character class ("[*]").
 * DuckDB has no escape for a backslash inside a glob, so a path with both cannot be read.
 */
export function literalPath(file: string): string {
  if (!GLOB_CHARACTERS.test(file)) return file;
  if (file.includes("\\")) {
    throw new Error(`DuckDB cannot read ${file} literally: its path holds a backslash and one of * ? [. Rename the lake folder (or a folder above it) without them.`);
  }
  return file.replace(/[*?[]/g, (c) => `[${c}]`);
}
