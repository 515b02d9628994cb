import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { openLake, type LakeDb } from "../lib/query/lakeDb";
import { buildChartLake, type ChartLake } from "./support/chartLake";
import { THE_CORE_ID, TO_FIND_ID } from "./support/snapshots";

const COLUMNS = [
  "playlist_id", "playlist_name", "snapshot_date", "position", "song_id", "song_name", "artist_names", "previous_position",
  "position_change", "peak_position", "peak_date", "days_on", "is_new", "is_reentry",
];

describe("playlist_chart view (DuckDB, recorded songs over five days with a gap, a duplicate and a re-entry)", () => {
  let dir: string;
  let lake: ChartLake;
  let db: LakeDb;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "chart-view-"));
    lake = await buildChartLake(dir);
    db = await openLake(dir);
  });
  after(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("built every snapshot through the transform", () => {
    expect(lake.outcomes.map((o) => o.status)).to.deep.equal(Array(6).fill("transformed"));
  });

  it("has the chart's columns, in order", async () => {
    expect((await db.run("SELECT * FROM playlist_chart LIMIT 0")).columns).to.deep.equal(COLUMNS);
  });

  it("gives position, previous position, change, peak, peak date, days on, NEW and RE by the definitions", async () => {
    const { A, B, C, D, E, T } = lake.ids;
    const rows = await db.query(
      `SELECT playlist_id, snapshot_date, "position", song_id, previous_position, position_change, peak_position, peak_date, days_on, is_new, is_reentry
       FROM playlist_chart ORDER BY playlist_id, snapshot_date, "position"`,
    );
    type Row = [string, number, string, number | null, number | null, number, string, number, boolean, boolean];
    const row = (playlist_id: string) => ([snapshot_date, position, song_id, previous_position, position_change, peak_position, peak_date, days_on, is_new, is_reentry]: Row) =>
      ({ playlist_id, snapshot_date, position, song_id, previous_position, position_change, peak_position, peak_date, days_on, is_new, is_reentry });
    const core: Row[] = [
      // The playlist's first snapshot: every song is new.
      ["2026-11-01", 1, A, null, null, 1, "2026-11-01", 1, true, false],
      ["2026-11-01", 2, B, null, null, 2, "2026-11-01", 1, true, false],
      ["2026-11-01", 3, C, null, null, 3, "2026-11-01", 1, true, false],
      ["2026-11-01", 4, D, null, null, 4, "2026-11-01", 1, true, false],
      // B climbs over A; C stays (change 0, its peak date stays the first day it was 3).
      ["2026-11-02", 1, B, 2, 1, 1, "2026-11-02", 2, false, false],
      ["2026-11-02", 2, A, 1, -1, 1, "2026-11-01", 2, false, false],
      ["2026-11-02", 3, C, 3, 0, 3, "2026-11-01", 2, false, false],
      // No Core snapshot on 2026-11-03: 2026-11-04 is compared with 2026-11-02. D was on 11-01, not 11-02: a re-entry.
      // A is listed at 3 and 5: one row, at 3.
      ["2026-11-04", 1, D, null, null, 1, "2026-11-04", 2, false, true],
      ["2026-11-04", 2, B, 1, -1, 1, "2026-11-02", 3, false, false],
      ["2026-11-04", 3, A, 2, -1, 1, "2026-11-01", 3, false, false],
      ["2026-11-04", 4, C, 3, -1, 3, "2026-11-01", 3, false, false],
      ["2026-11-05", 1, E, null, null, 1, "2026-11-05", 1, true, false],
      ["2026-11-05", 2, D, 1, -1, 1, "2026-11-04", 3, false, false],
      ["2026-11-05", 3, B, 2, -1, 1, "2026-11-02", 4, false, false],
      ["2026-11-05", 4, C, 4, 0, 3, "2026-11-01", 4, false, false],
    ];
    const toFind: Row[] = [
      ["2026-11-01", 1, T, null, null, 1, "2026-11-01", 1, true, false],
      // To find's previous snapshot is 2026-11-01 (none on 11-02): T was there, so not a re-entry.
      ["2026-11-03", 1, T, 1, 0, 1, "2026-11-01", 2, false, false],
      ["2026-11-03", 2, C, null, null, 2, "2026-11-03", 1, true, false],
    ];
    const expected = [...core.map(row(THE_CORE_ID)), ...toFind.map(row(TO_FIND_ID))].sort((x, y) =>
      x.playlist_id !== y.playlist_id ? (x.playlist_id < y.playlist_id ? -1 : 1) : x.snapshot_date !== y.snapshot_date ? (x.snapshot_date < y.snapshot_date ? -1 : 1) : x.position - y.position,
    );
    expect(rows).to.deep.equal(expected);
  });

  it("names the playlist, the song and its artists as playlist_snapshot does", async () => {
    const chart = await db.query(`SELECT playlist_name, song_name, artist_names FROM playlist_chart WHERE playlist_id = '${TO_FIND_ID}' AND snapshot_date = '2026-11-03' ORDER BY "position"`);
    const snapshot = await db.query(`SELECT playlist_name, song_name, artist_names FROM playlist_snapshot WHERE playlist_id = '${TO_FIND_ID}' AND snapshot_date = '2026-11-03' ORDER BY "position"`);
    expect(chart).to.deep.equal(snapshot);
    expect(chart[0]).to.deep.equal({ playlist_name: "To find", song_name: "All I Need", artist_names: "Maribou State, Andreya Triana" });
  });

  it("marks as NEW or RE exactly the songs daily_changes says entered", async () => {
    const fromChart = await db.query(
      `SELECT c.playlist_id, c.snapshot_date, c.song_id FROM playlist_chart c
       WHERE (c.is_new OR c.is_reentry) AND c.snapshot_date > (SELECT min(snapshot_date) FROM playlists p WHERE p.playlist_id = c.playlist_id)
       ORDER BY 1, 2, 3`,
    );
    const entered = await db.query(`SELECT playlist_id, snapshot_date, song_id FROM daily_changes WHERE change_type = 'entered' ORDER BY 1, 2, 3`);
    expect(fromChart).to.have.length(3);
    expect(fromChart).to.deep.equal(entered);
  });
});
