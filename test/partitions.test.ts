/**
 * Only valid partition folders (snapshot_date=<a real YYYY-MM-DD date>) count where the lake is
 * listed: the local catalog, so the latest-date views, and the transform of every raw snapshot.
 * Anything else (a "snapshot_date=2026-07-01.bak" copy) is skipped with a warning.
 */
import { expect } from "chai";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { allTableRoots, rawSnapshotKey } from "../lib/lake/layout";
import { openLake } from "../lib/query/lakeDb";
import { LocalStore } from "../lib/storage/localStore";
import { transformAll } from "../lib/transform/transformObject";
import { runQueryCli } from "../cli/query";
import { recordedSnapshot, THE_CORE_ID } from "./support/snapshots";

describe("stray partition folders", () => {
  const DATE = "2026-06-30";
  const STRAYS = ["snapshot_date=2026-07-01.bak", "snapshot_date=2026-13-01", "snapshot_date=latest"];
  let dir: string;
  let store: LocalStore;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "partitions-"));
    store = new LocalStore(dir);
    await store.put(rawSnapshotKey(DATE, THE_CORE_ID), JSON.stringify(recordedSnapshot(THE_CORE_ID, { snapshotDate: DATE })));
    expect((await transformAll(store)).map((o) => o.status)).to.deep.equal(["transformed"]);
    // Copies of the real partition under names that sort after it, in every table root.
    for (const { root } of allTableRoots()) {
      for (const stray of STRAYS) cpSync(path.join(dir, root, `snapshot_date=${DATE}`), path.join(dir, root, stray), { recursive: true });
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("are left out of the catalog with a warning each, so the latest snapshot is the real one", async () => {
    const db = await openLake(dir);
    try {
      expect(await db.query("SELECT DISTINCT snapshot_date FROM playlists")).to.deep.equal([{ snapshot_date: DATE }]);
      expect(await db.query("SELECT DISTINCT snapshot_date FROM csv_songs")).to.deep.equal([{ snapshot_date: DATE }]);
      expect(await db.query("SELECT count(*) AS n, min(snapshot_date) AS d FROM latest_snapshot")).to.deep.equal([{ n: 74, d: DATE }]);
      expect(db.warnings).to.have.length(allTableRoots().length * STRAYS.length);
      expect(db.warnings[0]).to.equal(
        `Skipped ${path.join(dir, allTableRoots()[0].root, STRAYS[0])}: not a partition folder (snapshot_date=YYYY-MM-DD with a real date); move it out of the lake.`,
      );
    } finally {
      db.close();
    }
  });

  it("are named on stderr by npm run query, whose answer ignores them", async () => {
    const io = { stdout: "", stderr: "", out: (t: string) => (io.stdout += t), err: (t: string) => (io.stderr += t) };
    expect(await runQueryCli(["--lake", dir, "--format", "json", "SELECT max(snapshot_date) AS latest FROM playlists"], io)).to.equal(0);
    expect(JSON.parse(io.stdout)).to.deep.equal([{ latest: DATE }]);
    expect(io.stderr).to.contain(`Warning: Skipped ${path.join(dir, "transformed_data/parquet/playlists/snapshot_date=2026-07-01.bak")}: not a partition folder`);
  });

  it("in raw_data are skipped by the transform with a warning, neither transformed nor rejected", async () => {
    const strayKey = "raw_data/snapshot_date=2026-07-01.bak/playlist_id=37i9dQZF1DWXIcbzpLauPS.json";
    mkdirSync(path.join(dir, "raw_data/snapshot_date=2026-07-01.bak"), { recursive: true });
    writeFileSync(path.join(dir, strayKey), JSON.stringify(recordedSnapshot(THE_CORE_ID, { snapshotDate: DATE })));
    const skipped: [string, string][] = [];
    const outcomes = await transformAll(store, { onSkip: (key, why) => skipped.push([key, why]) });
    expect(outcomes.map((o) => [o.rawKey, o.status])).to.deep.equal([[rawSnapshotKey(DATE, THE_CORE_ID), "transformed"]]);
    expect(skipped).to.deep.equal([[strayKey, "not in a partition folder (raw_data/snapshot_date=YYYY-MM-DD/ with a real date)"]]);
    expect(await store.list("raw_data/rejected/")).to.deep.equal([]);
  });
});
