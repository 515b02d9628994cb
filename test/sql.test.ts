import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { openLake, type LakeDb } from "../lib/query/lakeDb";
import { loadQueries, loadViews } from "../lib/query/sqlFiles";
import { buildMultiDayLake, type MultiDayLake } from "./support/sqlLake";
import { trinoParser } from "./support/sqlTrinoParser";
import { recordedEntries, THE_CORE_ID, TO_FIND_ID } from "./support/snapshots";

const VIEW_NAMES = ["playlist_snapshot", "latest_snapshot", "daily_changes", "artist_daily", "playlist_chart"];

describe("SQL files", () => {
  describe("parse as Athena (Trino) SQL with dt-sql-parser", function () {
    this.timeout(60000);

    it("a broken statement does get errors (the check can fail)", async () => {
      const parser = await trinoParser();
      expect(parser.validate("CREATE OR REPLACE VIEW v AS SELECT FROM WHERE")).to.not.be.empty;
    });

    for (const file of [...loadViews(), ...loadQueries()]) {
      it(file.name, async () => {
        const parser = await trinoParser();
        expect(parser.validate(file.sql)).to.deep.equal([]);
      });
    }
  });

  it("has the views, each named after its file, each after the views it reads", () => {
    const names = loadViews().map((v) => v.name);
    expect(names).to.have.members(VIEW_NAMES);
    // Each view after every view it names outside comments (playlist_chart reads playlist_snapshot).
    for (const view of loadViews()) {
      for (const other of names.filter((n) => n !== view.name && new RegExp(`\\b${n}\\b`).test(view.sql.replace(/--.*$/gm, "")))) {
        expect(names.indexOf(other), `${other} before ${view.name}`).to.be.lessThan(names.indexOf(view.name));
      }
    }
    expect(names.indexOf("playlist_snapshot")).to.be.lessThan(names.indexOf("playlist_chart"));
  });

  it("gives each view's statement alone, its leading comment as the description", () => {
    for (const v of loadViews()) {
      expect(v.sql, v.name).to.match(new RegExp(`^CREATE OR REPLACE VIEW ${v.name} AS\\b`));
      expect(v.description, v.name).to.have.length.greaterThan(20);
    }
  });

  it("refuses a view file named after another view, and views that read each other in a circle", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sql-files-"));
    try {
      writeFileSync(path.join(dir, "a.sql"), "CREATE OR REPLACE VIEW b AS SELECT 1 AS x");
      expect(() => loadViews(dir)).to.throw(/creates view "b": name the file after the view \(b\.sql\)/);
      writeFileSync(path.join(dir, "a.sql"), "-- a\nCREATE OR REPLACE VIEW a AS SELECT x FROM b");
      writeFileSync(path.join(dir, "b.sql"), "CREATE OR REPLACE VIEW b AS SELECT x FROM a");
      expect(() => loadViews(dir)).to.throw(/circle: a -> b -> a/);
      writeFileSync(path.join(dir, "b.sql"), "CREATE OR REPLACE VIEW b AS SELECT 1 AS x -- not from a");
      expect(loadViews(dir).map((v) => v.name)).to.deep.equal(["b", "a"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("has the queries, each with a description", () => {
    const queries = loadQueries();
    expect(queries.map((q) => q.name)).to.deep.equal(["longest_running_songs", "top_artists", "top_songs"]);
    for (const q of queries) expect(q.description).to.match(/^The .{20,}/);
  });

  it("uses no integer division, which differs between Trino (1/2 = 0) and DuckDB (1/2 = 0.5)", () => {
    for (const file of [...loadViews(), ...loadQueries()]) {
      const code = file.sql.replace(/--[^\n]*/g, "").replace(/\/\*[\s\S]*?\*\//g, "");
      for (const m of code.matchAll(/\//g)) {
        expect(code.slice(0, m.index), `${file.name}: cast the dividend AS DOUBLE`).to.match(/AS DOUBLE\)\s*$/);
      }
    }
  });
});

describe("views and queries on a four-day lake (DuckDB)", () => {
  let dir: string;
  let lake: MultiDayLake;
  let db: LakeDb;
  const names = () => lake.songs;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "sql-views-"));
    lake = await buildMultiDayLake(dir);
    db = await openLake(dir);
  });
  after(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("built the lake through the transform", () => {
    expect(lake.outcomes.map((o) => o.status)).to.deep.equal(Array(6).fill("transformed"));
  });

  it("playlist_snapshot: one row per entry per day, with song, album and every artist in order", async () => {
    const counts = await db.query(
      `SELECT snapshot_date, playlist_id, count(*) AS n FROM playlist_snapshot GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    expect(counts).to.deep.equal([
      { snapshot_date: "2026-11-01", playlist_id: TO_FIND_ID, n: 1 },
      { snapshot_date: "2026-11-01", playlist_id: THE_CORE_ID, n: 5 },
      { snapshot_date: "2026-11-02", playlist_id: THE_CORE_ID, n: 5 },
      { snapshot_date: "2026-11-03", playlist_id: TO_FIND_ID, n: 2 },
      { snapshot_date: "2026-11-03", playlist_id: THE_CORE_ID, n: 6 },
      { snapshot_date: "2026-11-04", playlist_id: THE_CORE_ID, n: 3 },
    ]);
    const day4 = await db.query(
      `SELECT "position", song_id, song_name, artist_names, artist_ids, album_name, release_year, explicit, added_at, added_by
       FROM playlist_snapshot WHERE playlist_id = '${THE_CORE_ID}' AND snapshot_date = '2026-11-04' ORDER BY "position"`,
    );
    expect(day4.map((r) => [r.position, r.song_id, r.song_name])).to.deep.equal([
      [1, names().F.id, names().F.name],
      [2, names().B.id, names().B.name],
      [3, names().C.id, names().C.name],
    ]);
    expect(day4[0]).to.deep.include({
      song_name: "I See Dead People",
      artist_names: "The Amity Affliction, Louie Knuxx",
      artist_ids: ((recordedEntries(THE_CORE_ID)[5].track as { artists: { id: string }[] }).artists).map((a) => a.id),
      added_at: "2023-03-10T05:39:11.000Z",
      added_by: null,
      explicit: (recordedEntries(THE_CORE_ID)[5].track as { explicit: boolean }).explicit,
    });
    expect(day4[0].artist_ids).to.have.length(2);
    const toFind = await db.query(`SELECT artist_names, album_name, release_year FROM playlist_snapshot WHERE song_id = '${lake.toFindSong.id}' ORDER BY snapshot_date`);
    expect(toFind).to.deep.equal([
      { artist_names: "Maribou State, Andreya Triana", album_name: "All I Need", release_year: 2025 },
      { artist_names: "Maribou State, Andreya Triana", album_name: "All I Need", release_year: 2025 },
    ]);
  });

  it("latest_snapshot: each playlist on its own latest day", async () => {
    const rows = await db.query(`SELECT playlist_name, snapshot_date, "position", song_id FROM latest_snapshot ORDER BY playlist_name, "position"`);
    expect(rows).to.deep.equal([
      { playlist_name: "The Core", snapshot_date: "2026-11-04", position: 1, song_id: names().F.id },
      { playlist_name: "The Core", snapshot_date: "2026-11-04", position: 2, song_id: names().B.id },
      { playlist_name: "The Core", snapshot_date: "2026-11-04", position: 3, song_id: names().C.id },
      { playlist_name: "To find", snapshot_date: "2026-11-03", position: 1, song_id: lake.toFindSong.id },
      { playlist_name: "To find", snapshot_date: "2026-11-03", position: 2, song_id: names().C.id },
    ]);
  });

  it("latest_snapshot: the same rows and columns as playlist_snapshot on each playlist's latest day", async () => {
    const latest = await db.run(`SELECT * FROM latest_snapshot ORDER BY playlist_id, "position"`);
    const fromAll = await db.run(
      `SELECT ps.* FROM playlist_snapshot ps
       JOIN (SELECT playlist_id, max(snapshot_date) AS d FROM playlists GROUP BY playlist_id) l
         ON l.playlist_id = ps.playlist_id AND l.d = ps.snapshot_date
       ORDER BY ps.playlist_id, ps."position"`,
    );
    expect(latest.columns).to.deep.equal(fromAll.columns);
    expect(latest.rows).to.have.length(5);
    expect(latest.rows).to.deep.equal(fromAll.rows);
  });

  it("daily_changes: entered, left and moved against each playlist's previous snapshot day", async () => {
    const rows = await db.query(
      `SELECT playlist_id, snapshot_date, previous_date, change_type, song_id, previous_position, current_position, positions_up
       FROM daily_changes ORDER BY playlist_id, snapshot_date, change_type, song_id`,
    );
    const { A, B, D, E, F, C } = names();
    const change = (playlist_id: string, snapshot_date: string, previous_date: string, change_type: string, song_id: string, previous_position: number | null, current_position: number | null) => ({
      playlist_id,
      snapshot_date,
      previous_date,
      change_type,
      song_id,
      previous_position,
      current_position,
      positions_up: previous_position !== null && current_position !== null ? previous_position - current_position : null,
    });
    const core = (date: string, prev: string, type: string, song: string, p: number | null, c: number | null) => change(THE_CORE_ID, date, prev, type, song, p, c);
    const expected = [
      change(TO_FIND_ID, "2026-11-03", "2026-11-01", "entered", C.id, null, 2),
      core("2026-11-02", "2026-11-01", "entered", F.id, null, 5),
      core("2026-11-02", "2026-11-01", "left", D.id, 4, null),
      core("2026-11-02", "2026-11-01", "moved", A.id, 1, 2),
      core("2026-11-02", "2026-11-01", "moved", B.id, 2, 1),
      core("2026-11-02", "2026-11-01", "moved", E.id, 5, 4),
      // 2026-11-03: A listed a second time is not a change.
      core("2026-11-04", "2026-11-03", "left", A.id, 2, null),
      core("2026-11-04", "2026-11-03", "left", E.id, 4, null),
      core("2026-11-04", "2026-11-03", "moved", B.id, 1, 2),
      core("2026-11-04", "2026-11-03", "moved", F.id, 5, 1),
    ].sort((x, y) =>
      [x.playlist_id, x.snapshot_date, x.change_type, x.song_id].join("|") < [y.playlist_id, y.snapshot_date, y.change_type, y.song_id].join("|") ? -1 : 1,
    );
    expect(rows).to.deep.equal(expected);
    const named = await db.query(`SELECT song_name, artist_names FROM daily_changes WHERE change_type = 'left' AND song_id = '${D.id}'`);
    expect(named).to.deep.equal([{ song_name: D.name, artist_names: "Sleep Token" }]);
  });

  it("artist_daily: entries per artist, share of the playlist and best position", async () => {
    const rows = await db.query(
      `SELECT artist_name, tracks, playlist_entries, share, best_position FROM artist_daily
       WHERE playlist_id = '${THE_CORE_ID}' AND snapshot_date = '2026-11-03' ORDER BY tracks DESC, best_position, artist_name`,
    );
    expect(rows).to.deep.equal([
      { artist_name: "The Plot In You", tracks: 2, playlist_entries: 6, share: 0.3333, best_position: 2 },
      { artist_name: "I Prevail", tracks: 1, playlist_entries: 6, share: 0.1667, best_position: 1 },
      { artist_name: "Currents", tracks: 1, playlist_entries: 6, share: 0.1667, best_position: 3 },
      { artist_name: "Underoath", tracks: 1, playlist_entries: 6, share: 0.1667, best_position: 4 },
      { artist_name: "Louie Knuxx", tracks: 1, playlist_entries: 6, share: 0.1667, best_position: 5 },
      { artist_name: "The Amity Affliction", tracks: 1, playlist_entries: 6, share: 0.1667, best_position: 5 },
    ]);
  });

  it("top_songs: each playlist's latest top entries with their artists", async () => {
    const sql = loadQueries().find((q) => q.name === "top_songs")!.sql;
    const rows = await db.query(sql);
    expect(rows.map((r) => [r.playlist_name, r.snapshot_date, r.place, r.song_name, r.artist_names])).to.deep.equal([
      ["The Core", "2026-11-04", 1, "I See Dead People", "The Amity Affliction, Louie Knuxx"],
      ["The Core", "2026-11-04", 2, names().B.name, "I Prevail"],
      ["The Core", "2026-11-04", 3, names().C.name, "Currents"],
      ["To find", "2026-11-03", 1, "All I Need", "Maribou State, Andreya Triana"],
      ["To find", "2026-11-03", 2, names().C.name, "Currents"],
    ]);
  });

  it("top_artists: the latest day's artists by entries", async () => {
    const rows = await db.query(loadQueries().find((q) => q.name === "top_artists")!.sql);
    expect(rows.map((r) => [r.playlist_id, r.snapshot_date, r.artist_name, r.tracks, r.share, r.best_position])).to.deep.equal([
      [TO_FIND_ID, "2026-11-03", "Andreya Triana", 1, 0.5, 1],
      [TO_FIND_ID, "2026-11-03", "Maribou State", 1, 0.5, 1],
      [TO_FIND_ID, "2026-11-03", "Currents", 1, 0.5, 2],
      [THE_CORE_ID, "2026-11-04", "Louie Knuxx", 1, 0.3333, 1],
      [THE_CORE_ID, "2026-11-04", "The Amity Affliction", 1, 0.3333, 1],
      [THE_CORE_ID, "2026-11-04", "I Prevail", 1, 0.3333, 2],
      [THE_CORE_ID, "2026-11-04", "Currents", 1, 0.3333, 3],
    ]);
  });

  it("longest_running_songs: days present, first and last day", async () => {
    const rows = await db.query(loadQueries().find((q) => q.name === "longest_running_songs")!.sql);
    const { A, B, C, F } = names();
    // Ties on days and best position go by song name: "I See Dead People" before "Left Behind".
    expect(rows.slice(0, 4).map((r) => [r.playlist_id, r.song_id, r.days_present, r.first_seen, r.last_seen, r.best_position])).to.deep.equal([
      [THE_CORE_ID, B.id, 4, "2026-11-01", "2026-11-04", 1],
      [THE_CORE_ID, C.id, 4, "2026-11-01", "2026-11-04", 3],
      [THE_CORE_ID, F.id, 3, "2026-11-02", "2026-11-04", 1],
      [THE_CORE_ID, A.id, 3, "2026-11-01", "2026-11-03", 1],
    ]);
    expect(rows.find((r) => r.playlist_id === TO_FIND_ID && r.song_id === lake.toFindSong.id)).to.include({ days_present: 2, last_seen: "2026-11-03" });
  });
});
