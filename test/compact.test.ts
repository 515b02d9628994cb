import { expect } from "chai";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { compactDay, CompactionError } from "../lib/compact/compactDay";
import { catalogTableName, compactedFileKey, FILE_FORMATS, rawSnapshotKey, tableFileKey } from "../lib/lake/layout";
import { CATALOG_FILE, openLake, saveCatalog } from "../lib/query/lakeDb";
import { tableDays } from "../lib/query/lakeFiles";
import { loadViews } from "../lib/query/sqlFiles";
import type { ObjectStore } from "../lib/storage/objectStore";
import { TABLE_NAMES } from "../lib/tables/schema";
import { transformRawObject } from "../lib/transform/transformObject";
import { buildFleetLake, fleetDay, fleetPlaylistId, fleetSnapshot } from "./support/fleetLake";

const RELATIONS = [...FILE_FORMATS.flatMap((f) => TABLE_NAMES.map((t) => catalogTableName(f, t))), ...loadViews().map((v) => v.name)];

/** Every table and view of the lake, each as its rows sorted (order-independent comparison). */
async function everyRelation(dir: string): Promise<Record<string, string[]>> {
  const db = await openLake(dir);
  try {
    const all: Record<string, string[]> = {};
    for (const name of RELATIONS) all[name] = (await db.query(`SELECT * FROM ${name}`)).map((r) => JSON.stringify(r)).sort();
    return all;
  } finally {
    db.close();
  }
}

/** Rows per day of every table in both formats, as a reader of the lake counts them now. */
async function rowsPerDay(dir: string): Promise<Record<string, number>> {
  const db = await openLake(dir);
  try {
    const counts: Record<string, number> = {};
    for (const f of FILE_FORMATS) {
      for (const t of TABLE_NAMES) {
        const name = catalogTableName(f, t);
        for (const r of await db.query(`SELECT snapshot_date, count(*) AS n FROM ${name} GROUP BY snapshot_date`)) counts[`${name} ${r.snapshot_date}`] = Number(r.n);
      }
    }
    return counts;
  } finally {
    db.close();
  }
}

describe("compaction: one file per table per day", function () {
  this.timeout(120_000);
  let dir: string;
  let original: Record<string, string[]>;
  let counts: Record<string, number>;
  const PLAYLISTS = 4;
  const DAYS = 3;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "compact-"));
    const { outcomes } = await buildFleetLake(dir, PLAYLISTS, DAYS);
    expect(outcomes.filter((o) => o.status === "transformed")).to.have.length(PLAYLISTS * DAYS);
    original = await everyRelation(dir);
    counts = await rowsPerDay(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("switches each table of a day from its per-playlist files to its compacted file with no moment where a reader sees both or neither", async () => {
    const { LocalStore } = await import("../lib/storage/localStore");
    const inner = new LocalStore(dir);
    const seen: Record<string, number>[] = [];
    // A reader counts every day's rows of every table before and after each file compaction writes.
    const watched: ObjectStore = {
      location: inner.location,
      get: (k) => inner.get(k),
      exists: (k) => inner.exists(k),
      list: (p) => inner.list(p),
      put: async (key, body) => {
        seen.push(await rowsPerDay(dir));
        await inner.put(key, body);
        seen.push(await rowsPerDay(dir));
      },
    };
    const result = await compactDay(watched, fleetDay(1));
    expect(result.status).to.equal("compacted");
    expect(result.keys).to.have.length(12);
    expect(seen).to.have.length(24);
    for (const s of seen) expect(s).to.deep.equal(counts);
    for (const f of FILE_FORMATS) {
      for (const t of TABLE_NAMES) {
        const days = tableDays(dir, f, t, () => {});
        expect(days.map((d) => [d.snapshotDate, d.compacted])).to.deep.equal([
          [fleetDay(0), false],
          [fleetDay(1), true],
          [fleetDay(2), false],
        ]);
      }
    }
  });

  it("gives every table and view the same rows after every day is compacted", async () => {
    for (let d = 0; d < DAYS; d++) expect((await compactDay(new (await import("../lib/storage/localStore")).LocalStore(dir), fleetDay(d))).playlists).to.equal(PLAYLISTS);
    for (const f of FILE_FORMATS) for (const t of TABLE_NAMES) expect(tableDays(dir, f, t, () => {}).every((d) => d.compacted && d.files.length === 1)).to.equal(true);
    const after = await everyRelation(dir);
    for (const name of RELATIONS) expect(after[name], name).to.deep.equal(original[name]);
    expect(original.daily_changes.length).to.be.greaterThan(0);
  });

  it("re-compacts a day after a late re-transform of one playlist: the old compacted day until then, the new rows after", async () => {
    const { LocalStore } = await import("../lib/storage/localStore");
    const store = new LocalStore(dir);
    const day = fleetDay(2);
    await store.put(rawSnapshotKey(day, fleetPlaylistId(1)), JSON.stringify(fleetSnapshot(1, 2, { reversed: true })));
    expect((await transformRawObject(store, rawSnapshotKey(day, fleetPlaylistId(1)))).status).to.equal("transformed");
    // Until it is compacted again, readers keep the compacted day (whole, as it was).
    expect((await everyRelation(dir)).playlist_snapshot).to.deep.equal(original.playlist_snapshot);
    await compactDay(store, day);
    const recompacted = await everyRelation(dir);
    // The truth: the same lake read from its per-playlist files only.
    const perPlaylist = mkdtempSync(path.join(tmpdir(), "compact-truth-"));
    try {
      cpSync(dir, perPlaylist, { recursive: true });
      rmSync(path.join(perPlaylist, "transformed_data/compacted"), { recursive: true });
      const truth = await everyRelation(perPlaylist);
      for (const name of RELATIONS) expect(recompacted[name], name).to.deep.equal(truth[name]);
      expect(recompacted.playlist_snapshot).to.not.deep.equal(original.playlist_snapshot);
    } finally {
      rmSync(perPlaylist, { recursive: true, force: true });
    }
  });

  it("does not rewrite a day that is already one file per table (one playlist)", async () => {
    const { LocalStore } = await import("../lib/storage/localStore");
    const store = new LocalStore(dir);
    const lone = "2026-12-01";
    await store.put(rawSnapshotKey(lone, fleetPlaylistId(0)), JSON.stringify({ ...fleetSnapshot(0, 0), snapshot_date: lone }));
    expect((await transformRawObject(store, rawSnapshotKey(lone, fleetPlaylistId(0)))).status).to.equal("transformed");
    expect(await compactDay(store, lone)).to.deep.equal({ snapshotDate: lone, status: "single", playlists: 1, keys: [] });
    for (const f of FILE_FORMATS) for (const t of TABLE_NAMES) expect(existsSync(path.join(dir, compactedFileKey(f, t, lone)))).to.equal(false);
  });
});

