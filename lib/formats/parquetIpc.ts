/**
 * The Arrow side of Parquet encoding: rows with the types of lib/tables/schema.ts as an
 * apache-arrow table, and as the Arrow IPC stream that parquet.ts hands to parquet-wasm.
 * Kept apart from parquet.ts so a process can build the stream without loading parquet-wasm
 * (the CLI writes Parquet in a worker thread: parquetWorker.ts).
 * Types: string → Utf8, int32 → Int32, int64 → Int64, boolean → Bool,
 * timestamp → Timestamp(ms, UTC), string_list → List<Utf8>; non-nullable columns are not nullable.
 *
 * The Arrow columns are built straight into typed arrays (values, validity bitmap, UTF-8 bytes
 * and offsets) rather than through arrow.vectorFromArray: same Arrow data, several times faster
 * and without a builder's per-value garbage (bench/transform.ts).
 */
import * as arrow from "apache-arrow";
import type { Cell, ColumnDef, ColumnType, Row } from "../tables/schema";

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

export function arrowSchemaOf(columns: readonly ColumnDef[]): arrow.Schema {
  return new arrow.Schema(columns.map((c) => new arrow.Field(c.name, arrowType(c.type), c.nullable)));
}

/** Validity bits of the non-null cells, LSB first as Arrow lays them out, and how many are null. */
function validityOf(cells: readonly (Cell | undefined)[], nullable: boolean): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  // A non-nullable column has passed assertRowsFit: nothing to count.
  if (!nullable) return { nullBitmap: undefined, nullCount: 0 };
  const bitmap = new Uint8Array((cells.length + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < cells.length; i++) {
    if (cells[i] === null || cells[i] === undefined) nullCount++;
    else bitmap[i >> 3] |= 1 << (i & 7);
  }
  // Like arrow's builders: no bitmap at all when every value is present.
  return { nullBitmap: nullCount > 0 ? bitmap : undefined, nullCount };
}

/** UTF-8 bytes of the strings back to back, and where each starts (null cells take no bytes). */
function utf8Data(type: arrow.Utf8, cells: readonly (Cell | undefined)[], nullable: boolean): arrow.Data<arrow.Utf8> {
  const valueOffsets = new Int32Array(cells.length + 1);
  const strings: string[] = [];
  let chars = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (typeof cell === "string") {
      strings.push(cell);
      chars += cell.length;
    }
    valueOffsets[i + 1] = chars;
  }
  // One encoding call for the whole column. As many bytes as UTF-16 units means every unit was
  // ASCII (anything else takes 2 to 4 bytes), so the character offsets are the byte offsets.
  const joined = Buffer.from(strings.join(""), "utf8");
  if (joined.length === chars) {
    return arrow.makeData({ type, length: cells.length, ...validityOf(cells, nullable), valueOffsets, data: new Uint8Array(joined) });
  }
  // Otherwise encode string by string (a surrogate split across two strings must not pair up).
  const bytes = Buffer.alloc(joined.length + 3 * strings.length);
  let end = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (typeof cell === "string") end += bytes.write(cell, end, "utf8");
    valueOffsets[i + 1] = end;
  }
  return arrow.makeData({ type, length: cells.length, ...validityOf(cells, nullable), valueOffsets, data: bytes.subarray(0, end) });
}

function columnData(column: ColumnDef, type: arrow.DataType, cells: readonly (Cell | undefined)[]): arrow.Data {
  const length = cells.length;
  const nullable = column.nullable;
  switch (column.type) {
    case "string":
      return utf8Data(type as arrow.Utf8, cells, column.nullable);
    case "int32": {
      const data = new Int32Array(length);
      for (let i = 0; i < length; i++) if (cells[i] != null) data[i] = cells[i] as number;
      return arrow.makeData({ type: type as arrow.Int32, length, ...validityOf(cells, nullable), data });
    }
    case "int64": {
      const data = new BigInt64Array(length);
      for (let i = 0; i < length; i++) if (cells[i] != null) data[i] = BigInt(cells[i] as number);
      return arrow.makeData({ type: type as arrow.Int64, length, ...validityOf(cells, nullable), data });
    }
    case "timestamp": {
      const data = new BigInt64Array(length);
      for (let i = 0; i < length; i++) if (cells[i] != null) data[i] = BigInt((cells[i] as Date).getTime());
      return arrow.makeData({ type: type as arrow.TimestampMillisecond, length, ...validityOf(cells, nullable), data });
    }
    case "boolean": {
      const data = new Uint8Array((length + 7) >> 3);
      for (let i = 0; i < length; i++) if (cells[i] === true) data[i >> 3] |= 1 << (i & 7);
      return arrow.makeData({ type: type as arrow.Bool, length, ...validityOf(cells, nullable), data });
    }
    case "string_list": {
      const listType = type as arrow.List<arrow.Utf8>;
      const valueOffsets = new Int32Array(length + 1);
      const elements: string[] = [];
      for (let i = 0; i < length; i++) {
        const list = cells[i];
        if (Array.isArray(list)) for (const element of list) elements.push(element);
        valueOffsets[i + 1] = elements.length;
      }
      const child = utf8Data(listType.children[0].type, elements, listType.children[0].nullable);
      return arrow.makeData({ type: listType, length, ...validityOf(cells, nullable), valueOffsets, child });
    }
  }
}

/** Rows already checked against `columns` (assertRowsFit) as an apache-arrow table. */
export function arrowTableOfCheckedRows(columns: readonly ColumnDef[], rows: readonly Row[]): arrow.Table {
  const schema = arrowSchemaOf(columns);
  const children = schema.fields.map((field, i) => columnData(columns[i], field.type, rows.map((r) => r[field.name])));
  const data = arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows.length, nullCount: 0, children });
  return new arrow.Table([new arrow.RecordBatch(schema, data)]);
}

/** The Arrow IPC stream of rows already checked against `columns` (assertRowsFit): what parquet-wasm reads. */
export function checkedArrowIpc(columns: readonly ColumnDef[], rows: readonly Row[]): Uint8Array {
  return arrow.tableToIPC(arrowTableOfCheckedRows(columns, rows), "stream");
}
