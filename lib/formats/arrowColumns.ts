/**
 * Arrow's column buffers of checked rows (values, validity bitmap, UTF-8 bytes and offsets), as
 * plain typed arrays: what arrowIpc.ts makes an Arrow IPC stream of. No apache-arrow here, so
 * the CLI's main thread builds them without loading it, and hands them to its Parquet worker
 * thread (transferred, not copied), which makes the stream and the Parquet file.
 *
 * The buffers are built straight from the cells rather than through arrow.vectorFromArray: same
 * Arrow data, several times faster and without a builder's per-value garbage (bench/transform.ts).
 * Layouts (Arrow columnar format): string: int32 offsets + UTF-8 bytes; int32: Int32Array;
 * int64 and timestamp (ms): BigInt64Array; boolean: bits, LSB first; string_list: int32 offsets
 * into a child string column of the elements.
 */
import type { Cell, ColumnDef, Row } from "../tables/schema";
import { compileRowFunction } from "./compileRow";

export interface ColumnBuffers {
  length: number;
  nullCount: number;
  /** Validity bits, LSB first; absent when no value is null (as arrow's builders do). */
  nullBitmap: Uint8Array | undefined;
  valueOffsets?: Int32Array;
  data?: Uint8Array | Int32Array | BigInt64Array;
  /** string_list: its elements, a non-nullable string column. */
  child?: ColumnBuffers;
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

/** The bytes in an ArrayBuffer of their own (transferable): a short string's bytes are a slice of Node's shared pool, a long one's are not. */
const ownBuffer = (bytes: Buffer): Uint8Array =>
  bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? new Uint8Array(bytes.buffer, 0, bytes.byteLength) : new Uint8Array(bytes);

/** UTF-8 bytes of the strings back to back, and where each starts (null cells take no bytes). */
function utf8Buffers(cells: readonly (Cell | undefined)[], nullable: boolean): ColumnBuffers {
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
    return { length: cells.length, ...validityOf(cells, nullable), valueOffsets, data: ownBuffer(joined) };
  }
  // Otherwise the byte offsets come from each string's UTF-8 length. The joined bytes are the
  // strings' bytes back to back unless a surrogate pair was split across two strings (it pairs
  // up when joined: 4 bytes instead of 3 + 3), and then the lengths do not add up.
  let end = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (typeof cell === "string") end += Buffer.byteLength(cell, "utf8");
    valueOffsets[i + 1] = end;
  }
  if (end === joined.length) {
    return { length: cells.length, ...validityOf(cells, nullable), valueOffsets, data: ownBuffer(joined) };
  }
  // Then string by string, as each alone encodes.
  const bytes = Buffer.alloc(joined.length + 3 * strings.length);
  end = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (typeof cell === "string") end += bytes.write(cell, end, "utf8");
    valueOffsets[i + 1] = end;
  }
  return { length: cells.length, ...validityOf(cells, nullable), valueOffsets, data: new Uint8Array(bytes.subarray(0, end)) };
}

function columnBuffers(column: ColumnDef, cells: readonly (Cell | undefined)[]): ColumnBuffers {
  const length = cells.length;
  const nullable = column.nullable;
  switch (column.type) {
    case "string":
      return utf8Buffers(cells, nullable);
    case "int32": {
      const data = new Int32Array(length);
      for (let i = 0; i < length; i++) if (cells[i] != null) data[i] = cells[i] as number;
      return { length, ...validityOf(cells, nullable), data };
    }
    case "int64": {
      const data = new BigInt64Array(length);
      for (let i = 0; i < length; i++) if (cells[i] != null) data[i] = BigInt(cells[i] as number);
      return { length, ...validityOf(cells, nullable), data };
    }
    case "timestamp": {
      const data = new BigInt64Array(length);
      for (let i = 0; i < length; i++) if (cells[i] != null) data[i] = BigInt((cells[i] as Date).getTime());
      return { length, ...validityOf(cells, nullable), data };
    }
    case "boolean": {
      const data = new Uint8Array((length + 7) >> 3);
      for (let i = 0; i < length; i++) if (cells[i] === true) data[i >> 3] |= 1 << (i & 7);
      return { length, ...validityOf(cells, nullable), data };
    }
    case "string_list": {
      const valueOffsets = new Int32Array(length + 1);
      const elements: string[] = [];
      for (let i = 0; i < length; i++) {
        const list = cells[i];
        if (Array.isArray(list)) for (const element of list) elements.push(element);
        valueOffsets[i + 1] = elements.length;
      }
      return { length, ...validityOf(cells, nullable), valueOffsets, child: utf8Buffers(elements, false) };
    }
  }
}

/** A column's cell of a row, compiled per column (compileRow.ts says why). */
type CellOf = (row: Row) => Cell;
const cellReaders = new WeakMap<ColumnDef, CellOf>();

function cellOf(column: ColumnDef): CellOf {
  let read = cellReaders.get(column);
  if (!read) {
    read = compileRowFunction<CellOf>([column], {}, ([{ cell }]) => `return ${cell};`);
    cellReaders.set(column, read);
  }
  return read;
}

/** The column buffers of rows already checked against `columns` (assertRowsFit), in column order. */
export function checkedColumnBuffers(columns: readonly ColumnDef[], rows: readonly Row[]): ColumnBuffers[] {
  return columns.map((column) => columnBuffers(column, rows.map(cellOf(column))));
}

/** Every ArrayBuffer the columns hold (for a transfer list). */
export function arrayBuffersOf(columns: readonly ColumnBuffers[]): ArrayBufferLike[] {
  return columns.flatMap((c) => [c.nullBitmap, c.valueOffsets, c.data].flatMap((a) => (a ? [a.buffer] : [])).concat(c.child ? arrayBuffersOf([c.child]) : []));
}
