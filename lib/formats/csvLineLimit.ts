/**
 * Keeps every CSV record on a line DuckDB and Athena can read. DuckDB's CSV reader stops at a
 * line over `max_line_size` (2,097,152 bytes by default), which then fails every query on the
 * table; Athena takes a row up to 32 MB and a text line up to 200 MB ("Considerations and
 * limitations for SQL queries in Amazon Athena": row or column size limitation, maximum line
 * length in text files). So a record over CSV_LINE_LIMIT_BYTES gets its longest string values
 * cut until it fits, and each cut is returned, for the caller to say. Only the CSV twin is cut:
 * the Parquet table keeps the whole value. A line break in a value is written as U+2028 (csv.ts),
 * so a record is one line.
 */
import type { ColumnDef, Row, TableName } from "../tables/schema";
import { stringify } from "csv-stringify/sync";
import { csvOptions } from "./csv";

/** DuckDB's default max_line_size is 2,097,152 bytes: this leaves room for the newline and a margin. */
export const CSV_LINE_LIMIT_BYTES = 2_000_000;

export interface CsvCut {
  table: TableName;
  /** The row's index in the table's rows of this snapshot. */
  row: number;
  column: string;
  /** Lengths in UTF-16 code units (JavaScript string length), before and after. */
  fromLength: number;
  toLength: number;
}

/** The record's bytes as the writer writes it (csv.ts's options on this one row, no header). */
function recordBytes(columns: readonly ColumnDef[], row: Row): number {
  return Buffer.byteLength(stringify([row as Row], { ...csvOptions(columns), header: false }));
}

/**
 * An upper bound of the record's bytes without encoding it: a UTF-16 unit is at most 3 bytes once
 * written (a backslash or quote doubled, a line break as U+2028), a list element's JSON at most 6
 * per unit (\u escapes) plus its quotes and comma.
 */
function roughBytes(columns: readonly ColumnDef[], row: Row): number {
  let bytes = 0;
  for (const c of columns) {
    const v = row[c.name];
    if (typeof v === "string") bytes += 3 * v.length + 3;
    else if (Array.isArray(v)) for (const s of v) bytes += 6 * s.length + 3;
    else bytes += 32;
  }
  return bytes;
}

/** The rows to write as CSV (a cut row is a copy; the others are the same objects) and the cuts made. */
export function cutForCsvLine(table: TableName, columns: readonly ColumnDef[], rows: readonly Row[]): { rows: readonly Row[]; cuts: CsvCut[] } {
  const cuts: CsvCut[] = [];
  let out: Row[] | undefined;
  for (let r = 0; r < rows.length; r++) {
    if (roughBytes(columns, rows[r]) <= CSV_LINE_LIMIT_BYTES) continue;
    const row: Record<string, Row[string]> = { ...rows[r] };
    const original = new Map<string, number>();
    for (;;) {
      const bytes = recordBytes(columns, row);
      if (bytes <= CSV_LINE_LIMIT_BYTES) break;
      const longest = columns
        .filter((c) => c.type === "string" && typeof row[c.name] === "string")
        .reduce<ColumnDef | undefined>((a, c) => (!a || (row[c.name] as string).length > (row[a.name] as string).length ? c : a), undefined);
      if (!longest || (row[longest.name] as string).length === 0) break; // only lists are long: nothing cut, the reader says so
      const text = row[longest.name] as string;
      if (!original.has(longest.name)) original.set(longest.name, text.length);
      // Every UTF-16 unit is at least one byte: dropping `excess` units is enough, or close to it (the loop checks).
      let length = Math.max(0, text.length - (bytes - CSV_LINE_LIMIT_BYTES));
      const last = text.charCodeAt(length - 1);
      if (last >= 0xd800 && last <= 0xdbff) length--; // never half a surrogate pair
      row[longest.name] = text.slice(0, length);
    }
    if (original.size === 0) continue;
    out ??= rows.slice();
    out[r] = row;
    for (const [column, fromLength] of original) cuts.push({ table, row: r, column, fromLength, toLength: (row[column] as string).length });
  }
  return { rows: out ?? rows, cuts };
}
