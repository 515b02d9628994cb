/**
 * The Glue Data Catalog's view of the tables (contract C1), derived from lib/tables/schema.ts so
 * that the catalog, the files and the local DuckDB catalog can never disagree. Pure data: the
 * `infra` room declares one aws.glue.CatalogTable per (format, table) from these functions.
 *
 * Parquet: Hive's Parquet input/output formats and ParquetHiveSerDe, with the Hive types of the
 * Parquet physical/logical types lib/formats/parquet.ts writes (Athena guide, "Parquet SerDe";
 * "Data types in Amazon Athena").
 * CSV: OpenCSVSerDe, the one Athena CSV SerDe that unquotes (LazySimpleSerDe has no quote character,
 * so a quoted comma and the JSON list text would split into extra columns; Athena guide, "CSV SerDe
 * libraries": data "enclosed in double quotes" goes to OpenCSVSerDe). Its documented rules, and how
 * lib/formats/csv.ts writes for them (Athena guide, "Open CSV SerDe for processing CSV",
 * https://docs.aws.amazon.com/athena/latest/ug/csv-serde.html):
 * - "Recognizes BOOLEAN, BIGINT, INT, and DOUBLE data types": int32 -> int, int64 -> bigint, boolean;
 * - an empty field in a numeric column fails with HIVE_BAD_DATA unless the table property
 *   `use.null.for.invalid.data` is true ("Using NULL for invalid data"): set, so a null number (an
 *   empty field) reads as NULL. The writer never writes anything else a number column could refuse;
 * - TIMESTAMP only "in the UNIX numeric format in milliseconds": the writer writes epoch millis;
 * - every present field of a string column is a string: an empty field reads as '' (there is no
 *   null marker: trinodb/trino CsvDeserializer, "bug for bug compatible with OpenCSVSerde");
 * - "does not support embedded line breaks": the writer replaces them (lib/formats/csvDialect.ts).
 * docs/lake-format.md, "CSV tables in Athena", tells the whole story; test/support/openCsvSerde.ts
 * models the SerDe and test/athenaCsv.test.ts feeds it the writer's real output.
 *
 * For users of these tables: a crawler over them must not rewrite them (its SchemaChangePolicy
 * UpdateBehavior defaults to UPDATE_IN_DATABASE, which replaces columns and SerDe with what its
 * classifier guesses: AWS::Glue::Crawler SchemaChangePolicy). Use UpdateBehavior LOG, and let new
 * partitions inherit the table's SerDe and types.
 */
import { CSV_ESCAPE, CSV_QUOTE, CSV_SEPARATOR } from "../formats/csvDialect";
import type { FileFormat } from "../lake/layout";
import { PARTITION_COLUMN, TABLES, type ColumnDef, type ColumnType, type TableName } from "./schema";

export interface GlueColumn {
  name: string;
  type: string;
  comment?: string;
}

export interface GlueStorage {
  inputFormat: string;
  outputFormat: string;
  serializationLibrary: string;
  serdeParameters: Record<string, string>;
}

/** The partition folder `snapshot_date=YYYY-MM-DD`, typed string as Glue's crawlers type it. */
export const GLUE_PARTITION_KEYS: readonly GlueColumn[] = Object.freeze([
  Object.freeze({ name: PARTITION_COLUMN, type: "string", comment: "Day of the snapshot, YYYY-MM-DD (UTC)." }),
]);

/**
 * Hive type of each column type, per file format. Parquet: as lib/formats/parquet.ts stores it
 * (TIMESTAMP(MILLIS, UTC) reads as a timestamp shown in UTC; LIST<UTF8> as an array). CSV: as
 * OpenCSVSerDe converts lib/formats/csv.ts's text (timestamps are epoch milliseconds, the one
 * TIMESTAMP text it reads; a list is JSON text: CAST(json_parse(genres) AS ARRAY(VARCHAR)) in a query).
 */
const HIVE_TYPES: Record<FileFormat, Record<ColumnType, string>> = {
  parquet: { string: "string", int32: "int", int64: "bigint", boolean: "boolean", timestamp: "timestamp", string_list: "array<string>" },
  csv: { string: "string", int32: "int", int64: "bigint", boolean: "boolean", timestamp: "timestamp", string_list: "string" },
};

/** What a column's reader should know, shown in Athena's table details. */
function columnComment(format: FileFormat, column: ColumnDef): string | undefined {
  if (column.type === "timestamp") return "UTC";
  if (format === "parquet") return undefined;
  if (column.type === "string_list") return `JSON array text: CAST(json_parse(${column.name}) AS ARRAY(VARCHAR)); '' when null`;
  if (column.type === "string" && column.nullable) return "'' when null (OpenCSVSerDe reads no NULL string)";
  return undefined;
}

/** The data columns of a table in file order, with the Hive types Athena reads them as. */
export function glueColumns(format: FileFormat, table: TableName): GlueColumn[] {
  return TABLES[table].map((c) => {
    const comment = columnComment(format, c);
    return { name: c.name, type: HIVE_TYPES[format][c.type], ...(comment ? { comment } : {}) };
  });
}

const PARQUET_STORAGE: GlueStorage = {
  inputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
  outputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
  serializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
  serdeParameters: { "serialization.format": "1" },
};

const CSV_STORAGE: GlueStorage = {
  inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
  outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
  serializationLibrary: "org.apache.hadoop.hive.serde2.OpenCSVSerde",
  serdeParameters: { separatorChar: CSV_SEPARATOR, quoteChar: CSV_QUOTE, escapeChar: CSV_ESCAPE },
};

export function glueStorage(format: FileFormat): GlueStorage {
  const storage = format === "parquet" ? PARQUET_STORAGE : CSV_STORAGE;
  return { ...storage, serdeParameters: { ...storage.serdeParameters } };
}

/**
 * Table parameters: the classification Glue and Athena show; for CSV the header row to skip and
 * NULL for an empty number or timestamp field (see the CSV notes at the top).
 */
export function glueTableParameters(format: FileFormat): Record<string, string> {
  if (format === "parquet") return { classification: "parquet", EXTERNAL: "TRUE", "parquet.compression": "SNAPPY" };
  return { classification: "csv", EXTERNAL: "TRUE", "skip.header.line.count": "1", "use.null.for.invalid.data": "true" };
}
