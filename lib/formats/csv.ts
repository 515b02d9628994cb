/**
 * CSV encoding of a table, written by csv-stringify in the dialect Athena's OpenCSVSerDe reads
 * back as the values written (lib/tables/glueSchema.ts; docs/lake-format.md, "CSV tables in
 * Athena"), which DuckDB and spreadsheets read too:
 * - a header row with the column names of lib/tables/schema.ts, in order; UTF-8 without BOM,
 *   "\n" after every record; RFC 4180 quoting (quotes doubled);
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
import { stringify, type CastingContext, type Options } from "csv-stringify/sync";
import { type ColumnDef, type Row, type TableName } from "../tables/schema";
import { CSV_ESCAPE, CSV_LINE_BREAK_STANDIN, CSV_QUOTE, CSV_RECORD_DELIMITER, CSV_SEPARATOR } from "./csvDialect";
import { assertRowsFit } from "./rowCheck";

const LINE_BREAKS = /\r\n|\r|\n/g;

/**
 * Text as the dialect writes it: line breaks to the stand-in, backslashes doubled and the field
 * quoted (OpenCSVSerDe drops an escape character that starts an unquoted field), an empty string
 * quoted so it stays distinct from null (an unquoted empty field).
 */
function dialectText(value: string): string | { value: string; quoted?: boolean; quoted_empty?: boolean } {
  if (value === "") return { value, quoted_empty: true };
  const text = value.replace(LINE_BREAKS, CSV_LINE_BREAK_STANDIN);
  return text.includes(CSV_ESCAPE) ? { value: text.replaceAll(CSV_ESCAPE, CSV_ESCAPE + CSV_ESCAPE), quoted: true } : text;
}

/** csv-stringify's options for the dialect: the header and every cast of the list above. */
export function csvOptions(columns: readonly ColumnDef[]): Options {
  return {
    header: true,
    columns: columns.map((c) => c.name),
    delimiter: CSV_SEPARATOR,
    quote: CSV_QUOTE,
    record_delimiter: CSV_RECORD_DELIMITER,
    cast: {
      string: (value: string) => dialectText(value),
      boolean: (value: boolean) => (value ? "true" : "false"),
      date: (value: Date) => String(value.getTime()),
      // The only objects in checked rows are string lists.
      object: (value: object, _context: CastingContext) => dialectText(JSON.stringify(value)),
    },
  };
}

/** CSV bytes of rows already checked against `columns` (assertRowsFit). */
export function encodeCheckedCsv(columns: readonly ColumnDef[], rows: readonly Row[]): Uint8Array {
  return Buffer.from(stringify(rows as Row[], csvOptions(columns)), "utf8");
}

/** CSV bytes of a table's rows; throws RowDoesNotFitError for a row that does not fit it. */
export function encodeCsv(table: TableName, rows: readonly Row[]): Uint8Array {
  return encodeCheckedCsv(assertRowsFit(table, rows), rows);
}

