/** Orphan .tmp files from a killed write: removed on the next write into their folder, and only stale ones. */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { LocalStore } from "../lib/storage/localStore";
import { STALE_TMP_AGE_MS, tmpPathFor } from "../lib/storage/staleTmp";

/** The pid of a process that has ended (what a kill -9 leaves behind). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

describe("LocalStore: orphan .tmp files of a killed write", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "tmp-orphans-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function orphan(key: string, pid: number, ageMs: number): string {
    const file = tmpPathFor(path.join(dir, key), pid, "0a1b2c3d");
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, "half a parquet file");
    const when = new Date(Date.now() - ageMs);
    utimesSync(file, when, when);
    return file;
  }

  it("removes a stale one (old, its writer gone) on the next write into its folder, and only there", async () => {
    const dead = deadPid();
    const stale = orphan("transformed_data/parquet/songs/snapshot_date=2026-11-20/abc.parquet", dead, STALE_TMP_AGE_MS + 60_000);
    const elsewhere = orphan("transformed_data/csv/songs/snapshot_date=2026-11-20/abc.csv", dead, STALE_TMP_AGE_MS + 60_000);
    const store = new LocalStore(dir);
    expect(await store.list("")).to.deep.equal([]); // never listed as objects
    await store.put("transformed_data/parquet/songs/snapshot_date=2026-11-20/other.parquet", "x");
    expect(existsSync(stale)).to.equal(false);
    expect(existsSync(elsewhere)).to.equal(true);
    expect(await store.list("")).to.deep.equal(["transformed_data/parquet/songs/snapshot_date=2026-11-20/other.parquet"]);
  });

  it("keeps a recent one, and an old one whose writer is still running (a concurrent writer)", async () => {
    const recent = orphan("raw_data/snapshot_date=2026-11-20/playlist_id=a.json", deadPid(), 60_000);
    const running = orphan("raw_data/snapshot_date=2026-11-20/playlist_id=b.json", process.ppid, STALE_TMP_AGE_MS + 60_000);
    const ours = orphan("raw_data/snapshot_date=2026-11-20/playlist_id=c.json", process.pid, STALE_TMP_AGE_MS + 60_000);
    const notOurs = path.join(dir, "raw_data/snapshot_date=2026-11-20/notes.tmp");
    writeFileSync(notOurs, "someone's notes");
    utimesSync(notOurs, new Date(0), new Date(0));
    await new LocalStore(dir).put("raw_data/snapshot_date=2026-11-20/playlist_id=d.json", "{}");
    for (const file of [recent, running, ours, notOurs]) expect(existsSync(file), file).to.equal(true);
  });
});
