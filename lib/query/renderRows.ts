/** Query results as text for a terminal: aligned columns, JSON (an array of row objects) or CSV. */
import { stringify } from "csv-stringify/sync";
import type { QueryResult } from "./lakeDb";

export const OUTPUT_FORMATS = ["table", "json", "csv"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function renderTable({ columns, rows }: QueryResult): string {
  const cells = rows.map((row) => columns.map((c) => cellText(row[c]).replace(/\r?\n/g, "⏎")));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => [...r[i]].length)));
  const line = (values: string[]) => values.map((v, i) => v + " ".repeat(widths[i] - [...v].length)).join(" | ").trimEnd();
  const out = [line(columns), widths.map((w) => "-".repeat(w)).join("-+-"), ...cells.map(line)];
  out.push(`(${rows.length} row${rows.length === 1 ? "" : "s"})`);
  return `${out.join("\n")}\n`;
}

export function renderRows(result: QueryResult, format: OutputFormat): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(result.rows, null, 2)}\n`;
    case "csv":
      return stringify(
        result.rows.map((row) => result.columns.map((c) => (row[c] === null || row[c] === undefined ? null : cellText(row[c])))),
        { header: true, columns: result.columns, record_delimiter: "unix" },
      ) || `${result.columns.join(",")}\n`;
    case "table":
      return renderTable(result);
  }
}
