/**
 * Checks rows against their table's definition before any writer encodes them: every column
 * present with a value its type can hold (integers within int32 / int64), and no other key.
 * The transform runs it at the boundary between a raw snapshot and its tables, so a value the
 * tables cannot store rejects the input file with the table, row and column named, instead of
 * producing a file whose types drift from the catalog.
 */
import { TABLE_NAMES, TABLES, type Cell, type ColumnDef, type ColumnType, type Row, type TableName } from "../tables/schema";

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

/** Whether a value fits its column. */
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

/** Throws the RowDoesNotFitError of the first cell of `row` that does not fit, or of its first unknown key. */
function checkRow(table: TableName, columns: readonly ColumnDef[], row: Row, index: number): void {
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
  if (Object.keys(row).length !== columns.length) {
    const extra = Object.keys(row).find((key) => !columns.some((c) => c.name === key));
    throw new RowDoesNotFitError(table, index, String(extra), `not a column of ${table} (its columns: ${columns.map((c) => c.name).join(", ")}).`);
  }
}

/** Throws RowDoesNotFitError at the first row that does not fit its table (see the header); returns the table's columns. */
export function assertRowsFit(table: TableName, rows: readonly Row[]): readonly ColumnDef[] {
  const columns: readonly ColumnDef[] = TABLES[table];
  rows.forEach((row, index) => checkRow(table, columns, row, index));
  return columns;
}

/** Checks every table's rows; throws RowDoesNotFitError at the first row that does not fit. */
export function assertTablesFit(tables: { [T in TableName]: readonly Row[] }): void {
  for (const table of TABLE_NAMES) assertRowsFit(table, tables[table]);
}
