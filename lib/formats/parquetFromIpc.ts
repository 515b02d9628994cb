/**
 * The WebAssembly half of Parquet encoding: an Arrow IPC stream (parquetIpc.ts) written as
 * Parquet by parquet-wasm (Rust's parquet crate compiled to WebAssembly; the Node build loads its
 * .wasm synchronously from the package, nothing is downloaded) with Snappy compression, which
 * Glue, Athena and DuckDB all read. No apache-arrow here, so the CLI's Parquet worker thread
 * (parquetWorker.ts) loads only this.
 *
 * Loading this file compiles the 4.9 MB wasm (about 50 ms): a process that may not need it
 * loads it lazily (parquetEncoder.ts).
 */
import * as parquetWasm from "parquet-wasm";

/** Parquet bytes of a table given as an Arrow IPC stream (checkedArrowIpc). */
export function parquetOfArrowIpc(ipc: Uint8Array): Uint8Array {
  const wasmTable = parquetWasm.Table.fromIPCStream(ipc);
  const properties = new parquetWasm.WriterPropertiesBuilder()
    .setCompression(parquetWasm.Compression.SNAPPY)
    .setCreatedBy("spotify-pipeline (parquet-wasm)")
    .build();
  // writeParquet consumes both wasm objects; the bytes it returns live in JS memory.
  return parquetWasm.writeParquet(wasmTable, properties);
}
