/**
 * The local catalog: DuckDB in process standing in for Glue + Athena over a lake folder.
 * Like a crawler it looks at each table root and makes one relation per table and format
 * (`<table>` for Parquet, `csv_<table>` for CSV) with snapshot_date as a VARCHAR partition
 * column, as Glue types it; then it runs every sql/views file, the same SQL Athena runs.
 * `csv_` relations return what Athena returns through OpenCSVSerDe (athenaCsvColumn below), not
 * what a generic CSV reader would: the local answers are the ones the deployed tables give.
 * Only folders named snapshot_date=<a real YYYY-MM-DD date> are read: anything else under a
 * table root (a "snapshot_date=2026-07-01.bak" copy, a stray folder) is skipped with a
 * warning, so it can never become the latest snapshot date.
 */
import { createHash } from "node:crypto";
import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import * as path from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { CSV_ESCAPE, CSV_QUOTE, CSV_SEPARATOR } from "../formats/csvDialect";
import { allTableRoots, catalogTableName, type FileFormat } from "../lake/layout";
import { PARTITION_COLUMN, TABLES, type ColumnType, type TableName } from "../tables/schema";
import { loadViews } from "./sqlFiles";
import { literalPath, tableFiles } from "./lakeFiles";

export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
}

export interface LakeDb {
  /** Runs one SQL statement; rows come back as plain JSON-friendly values. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** Like query, with the column names too (known even when there are no rows). */
  run(sql: string): Promise<QueryResult>;
  /** Names of the tables and views in the catalog, sorted. */
  relations(): Promise<string[]>;
  /** Folders under a table root that are not a valid partition, skipped, each with why. */
  readonly warnings: readonly string[];
  /** Where the relations and views came from: the lake's saved catalog file (when it has this lake's statements) or built now. */
  readonly catalog: "saved" | "built";
  close(): void;
}

export class LakeNotFoundError extends Error {
  constructor(readonly lakeDir: string) {
    super(`No lake at ${lakeDir}: run \`npm start\` first to build it, or pass --lake DIR to point at an existing one.`);
    this.name = "LakeNotFoundError";
  }
}

/**
 * Trino functions DuckDB lacks, defined as DuckDB macros so the views stay in Athena's SQL.
 * Only what the views use; each maps to the DuckDB function with the same meaning.
 */
const TRINO_SHIMS = [`CREATE OR REPLACE MACRO array_join(list, separator) AS array_to_string(list, separator)`];

