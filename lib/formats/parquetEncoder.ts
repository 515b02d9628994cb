/**
 * Who turns a table's checked rows into Parquet bytes: this thread (inlineParquetEncoder in
 * parquet.ts: the Lambda handler, benchmarks, tests) or a worker thread (parquetWorkerEncoder.ts,
 * the CLI). Both give the same bytes: the same function writes them (parquetFromIpc.ts).
 */
import type { ColumnDef, Row, TableName } from "../tables/schema";
import type { ColumnBuffers } from "./arrowColumns";

export interface ParquetEncoder {
  /**
   * The Parquet bytes of rows already checked against `columns` (assertRowsFit); `table` names
   * the table in errors. The work starts at the call, so a caller can do other work meanwhile.
   */
  encode(table: TableName, columns: readonly ColumnDef[], rows: readonly Row[]): Promise<Uint8Array>;
  /** Told that tables are coming soon (the raw snapshot is parsed): a worker encoder starts its thread then. */
  expectTables?(): void;
}

/** One request to a Parquet worker thread and its answer (parquetWorker.ts). */
export interface ParquetRequest {
  id: number;
  columns: readonly ColumnDef[];
  length: number;
  /** The table's column buffers (checkedColumnBuffers), transferred to the thread. */
  buffers: ColumnBuffers[];
}
export type ParquetReply = { id: number; bytes: Uint8Array } | { id: number; error: string };
