/**
 * The CSV encoder writes its fixed format with a function compiled per column list; csv-stringify with the
 * dialect's options (csvStringifyOptions) is the reference. On adversarial rows of every table
 * the two must give the same bytes.
 */
import { expect } from "chai";
import { stringify } from "csv-stringify/sync";
import { csvCell, csvStringifyOptions, encodeCheckedCsv } from "../lib/formats/csv";
import { assertRowsFit } from "../lib/formats/rowCheck";
import { TABLE_NAMES, TABLES, type Cell, type ColumnDef, type Row } from "../lib/tables/schema";

/** What the encoder wrote before it had its own loop: csv-stringify over the cells. */
function referenceCsv(columns: readonly ColumnDef[], rows: readonly Row[]): Buffer {
  const records = rows.map((row) => columns.map((c) => csvCell(c, row[c.name])));
  const text = stringify(records, { ...csvStringifyOptions(columns), header: true });
  // csv-stringify writes nothing at all for zero records; the file keeps its header.
  return Buffer.from(text === "" ? `${columns.map((c) => c.name).join(",")}\n` : text, "utf8");
}

/** Characters that matter to CSV, Athena or UTF-8, and plain ones. */
const PIECES = [
  ",", '"', '""', "\\", "\\\\", "\n", "\r", "\r\n", "\u2028", "\t", " ", "=", "+", "-", "@", "'", ";", "NULL", "\\N",
  "é", "藝術家", "😀", "\ud800", "\u0000", "a", "bc", "Song 7", "null", "true", "0",
];

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function value(column: ColumnDef, random: () => number): Cell {
  if (column.nullable && random() < 0.2) return null;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const text = () => (random() < 0.1 ? "" : Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(PIECES)).join(""));
  switch (column.type) {
    case "string":
      return text();
    case "int32":
      return pick([0, 1, -1, 42, 2 ** 31 - 1, -(2 ** 31), Math.floor(random() * 1e6)]);
    case "int64":
      return pick([0, -1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, Math.floor(random() * 1e12)]);
    case "boolean":
      return random() < 0.5;
    case "timestamp":
      return new Date(pick([0, 1709247909007, Date.UTC(2026, 10, 25, 23, 59, 59, 999), Math.floor(random() * 2e12)]));
    case "string_list":
      return Array.from({ length: Math.floor(random() * 4) }, text);
  }
}

describe("the CSV encoder", () => {
  it("writes the same bytes as csv-stringify with the dialect's options, on adversarial rows of every table", () => {
    const random = rng(20261126);
    for (const table of TABLE_NAMES) {
      const columns = TABLES[table];
      // Enough rows to cross the encoder's chunk boundary.
      const rows = Array.from({ length: 4500 }, () => Object.fromEntries(columns.map((c) => [c.name, value(c, random)])) as Row);
      assertRowsFit(table, rows);
      const ours = Buffer.from(encodeCheckedCsv(columns, rows));
      const reference = referenceCsv(columns, rows);
      expect(ours.equals(reference), `${table}: first difference at byte ${ours.findIndex((b, i) => b !== reference[i])}`).to.equal(true);
    }
  });

  it("writes only the header for a table without rows, as before", () => {
    for (const table of TABLE_NAMES) {
      expect(Buffer.from(encodeCheckedCsv(TABLES[table], [])).equals(referenceCsv(TABLES[table], []))).to.equal(true);
    }
  });

  it("quotes exactly what csv-stringify quotes, field by field", () => {
    const column: ColumnDef = { name: "v", type: "string", nullable: true };
    for (const piece of [...PIECES, "", null]) {
      const rows: Row[] = [{ v: piece }, { v: `x${piece ?? ""}y` }];
      expect(Buffer.from(encodeCheckedCsv([column], rows)).toString("utf8"), JSON.stringify(piece)).to.equal(referenceCsv([column], rows).toString("utf8"));
    }
  });
});
