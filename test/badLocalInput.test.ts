/**
 * Bad local input never stops the rest or lies: an unreadable raw file, a date folder linked
 * into another lake, escape sequences in what the query command prints. Run as `npm start` and
 * `npm run query` are run: child processes through cli/launch.js.
 */
import { expect } from "chai";
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { rawSnapshotKey } from "../lib/lake/layout";
import { LocalStore } from "../lib/storage/localStore";
import { recordedSnapshot, THE_CORE_ID, TO_FIND_ID } from "./support/snapshots";
import { CLI_CWD } from "./support/cliCwd";

const ROOT = path.resolve(__dirname, "..");
/** Who the unreadable-file run runs as: root reads any file, so as root the run drops to nobody (65534). */
const NOBODY = 65534;

function cli(command: "main" | "query", args: string[], options: SpawnSyncOptions = {}) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("SPOTIFY_")) delete env[k];
  const r = spawnSync(process.execPath, [path.join(ROOT, "cli", "launch.js"), command, ...args], { cwd: CLI_CWD, env, encoding: "utf8", timeout: 120_000, ...options });
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Every folder under dir (and dir) open to anyone, so a run as another user can write the lake. */
function openToAll(dir: string): void {
  chmodSync(dir, 0o777);
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) openToAll(path.join(dir, e.name));
}

describe("bad local input", function () {
  this.timeout(180_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "bad-input-"));
    // Build the bundles as this user: a run as nobody cannot write .build/.
    expect(cli("main", ["--help"]).code).to.equal(0);
    expect(cli("query", ["--help"]).code).to.equal(0);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("an unreadable raw file is reported with what to do, and the later days are still transformed", async () => {
    const lake = path.join(dir, "unreadable");
    const store = new LocalStore(lake);
    const days = ["2026-11-01", "2026-11-02", "2026-11-03"];
    for (const d of days) await store.put(rawSnapshotKey(d, TO_FIND_ID), JSON.stringify(recordedSnapshot(TO_FIND_ID, { snapshotDate: d })));
    const unreadable = rawSnapshotKey("2026-11-01", TO_FIND_ID);
    openToAll(lake);
    chmodSync(dir, 0o711); // mkdtemp's folder is the owner's alone
    chmodSync(path.join(lake, unreadable), 0o000);
    const asNobody = process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {};
    const r = cli("main", ["--lake", lake, "--stage", "transform"], asNobody);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    expect(r.stdout).to.contain(`${unreadable}: NOT TRANSFORMED: EACCES: permission denied, open '${path.join(lake, unreadable)}'`);
    expect(r.stdout).to.contain("the raw file is left as it is; fix the cause");
    expect(r.stdout).to.contain("2 raw snapshot(s) -> tables, 0 rejected");
    expect(readdirSync(path.join(lake, "transformed_data", "parquet", "songs"))).to.deep.equal(["snapshot_date=2026-11-02", "snapshot_date=2026-11-03"]);
    expect(statSync(path.join(lake, unreadable)).size).to.be.greaterThan(0);
  });

  it("a table's date folder linked into another lake: the write is refused, the other lake untouched, the rest transformed", async () => {
    const lake = path.join(dir, "linked");
    const other = path.join(dir, "other-lake", "snapshot_date=2026-11-01");
    mkdirSync(other, { recursive: true });
    writeFileSync(path.join(other, `${THE_CORE_ID}.parquet`), "the other lake's file");
    const store = new LocalStore(lake);
    for (const id of [TO_FIND_ID, THE_CORE_ID]) await store.put(rawSnapshotKey("2026-11-01", id), JSON.stringify(recordedSnapshot(id, { snapshotDate: "2026-11-01" })));
    mkdirSync(path.join(lake, "transformed_data", "parquet", "songs"), { recursive: true });
    symlinkSync(other, path.join(lake, "transformed_data", "parquet", "songs", "snapshot_date=2026-11-01"));
    const r = cli("main", ["--lake", lake, "--stage", "transform"]);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    expect(r.stdout).to.match(/NOT TRANSFORMED: Refusing to write transformed_data\/parquet\/songs\/snapshot_date=2026-11-01\/[^:]+: .* is a symbolic link \(to /);
    expect(readdirSync(other)).to.deep.equal([`${THE_CORE_ID}.parquet`]);
    expect(readFileSync(path.join(other, `${THE_CORE_ID}.parquet`), "utf8")).to.equal("the other lake's file");
    expect(existsSync(path.join(lake, rawSnapshotKey("2026-11-01", THE_CORE_ID)))).to.equal(true);
  });

  it("npm run query: escape sequences in the lake's path never reach the terminal, in either error", () => {
    const missing = path.join(dir, "no\u001b]52;c;cHduZWQ=\u0007lake");
    const r = cli("query", ["--lake", missing, "SELECT 1"]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain("No lake at");
    expect(r.stderr).to.contain("␛]52;c;cHduZWQ=␇");
    expect(r.stderr).to.not.match(/[\u001b\u0007]/);
    // A lake whose table file is not Parquet: the catalog skips it with a warning that names the file, escape and all.
    const lake = path.join(dir, "broken\u001b[2Jlake");
    const folder = path.join(lake, "transformed_data", "parquet", "songs", "snapshot_date=2026-11-01");
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, "x\u001b[31m.parquet"), "not parquet");
    const broken = cli("query", ["--lake", lake, "SELECT count(*) FROM songs"]);
    expect(broken.code).to.equal(0);
    expect(broken.stderr).to.match(/Warning: Skipped .*x.*\.parquet: it is \d+ bytes, shorter than any Parquet file/);
    expect(broken.stderr).to.contain("␛[");
    expect(broken.stderr).to.not.match(/\u001b/);
  });
});
