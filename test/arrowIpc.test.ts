/**
 * The Arrow IPC stream assembled without apache-arrow's Table (lib/formats/arrowIpc.ts), held to
 * the one apache-arrow writes for the same column buffers (test/support/arrowReference.ts):
 * apache-arrow reads the same schema and values back from both, and parquet-wasm writes the
 * same Parquet bytes from both. On every table of recorded playlists and on adversarial rows
 * (nulls in every nullable column, empty lists, a table without rows, non-ASCII text, the edges
 * of every integer type).
 */
import { expect } from "chai";
import * as arrow from "apache-arrow";
import { checkedColumnBuffers } from "../lib/formats/arrowColumns";
import { arrowIpcStream } from "../lib/formats/arrowIpc";
import { parquetOfArrowIpc } from "../lib/formats/parquetFromIpc";
import { assertRowsFit, assertTablesFit } from "../lib/formats/rowCheck";
import { TABLE_NAMES, TABLES, type Cell, type ColumnDef, type Row, type TableName } from "../lib/tables/schema";
import { snapshotToTables } from "../lib/transform/toTables";
import { arrowIpcOfColumns } from "./support/arrowReference";
import { recordedSnapshot, THE_CORE_ID, TO_FIND_ID } from "./support/snapshots";

/** Values as apache-arrow reads them, in a form deep equality can compare (bigint and Date as text). */
function valuesOf(ipc: Uint8Array): { schema: string; rows: string } {
  const table = arrow.tableFromIPC(ipc);
  const rows = JSON.stringify(table.toArray(), (_k, v) => (typeof v === "bigint" ? `${v}n` : v instanceof Date ? v.toISOString() : v));
  return { schema: table.schema.toString(), rows };
}

function expectSameAsReference(table: string, columns: readonly ColumnDef[], rows: readonly Row[]): void {
  const buffers = checkedColumnBuffers(columns, rows);
  const ours = arrowIpcStream(columns, rows.length, buffers);
  const reference = arrowIpcOfColumns(columns, rows.length, buffers);
  const read = valuesOf(ours);
  expect(read, table).to.deep.equal(valuesOf(reference));
  expect(arrow.tableFromIPC(ours).numRows, table).to.equal(rows.length);
  expect(Buffer.from(parquetOfArrowIpc(ours, columns)).equals(Buffer.from(parquetOfArrowIpc(reference, columns))), `${table}: Parquet bytes`).to.equal(true);
}

/** Rows of a table whose every column takes its edge values in turn: null where nullable, and the extremes of its type. */
function edgeRows(table: TableName): Row[] {
  const edges: Record<ColumnDef["type"], Cell[]> = {
    string: ["", "a", "藝術家 😀", "comma, \"quote\"\nline", "x".repeat(1000)],
    int32: [0, -1, 2 ** 31 - 1, -(2 ** 31), 42],
    int64: [0, -1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 7],
    boolean: [true, false, true, true, false],
    timestamp: [new Date(0), new Date(-1), new Date(Date.UTC(2026, 10, 26, 23, 59, 59, 999)), new Date(8.64e15), new Date(1)],
    string_list: [[], ["pop"], ["a", "", "é"], [], ["x", "y", "z", "w"]],
  };
  const columns: readonly ColumnDef[] = TABLES[table];
  return Array.from({ length: 9 }, (_, i) =>
    Object.fromEntries(columns.map((c, j) => [c.name, c.nullable && (i + j) % 3 === 0 ? null : edges[c.type][(i + j) % 5]])) as Row,
  );
}

describe("Arrow IPC stream without apache-arrow's Table (lib/formats/arrowIpc.ts)", () => {
  it("matches apache-arrow's stream on every table of two recorded playlists: the same values back, the same Parquet bytes", () => {
    for (const id of [TO_FIND_ID, THE_CORE_ID]) {
      const tables = snapshotToTables(recordedSnapshot(id, { snapshotDate: "2026-11-20" }));
      const columns = assertTablesFit(tables);
      for (const t of TABLE_NAMES) {
        expect(tables[t].length, `${id} ${t}`).to.be.greaterThan(0);
        expectSameAsReference(`${id} ${t}`, columns[t], tables[t]);
      }
    }
  });

  it("matches it on edge values of every column type, nulls in every nullable column, and on tables without rows", () => {
    for (const t of TABLE_NAMES) {
      const rows = edgeRows(t);
      assertRowsFit(t, rows);
      expectSameAsReference(t, TABLES[t], rows);
      expectSameAsReference(`${t} (no rows)`, TABLES[t], []);
    }
  });

  it("lays the stream out as the format says: 8-byte aligned messages, then the end-of-stream marker", () => {
    const rows = edgeRows("artists");
    const ipc = arrowIpcStream(TABLES.artists, rows.length, checkedColumnBuffers(TABLES.artists, rows));
    const view = new DataView(ipc.buffer, ipc.byteOffset, ipc.byteLength);
    expect(ipc.byteLength % 8).to.equal(0);
    expect(view.getUint32(0, true)).to.equal(0xffffffff);
    expect(view.getInt32(4, true) % 8).to.equal(0);
    expect([view.getUint32(ipc.byteLength - 8, true), view.getUint32(ipc.byteLength - 4, true)]).to.deep.equal([0xffffffff, 0]);
  });
});

describe("string column buffers (lib/formats/arrowColumns.ts)", () => {
  /** Each cell's bytes as read back through the offsets. */
  const cellBytes = (cells: (string | null)[]) => {
    const [buffers] = checkedColumnBuffers([{ name: "s", type: "string", nullable: true }], cells.map((s) => ({ s })));
    const offsets = buffers.valueOffsets!;
    const data = buffers.data as Uint8Array;
    return cells.map((_, i) => Buffer.from(data.subarray(offsets[i], offsets[i + 1])).toString("hex"));
  };
  const alone = (cells: (string | null)[]) => cells.map((s) => (s === null ? "" : Buffer.from(s, "utf8").toString("hex")));

  it("hold each string's own UTF-8 bytes: ASCII only, non-ASCII, lone surrogates, and a surrogate pair split across two cells", () => {
    const columns: (string | null)[][] = [
      ["a", "bc", null, ""],
      ["é", "藝術家", "😀", null, "x"],
      ["\ud800", "a", "\udfff"],
      // Joined, these two would pair up into one 4-byte character; alone, each is U+FFFD.
      ["x\ud83d", "\ude00y", "z"],
    ];
    for (const cells of columns) expect(cellBytes(cells), JSON.stringify(cells)).to.deep.equal(alone(cells));
  });
});