function duckType(type: ColumnType, format: FileFormat): string {
  switch (type) {
    case "string":
      return "VARCHAR";
    case "int32":
      return "INTEGER";
    case "int64":
      return "BIGINT";
    case "boolean":
      return "BOOLEAN";
    // Athena's timestamp has no zone; Parquet's UTC instants are shown as UTC wall time, as there.
    case "timestamp":
      return "TIMESTAMP";
    // In CSV a list is JSON text (see lib/formats/csv.ts); Glue types it string, so do we.
    case "string_list":
      return format === "parquet" ? "VARCHAR[]" : "VARCHAR";
  }
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * One CSV column as Athena reads it through OpenCSVSerDe (lib/tables/glueSchema.ts), from the
 * field's text (`field` is NULL only for an unquoted empty field):
 * - strings: the escape character before any character stands for that character (the writer
 *   doubles backslashes), and an empty field is '' (OpenCSVSerDe has no null marker);
 * - numbers, booleans: the text converted, NULL when it does not convert (`use.null.for.invalid.data`);
 * - timestamps: epoch milliseconds, the one text OpenCSVSerDe reads as TIMESTAMP.
 * test/athenaCsv.test.ts holds this equal to the SerDe model in test/support/openCsvSerde.ts.
 */
function athenaCsvColumn(field: string, type: ColumnType): string {
  switch (type) {
    case "string":
    case "string_list": {
      const text = `coalesce(${field}, '')`;
      return `CASE WHEN contains(${text}, ${sqlString(CSV_ESCAPE)}) THEN regexp_replace(${text}, ${sqlString(`\\${CSV_ESCAPE}(.)`)}, '\\1', 'gs') ELSE ${text} END`;
    }
    case "int32":
    case "int64":
      return `TRY_CAST(${field} AS ${duckType(type, "csv")})`;
    case "boolean":
      return `CASE lower(${field}) WHEN 'true' THEN true WHEN 'false' THEN false END`;
    case "timestamp":
      return `CASE WHEN regexp_full_match(${field}, '-?[0-9]+') THEN epoch_ms(TRY_CAST(${field} AS BIGINT)) END`;
  }
}

/**
 * How a row gets its partition value, the name of its day's folder. DuckDB's hive partitioning
 * gives it as a constant per file, which lets a join on snapshot_date skip the files of other
 * days at run time (latest_snapshot reads the latest day's files only); but DuckDB reads every
 * key=value folder in the path, the first one winning, so a lake under a folder such as
 * "snapshot_date=1999-01-01/lake" would relabel every row. There the value is taken from the
 * file's own folder (the last snapshot_date= of its path) instead: the same rows, with pruning
 * by constant dates only.
 */
function partitionSource(lakeDir: string, format: FileFormat): { options: string; column: string } {
  // CSV relations take the folder's name: DuckDB's hive parsing costs at every bind of every view
  // (docs/performance.md), and the views read the Parquet tables, where its pruning pays.
  if (format === "parquet" && !lakeDir.split(path.sep).some((folder) => folder.includes("="))) {
    return { options: `hive_partitioning = true, hive_types = {${sqlString(PARTITION_COLUMN)}: 'VARCHAR'}`, column: ident(PARTITION_COLUMN) };
  }
  const fromFolder = `regexp_extract(filename, ${sqlString(`/${PARTITION_COLUMN}=([0-9]{4}-[0-9]{2}-[0-9]{2})/[^/]*$`)}, 1)`;
  return { options: "hive_partitioning = false, filename = true", column: `${fromFolder} AS ${ident(PARTITION_COLUMN)}` };
}

function relationSql(lakeDir: string, format: FileFormat, table: TableName, warn: (message: string) => void): string {
  const columns = TABLES[table];
  const name = ident(catalogTableName(format, table));
  const { months, days } = tableFiles(lakeDir, format, table, warn);
  const dayFileList = days.flatMap((day) => day.files);
  const sources = [
    ...(months.length > 0 ? [fileSource(months.map((m) => m.file), format, table, { options: "hive_partitioning = false", column: ident(PARTITION_COLUMN) }, true)] : []),
    ...(dayFileList.length > 0 ? [fileSource(dayFileList, format, table, partitionSource(lakeDir, format), false)] : []),
  ];
  if (sources.length === 0) {
    // No files yet: an empty relation with the right types, so the views still compile.
    const cols = columns.map((c) => `CAST(NULL AS ${duckType(c.type, format)}) AS ${ident(c.name)}`);
    return `CREATE OR REPLACE VIEW ${name} AS SELECT ${cols.join(", ")}, CAST(NULL AS VARCHAR) AS ${PARTITION_COLUMN} WHERE 1 = 0`;
  }
  // Finished months' files hold snapshot_date as a column, the other days take it from their folder:
  // two scans, one relation (a filter or a join on snapshot_date reaches both).
  return `CREATE OR REPLACE VIEW ${name} AS ${sources.join(" UNION ALL ")}`;
}

/**
 * One scan of table files: the files themselves, each read literally (no glob, no hive parsing of
 * the lake's path), and no union_by_name (every file has the columns of lib/tables, so the first
 * file's schema binds). `dated`: the files hold snapshot_date as a column (monthly files).
 */
function fileSource(files: string[], format: FileFormat, table: TableName, partition: { options: string; column: string }, dated: boolean): string {
  const columns = TABLES[table];
  const fileList = `[${files.map((f) => sqlString(literalPath(f))).join(", ")}]`;
  if (format === "parquet") {
    const cols = columns.map((c) => `CAST(${ident(c.name)} AS ${duckType(c.type, format)}) AS ${ident(c.name)}`);
    return `SELECT ${cols.join(", ")}, ${partition.column} FROM read_parquet(${fileList}, ${partition.options})`;
  }
  // Every field as text with RFC 4180 quoting (what the writer emits), then typed as Athena types it.
  const fileColumns = [...columns.map((c) => c.name), ...(dated ? [PARTITION_COLUMN] : [])];
  const source =
    `read_csv(${fileList}, ${partition.options}, header = true, auto_detect = false, delim = ${sqlString(CSV_SEPARATOR)}, ` +
    `quote = ${sqlString(CSV_QUOTE)}, escape = ${sqlString(CSV_QUOTE)}, allow_quoted_nulls = false, ` +
    `columns = {${fileColumns.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(", ")}})`;
  const cols = columns.map((c) => `${athenaCsvColumn(ident(c.name), c.type)} AS ${ident(c.name)}`);
  return `SELECT ${cols.join(", ")}, ${partition.column} FROM ${source}`;
}

/** DuckDB values → what JSON and people expect: safe BIGINTs as numbers, timestamps as ISO strings. */
export function plainValue(value: unknown): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plainValue);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, plainValue(v)]));
  }
  return value;
}

