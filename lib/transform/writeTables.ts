/**
 * Writes one snapshot's tables in both formats. Keys come only from tableFileKey, so a rerun
 * for the same snapshot date and playlist replaces exactly the same 12 files.
 */
import { tableFileKey } from "../lake/layout";
import { contentTypeFor, type ObjectStore } from "../storage/objectStore";
import { TABLE_NAMES, type TableRows } from "../tables/schema";
import { encodeCheckedCsv } from "../formats/csv";
import type { ParquetEncoder } from "../formats/parquetEncoder";
import { assertTablesFit, type CheckedColumns } from "../formats/rowCheck";

/**
 * The default: parquet.ts's inline encoder, loaded on first use. Loading it compiles
 * parquet-wasm's 4.9 MB wasm (about 50 ms), which the CLI, whose Parquet is written in a worker
 * thread, must not pay on its main thread.
 */
const inlineOnFirstUse: ParquetEncoder = {
  encode: (table, columns, rows) => (require("../formats/parquet") as typeof import("../formats/parquet")).inlineParquetEncoder.encode(table, columns, rows),
};

/**
 * Writes tables whose rows passed assertTablesFit (the columns it returned). Returns the keys
 * written: every format × every table, parquet first then csv, tables in schema order.
 * `parquet` encodes the Parquet files (inline by default; the CLI's runs in a worker thread).
 */
export async function writeCheckedTables(
  store: ObjectStore,
  columns: CheckedColumns,
  tables: TableRows,
  snapshotDate: string,
  playlistId: string,
  parquet: ParquetEncoder = inlineOnFirstUse,
): Promise<string[]> {
  // Encode everything before writing anything: an encoding error then leaves no partial set of files.
  // Table by table, Parquet started first: a worker encoder writes a table's Parquet while this
  // thread encodes its CSV, and only a table or two is in flight at a time (peak memory).
  const parquetBodies: Promise<Uint8Array>[] = [];
  const csvBodies: Uint8Array[] = [];
  try {
    for (const table of TABLE_NAMES) {
      parquetBodies.push(parquet.encode(table, columns[table], tables[table]));
      csvBodies.push(encodeCheckedCsv(columns[table], tables[table]));
    }
  } finally {
    // Awaited below; when a CSV encoding throws first, the Parquet ones must not go unhandled.
    for (const p of parquetBodies) p.catch(() => {});
  }
  const bodies = { parquet: await Promise.all(parquetBodies), csv: csvBodies };
  const files = (["parquet", "csv"] as const).flatMap((format) =>
    TABLE_NAMES.map((table, i) => ({ key: tableFileKey(format, table, snapshotDate, playlistId), body: bodies[format][i] })),
  );
  // All at once: each put is a few round trips (to the disk's thread pool, or to S3) that need not wait for the others'.
  await Promise.all(files.map(({ key, body }) => store.put(key, body, contentTypeFor(key))));
  return files.map((f) => f.key);
}

/** Checks each table once for both encoders, then writes them (see writeCheckedTables). */
export async function writeTables(store: ObjectStore, tables: TableRows, snapshotDate: string, playlistId: string, parquet?: ParquetEncoder): Promise<string[]> {
  return writeCheckedTables(store, assertTablesFit(tables), tables, snapshotDate, playlistId, parquet);
}
