/**
 * Compaction: a day's per-playlist table files become one file per table and format
 * (lib/lake/layout.ts, compactedFileKey), with the same rows, so that a reader opens one file
 * per table per day however many playlists there are. The per-playlist files stay: they are the
 * transform's output and what the day is re-compacted from after a late re-transform of one
 * playlist. Raw snapshots are not touched.
 *
 * Each compacted file is written whole or not at all (ObjectStore.put), and only after every
 * input of its day was read: a reader sees the day either as its per-playlist files or as its
 * compacted files, never neither and never both (the local catalog picks one per day, lib/query/
 * lakeFiles.ts; on AWS the Glue partition's location is switched after the put, handlers/compact.ts).
 *
 * A day that already is one file per table (a single playlist) is not rewritten: the compacted
 * copy would be the same file again.
 *
 * Parquet: each file read with parquet-wasm into apache-arrow, its rows written again by the
 * transform's own writer (lib/formats/parquet.ts), so the file has the types and encodings of the
 * per-playlist files. CSV: the files' records joined under one header
 * (they are written by one encoder with one header per table), the same bytes a one-file writer
 * would give; Athena reads it with the same SerDe and skip.header.line.count = 1.
 */
import { tableFromIPC, type Table } from "apache-arrow";
import { readParquet } from "parquet-wasm";
import { compactedFileKey, compactedRoot, FILE_FORMATS, partitionFolder, tableRoot, type FileFormat } from "../lake/layout";
import { contentTypeFor, type ObjectStore } from "../storage/objectStore";
import { TABLE_NAMES, TABLES, type Cell, type ColumnDef, type Row, type TableName } from "../tables/schema";
import { encodeCheckedParquet } from "../formats/parquet";

export type DayCompaction =
  | { snapshotDate: string; status: "compacted"; playlists: number; keys: string[] }
  /** Nothing written: the day has at most one file per table. */
  | { snapshotDate: string; status: "single"; playlists: number; keys: [] };

/** An input file could not be read: the day stays as its per-playlist files. */
export class CompactionError extends Error {
  constructor(
    readonly snapshotDate: string,
    readonly key: string,
    why: string,
  ) {
    super(
      `Cannot compact ${snapshotDate}: ${key} ${why}. The day stays readable as its per-playlist files; ` +
        `transform that playlist's raw snapshot again (npm start -- --stage transform --date ${snapshotDate}) and compaction runs again.`,
    );
    this.name = "CompactionError";
  }
}

/** The per-playlist files of one table and format on one day, in key order. */
export async function dayFileKeys(store: ObjectStore, format: FileFormat, table: TableName, snapshotDate: string): Promise<string[]> {
  const folder = `${tableRoot(format, table)}${partitionFolder(snapshotDate)}/`;
  return (await store.list(folder)).filter((key) => key.endsWith(`.${format}`) && !key.slice(folder.length).includes("/"));
}

/**
 * The folder of the first file compactDay writes for a day. Once it holds a file the day is
 * compacted (or being compacted), and a late re-transform of one of its playlists must compact it
 * again: readers would otherwise keep the compacted file without that playlist's new rows.
 */
export function compactionMarkerFolder(snapshotDate: string): string {
  return `${compactedRoot(FILE_FORMATS[0], TABLE_NAMES[0])}${partitionFolder(snapshotDate)}/`;
}

/** Whether the day was compacted: one listing of compactionMarkerFolder. */
export async function dayIsCompacted(store: ObjectStore, snapshotDate: string): Promise<boolean> {
  return (await store.list(compactionMarkerFolder(snapshotDate))).length > 0;
}

/** A cell as the transform's rows hold it (lib/tables/schema.ts, Cell), from the value apache-arrow reads. */
function cellOf(column: ColumnDef, value: unknown): Cell {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case "timestamp":
      return new Date(Number(value));
    case "int64":
      return Number(value);
    case "string_list":
      return Array.from(value as Iterable<string>);
    default:
      return value as Cell;
  }
}

function rowsOf(table: TableName, file: Table): Row[] {
  const columns = TABLES[table];
  const vectors = columns.map((c) => file.getChild(c.name));
  const rows: Row[] = [];
  for (let i = 0; i < file.numRows; i++) rows.push(Object.fromEntries(columns.map((c, j) => [c.name, cellOf(c, vectors[j]?.get(i))])));
  return rows;
}

