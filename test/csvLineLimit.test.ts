import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { rawSnapshotKey } from "../lib/lake/layout";
import { LocalStore } from "../lib/storage/localStore";
import { transformAll } from "../lib/transform/transformObject";
import { openLake } from "../lib/query/lakeDb";
import { cutForCsvLine, CSV_LINE_LIMIT_BYTES } from "../lib/formats/csvLineLimit";
import { editTrack, recordedEntries, recordedSnapshot, TO_FIND_ID } from "./support/snapshots";
import type { Json } from "../lib/standin/recordedData";

describe("CSV lines stay readable by DuckDB (2 MiB max_line_size) and Athena", function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "csv-line-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("a song name over 2 MB: csv_songs still answers, with the name cut and the cut reported; the Parquet table keeps it whole", async () => {
    const store = new LocalStore(dir);
    const longName = `${"é".repeat(1_200_000)}"\\${"x".repeat(300_000)}`;
    const [entry, second] = recordedEntries(TO_FIND_ID);
    const long = editTrack(entry as Json, (t) => (t.name = longName));
    await store.put(rawSnapshotKey("2026-11-01", TO_FIND_ID), JSON.stringify(recordedSnapshot(TO_FIND_ID, { snapshotDate: "2026-11-01", entries: [long, ...(second ? [second] : [])] })));
    const [outcome] = await transformAll(store);
    expect(outcome.status).to.equal("transformed");
    const cuts = (outcome.status === "transformed" && outcome.csvCuts) || [];
    expect(cuts).to.have.length(1);
    expect(cuts[0]).to.deep.include({ table: "songs", column: "song_name", row: 0, fromLength: longName.length });
    expect(cuts[0].toLength).to.be.lessThan(longName.length).and.greaterThan(500_000);
    const db = await openLake(dir);
    try {
      const csv = await db.query(`SELECT song_name FROM csv_songs ORDER BY length(song_name) DESC`);
      expect((csv[0].song_name as string).length).to.equal(cuts[0].toLength);
      expect(longName.startsWith(csv[0].song_name as string)).to.equal(true);
      const parquet = await db.query(`SELECT max(length(song_name)) AS n FROM songs`);
      expect(parquet[0].n).to.equal(longName.length);
    } finally {
      db.close();
    }
  });

  it("cuts only what a line needs, never inside a surrogate pair, and leaves ordinary rows as they are", () => {
    const columns = [
      { name: "a", type: "string" as const, nullable: false },
      { name: "b", type: "string" as const, nullable: false },
      { name: "n", type: "int32" as const, nullable: false },
    ];
    const ordinary = { a: "x", b: "y", n: 1 };
    const huge = { a: "😀".repeat(600_000), b: "short", n: 2 };
    const { rows, cuts } = cutForCsvLine("songs", columns, [ordinary, huge]);
    expect(rows[0]).to.equal(ordinary);
    expect(cuts).to.have.length(1);
    const cut = rows[1].a as string;
    expect(Buffer.byteLength(cut) + Buffer.byteLength("short") + 20).to.be.at.most(CSV_LINE_LIMIT_BYTES);
    expect(cut.length % 2, "whole emoji only").to.equal(0);
    expect(rows[1].b).to.equal("short");
    expect(huge.a.length, "the input row is not changed").to.equal(1_200_000);
  });
});
