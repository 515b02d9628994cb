/**
 * Checks rows against the table definition before any writer encodes them, so a bug upstream
 * fails loudly with the table, row and column named instead of producing a file whose types
 * drift from the catalog.
 */
import { TABLES, type Cell, type ColumnDef, type Row, type TableName } from "../tables/schema";

function fits(column: ColumnDef, value: Cell | undefined): boolean {
  if (value === null || value === undefined) return column.nullable;
  switch (column.type) {
    case "string":
      return typeof value === "string";
    case "int32":
      return Number.isInteger(value) && (value as number) >= -(2 ** 31) && (value as number) < 2 ** 31;
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

export function assertRowsFit(table: TableName, rows: readonly Row[]): readonly ColumnDef[] {
  const columns: readonly ColumnDef[] = TABLES[table];
  rows.forEach((row, index) => {
    for (const column of columns) {
      if (!fits(column, row[column.name])) {
        throw new TypeError(
          `Table ${table}, row ${index}, column ${column.name}: ${JSON.stringify(row[column.name])} is not a ${column.nullable ? "nullable " : ""}${column.type}.`,
        );
      }
    }
  });
  return columns;
}