function compactParquet(snapshotDate: string, table: TableName, inputs: { key: string; body: Uint8Array }[]): Uint8Array {
  const rows = inputs.flatMap(({ key, body }) => {
    let file: Table;
    try {
      file = tableFromIPC(readParquet(body).intoIPCStream());
    } catch (err) {
      throw new CompactionError(snapshotDate, key, `is not a readable Parquet file (${(err as Error).message})`);
    }
    const missing = TABLES[table].filter((c) => !file.getChild(c.name)).map((c) => c.name);
    if (missing.length > 0) throw new CompactionError(snapshotDate, key, `has no column ${missing.join(", ")} of ${table}`);
    return rowsOf(table, file);
  });
  // The transform's own writer: the compacted file has the per-playlist files' types and encodings.
  return encodeCheckedParquet(TABLES[table], rows);
}

const NEWLINE = 0x0a;

export function compactCsv(snapshotDate: string, inputs: { key: string; body: Uint8Array }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let header: string | undefined;
  for (const { key, body } of inputs) {
    const end = body.indexOf(NEWLINE);
    if (end < 0) throw new CompactionError(snapshotDate, key, "has no header line");
    const own = Buffer.from(body.subarray(0, end)).toString("utf8");
    if (header === undefined) header = own;
    else if (own !== header) throw new CompactionError(snapshotDate, key, `has the header "${own}", not "${header}"`);
    parts.push(parts.length === 0 ? body : body.subarray(end + 1));
    if (body.length > 0 && body[body.length - 1] !== NEWLINE) parts.push(Uint8Array.of(NEWLINE));
  }
  return Buffer.concat(parts);
}

/**
 * Compacts one day of the lake (both formats, every table). Returns what it did; throws
 * CompactionError (nothing written for that table) when an input cannot be read.
 */
/** Every table's per-playlist files of the day, by "format/table". */
async function dayInputs(store: ObjectStore, snapshotDate: string): Promise<Map<string, string[]>> {
  const inputs = new Map<string, string[]>();
  for (const format of FILE_FORMATS) for (const table of TABLE_NAMES) inputs.set(`${format}/${table}`, await dayFileKeys(store, format, table, snapshotDate));
  return inputs;
}

const sameInputs = (a: Map<string, string[]>, b: Map<string, string[]>) => [...a].every(([k, keys]) => keys.join("\n") === (b.get(k) ?? []).join("\n"));

/**
 * How many times a day is compacted when a playlist's files keep arriving while it is: a transform
 * that lands after the listing and checks the day before the first compacted file exists does not
 * ask for a re-compaction (handlers/compact.ts, requestRecompaction), so the listing is taken again
 * after the files are written, and the day compacted again when it changed.
 */
const MAX_COMPACTION_PASSES = 3;

export async function compactDay(store: ObjectStore, snapshotDate: string): Promise<DayCompaction> {
  let inputs = await dayInputs(store, snapshotDate);
  for (let pass = 1; ; pass++) {
    const playlists = Math.max(0, ...[...inputs.values()].map((keys) => keys.length));
    if (playlists <= 1) return { snapshotDate, status: "single", playlists, keys: [] };
    const keys: string[] = [];
    // Table by table: one table's files are in memory at a time.
    for (const format of FILE_FORMATS) {
      for (const table of TABLE_NAMES) {
        const files = await Promise.all(inputs.get(`${format}/${table}`)!.map(async (key) => ({ key, body: await store.get(key) })));
        if (files.length === 0) continue;
        const body = format === "parquet" ? compactParquet(snapshotDate, table, files) : compactCsv(snapshotDate, files);
        const key = compactedFileKey(format, table, snapshotDate);
        await store.put(key, body, contentTypeFor(key));
        keys.push(key);
      }
    }
    const now = await dayInputs(store, snapshotDate);
    if (sameInputs(now, inputs) || pass === MAX_COMPACTION_PASSES) return { snapshotDate, status: "compacted", playlists, keys };
    inputs = now;
  }
}
