/**
 * A model of how Athena reads a CSV table declared with OpenCSVSerDe, to test what the transform
 * writes against the reader's rules rather than against our intention. Three stages, each a port
 * of its source:
 *
 * 1. Lines. trinodb/trino lib/trino-hive-formats/.../line/text/TextLineReader.java: a UTF-8 BOM at
 *    the start is skipped; a line ends at "\n", "\r" or "\r\n" (before any CSV parsing, so a quoted
 *    field cannot hold a line break); a last line without terminator still counts; no empty line
 *    is made after the final terminator. `skip.header.line.count` drops the first lines
 *    (Athena guide, "Open CSV SerDe for processing CSV", "Ignore headers").
 * 2. Fields. trinodb/trino .../line/csv/CsvDeserializer.java ("bug for bug compatible with
 *    OpenCSVSerde") and CsvDeserializerFactory.java (separatorChar / quoteChar / escapeChar,
 *    defaults `,` `"` `\`; an escapeChar of `"` becomes `\`): every column is text at this level,
 *    a missing field is null, a present one is a string (no null marker).
 * 3. Types. Athena converts the text to the Glue column type (Athena guide, same page,
 *    "Considerations for non-string data"): BOOLEAN, INT, BIGINT (and DOUBLE) recognized; TIMESTAMP
 *    only as UNIX epoch milliseconds; a value that does not convert (an empty numeric field
 *    included) fails the query with HIVE_BAD_DATA, or reads as NULL when the table property
 *    `use.null.for.invalid.data` is true ("Using NULL for invalid data").
 */

export interface OpenCsvTable {
  columns: readonly { name: string; type: string }[];
  serdeParameters: Record<string, string>;
  tableParameters: Record<string, string>;
}

export type AthenaValue = string | number | bigint | boolean | Date | null;

export class HiveBadDataError extends Error {
  constructor(value: string, column: string, type: string) {
    super(`HIVE_BAD_DATA: Error parsing field value '${value}' for field ${column} (${type})`);
    this.name = "HiveBadDataError";
  }
}

/** Stage 1: the lines of a text file as TextLineReader returns them. */
export function textLines(bytes: Uint8Array): string[] {
  let text = Buffer.from(bytes).toString("utf8");
  if (text.startsWith("\uFEFF")) text = text.slice(1);
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== "\n" && c !== "\r") continue;
    lines.push(text.slice(start, i));
    if (c === "\r" && text[i + 1] === "\n") i++;
    start = i + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

interface CsvChars {
  separator: string;
  quote: string;
  escape: string;
}

/** CsvDeserializerFactory: the characters from the SerDe parameters, with Hive's quirk and checks. */
export function csvChars(serdeParameters: Record<string, string>): CsvChars {
  const first = (key: string, fallback: string) => (serdeParameters[key] === undefined ? fallback : serdeParameters[key].charAt(0));
  const separator = first("separatorChar", ",");
  const quote = first("quoteChar", '"');
  let escape = first("escapeChar", "\\");
  // "Hive has a bug where when the escape character is explicitly set to double quote (char 34),
  // it changes the escape character to backslash (char 92) when deserializing."
  if (escape === '"') escape = "\\";
  if (separator === "\0") throw new Error("Separator cannot be the null character (ASCII 0)");
  if (separator === quote) throw new Error("Separator and quote character cannot be the same");
  if (separator === escape) throw new Error("Separator and escape character cannot be the same");
  if ((quote !== "\0" || escape !== "\0") && quote === escape) throw new Error("Quote and escape character cannot be the same");
  return { separator, quote, escape };
}

/**
 * java.lang.Character.isWhitespace: Unicode space, line and paragraph separators except the
 * no-break ones (U+00A0, U+2007, U+202F), and \t \n \u000B \f \r \u001C-\u001F.
 */
const JAVA_WHITESPACE = /^[\t\n\u000B\f\r\u001C-\u001F \u1680\u2000-\u2006\u2008-\u200A\u2028\u2029\u205F\u3000]*$/;
const isAllWhitespace = (s: string) => JAVA_WHITESPACE.test(s);