async function run(connection: DuckDBConnection, sql: string, what: string): Promise<void> {
  try {
    await connection.run(sql);
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}`);
  }
}

/** The catalog's statements for this lake: relations, then the views (warnings collected on the way). */
function catalogStatements(dir: string, viewsDir: string | undefined, warn: (message: string) => void): { sql: string; what: string }[] {
  return [
    ...TRINO_SHIMS.map((sql) => ({ sql, what: "Defining Trino functions" })),
    ...allTableRoots().map(({ format, table, root }) => ({ sql: relationSql(dir, format, table, warn), what: `Cataloguing ${root}` })),
    ...loadViews(viewsDir).map((view) => ({ sql: view.sql, what: `Creating view ${view.name}` })),
  ];
}

function assertLake(lakeDir: string): string {
  const dir = path.resolve(lakeDir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new LakeNotFoundError(dir);
  return dir;
}

/** The catalog file `npm start` leaves in the lake, for the user's own DuckDB tools (`duckdb lake/catalog.duckdb`). */
export const CATALOG_FILE = "catalog.duckdb";

/**
 * The table in the catalog file that names the statements it was made from (their SHA-256), so
 * openLake reuses the file only when the lake's files and the views are what they were.
 */
const CATALOG_SOURCE_TABLE = "catalog_source";

function statementsDigest(statements: { sql: string }[]): string {
  const hash = createHash("sha256");
  for (const { sql } of statements) hash.update(sql).update("\0");
  return hash.digest("hex");
}

/**
 * Writes the catalog (the same relations and views as openLake) as a DuckDB database file: the
 * lake's tables as of now, by absolute path, for DuckDB's CLI, Python or a notebook. Written
 * beside, then renamed over the old one, so a tool that has the old file open keeps reading it.
 * Returns the warnings, as openLake's.
 */
export async function saveCatalog(lakeDir: string, file: string = path.join(lakeDir, CATALOG_FILE), opts: { viewsDir?: string } = {}): Promise<string[]> {
  const dir = assertLake(lakeDir);
  const warnings: string[] = [];
  const statements = catalogStatements(dir, opts.viewsDir, (w) => warnings.push(w));
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  const instance = await DuckDBInstance.create(tmp);
  try {
    const connection = await instance.connect();
    try {
      for (const { sql, what } of statements) await run(connection, sql, what);
      await run(connection, `CREATE TABLE ${CATALOG_SOURCE_TABLE} AS SELECT ${sqlString(statementsDigest(statements))} AS statements_sha256`, "Recording the catalog's source");
    } finally {
      connection.closeSync();
    }
  } catch (err) {
    instance.closeSync();
    rmSync(tmp, { force: true });
    throw err;
  }
  instance.closeSync();
  rmSync(`${tmp}.wal`, { force: true });
  renameSync(tmp, file);
  return warnings;
}

/**
 * Attaches the lake's saved catalog read-only when it was made from these very statements, and
 * makes its relations and views the ones names resolve to (anything the caller creates goes to
 * the in-memory database). Any failure (no file, another version, a file held open for writing
 * by a user's tool) means the catalog is built instead: reuse only saves the binding of the views.
 */
async function attachSavedCatalog(connection: DuckDBConnection, file: string, digest: string): Promise<boolean> {
  if (!existsSync(file)) return false;
  try {
    await connection.run(`ATTACH ${sqlString(file)} AS saved_catalog (READ_ONLY)`);
  } catch {
    return false;
  }
  try {
    const reader = await connection.runAndReadAll(`SELECT statements_sha256 FROM saved_catalog.main.${CATALOG_SOURCE_TABLE}`);
    const rows = reader.getRowObjectsJS();
    if (rows.length === 1 && rows[0].statements_sha256 === digest) {
      await connection.run("SET search_path = 'memory.main,saved_catalog.main'");
      return true;
    }
  } catch {
    // Not a catalog this version wrote: built below.
  }
  await connection.run("DETACH saved_catalog");
  return false;
}

export async function openLake(lakeDir: string, opts: { viewsDir?: string } = {}): Promise<LakeDb> {
  const dir = assertLake(lakeDir);
  const warnings: string[] = [];
  const statements = catalogStatements(dir, opts.viewsDir, (w) => warnings.push(w));
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const close = () => {
    connection.closeSync();
    instance.closeSync();
  };
  let catalog: LakeDb["catalog"] = "built";
  try {
    await run(connection, "SET TimeZone = 'UTC'", "Setting the time zone");
    if (await attachSavedCatalog(connection, path.join(dir, CATALOG_FILE), statementsDigest(statements))) catalog = "saved";
    else for (const { sql, what } of statements) await run(connection, sql, what);
  } catch (err) {
    close();
    throw err;
  }
  const db: LakeDb = {
    async run(sql) {
      const reader = await connection.runAndReadAll(sql);
      return { columns: reader.columnNames(), rows: reader.getRowObjectsJS().map((row) => plainValue(row) as Record<string, unknown>) };
    },
    async query(sql) {
      return (await db.run(sql)).rows;
    },
    async relations() {
      const rows = await db.query(`SELECT DISTINCT table_name FROM information_schema.tables WHERE table_name <> '${CATALOG_SOURCE_TABLE}' ORDER BY table_name`);
      return rows.map((r) => String(r.table_name));
    },
    close,
    warnings,
    catalog,
  };
  return db;
}
