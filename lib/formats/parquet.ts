/**
 * Parquet encoding of a table: an apache-arrow table with the types of lib/tables/schema.ts,
 * written by parquet-wasm (Rust's parquet crate compiled to WebAssembly; the Node build loads
 * its .wasm synchronously from the package, nothing is downloaded) with Snappy compression,
 * which Glue, Athena and DuckDB all read.
 * Types: string → UTF8, int32 → INT32, int64 → INT64, boolean → BOOLEAN,
 * timestamp → TIMESTAMP(MILLIS, UTC), string_list → LIST<UTF8>; non-nullable columns are REQUIRED.
 * parquet-wasm was chosen over parquetjs-lite by measurement (bench/parquetWriters.ts).
 * The output depends only on the rows: no clock, no random ids, so reruns give identical bytes.
 */
import * as arrow from "apache-arrow";
import * as parquetWasm from "parquet-wasm";
import type { Cell, ColumnDef, ColumnType, Row, TableName } from "../tables/schema";
import { assertRowsFit } from "./rowCheck";

function arrowType(type: ColumnType): arrow.DataType {
  switch (type) {
    case "string":
      return new arrow.Utf8();
    case "int32":
      return new arrow.Int32();
    case "int64":
      return new arrow.Int64();
    case "boolean":
      return new arrow.Bool();
    case "timestamp":
      return new arrow.TimestampMillisecond("UTC");
    case "string_list":
      return new arrow.List(new arrow.Field("element", new arrow.Utf8(), false));
  }
}

function arrowValue(type: ColumnType, value: Cell | undefined): unknown {
  if (value === null || value === undefined) return null;
  if (type === "int64") return BigInt(value as number);
  if (type === "timestamp") return (value as Date).getTime();
  return value;
}

export function arrowSchemaOf(columns: readonly ColumnDef[]): arrow.Schema {
  return new arrow.Schema(columns.map((c) => new arrow.Field(c.name, arrowType(c.type), c.nullable)));
}

/** The rows as an apache-arrow table with the declared types (also used by the writer benchmark). */
export function toArrowTable(table: TableName, rows: readonly Row[]): arrow.Table {
  const columns = assertRowsFit(table, rows);
  const schema = arrowSchemaOf(columns);
  const children = schema.fields.map((field, i) => {
    const type = columns[i].type;
    return arrow.vectorFromArray(rows.map((r) => arrowValue(type, r[field.name])) as never[], field.type).data[0];
  });
  const data = arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows.length, nullCount: 0, children });
  return new arrow.Table([new arrow.RecordBatch(schema, data)]);
}

export function encodeParquet(table: TableName, rows: Row[]): Uint8Array {
  const wasmTable = parquetWasm.Table.fromIPCStream(arrow.tableToIPC(toArrowTable(table, rows), "stream"));
  const properties = new parquetWasm.WriterPropertiesBuilder()
    .setCompression(parquetWasm.Compression.SNAPPY)
    .setCreatedBy("spotify-pipeline (parquet-wasm)")
    .build();
  // writeParquet consumes both wasm objects; the bytes it returns live in JS memory.
  return parquetWasm.writeParquet(wasmTable, properties);
}
