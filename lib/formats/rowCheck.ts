/**
 * Checks rows against their table's definition before any writer encodes them: every column
 * present with a value its type can hold (integers within int32 / int64), and no other key.
 * The transform runs it at the boundary between a raw snapshot and its tables, so a value the
 * tables cannot store rejects the input file with the table, row and column named, instead of
 * producing a file whose types drift from the catalog.
 */
import { TABLE_NAMES, TABLES, type Cell, type ColumnDef, type ColumnType, type Row, type TableName } from "../tables/schema";
import { compileRowFunction } from "./compileRow";

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** What a column of each type accepts, for the error message. */
const EXPECTED: Record<ColumnType, string> = {
  string: "a string",
  int32: `an int32 (an integer from ${INT32_MIN} to ${INT32_MAX})`,
  // A JSON number is exact only up to 2^53 - 1: beyond that the value read is already not the one sent.
  int64: `an int64 held exactly (an integer from ${-Number.MAX_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER})`,
  boolean: "true or false",
  timestamp: "a valid date and time",
  string_list: "a list of strings",
};

/** Whether a value fits its column: the rule, and the explanation's (the compiled test below answers the same). */
export function fits(column: ColumnDef, value: Cell): boolean {
  if (value === null) return column.nullable;
  switch (column.type) {
    case "string":
      return typeof value === "string";
    case "int32":
      return Number.isInteger(value) && (value as number) >= INT32_MIN && (value as number) <= INT32_MAX;
    case "int64":
      return Number.isSafeInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "timestamp":
      return value instanceof Date && !Number.isNaN(value.getTime());
    case "string_list":
      return Array.isArray(value) && value.every((v) => typeof v === "string");
  }
}

/** A row that does not fit its table: which table, row and column, the value and what was expected. */
export class RowDoesNotFitError extends TypeError {
  constructor(
    readonly table: TableName,
    readonly rowIndex: number,
    readonly column: string,
    detail: string,
  ) {
    super(`Table ${table}, row ${rowIndex}, column ${column}: ${detail}`);
    this.name = "RowDoesNotFitError";
  }
}

/** The row's id columns (song_id, position, ...), so a message names the row as a person looks for it. */
function rowLabel(table: TableName, row: Row): string {
  const ids = TABLES[table].filter((c) => c.name !== "playlist_id" && (c.name.endsWith("_id") || c.name.endsWith("position")));
  return ids.map((c) => `${c.name} ${JSON.stringify(row[c.name])}`).join(", ");
}

function unknownKeys(columns: readonly ColumnDef[], row: Row): string[] {
  const names = new Set(columns.map((c) => c.name));
  return Object.keys(row).filter((k) => !names.has(k));
}

/** Own enumerable keys of a row, as the compiled test counts them. */
function keyCount(row: Row): number {
  let n = 0;
  for (const key in row) if (Object.prototype.hasOwnProperty.call(row, key)) n++;
  return n;
}

/**
 * The test of one cell, as JavaScript source over `value`: the same answer as fits(column, value)
 * (test/rowCheck.test.ts compares them), written out rather than a call to fits per cell, which
 * took the cold 10k check from about 19 to about 30 ms (six alternated runs each).
 */
function cellTest(column: ColumnDef, value: string): string {
  const orNull = column.nullable ? `${value} === null || ` : "";
  switch (column.type) {
    case "string":
      return `${orNull}typeof ${value} === "string"`;
    case "int32": // `| 0` keeps a number within int32 unchanged, and changes any other
      return `${orNull}(typeof ${value} === "number" && (${value} | 0) === ${value})`;
    case "int64":
      return `${orNull}Number.isSafeInteger(${value})`;
    case "boolean":
      return `${orNull}typeof ${value} === "boolean"`;
    case "timestamp":
      return `${orNull}(${value} instanceof Date && !Number.isNaN(${value}.getTime()))`;
    case "string_list":
      return `${orNull}isStringList(${value})`;
    default:
      throw new Error(`no row check for column type "${String(column.type)}"`);
  }
}

const isStringList = (value: unknown) => Array.isArray(value) && value.every((v) => typeof v === "string");

/** Whether a row fits its columns (every column present and fitting, no other key), compiled per column list. */
type RowTest = (row: Row) => boolean;
const rowTests = new WeakMap<readonly ColumnDef[], RowTest>();

export function rowTestOf(columns: readonly ColumnDef[]): RowTest {
  let test = rowTests.get(columns);
  if (!test) {
    test = compileRowFunction<RowTest>(columns, { isStringList, hasOwn: Object.prototype.hasOwnProperty }, (cells) =>
      [
        ...cells.map(({ column, cell }, i) => `const v${i} = ${cell};\nif (v${i} === undefined || !(${cellTest(column, `v${i}`)})) return false;`),
        // Every column is present, so more own keys than columns means a stranger (a misspelt column).
        `let keys = 0;\nfor (const key in row) if (hasOwn.call(row, key)) keys++;\nreturn keys === ${cells.length};`,
      ].join("\n"),
    );
    rowTests.set(columns, test);
  }
  return test;
}

/**
 * Throws RowDoesNotFitError for rows that do not fit their table (see the header); returns the
 * table's columns. Each row is tested by a function compiled for the table (rowTestOf); the
 * first row it refuses is explained cell by cell.
 */
export function assertRowsFit(table: TableName, rows: readonly Row[]): readonly ColumnDef[] {
  const columns: readonly ColumnDef[] = TABLES[table];
  const rowFits = rowTestOf(columns);
  for (let index = 0; index < rows.length; index++) {
    if (!rowFits(rows[index])) explainRow(table, columns, rows[index], index);
  }
  return columns;
}

/** Throws the RowDoesNotFitError that names the first cell of `row` that does not fit, or its unknown key. */
function explainRow(table: TableName, columns: readonly ColumnDef[], row: Row, index: number): never {
  for (const column of columns) {
    const value = row[column.name];
    // Missing is an error even for a nullable column: null is written, never implied.
    if (value === undefined) throw new RowDoesNotFitError(table, index, column.name, `missing (${rowLabel(table, row)}); a row names every column, null where there is no value.`);
    if (!fits(column, value)) {
      const detail = `${JSON.stringify(value)} is not ${column.nullable ? "null or " : ""}${EXPECTED[column.type]}`;
      throw new RowDoesNotFitError(table, index, column.name, `${detail} (${rowLabel(table, row)}).`);
    }
  }
  // Every column is present, so a row with more keys than columns holds a stranger (a misspelt column).
  if (keyCount(row) !== columns.length) {
    const extra = unknownKeys(columns, row);
    throw new RowDoesNotFitError(table, index, extra[0], `not a column of ${table} (its columns: ${columns.map((c) => c.name).join(", ")}).`);
  }
  throw new Error(`the row check refused row ${index} of ${table} but found nothing wrong in it: a defect of lib/formats/rowCheck.ts, please report it.`);
}

/** The columns of every table, once its rows have passed assertRowsFit. */
export type CheckedColumns = Record<TableName, readonly ColumnDef[]>;

/** Checks every table's rows; throws RowDoesNotFitError at the first row that does not fit. */
export function assertTablesFit(tables: { [T in TableName]: readonly Row[] }): CheckedColumns {
  return Object.fromEntries(TABLE_NAMES.map((table) => [table, assertRowsFit(table, tables[table])])) as CheckedColumns;
}
