/**
 * Query results as text: aligned columns for a terminal (control characters neutralised, see
 * terminalText.ts), or JSON (an array of row objects) and CSV with the data exactly as it is.
 */
import { stringify } from "csv-stringify/sync";
import type { QueryResult } from "./lakeDb";
import { terminalSafe } from "./terminalText";

export const OUTPUT_FORMATS = ["table", "json", "csv"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function renderTable({ columns, rows }: QueryResult): string {
  const cells = rows.map((row) => columns.map((c) => terminalSafe(cellText(row[c]).replace(/\r?\n/g, "⏎"))));
  const header = columns.map(terminalSafe);
  // A loop, not Math.max(...lengths): spreading a few hundred thousand rows overflows the call stack.
  const widths = header.map((c) => [...c].length);
  for (const r of cells) for (let i = 0; i < r.length; i++) widths[i] = Math.max(widths[i], [...r[i]].length);
  const line = (values: string[]) => values.map((v, i) => v + " ".repeat(widths[i] - [...v].length)).join(" | ").trimEnd();
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("-+-"), ...cells.map(line)];
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
