import { expect } from "chai";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { rawSnapshotKey, catalogTableName } from "../lib/lake/layout";
import { openLake, saveCatalog, LakeNotFoundError, type LakeDb } from "../lib/query/lakeDb";
import { LocalStore } from "../lib/storage/localStore";
import { TABLE_NAMES, TABLES } from "../lib/tables/schema";
import { transformAll } from "../lib/transform/transformObject";
import { runQueryCli } from "../cli/query";
import { renderRows } from "../lib/query/renderRows";
import { asReadFromCsv } from "./support/csvAsAthena";
import { editTrack, recordedEntries, recordedSnapshot, THE_CORE_ID, TO_FIND_ID } from "./support/snapshots";

function captureIo() {
  const io = { stdout: "", stderr: "", out: (t: string) => (io.stdout += t), err: (t: string) => (io.stderr += t) };
  return io;
}

describe("openLake (DuckDB as Athena)", () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "query-"));
    const store = new LocalStore(dir);
    await store.put(rawSnapshotKey("2026-11-20", THE_CORE_ID), JSON.stringify(recordedSnapshot(THE_CORE_ID, { snapshotDate: "2026-11-20" })));
    // Names that need CSV quoting, and artists with the fields dev mode lost, present, empty or partly there.
    const [entry] = recordedEntries(TO_FIND_ID);
    const tricky = editTrack(entry, (t) => {
      t.name = 'All I Need, "Live"\nat Ahoy – 東京 · Беларусь';
      delete t.popularity;
    });
    const snapshot = recordedSnapshot(TO_FIND_ID, {
      snapshotDate: "2026-11-21",
      entries: [tricky, entry],
      artists: {
        "7zrkALJ9ayRjzysp4QYoEg": { id: "7zrkALJ9ayRjzysp4QYoEg", name: "Maribou State", genres: ["downtempo", "electronica, uk"], followers: { total: 512345 }, popularity: 61 },
        "6SKEuFZYhaTytrhtJjgnO2": { id: "6SKEuFZYhaTytrhtJjgnO2", name: "Andreya Triana", genres: [] },
      },
    });
    await store.put(rawSnapshotKey("2026-11-21", TO_FIND_ID), JSON.stringify(snapshot));
    const outcomes = await transformAll(store);
    expect(outcomes.map((o) => o.status)).to.deep.equal(["transformed", "transformed"]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("says to run npm start when the lake folder does not exist", async () => {
    let error: Error | undefined;
    await openLake(path.join(dir, "nowhere")).catch((e: Error) => (error = e));
    expect(error).to.be.instanceOf(LakeNotFoundError);
    expect(error?.message).to.match(/No lake at .*nowhere: run `npm start` first/);
  });

  it("reuses the saved catalog only while it was made from the lake's files and views as they are", async () => {
    const lake = mkdtempSync(path.join(tmpdir(), "query-saved-"));
    const answers = async (db: LakeDb) => ({
      relations: await db.relations(),
      snapshot: await db.query("SELECT * FROM playlist_snapshot ORDER BY snapshot_date, playlist_id, position"),
      latest: await db.query("SELECT snapshot_date, playlist_id, position FROM latest_snapshot ORDER BY 1, 2, 3"),
    });
    const opened = async () => {
      const db = await openLake(lake);
      try {
        return { catalog: db.catalog, ...(await answers(db)) };
      } finally {
        db.close();
      }
    };
    try {
      cpSync(path.join(dir, "transformed_data"), path.join(lake, "transformed_data"), { recursive: true });
      const built = await opened();
      expect(built.catalog).to.equal("built");
      await saveCatalog(lake);
      const saved = await opened();
      expect(saved).to.deep.equal({ ...built, catalog: "saved" });
      // A day gone from the lake: the saved catalog no longer names the lake's files, so it is not used.
      rmSync(path.join(lake, "transformed_data/parquet/playlists/snapshot_date=2026-11-21"), { recursive: true });
      const changed = await opened();
      expect(changed.catalog).to.equal("built");
      expect(changed.latest.map((r) => r.snapshot_date)).to.not.include("2026-11-21");
      // Views that differ from the saved ones: built too.
      await saveCatalog(lake);
      const views = mkdtempSync(path.join(tmpdir(), "query-views-"));
      try {
        const db = await openLake(lake, { viewsDir: views });
        try {
          expect(db.catalog).to.equal("built");
          expect(await db.relations()).to.not.include("daily_changes");
        } finally {
          db.close();
        }
      } finally {
        rmSync(views, { recursive: true, force: true });
      }
      expect((await opened()).catalog).to.equal("saved");
    } finally {
      rmSync(lake, { recursive: true, force: true });
    }
  });

  it("compiles every view on an empty lake, with typed empty tables", async () => {
    const empty = mkdtempSync(path.join(tmpdir(), "query-empty-"));
    mkdirSync(path.join(empty, "transformed_data/parquet/songs"), { recursive: true }); // a root without files yet
    const db = await openLake(empty);
    try {
      const relations = await db.relations();
      for (const t of TABLE_NAMES) expect(relations).to.include.members([t, `csv_${t}`]);
      expect(relations).to.include.members(["playlist_snapshot", "latest_snapshot", "daily_changes", "artist_daily"]);
      expect(await db.query("SELECT count(*) AS n FROM latest_snapshot")).to.deep.equal([{ n: 0 }]);
      const types = await db.query("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'artists' ORDER BY ordinal_position");
      expect(types.map((r) => `${r.column_name} ${r.data_type}`)).to.deep.equal([
        "playlist_id VARCHAR",
        "artist_id VARCHAR",
        "artist_name VARCHAR",
        "genres VARCHAR[]",
        "followers BIGINT",
        "popularity INTEGER",
        "artist_url VARCHAR",
        "snapshot_date VARCHAR",
      ]);
    } finally {
      db.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  describe("on a lake with two playlists", () => {
    let db: LakeDb;
    before(async () => {
      db = await openLake(dir);
    });
    after(() => db?.close());

    it("types the tables as the schema says, snapshot_date a VARCHAR partition as Glue makes it", async () => {
      const types = await db.query("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'playlist_tracks' ORDER BY ordinal_position");
      expect(types.map((r) => `${r.column_name} ${r.data_type}`)).to.deep.equal([
        "playlist_id VARCHAR",
        "position INTEGER",
        "song_id VARCHAR",
        "added_at TIMESTAMP",
        "added_by VARCHAR",
        "snapshot_date VARCHAR",
      ]);
    });

    for (const table of TABLE_NAMES) {
      it(`reads the same ${table} rows from Parquet and from CSV, as far as Athena's CSV reader can`, async () => {
        const sql = (format: "parquet" | "csv") => `SELECT * FROM ${catalogTableName(format, table)}`;
        const sorted = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort();
        // The Parquet values as csv_ tables return them (lists as JSON text, no NULL string, no line break).
        const parquet = (await db.query(sql("parquet"))).map((row) => ({
          ...Object.fromEntries(TABLES[table].map((c) => [c.name, asReadFromCsv(c.type, row[c.name])])),
          snapshot_date: row.snapshot_date,
        }));
        const csv = await db.query(sql("csv"));
        expect(parquet.length).to.be.greaterThan(0);
        expect(sorted(csv)).to.deep.equal(sorted(parquet));
      });
    }

    it("keeps quoted, multi-line and non-Latin names, null popularity and followers, and genre lists", async () => {
      const song = await db.query(`SELECT song_name, popularity FROM csv_songs WHERE playlist_id = '${TO_FIND_ID}' ORDER BY song_name`);
      // The edited entry comes first, so its version of the (twice-listed) song is the one kept.
      expect(song).to.deep.equal([{ song_name: 'All I Need, "Live"\u2028at Ahoy – 東京 · Беларусь', popularity: null }]);
      const artists = await db.query(`SELECT artist_name, genres, followers, popularity FROM artists WHERE playlist_id = '${TO_FIND_ID}' ORDER BY artist_name`);
      expect(artists).to.deep.equal([
        { artist_name: "Andreya Triana", genres: [], followers: null, popularity: null },
        { artist_name: "Maribou State", genres: ["downtempo", "electronica, uk"], followers: 512345, popularity: 61 },
      ]);
    });

    it("returns plain values: numbers for BIGINT counts, ISO strings for timestamps, arrays for lists", async () => {
      const [row] = await db.query(
        `SELECT count(*) AS n, max(added_at) AS latest, list_sort(list(DISTINCT snapshot_date)) AS days FROM playlist_tracks`,
      );
      expect(row).to.deep.equal({ n: 76, latest: "2025-07-29T21:11:55.000Z", days: ["2026-11-20", "2026-11-21"] });
    });
  });
});

describe("npm run query (runQueryCli)", () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "query-cli-"));
    const store = new LocalStore(dir);
    await store.put(rawSnapshotKey("2026-11-21", TO_FIND_ID), JSON.stringify(recordedSnapshot(TO_FIND_ID, { snapshotDate: "2026-11-21" })));
    await transformAll(store);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("prints JSON as an array of row objects", async () => {
    const io = captureIo();
    expect(await runQueryCli(["--lake", dir, "--format", "json", "select count(*) as n from latest_snapshot"], io)).to.equal(0);
    expect(JSON.parse(io.stdout)).to.deep.equal([{ n: 1 }]);
    expect(io.stderr).to.equal("");
  });

  it("prints aligned columns by default", async () => {
    const io = captureIo();
    expect(await runQueryCli(["--lake", dir, `SELECT "position", song_name, artist_names FROM latest_snapshot`], io)).to.equal(0);
    expect(io.stdout).to.equal(
      [
        "position | song_name  | artist_names",
        "---------+------------+------------------------------",
        "1        | All I Need | Maribou State, Andreya Triana",
        "(1 row)",
        "",
      ].join("\n"),
    );
  });

  it("prints a table of 300,000 rows (column widths without spreading every row into one call)", () => {
    const rows = Array.from({ length: 300_000 }, (_, i) => ({ n: i }));
    const lines = renderRows({ columns: ["n"], rows }, "table").split("\n");
    expect(lines.slice(0, 3)).to.deep.equal(["n", "------", "0"]);
    expect(lines.at(-2)).to.equal("(300000 rows)");
  });

  it("prints CSV, and runs a saved query by name", async () => {
    const io = captureIo();
    expect(await runQueryCli(["--lake", dir, "--format", "csv", "top_songs"], io)).to.equal(0);
    expect(io.stdout).to.equal(
      "playlist_name,snapshot_date,place,position,song_name,artist_names,album_name\n" +
        'To find,2026-11-21,1,1,All I Need,"Maribou State, Andreya Triana",All I Need\n',
    );
  });

  it("says to run npm start when there is no lake, and exits non-zero", async () => {
    const io = captureIo();
    expect(await runQueryCli(["--lake", path.join(dir, "missing"), "select 1"], io)).to.equal(1);
    expect(io.stderr).to.match(/run `npm start` first/);
    expect(io.stdout).to.equal("");
  });

  it("gives DuckDB's message and the tables and views on a SQL error", async () => {
    const io = captureIo();
    expect(await runQueryCli(["--lake", dir, "select * from no_such_table"], io)).to.equal(1);
    expect(io.stderr).to.match(/Query failed: .*no_such_table/);
    expect(io.stderr).to.match(/Tables and views in this lake: .*latest_snapshot.*playlist_tracks/);
  });

  it("explains its usage on bad arguments", async () => {
    for (const argv of [[], ["--format", "xml", "select 1"], ["--nope", "select 1"], ["select", "1"], ["--lake", "", "select 1"]]) {
      const io = captureIo();
      expect(await runQueryCli(argv, io), argv.join(" ")).to.equal(2);
      expect(io.stderr).to.match(/Usage: npm run query/);
    }
  });
});
