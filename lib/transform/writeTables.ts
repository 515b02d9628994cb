/**
 * Writes one snapshot's tables in both formats. Keys come only from tableFileKey, so a rerun
 * for the same snapshot date and playlist replaces exactly the same 12 files.
 */
import { FILE_FORMATS, tableFileKey, type FileFormat } from "../lake/layout";
import { contentTypeFor, type ObjectStore } from "../storage/objectStore";
import { TABLE_NAMES, type ColumnDef, type Row, type TableRows } from "../tables/schema";
import { encodeCheckedCsv } from "../formats/csv";
import { encodeCheckedParquet } from "../formats/parquet";
import { assertTablesFit, type CheckedColumns } from "../formats/rowCheck";

const ENCODERS: Record<FileFormat, (columns: readonly ColumnDef[], rows: readonly Row[]) => Uint8Array> = {
  csv: encodeCheckedCsv,
  parquet: encodeCheckedParquet,
};

/**
 * Writes tables whose rows passed assertTablesFit (the columns it returned). Returns the keys
 * written: every format × every table, parquet first then csv, tables in schema order.
 */
export async function writeCheckedTables(store: ObjectStore, columns: CheckedColumns, tables: TableRows, snapshotDate: string, playlistId: string): Promise<string[]> {
  // Encode everything before writing anything: an encoding error then leaves no partial set of files.
  const files = [...FILE_FORMATS]
    .sort((a, b) => (a === "parquet" ? -1 : b === "parquet" ? 1 : 0))
    .flatMap((format) =>
      TABLE_NAMES.map((table) => ({ key: tableFileKey(format, table, snapshotDate, playlistId), body: ENCODERS[format](columns[table], tables[table]) })),
    );
  for (const { key, body } of files) await store.put(key, body, contentTypeFor(key));
  return files.map((f) => f.key);
}

/** Checks each table once for both encoders, then writes them (see writeCheckedTables). */
export async function writeTables(store: ObjectStore, tables: TableRows, snapshotDate: string, playlistId: string): Promise<string[]> {
  return writeCheckedTables(store, assertTablesFit(tables), tables, snapshotDate, playlistId);
}
