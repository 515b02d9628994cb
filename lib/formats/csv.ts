/**
 * CSV encoding of a table, for tools that want text. One encoding, documented here and in
 * the README, that Athena (Glue's CSV classifier, OpenCSVSerDe) and DuckDB both read:
 * - a header row with the column names of lib/tables/schema.ts, in order;
 * - RFC 4180 quoting by csv-stringify (fields with a comma, quote or line break are quoted,
 *   quotes doubled), UTF-8 without BOM, "\n" between records;
 * - booleans `true` / `false`; integers in decimal;
 * - timestamps `YYYY-MM-DD HH:MM:SS.mmm` in UTC (Athena's timestamp text format);
 * - lists (artists.genres) as JSON array text, e.g. `["pop","dance pop"]`: read them with
 *   `CAST(json_parse(genres) AS ARRAY(VARCHAR))` on Athena, `CAST(genres AS JSON)::VARCHAR[]` on DuckDB;
 * - null as an empty field; an empty string as `""`, so the two stay distinct.
 * Note: Athena's OpenCSVSerDe does not read line breaks inside a quoted field; the Parquet
 * tables (what the views read) have no such limit.
 */
import { stringify, type Options } from "csv-stringify/sync";
import type { Cell, ColumnDef, Row, TableName } from "../tables/schema";
import { assertRowsFit } from "./rowCheck";

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

export function formatCsvTimestamp(d: Date): string {
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`
  );
}

function csvCell(column: ColumnDef, value: Cell | undefined): string | null {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case "timestamp":
      return formatCsvTimestamp(value as Date);
    case "string_list":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    default:
      return String(value);
  }
}

/** csv-stringify options for a table: "\n" after every record, an empty string quoted. */
function stringifyOptions(columns: readonly ColumnDef[]): Options {
  return {
    columns: columns.map((c) => c.name),
    record_delimiter: "unix",
    cast: {
      // Quote only an empty string, so it stays distinct from null (an unquoted empty field).
      // A cast, not quoted_match: a regex run on every field cost ~15 % of the CSV time, and
      // quoted_empty alone would quote null fields too.
      string: (value) => (value === "" ? { value, quoted_empty: true } : value),
    },
  };
}

/**
 * Rows per csv-stringify call. Stringifying a table in slices and joining the bytes gives the
 * same text (every record ends with the delimiter), but only one slice's records and strings
 * are alive at a time: they die young instead of growing the old heap (peak RSS, GC time).
 */
const ROWS_PER_SLICE = 1000;

/** CSV bytes of rows already checked against `columns` (assertRowsFit). */
export function encodeCheckedCsv(columns: readonly ColumnDef[], rows: readonly Row[]): Uint8Array {
  const options = stringifyOptions(columns);
  const parts: Buffer[] = [];
  for (let start = 0; start === 0 || start < rows.length; start += ROWS_PER_SLICE) {
    const end = Math.min(rows.length, start + ROWS_PER_SLICE);
    const records = new Array<(string | null)[]>(end - start);
    for (let r = start; r < end; r++) {
      const row = rows[r];
      const record = new Array<string | null>(columns.length);
      for (let c = 0; c < columns.length; c++) record[c] = csvCell(columns[c], row[columns[c].name]);
      records[r - start] = record;
    }
    const text = stringify(records, { ...options, header: start === 0 });
    // csv-stringify writes nothing at all for zero records; keep the header so the file still describes the table.
    parts.push(Buffer.from(text === "" && start === 0 ? `${columns.map((c) => c.name).join(",")}\n` : text, "utf8"));
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

export function encodeCsv(table: TableName, rows: Row[]): Uint8Array {
  return encodeCheckedCsv(assertRowsFit(table, rows), rows);
}