/** Stage 2: CsvDeserializer.parseLine, field for field (null = missing field). */
export function parseLine(line: string, columnCount: number, { separator, quote, escape }: CsvChars): (string | null)[] {
  const values: (string | null)[] = new Array<string | null>(columnCount).fill(null);
  // "empty line results in all null values"
  if (line.length === 0 || columnCount === 0) return values;
  const peek = (position: number) => (position + 1 < line.length ? line[position + 1] : undefined);
  let buffer = "";
  let columnIndex = 0;
  let inQuotes = false;
  let inField = false;
  let position = 0;
  while (position < line.length && columnIndex < columnCount) {
    const c = line[position];
    if (c === escape) {
      // An escape is only kept as an escape before the quote or the escape character; either way it is dropped.
      if (inQuotes || inField) {
        const next = peek(position);
        if (next === quote || next === escape) {
          buffer += next;
          position++;
        }
      }
    } else if (c === quote) {
      if ((inQuotes || inField) && peek(position) === quote) {
        // a quote character can be escaped with another quote character
        buffer += quote;
        position++;
      } else {
        // "the tricky case of an embedded quote in the middle: a,bc"d"ef,g"
        if (position > 2 && line[position - 1] !== separator && line.length > position + 1 && line[position + 1] !== separator) {
          if (buffer.length > 0 && isAllWhitespace(buffer)) buffer = "";
          else buffer += c;
        }
        inQuotes = !inQuotes;
      }
      inField = !inField;
    } else if (c === separator && !inQuotes) {
      values[columnIndex++] = buffer;
      buffer = "";
      inField = false;
    } else {
      buffer += c;
      inField = true;
    }
    position++;
  }
  // "if last field is an unterminated field, ignore the value"
  if (columnIndex < columnCount && !inQuotes) values[columnIndex] = buffer;
  return values;
}

const INT_RANGE: Record<string, [bigint, bigint]> = {
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
};

/** Stage 3: a field's text as the Glue column type, or undefined when it does not convert. */
function convert(text: string, type: string): AthenaValue | undefined {
  switch (type) {
    case "string":
      return text;
    case "int":
    case "bigint": {
      if (!/^[+-]?\d+$/.test(text)) return undefined;
      const n = BigInt(text);
      const [min, max] = INT_RANGE[type];
      if (n < min || n > max) return undefined;
      return type === "int" ? Number(n) : n;
    }
    case "boolean":
      return /^true$/i.test(text) ? true : /^false$/i.test(text) ? false : undefined;
    case "timestamp":
      return /^-?\d+$/.test(text) ? new Date(Number(text)) : undefined;
    // "recognizes values as dates if the values represent the number of days that elapsed since January 1, 1970"
    case "date":
      return /^-?\d+$/.test(text) ? new Date(Number(text) * 86_400_000) : undefined;
    default:
      throw new Error(`The OpenCSVSerDe model does not know Glue type ${type}`);
  }
}

/** The rows Athena returns for one CSV file of a table (data columns only, in order). */
export function readOpenCsv(bytes: Uint8Array, table: OpenCsvTable): Record<string, AthenaValue>[] {
  const chars = csvChars(table.serdeParameters);
  const skip = Number(table.tableParameters["skip.header.line.count"] ?? "0");
  const nullForInvalid = (table.tableParameters["use.null.for.invalid.data"] ?? "").toLowerCase() === "true";
  return textLines(bytes)
    .slice(skip)
    .map((line) => {
      const fields = parseLine(line, table.columns.length, chars);
      const row: Record<string, AthenaValue> = {};
      table.columns.forEach((column, i) => {
        const text = fields[i];
        if (text === null) {
          row[column.name] = null;
          return;
        }
        const value = convert(text, column.type);
        if (value === undefined && !nullForInvalid) throw new HiveBadDataError(text, column.name, column.type);
        row[column.name] = value ?? null;
      });
      return row;
    });
}
