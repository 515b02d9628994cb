import { expect } from "chai";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { compactDay, CompactionError } from "../lib/compact/compactDay";
import { compactDays } from "../lib/compact/compactDays";
import { compactMonth, compactMonths, isMonthFinished, monthsToCompact } from "../lib/compact/compactMonth";
import { staleCompactedDays } from "../lib/compact/staleCompactions";
import { catalogTableName, compactedFileKey, FILE_FORMATS, monthlyFileKey, rawSnapshotKey, tableFileKey } from "../lib/lake/layout";
import { CATALOG_FILE, openLake, saveCatalog } from "../lib/query/lakeDb";
import { tableFiles } from "../lib/query/lakeFiles";
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

/** The truth after a re-transform: every relation of a copy of the lake read from its per-playlist files only. */
async function perPlaylistTruth(dir: string): Promise<Record<string, string[]>> {
  const copy = mkdtempSync(path.join(tmpdir(), "compact-truth-"));
  try {
    cpSync(dir, copy, { recursive: true });
    rmSync(path.join(copy, "transformed_data/compacted"), { recursive: true });
    return await everyRelation(copy);
  } finally {
    rmSync(copy, { recursive: true, force: true });
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
        const days = tableFiles(dir, f, t, () => {}, { months: false }).days;
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
    for (const f of FILE_FORMATS) for (const t of TABLE_NAMES) expect(tableFiles(dir, f, t, () => {}, { months: false }).days.every((d) => d.compacted && d.files.length === 1)).to.equal(true);
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
    const truth = await perPlaylistTruth(dir);
    for (const name of RELATIONS) expect(recompacted[name], name).to.deep.equal(truth[name]);
    expect(recompacted.playlist_snapshot).to.not.deep.equal(original.playlist_snapshot);
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

/** Every table scan of an EXPLAIN ANALYZE: the files it read, the rows it gave, the filters it had. */
async function tableScans(dir: string, sql: string): Promise<{ files: string; rows: number; filters: string }[]> {
  const db = await openLake(dir);
  try {
    const [row] = await db.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`);
    const scans: { files: string; rows: number; filters: string }[] = [];
    type Node = { operator_type?: string; operator_cardinality?: number; extra_info?: Record<string, unknown>; children?: Node[] };
    const walk = (node: Node) => {
      if (node.operator_type === "TABLE_SCAN") {
        const info = node.extra_info ?? {};
        scans.push({ files: String(info["Filename(s)"] ?? ""), rows: Number(node.operator_cardinality), filters: JSON.stringify([info.Filters ?? "", info["Dynamic Filters"] ?? ""]) });
      }
      for (const child of node.children ?? []) walk(child);
    };
    const tree = JSON.parse(String(row.explain_value)) as Node | Node[];
    for (const node of Array.isArray(tree) ? tree : [tree]) walk(node);
    return scans;
  } finally {
    db.close();
  }
}

describe("compaction: one file per table per finished month", function () {
  this.timeout(180_000);
  let dir: string;
  let original: Record<string, string[]>;
  let counts: Record<string, number>;
  const PLAYLISTS = 3;
  // 2026-10-29 to 2026-11-04: October is finished (the lake has the 4th of November).
  const FIRST_DAY = -3;
  const DAYS = 7;
  const dates = Array.from({ length: DAYS }, (_, d) => fleetDay(FIRST_DAY + d));
  const october = "2026-10";

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "compact-month-"));
    const { store, outcomes } = await buildFleetLake(dir, PLAYLISTS, DAYS, FIRST_DAY);
    expect(outcomes.filter((o) => o.status === "transformed")).to.have.length(PLAYLISTS * DAYS);
    original = await everyRelation(dir);
    counts = await rowsPerDay(dir);
    // Days 2026-10-29 and 2026-10-30 compacted by day, 2026-10-31 left as its per-playlist files: a month is made of both.
    expect((await compactDays(store, dates.filter((d) => d !== "2026-10-31"))).errors).to.deep.equal([]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("counts a month as finished from the 4th of the next month (a grace for late snapshots)", () => {
    expect(isMonthFinished(october, "2026-11-03")).to.equal(false);
    expect(isMonthFinished(october, "2026-11-04")).to.equal(true);
    expect(isMonthFinished("2026-12", "2027-01-04")).to.equal(true);
    expect(isMonthFinished("2026-12", "2026-12-31")).to.equal(false);
    expect(monthsToCompact(dir, [])).to.deep.equal([october]);
    expect(monthsToCompact(dir, ["2026-11-02"])).to.deep.equal([october]);
  });

  it("switches each table of the month to its monthly file with no moment where a reader sees both or neither, and the same rows in every table and view", async () => {
    const { LocalStore } = await import("../lib/storage/localStore");
    const inner = new LocalStore(dir);
    const seen: Record<string, number>[] = [];
    const watched = Object.assign(Object.create(inner) as typeof inner, {
      put: async (key: string, body: Uint8Array | string) => {
        seen.push(await rowsPerDay(dir));
        await inner.put(key, body);
        seen.push(await rowsPerDay(dir));
      },
    });
    const result = await compactMonth(watched, october);
    expect(result).to.deep.include({ month: october, status: "compacted", days: 3 });
    expect(result.keys).to.have.length(12);
    expect(seen).to.have.length(24);
    for (const s of seen) expect(s).to.deep.equal(counts);
    for (const f of FILE_FORMATS) {
      for (const t of TABLE_NAMES) {
        const { months, days } = tableFiles(dir, f, t, () => {});
        expect(months.map((m) => [m.month, m.file])).to.deep.equal([[october, path.join(dir, monthlyFileKey(f, t, october))]]);
        expect(days.map((d) => d.snapshotDate)).to.deep.equal(dates.filter((d) => d.startsWith("2026-11")));
      }
    }
    const after = await everyRelation(dir);
    for (const name of RELATIONS) expect(after[name], name).to.deep.equal(original[name]);
    expect(original.daily_changes.some((r) => JSON.parse(r).snapshot_date === "2026-11-01")).to.equal(true);
    expect(monthsToCompact(dir, [])).to.deep.equal([]);
  });

  it("keeps snapshot_date a column DuckDB filters on inside the monthly file: latest_snapshot reads no finished month's row, a day's query its day", async () => {
    const latest = await tableScans(dir, "SELECT * FROM latest_snapshot");
    const monthly = latest.filter((s) => s.files.includes("snapshot_month="));
    // The playlists scan finds each playlist's latest day; every other monthly scan is cut to that day.
    const cut = monthly.filter((s) => !s.files.includes("/playlists/"));
    expect(cut.length).to.be.greaterThan(0);
    for (const scan of cut) {
      expect(scan.filters, scan.files).to.include(`snapshot_date='${dates[DAYS - 1]}'`);
      expect(scan.rows, scan.files).to.equal(0);
    }
    const day = await tableScans(dir, "SELECT * FROM playlist_tracks WHERE snapshot_date = '2026-10-30'");
    const monthScan = day.find((s) => s.files.includes("snapshot_month="))!;
    expect(monthScan.filters).to.include("snapshot_date='2026-10-30'");
    expect(monthScan.rows).to.equal(counts["playlist_tracks 2026-10-30"]);
  });

  it("re-compacts the day and the month after a late re-transform of one playlist: the old month until then, the new rows after", async () => {
    const { LocalStore } = await import("../lib/storage/localStore");
    const store = new LocalStore(dir);
    const day = "2026-10-30";
    await store.put(rawSnapshotKey(day, fleetPlaylistId(1)), JSON.stringify(fleetSnapshot(1, FIRST_DAY + 1, { reversed: true })));
    expect((await transformRawObject(store, rawSnapshotKey(day, fleetPlaylistId(1)))).status).to.equal("transformed");
    expect((await everyRelation(dir)).playlist_snapshot).to.deep.equal(original.playlist_snapshot);
    // What npm start does after the transform: the day, then the finished months of the days it wrote.
    await compactDays(store, [day]);
    expect(monthsToCompact(dir, [day])).to.deep.equal([october]);
    const { months, errors } = await compactMonths(store, monthsToCompact(dir, [day]));
    expect(errors).to.deep.equal([]);
    expect(months.map((m) => m.status)).to.deep.equal(["compacted"]);
    const recompacted = await everyRelation(dir);
    const truth = await perPlaylistTruth(dir);
    for (const name of RELATIONS) expect(recompacted[name], name).to.deep.equal(truth[name]);
    expect(recompacted.playlist_snapshot).to.not.deep.equal(original.playlist_snapshot);
  });

  it("finds a day and a month left stale by a run that stopped after the transform, and compacting them gives the truth", async () => {
    const { LocalStore } = await import("../lib/storage/localStore");
    const store = new LocalStore(dir);
    const day = "2026-10-29";
    expect(staleCompactedDays(dir)).to.deep.equal([]);
    expect(monthsToCompact(dir, [])).to.deep.equal([]);
    await store.put(rawSnapshotKey(day, fleetPlaylistId(2)), JSON.stringify(fleetSnapshot(2, FIRST_DAY, { reversed: true })));
    expect((await transformRawObject(store, rawSnapshotKey(day, fleetPlaylistId(2)))).status).to.equal("transformed");
    // The run stops here: nothing compacted. The next run finds both.
    expect(staleCompactedDays(dir)).to.deep.equal([day]);
    expect(monthsToCompact(dir, [])).to.deep.equal([october]);
    await compactDays(store, staleCompactedDays(dir));
    expect(staleCompactedDays(dir)).to.deep.equal([]);
    expect((await compactMonths(store, monthsToCompact(dir, []))).months.map((m) => [m.month, m.status])).to.deep.equal([[october, "compacted"]]);
    expect(monthsToCompact(dir, [])).to.deep.equal([]);
    const now = await everyRelation(dir);
    const truth = await perPlaylistTruth(dir);
    for (const name of RELATIONS) expect(now[name], name).to.deep.equal(truth[name]);
  });

  it("reads the month's days instead of a monthly file that is not whole, and says so", async () => {
    const bad = mkdtempSync(path.join(tmpdir(), "compact-month-bad-"));
    try {
      cpSync(dir, bad, { recursive: true });
      const expected = await everyRelation(bad);
      const broken = path.join(bad, monthlyFileKey("parquet", "songs", october));
      writeFileSync(broken, "PAR1 cut short");
      const empty = path.join(bad, monthlyFileKey("csv", "artists", october));
      writeFileSync(empty, "");
      const db = await openLake(bad);
      try {
        expect(db.warnings.join("\n")).to.include(`Skipped ${broken}: it is not a whole Parquet file`);
        expect(db.warnings.join("\n")).to.include(`Skipped ${empty}: it is empty (0 bytes)`);
      } finally {
        db.close();
      }
      expect(await everyRelation(bad)).to.deep.equal(expected);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it("does not rewrite a month that is one playlist on one day", async () => {
    const { LocalStore } = await import("../lib/storage/localStore");
    const lone = mkdtempSync(path.join(tmpdir(), "compact-month-lone-"));
    try {
      const store = new LocalStore(lone);
      for (const [i, d] of [
        [0, FIRST_DAY],
        [0, 3],
      ]) {
        await store.put(rawSnapshotKey(fleetDay(d), fleetPlaylistId(i)), JSON.stringify(fleetSnapshot(i, d)));
        expect((await transformRawObject(store, rawSnapshotKey(fleetDay(d), fleetPlaylistId(i)))).status).to.equal("transformed");
      }
      expect(monthsToCompact(lone, [])).to.deep.equal([october]);
      expect(await compactMonth(store, october)).to.deep.equal({ month: october, status: "single", days: 1, keys: [] });
      for (const f of FILE_FORMATS) for (const t of TABLE_NAMES) expect(existsSync(path.join(lone, monthlyFileKey(f, t, october)))).to.equal(false);
    } finally {
      rmSync(lone, { recursive: true, force: true });
    }
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
