/** Orphan .tmp files from a killed write: removed on the next write into their folder, and only stale ones. */
import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { LocalStore } from "../lib/storage/localStore";
import { STALE_TMP_AGE_MS, TMP_HOST, tmpPathFor } from "../lib/storage/staleTmp";

/** The pid of a process that has ended (what a kill -9 leaves behind). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

/**
 * A writer killed with SIGKILL (kill -9) in the middle of its write: it has created its .tmp
 * file, written part of it, and never reaches the rename. Returns the file it left.
 */
async function killedMidWrite(target: string): Promise<string> {
  const script = `const fs = require("node:fs");
    const file = process.argv[1] + "." + process.argv[2] + "." + process.pid + ".0a1b2c3d.tmp";
    const fd = fs.openSync(file, "w");
    fs.writeSync(fd, Buffer.alloc(1 << 20, 1));
    process.stdout.write(file);
    setInterval(() => {}, 1000);`;
  mkdirSync(path.dirname(target), { recursive: true });
  const child = spawn(process.execPath, ["-e", script, target, TMP_HOST], { stdio: ["ignore", "pipe", "inherit"] });
  const [chunk] = (await once(child.stdout, "data")) as [Buffer];
  child.kill("SIGKILL");
  await once(child, "exit");
  return chunk.toString();
}

describe("LocalStore: orphan .tmp files of a killed write", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "tmp-orphans-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function orphan(key: string, host: string, pid: number, ageMs: number): string {
    const file = tmpPathFor(path.join(dir, key), "0a1b2c3d", host, pid);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, "half a parquet file");
    const when = new Date(Date.now() - ageMs);
    utimesSync(file, when, when);
    return file;
  }

  it("removes, on the next write into its folder, the file of a writer killed with kill -9 on this machine, at once", async () => {
    const folder = "transformed_data/parquet/songs/snapshot_date=2026-11-20";
    const killed = await killedMidWrite(path.join(dir, folder, "abc.parquet"));
    expect(existsSync(killed)).to.equal(true);
    const elsewhere = orphan("transformed_data/csv/songs/snapshot_date=2026-11-20/abc.csv", TMP_HOST, deadPid(), 1_000);
    const store = new LocalStore(dir);
    expect(await store.list("")).to.deep.equal([]); // never listed as objects
    await store.put(`${folder}/other.parquet`, "x");
    expect(existsSync(killed)).to.equal(false);
    expect(existsSync(elsewhere)).to.equal(true);
    expect(await store.list("")).to.deep.equal([`${folder}/other.parquet`]);
  });

  it("removes any file not written to for an hour, whatever machine wrote it", async () => {
    const old = orphan("raw_data/snapshot_date=2026-11-20/playlist_id=a.json", "another-machine", process.ppid, STALE_TMP_AGE_MS + 60_000);
    const reused = orphan("raw_data/snapshot_date=2026-11-20/playlist_id=b.json", TMP_HOST, process.ppid, STALE_TMP_AGE_MS + 60_000);
    await new LocalStore(dir).put("raw_data/snapshot_date=2026-11-20/playlist_id=c.json", "{}");
    expect(existsSync(old)).to.equal(false);
    expect(existsSync(reused)).to.equal(false);
  });

  it("keeps a concurrent writer's file: running here, or recent from another machine; and files that are not its own", async () => {
    const folder = "raw_data/snapshot_date=2026-11-20";
    const runningHere = orphan(`${folder}/playlist_id=a.json`, TMP_HOST, process.ppid, 60_000);
    const ours = orphan(`${folder}/playlist_id=b.json`, TMP_HOST, process.pid, 60_000);
    const otherMachine = orphan(`${folder}/playlist_id=c.json`, "another-machine", deadPid(), 60_000);
    const notOurs = path.join(dir, folder, "notes.tmp");
    writeFileSync(notOurs, "someone's notes");
    utimesSync(notOurs, new Date(0), new Date(0));
    await new LocalStore(dir).put(`${folder}/playlist_id=d.json`, "{}");
    for (const file of [runningHere, ours, otherMachine, notOurs]) expect(existsSync(file), file).to.equal(true);
  });
});
