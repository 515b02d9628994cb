/**
 * Parquet encoding of a table, in this thread: the Arrow IPC stream of its column buffers
 * (arrowColumns.ts, arrowIpc.ts) written by parquet-wasm (parquetFromIpc.ts).
 * Types: string → UTF8, int32 → INT32, int64 → INT64, boolean → BOOLEAN,
 * timestamp → TIMESTAMP(MILLIS, UTC), string_list → LIST<UTF8>; non-nullable columns are REQUIRED.
 * parquet-wasm was chosen over parquetjs-lite by measurement (bench/parquetWriters.ts).
 * The output depends only on the rows: no clock, no random ids, so reruns give identical bytes.
 */
import type { ColumnDef, Row, TableName } from "../tables/schema";
import type { ParquetEncoder } from "./parquetEncoder";
import { checkedColumnBuffers } from "./arrowColumns";
import { arrowIpcStream } from "./arrowIpc";
import { parquetOfArrowIpc } from "./parquetFromIpc";
import { assertRowsFit } from "./rowCheck";

/** Parquet bytes of rows already checked against `columns` (assertRowsFit). */
export function encodeCheckedParquet(columns: readonly ColumnDef[], rows: readonly Row[]): Uint8Array {
  return parquetOfArrowIpc(arrowIpcStream(columns, rows.length, checkedColumnBuffers(columns, rows)), columns);
}

export function encodeParquet(table: TableName, rows: Row[]): Uint8Array {
  return encodeCheckedParquet(assertRowsFit(table, rows), rows);
}

/**
 * Parquet written in this thread. Importing this file compiles parquet-wasm's wasm: the Lambda
 * handler does, so that happens during its cold start rather than in its first invocation.
 */
export const inlineParquetEncoder: ParquetEncoder = {
  encode: async (_table, columns, rows) => encodeCheckedParquet(columns, rows),
};
