/**
 * The reference for lib/formats/arrowIpc.ts: the Arrow IPC stream of a table's column buffers
 * (arrowColumns.ts) as apache-arrow writes it, through its own Table, with the types of
 * lib/tables/schema.ts. This was the product's encoder until 26 November 2026 (as
 * lib/formats/parquetIpc.ts); test/arrowIpc.test.ts holds the new one to it.
 * Types: string → Utf8, int32 → Int32, int64 → Int64, boolean → Bool,
 * timestamp → Timestamp(ms, UTC), string_list → List<Utf8> (non-nullable elements); non-nullable
 * columns are not nullable.
 */
import * as arrow from "apache-arrow";
import type { ColumnDef, ColumnType } from "../../lib/tables/schema";
import type { ColumnBuffers } from "../../lib/formats/arrowColumns";

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
    default:
      throw new Error(`no Arrow type for column type "${String(type)}"`);
  }
}

function arrowSchemaOf(columns: readonly ColumnDef[]): arrow.Schema {
  return new arrow.Schema(columns.map((c) => new arrow.Field(c.name, arrowType(c.type), c.nullable)));
}

function arrowData(type: arrow.DataType, buffers: ColumnBuffers): arrow.Data {
  const { length, nullCount, nullBitmap, valueOffsets, data, child } = buffers;
  if (child) {
    const listType = type as arrow.List<arrow.Utf8>;
    return arrow.makeData({ type: listType, length, nullCount, nullBitmap, valueOffsets, child: arrowData(listType.children[0].type, child) as arrow.Data<arrow.Utf8> });
  }
  if (valueOffsets) return arrow.makeData({ type: type as arrow.Utf8, length, nullCount, nullBitmap, valueOffsets, data: data as Uint8Array });
  return arrow.makeData({ type: type as arrow.Int32, length, nullCount, nullBitmap, data: data as Int32Array });
}

/** The Arrow IPC stream of a table of `length` rows given as its column buffers (in `columns` order). */
export function arrowIpcOfColumns(columns: readonly ColumnDef[], length: number, buffers: readonly ColumnBuffers[]): Uint8Array {
  const schema = arrowSchemaOf(columns);
  const children = schema.fields.map((field, i) => arrowData(field.type, buffers[i]));
  const data = arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children });
  return arrow.tableToIPC(new arrow.Table([new arrow.RecordBatch(schema, data)]), "stream");
}
