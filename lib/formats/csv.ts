/**
 * CSV encoding of a table, for tools that want text: the dialect Athena's OpenCSVSerDe reads back
 * as the values written (lib/tables/glueSchema.ts; README "CSV tables in Athena"), which DuckDB and
 * spreadsheets read too.
 * - a header row with the column names of lib/tables/schema.ts, in order;
 * - RFC 4180 quoting as csv-stringify does it with csvStringifyOptions (fields with a comma, quote,
 *   line break or backslash are quoted, quotes doubled), UTF-8 without BOM, "\n" after every record;
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
import type { Options } from "csv-stringify/sync";
import type { Cell, ColumnDef, Row, TableName } from "../tables/schema";
import { CSV_ESCAPE, CSV_LINE_BREAK_STANDIN, CSV_QUOTE, CSV_RECORD_DELIMITER, CSV_SEPARATOR } from "./csvDialect";
import { compileRowFunction } from "./compileRow";
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

/** A cell as text before quoting; null for an empty (NULL) field. */
export function csvCell(column: ColumnDef, value: Cell | undefined): string | null {
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

/**
 * The dialect's quoting, as csv-stringify options: "\n" after every record, an empty string and
 * any backslash quoted. This is the reference the encoder below is held to, byte for byte
 * (test/csvEncoder.test.ts stringifies adversarial rows with these options and compares).
 */
export function csvStringifyOptions(columns: readonly ColumnDef[]): Options {
  return {
    columns: columns.map((c) => c.name),
    delimiter: CSV_SEPARATOR,
    quote: CSV_QUOTE,
    record_delimiter: CSV_RECORD_DELIMITER,
    cast: {
      // Quote an empty string, so it stays distinct from null (an unquoted empty field), and a
      // field with a (doubled) backslash: OpenCSVSerDe drops an escape character that starts an
      // unquoted field.
      string: (value) => (value === "" ? { value, quoted_empty: true } : value.includes(CSV_ESCAPE) ? { value, quoted: true } : value),
    },
  };
}

/**
 * What makes csv-stringify quote a non-empty field with the options above: the separator, the
 * quote, a line break ("\n" or "\r", which it always tests) or, through the cast, the escape.
 */
const MUST_QUOTE = /[,"\r\n\\]/; // CSV_SEPARATOR, CSV_QUOTE, CR, LF, CSV_ESCAPE
const QUOTES = new RegExp(CSV_QUOTE, "g");
const QUOTE_DOUBLED = CSV_QUOTE + CSV_QUOTE;

/** One field as csv-stringify writes it with csvStringifyOptions (its quote doubles as its escape). */
function csvField(text: string | null): string {
  if (text === null) return "";
  if (text === "") return QUOTE_DOUBLED;
  if (!MUST_QUOTE.test(text)) return text;
  return CSV_QUOTE + (text.includes(CSV_QUOTE) ? text.replace(QUOTES, QUOTE_DOUBLED) : text) + CSV_QUOTE;
}

/** A string cell as csvField(csvText(value)) writes it, with the common case (nothing to change or quote) first. */
function csvString(value: string): string {
  if (value === "") return QUOTE_DOUBLED;
  return MUST_QUOTE.test(value) ? csvField(csvText(value)) : value;
}

/**
 * One cell as csvField(csvCell(column, value)) writes it, as JavaScript source over `value` (held to
 * csv-stringify byte for byte in test/csvEncoder.test.ts), written out rather than a call to csvCell
 * per cell, which took the cold 10k CSV from about 65 to about 86 ms (six alternated runs each).
 */
function csvCellSource(column: ColumnDef, value: string): string {
  let text: string;
  switch (column.type) {
    case "string":
      text = `csvString(${value})`;
      break;
    case "int32":
    case "int64": // a number's decimal text never needs quoting
      text = `String(${value})`;
      break;
    case "boolean":
      text = `(${value} ? "true" : "false")`;
      break;
    case "timestamp":
      text = `formatCsvTimestamp(${value})`;
      break;
    case "string_list":
      text = `csvField(csvText(JSON.stringify(${value})))`;
      break;
    default:
      throw new Error(`no CSV text for column type "${String(column.type)}"`);
  }
  return `(${value} === null || ${value} === undefined ? "" : ${text})`;
}

/** A row's CSV record, "\n" included, compiled per column list (compileRow.ts says why). */
type CsvRecord = (row: Row) => string;
const csvRecords = new WeakMap<readonly ColumnDef[], CsvRecord>();

function csvRecordOf(columns: readonly ColumnDef[]): CsvRecord {
  let record = csvRecords.get(columns);
  if (!record) {
    const helpers = { csvString, csvField, csvText, formatCsvTimestamp, SEPARATOR: CSV_SEPARATOR, RECORD_END: CSV_RECORD_DELIMITER };
    record = compileRowFunction<CsvRecord>(columns, helpers, (cells) =>
      cells.length === 0 ? "return RECORD_END;" : `return ${cells.map(({ column, cell }) => csvCellSource(column, cell)).join(" + SEPARATOR + ")} + RECORD_END;`,
    );
    csvRecords.set(columns, record);
  }
  return record;
}

/**
 * Rows per chunk of text. Encoding a table in chunks and joining the bytes gives the same text
 * (every record ends with the delimiter), but only one chunk's strings are alive at a time.
 */
const ROWS_PER_CHUNK = 2000;

/**
 * CSV bytes of rows already checked against `columns` (assertRowsFit): the same bytes as
 * csv-stringify with csvStringifyOptions, written by a function compiled for this fixed format and
 * the column list (csvRecordOf; csv-stringify's general path, an options object per cast field,
 * cost most of the CSV time).
 */
export function encodeCheckedCsv(columns: readonly ColumnDef[], rows: readonly Row[]): Uint8Array {
  const record = csvRecordOf(columns);
  const parts: Buffer[] = [];
  let text = columns.map((c) => csvField(c.name)).join(CSV_SEPARATOR) + CSV_RECORD_DELIMITER;
  for (let r = 0; r < rows.length; r++) {
    text += record(rows[r]);
    if ((r + 1) % ROWS_PER_CHUNK === 0) {
      parts.push(Buffer.from(text, "utf8"));
      text = "";
    }
  }
  if (text !== "" || parts.length === 0) parts.push(Buffer.from(text, "utf8"));
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

export function encodeCsv(table: TableName, rows: Row[]): Uint8Array {
  return encodeCheckedCsv(assertRowsFit(table, rows), rows);
}
