/**
 * Writes one snapshot's tables in both formats. Keys come only from tableFileKey, so a rerun
 * for the same snapshot date and playlist replaces exactly the same 12 files.
 */
import { tableFileKey } from "../lake/layout";
import { contentTypeFor, type ObjectStore } from "../storage/objectStore";
import { TABLE_NAMES, TABLES, type TableName, type TableRows } from "../tables/schema";
import { encodeCheckedCsv } from "../formats/csv";
import { cutForCsvLine, type CsvCut } from "../formats/csvLineLimit";
import { encodeCheckedParquet } from "../formats/parquet";
import { assertTablesFit } from "../formats/rowCheck";

/**
 * Writes tables whose rows passed assertTablesFit. Returns the keys written: every format ×
 * every table, parquet first then csv, tables in schema order.
 */
export async function writeCheckedTables(
  store: ObjectStore,
  tables: TableRows,
  snapshotDate: string,
  playlistId: string,
  /** Told which CSV values were cut to keep their line readable (csvLineLimit.ts); the Parquet files keep them whole. */
  onCsvCut?: (cuts: CsvCut[]) => void,
): Promise<string[]> {
  const csvRows = (table: TableName) => {
    const csv = cutForCsvLine(table, TABLES[table], tables[table]);
    if (csv.cuts.length > 0) onCsvCut?.(csv.cuts);
    return csv.rows;
  };
  // Encode everything before writing anything: an encoding error then leaves no partial set of files.
  const files = (["parquet", "csv"] as const).flatMap((format) =>
    TABLE_NAMES.map((table) => ({
      key: tableFileKey(format, table, snapshotDate, playlistId),
      body: format === "parquet" ? encodeCheckedParquet(TABLES[table], tables[table]) : encodeCheckedCsv(TABLES[table], csvRows(table)),
    })),
  );
  // All at once: each put is a few round trips (to the disk's thread pool, or to S3) that need not wait for the others'.
  await Promise.all(files.map(({ key, body }) => store.put(key, body, contentTypeFor(key))));
  return files.map((f) => f.key);
}

/** Checks the tables' rows (assertTablesFit), then writes them (see writeCheckedTables). */
export async function writeTables(store: ObjectStore, tables: TableRows, snapshotDate: string, playlistId: string): Promise<string[]> {
  assertTablesFit(tables);
  return writeCheckedTables(store, tables, snapshotDate, playlistId);
}
