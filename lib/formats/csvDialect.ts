/**
 * The CSV dialect the transform writes and every reader assumes: Athena through OpenCSVSerDe
 * (lib/tables/glueSchema.ts), DuckDB locally (lib/query/lakeDb.ts). No imports, so the Glue
 * schema (loaded by the Pulumi program) does not pull the encoder in.
 * Why these characters: docs/lake-format.md, "CSV tables in Athena"; lib/formats/csv.ts says how values are written.
 */
export const CSV_SEPARATOR = ",";
export const CSV_QUOTE = '"';
/**
 * OpenCSVSerDe's escape character. Athena's reader always has one (backslash by default, and
 * backslash again when it is set to the quote: trinodb/trino CsvDeserializerFactory), so the
 * writer doubles every backslash inside a quoted field.
 */
export const CSV_ESCAPE = "\\";
/** Records end with "\n"; Athena's line reader also ends a line at "\r" and "\r\n". */
export const CSV_RECORD_DELIMITER = "\n";
/**
 * What a line break inside a value (CRLF, LF or CR) is written as: U+2028 LINE SEPARATOR.
 * Athena splits a text file into lines before the SerDe sees a quote, so no CSV value can hold a
 * line break there ("The Open CSV SerDe does not support embedded line breaks in CSV files").
 */
export const CSV_LINE_BREAK_STANDIN = "\u2028";
