/**
 * The WebAssembly half of Parquet encoding: an Arrow IPC stream (arrowIpc.ts) written as
 * Parquet by parquet-wasm (Rust's parquet crate compiled to WebAssembly; the Node build loads its
 * .wasm synchronously from the package, nothing is downloaded) with Snappy compression, which
 * Glue, Athena and DuckDB all read. No apache-arrow here, so the CLI's Parquet worker thread
 * (parquetWorker.ts) loads only this.
 *
 * Loading this file compiles the 4.9 MB wasm (about 50 ms): a process that may not need it
 * loads it lazily (parquetEncoder.ts).
 */
import * as parquetWasm from "parquet-wasm";
import type { ColumnDef } from "../tables/schema";

/**
 * Parquet bytes of a table given as an Arrow IPC stream (arrowIpcStream) of `columns`.
 *
 * A dictionary only for the columns with a few distinct values per file (ColumnDef.fewValues:
 * playlist_id, added_by, album_type, release_date_precision); the others (ids, names, URLs,
 * numbers) are written plain, as the parquet crate's default dictionary of every column mostly
 * held each value once more. Measured on the six tables of the 10,000-entry benchmark snapshot,
 * run cold with --liftoff-only as the CLI runs: 665 KB instead of 795 KB, written in 57 to 96 ms
 * instead of 95 to 135 ms (three runs each).
 */
export function parquetOfArrowIpc(ipc: Uint8Array, columns: readonly ColumnDef[]): Uint8Array {
  const wasmTable = parquetWasm.Table.fromIPCStream(ipc);
  let builder = new parquetWasm.WriterPropertiesBuilder()
    .setCompression(parquetWasm.Compression.SNAPPY)
    .setCreatedBy("spotify-pipeline (parquet-wasm)")
    .setDictionaryEnabled(false);
  for (const column of columns) if (column.fewValues) builder = builder.setColumnDictionaryEnabled(column.name, true);
  const properties = builder.build();
  // writeParquet consumes both wasm objects; the bytes it returns live in JS memory.
  return parquetWasm.writeParquet(wasmTable, properties);
}