describe("local catalog: literal lake paths, bad files, the saved catalog", function () {
  this.timeout(120_000);
  let parent: string;
  let lake: string;
  before(async () => {
    parent = mkdtempSync(path.join(tmpdir(), "catalog-"));
    lake = path.join(parent, "lake");
    await buildFleetLake(lake, 2, 2);
  });
  after(() => rmSync(parent, { recursive: true, force: true }));

  it("takes a lake path with glob characters literally: sibling lakes it would match are not read", async () => {
    const expected = await everyRelation(lake);
    const odd = path.join(parent, "my lake*[1]?");
    cpSync(lake, odd, { recursive: true });
    // Siblings the path would match as a glob: "my lake" + anything, "my lake1x".
    const sibling = path.join(parent, "my lakeX1Y");
    await buildFleetLake(sibling, 3, 1);
    cpSync(sibling, path.join(parent, "my lake*1Z"), { recursive: true });
    expect(await everyRelation(odd)).to.deep.equal(expected);
  });

  it("labels rows with their own day under a folder named snapshot_date=1999-01-01", async () => {
    const expected = await everyRelation(lake);
    const nested = path.join(parent, "snapshot_date=1999-01-01", "lake");
    mkdirSync(path.dirname(nested), { recursive: true });
    cpSync(lake, nested, { recursive: true });
    const got = await everyRelation(nested);
    expect(got).to.deep.equal(expected);
    expect(got.playlists.map((r) => JSON.parse(r).snapshot_date)).to.have.members([fleetDay(0), fleetDay(0), fleetDay(1), fleetDay(1)]);
  });

  it("skips and reports an empty or non-Parquet .parquet file instead of failing every query", async () => {
    const bad = path.join(parent, "bad");
    cpSync(lake, bad, { recursive: true });
    const empty = path.join(bad, tableFileKey("parquet", "songs", fleetDay(0), fleetPlaylistId(0)));
    const garbage = path.join(bad, tableFileKey("parquet", "playlists", fleetDay(1), fleetPlaylistId(1)));
    writeFileSync(empty, "");
    writeFileSync(garbage, "this is not parquet at all");
    const db = await openLake(bad);
    try {
      expect(db.warnings.join("\n")).to.include(`Skipped ${empty}: it is empty (0 bytes)`);
      expect(db.warnings.join("\n")).to.include(`Skipped ${garbage}: it is not a whole Parquet file`);
      const playlists = await db.query("SELECT playlist_id, snapshot_date FROM playlists ORDER BY ALL");
      expect(playlists).to.deep.equal([
        { playlist_id: fleetPlaylistId(0), snapshot_date: fleetDay(0) },
        { playlist_id: fleetPlaylistId(0), snapshot_date: fleetDay(1) },
        { playlist_id: fleetPlaylistId(1), snapshot_date: fleetDay(0) },
      ]);
      expect((await db.query("SELECT count(*) AS n FROM latest_snapshot"))[0].n).to.be.greaterThan(0);
    } finally {
      db.close();
    }
    // Compaction refuses the day rather than lose a playlist's rows, and says what to do.
    const { LocalStore } = await import("../lib/storage/localStore");
    let error: unknown;
    await compactDay(new LocalStore(bad), fleetDay(1)).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(CompactionError);
    expect((error as Error).message).to.include(tableFileKey("parquet", "playlists", fleetDay(1), fleetPlaylistId(1)));
    expect((error as Error).message).to.include("--stage transform --date 2026-11-02");
  });

  it("saves a catalog file that DuckDB opens on its own, with the same rows", async () => {
    const expected = await everyRelation(lake);
    await saveCatalog(lake);
    const instance = await DuckDBInstance.create(path.join(lake, CATALOG_FILE), { access_mode: "READ_ONLY" });
    const connection = await instance.connect();
    try {
      await connection.run("SET TimeZone = 'UTC'");
      const reader = await connection.runAndReadAll("SELECT count(*) AS n FROM latest_snapshot");
      expect(Number(reader.getRowObjectsJS()[0].n)).to.equal(expected.latest_snapshot.length);
      const changes = await connection.runAndReadAll("SELECT count(*) AS n FROM daily_changes");
      expect(Number(changes.getRowObjectsJS()[0].n)).to.equal(expected.daily_changes.length);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
