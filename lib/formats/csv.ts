/**
 * CSV encoding of a table, for tools that want text: the dialect Athena's OpenCSVSerDe reads back
 * as the values written (lib/tables/glueSchema.ts; README "CSV tables in Athena"), which DuckDB and
 * spreadsheets read too.
 * - a header row with the column names of lib/tables/schema.ts, in order;
 * - RFC 4180 quoting by csv-stringify (fields with a comma, quote or backslash are quoted, quotes
 *   doubled), UTF-8 without BOM, "\n" after every record;
 * - a backslash is doubled and its field quoted: OpenCSVSerDe's escape character is always there
 *   (csvDialect.ts) and drops a lone backslash;
 * - a line break inside a value (CRLF, LF or CR) becomes U+2028 LINE SEPARATOR: Athena ends a
 *   record at every line break, before any quote is seen (the one value Athena cannot read back
 *   exactly; the Parquet tables keep it);
 * - booleans `true` / `false`; integers in decimal;
 * - timestamps as UTC epoch milliseconds (`1709247909007`), the only TIMESTAMP text OpenCSVSerDe
 *   reads ("Open CSV SerDe for processing CSV", considerations for non-string data);
 * - lists (artists.genres) as JSON array text, e.g. `["pop","dance pop"]`: read them with
 *   `CAST(json_parse(genres) AS ARRAY(VARCHAR))` on Athena, `CAST(genres AS JSON)::VARCHAR[]` on DuckDB;
 * - null as an empty field; an empty string as `""`, so the two stay distinct in the file (Athena
 *   reads both as '' in a string column, and an empty number or timestamp as NULL).
 */
import { stringify, type Options } from "csv-stringify/sync";
import type { Cell, ColumnDef, Row, TableName } from "../tables/schema";
import { CSV_ESCAPE, CSV_LINE_BREAK_STANDIN, CSV_QUOTE, CSV_RECORD_DELIMITER, CSV_SEPARATOR } from "./csvDialect";
import { assertRowsFit } from "./rowCheck";

/** A timestamp as OpenCSVSerDe reads one: milliseconds since 1970-01-01T00:00:00Z, in decimal. */
export function formatCsvTimestamp(d: Date): string {
  return String(d.getTime());
}

const NEEDS_CHANGE = /[\\\r\n]/;
const LINE_BREAKS = /\r\n|\r|\n/g;

/** Text as the dialect writes it: line breaks to the stand-in, backslashes doubled (csvDialect.ts). */
export function csvText(value: string): string {
  if (!NEEDS_CHANGE.test(value)) return value;
  return value.replace(LINE_BREAKS, CSV_LINE_BREAK_STANDIN).replaceAll(CSV_ESCAPE, CSV_ESCAPE + CSV_ESCAPE);
}

function csvCell(column: ColumnDef, value: Cell | undefined): string | null {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case "timestamp":
      return formatCsvTimestamp(value as Date);
    case "string_list":
      return csvText(JSON.stringify(value));
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return csvText(value as string);
    default:
      return String(value);
  }
}

/** csv-stringify options for a table: "\n" after every record, an empty string and any backslash quoted. */
function stringifyOptions(columns: readonly ColumnDef[]): Options {
  return {
    columns: columns.map((c) => c.name),
    delimiter: CSV_SEPARATOR,
    quote: CSV_QUOTE,
    record_delimiter: CSV_RECORD_DELIMITER,
    cast: {
      // Quote an empty string, so it stays distinct from null (an unquoted empty field), and a
      // field with a (doubled) backslash: OpenCSVSerDe drops an escape character that starts an
      // unquoted field. A cast, not quoted_match: a regex run on every field cost ~15 % of the CSV
      // time, and quoted_empty alone would quote null fields too.
      string: (value) => (value === "" ? { value, quoted_empty: true } : value.includes(CSV_ESCAPE) ? { value, quoted: true } : value),
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
    parts.push(Buffer.from(text === "" && start === 0 ? `${columns.map((c) => c.name).join(CSV_SEPARATOR)}${CSV_RECORD_DELIMITER}` : text, "utf8"));
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

export function encodeCsv(table: TableName, rows: Row[]): Uint8Array {
  return encodeCheckedCsv(assertRowsFit(table, rows), rows);
}
