/**
 * Parquet encoding of a table: apache-arrow builds the Arrow table (vectorFromArray per column,
 * with the column's type and nullability), and parquet-wasm (Rust's parquet crate compiled to
 * WebAssembly; its Node build loads the .wasm from the package, nothing is downloaded) writes it
 * from Arrow's IPC stream, Snappy-compressed, which Glue, Athena and DuckDB all read.
 * Types: string → UTF8, int32 → INT32, int64 → INT64, boolean → BOOLEAN,
 * timestamp → TIMESTAMP(MILLIS, UTC), string_list → LIST<UTF8>; non-nullable columns are REQUIRED.
 * parquet-wasm was chosen over parquetjs-lite by measurement (bench/parquetWriters.ts).
 * The output depends only on the rows: no clock, no random ids, so reruns give identical bytes.
 */
import * as arrow from "apache-arrow";
import * as parquetWasm from "parquet-wasm";
import type { Cell, ColumnDef, ColumnType, Row, TableName } from "../tables/schema";
import { assertRowsFit } from "./rowCheck";

const ARROW_TYPES: Record<ColumnType, () => arrow.DataType> = {
  string: () => new arrow.Utf8(),
  int32: () => new arrow.Int32(),
  int64: () => new arrow.Int64(),
  boolean: () => new arrow.Bool(),
  timestamp: () => new arrow.TimestampMillisecond("UTC"),
  string_list: () => new arrow.List(new arrow.Field("element", new arrow.Utf8(), false)),
};

/** Validity bits of the present cells, LSB first as Arrow lays them out; none when every cell is present. */
function validity(cells: readonly (Cell | undefined)[]): { nullCount: number; nullBitmap?: Uint8Array } {
  const nullBitmap = new Uint8Array((cells.length + 7) >> 3);
  let nullCount = 0;
  cells.forEach((cell, i) => {
    if (cell === null || cell === undefined) nullCount++;
    else nullBitmap[i >> 3] |= 1 << (i & 7);
  });
  return nullCount > 0 ? { nullCount, nullBitmap } : { nullCount };
}

/** UTF-8 bytes of the strings back to back, and where each starts (a null cell takes none). */
function utf8Data(type: arrow.Utf8, cells: readonly (Cell | undefined)[]): arrow.Data<arrow.Utf8> {
  const valueOffsets = new Int32Array(cells.length + 1);
  const bytes = Buffer.allocUnsafe(cells.reduce<number>((n, cell) => n + (typeof cell === "string" ? cell.length * 3 : 0), 0));
  let end = 0;
  cells.forEach((cell, i) => {
    if (typeof cell === "string") end += bytes.write(cell, end, "utf8");
    valueOffsets[i + 1] = end;
  });
  return arrow.makeData({ type, length: cells.length, ...validity(cells), valueOffsets, data: bytes.subarray(0, end) });
}

/**
 * A column's Arrow data, made with apache-arrow's makeData from its buffers in Arrow's columnar
 * layout (strings: int32 offsets + UTF-8 bytes; int64 and timestamps: BigInt64Array; booleans:
 * bits, LSB first; lists: int32 offsets into a child column). Written straight from the cells
 * rather than value by value through vectorFromArray's builders: the transform's largest single
 * saving (docs/performance.md).
 */
function columnData(type: arrow.DataType, column: ColumnDef, cells: readonly (Cell | undefined)[]): arrow.Data {
  const length = cells.length;
  switch (column.type) {
    case "string":
      return utf8Data(type as arrow.Utf8, cells);
    case "int32":
      return arrow.makeData({ type: type as arrow.Int32, length, ...validity(cells), data: Int32Array.from(cells, (v) => (v as number | null) ?? 0) });
    case "int64":
      return arrow.makeData({ type: type as arrow.Int64, length, ...validity(cells), data: BigInt64Array.from(cells, (v) => BigInt((v as number | null) ?? 0)) });
    case "timestamp":
      return arrow.makeData({ type: type as arrow.TimestampMillisecond, length, ...validity(cells), data: BigInt64Array.from(cells, (v) => BigInt(v ? (v as Date).getTime() : 0)) });
    case "boolean": {
      const data = new Uint8Array((length + 7) >> 3);
      cells.forEach((v, i) => v === true && (data[i >> 3] |= 1 << (i & 7)));
      return arrow.makeData({ type: type as arrow.Bool, length, ...validity(cells), data });
    }
    case "string_list": {
      const listType = type as arrow.List<arrow.Utf8>;
      const valueOffsets = new Int32Array(length + 1);
      const elements: string[] = [];
      cells.forEach((list, i) => {
        if (Array.isArray(list)) elements.push(...list);
        valueOffsets[i + 1] = elements.length;
      });
      return arrow.makeData({ type: listType, length, ...validity(cells), valueOffsets, child: utf8Data(listType.children[0].type, elements) });
    }
  }
}

/** The Arrow table of rows already checked against `columns` (assertRowsFit). */
export function arrowTableOf(columns: readonly ColumnDef[], rows: readonly Row[]): arrow.Table {
  const fields = columns.map((c) => new arrow.Field(c.name, ARROW_TYPES[c.type](), c.nullable));
  const children = fields.map((field, i) => columnData(field.type, columns[i], rows.map((row) => row[field.name])));
  const batch = new arrow.RecordBatch(new arrow.Schema(fields), arrow.makeData({ type: new arrow.Struct(fields), length: rows.length, nullCount: 0, children }));
  return new arrow.Table([batch]);
}

/**
 * Parquet bytes of rows already checked against `columns` (assertRowsFit).
 *
 * A dictionary only for the columns with a few distinct values per file (ColumnDef.fewValues:
 * playlist_id, added_by, album_type, release_date_precision); the others (ids, names, URLs,
 * numbers) are written plain: the parquet crate's default dictionary of every column would mostly
 * hold each value once more (figures in docs/performance.md).
 */
export function encodeCheckedParquet(columns: readonly ColumnDef[], rows: readonly Row[]): Uint8Array {
  const wasmTable = parquetWasm.Table.fromIPCStream(arrow.tableToIPC(arrowTableOf(columns, rows), "stream"));
  let builder = new parquetWasm.WriterPropertiesBuilder()
    .setCompression(parquetWasm.Compression.SNAPPY)
    .setCreatedBy("spotify-pipeline (parquet-wasm)")
    .setDictionaryEnabled(false);
  for (const column of columns) if (column.fewValues) builder = builder.setColumnDictionaryEnabled(column.name, true);
  // writeParquet consumes both wasm objects; the bytes it returns live in JS memory.
  return parquetWasm.writeParquet(wasmTable, builder.build());
}

/** Parquet bytes of a table's rows; throws RowDoesNotFitError for a row that does not fit it. */
export function encodeParquet(table: TableName, rows: readonly Row[]): Uint8Array {
  return encodeCheckedParquet(assertRowsFit(table, rows), rows);
}
