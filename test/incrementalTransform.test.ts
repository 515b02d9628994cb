import { expect } from "chai";
import { mkdtempSync, rmSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { snapshotsToTransform } from "../lib/lake/changedSnapshots";
import { compactedFileKey, rawSnapshotKey, rejectedKeys, tableFileKey } from "../lib/lake/layout";
import { LocalStore } from "../lib/storage/localStore";
import { fleetDay, fleetPlaylistId, fleetSnapshot } from "./support/fleetLake";
import { CLI_CWD } from "./support/cliCwd";

const ROOT = path.resolve(__dirname, "..");
function start(args: string[]) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("SPOTIFY_")) delete env[k];
  const r = spawnSync(process.execPath, [path.join(ROOT, "cli", "launch.js"), "main", ...args], { cwd: CLI_CWD, env, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("npm start --stage transform without --date: only new or changed raw snapshots", function () {
  this.timeout(180_000);
  let lake: string;
  const later = (file: string, seconds: number) => {
    const t = new Date(statSync(file).mtimeMs + seconds * 1000);
    utimesSync(file, t, t);
  };
  before(async () => {
    lake = mkdtempSync(path.join(tmpdir(), "incremental-"));
    const store = new LocalStore(lake);
    for (const d of [0, 1]) for (const i of [0, 1]) await store.put(rawSnapshotKey(fleetDay(d), fleetPlaylistId(i)), JSON.stringify(fleetSnapshot(i, d)));
    await store.put(rawSnapshotKey(fleetDay(1), "brokenPlaylist"), "{ not json");
  });
  after(() => rmSync(lake, { recursive: true, force: true }));

  it("transforms everything the first time, compacts each day of two playlists, and saves the catalog", () => {
    const r = start(["--lake", lake, "--stage", "transform"]);
    expect(r.code, r.stdout + r.stderr).to.equal(1); // the broken snapshot is rejected
    expect(r.stdout).to.contain("5 of 5 raw snapshot(s) new or changed");
    expect(r.stdout).to.contain("4 raw snapshot(s) -> tables, 1 rejected");
    expect(r.stdout).to.contain(`Compacted 2 day(s) to one file per table (${fleetDay(0)}: 2 playlists, ${fleetDay(1)}: 2 playlists)`);
    expect(r.stdout).to.contain(`Catalog for your own DuckDB tools: ${path.join(lake, "catalog.duckdb")}`);
  });

  it("transforms nothing again when nothing changed: no table file is rewritten, the rejected snapshot is not retried", () => {
    const keys = [tableFileKey("parquet", "songs", fleetDay(0), fleetPlaylistId(0)), compactedFileKey("parquet", "songs", fleetDay(1))];
    const before = keys.map((k) => statSync(path.join(lake, k)).mtimeMs);
    const r = start(["--lake", lake, "--stage", "transform"]);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.contain("0 of 5 raw snapshot(s) new or changed since their tables were written; to transform a day again, give it: --date YYYY-MM-DD");
    expect(r.stdout).to.not.contain("Compacted");
    expect(keys.map((k) => statSync(path.join(lake, k)).mtimeMs)).to.deep.equal(before);
  });

  it("transforms a raw snapshot written again after its tables, and re-compacts its day only", async () => {
    const key = rawSnapshotKey(fleetDay(1), fleetPlaylistId(1));
    await new LocalStore(lake).put(key, JSON.stringify(fleetSnapshot(1, 1, { reversed: true })));
    later(path.join(lake, key), 2);
    const untouched = statSync(path.join(lake, compactedFileKey("parquet", "songs", fleetDay(0)))).mtimeMs;
    const r = start(["--lake", lake, "--stage", "transform"]);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.contain("1 of 5 raw snapshot(s) new or changed");
    expect(r.stdout).to.contain(`Compacted 1 day(s) to one file per table (${fleetDay(1)}: 2 playlists)`);
    expect(statSync(path.join(lake, compactedFileKey("parquet", "songs", fleetDay(0)))).mtimeMs).to.equal(untouched);
  });

  it("snapshotsToTransform: a table file missing or older than the raw snapshot, or a rejection older than it, means transform", () => {
    const keys = [0, 1].map((i) => rawSnapshotKey(fleetDay(0), fleetPlaylistId(i)));
    expect(snapshotsToTransform(lake, keys)).to.deep.equal([]);
    rmSync(path.join(lake, tableFileKey("csv", "artists", fleetDay(0), fleetPlaylistId(1))));
    expect(snapshotsToTransform(lake, keys)).to.deep.equal([keys[1]]);
    const broken = rawSnapshotKey(fleetDay(1), "brokenPlaylist");
    expect(snapshotsToTransform(lake, [broken])).to.deep.equal([]);
    later(path.join(lake, broken), 5);
    expect(statSync(path.join(lake, broken)).mtimeMs).to.be.greaterThan(statSync(path.join(lake, rejectedKeys(broken).reason)).mtimeMs);
    expect(snapshotsToTransform(lake, [broken])).to.deep.equal([broken]);
  });
});
