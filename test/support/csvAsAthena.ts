/**
 * The two documented places where Athena's OpenCSVSerDe cannot return the value the transform
 * wrote (docs/lake-format.md, "CSV tables in Athena"), as one function the tests apply to the written value:
 * - a string column has no NULL: an empty field reads as '' (trinodb/trino CsvDeserializer);
 * - no value can hold a line break ("The Open CSV SerDe does not support embedded line breaks in
 *   CSV files", Athena guide "Open CSV SerDe for processing CSV"): the writer puts U+2028 instead.
 * Lists are JSON array text in the CSV. Every other value is returned unchanged.
 */
import { CSV_LINE_BREAK_STANDIN } from "../../lib/formats/csvDialect";
import type { ColumnType } from "../../lib/tables/schema";

export function asReadFromCsv<T>(type: ColumnType, value: T | null | undefined): T | string | null {
  const absent = value === null || value === undefined;
  switch (type) {
    case "string":
      return absent ? "" : String(value).replace(/\r\n|\r|\n/g, CSV_LINE_BREAK_STANDIN);
    case "string_list":
      return absent ? "" : JSON.stringify(value);
    default:
      return absent ? null : value;
  }
}
